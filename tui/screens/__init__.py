"""The screens of the tome TUI: library, chat, tree browser and the conversation picker."""
