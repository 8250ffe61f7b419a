"""Widgets of the tome TUI: chat messages, the citations panel and the prompt bar."""
