"""TomeApp: the Textual application behind `tome chat [DOC]`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.screens.chat import ChatScreen
from tui.screens.library import LibraryScreen

if TYPE_CHECKING:
    from reader.library import DocumentHandle, Library


class TomeApp(App[None]):
    TITLE = "tome"
    CSS_PATH = "tome.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+l", "library", "Library"),
    ]

    def __init__(
        self, library: Library, document: DocumentHandle | str | None = None, title: str = ""
    ) -> None:
        super().__init__()
        self.library = library
        self.initial_document = getattr(document, "id", document)
        self.initial_title = title

    def on_mount(self) -> None:
        self.push_screen(LibraryScreen())
        if self.initial_document:
            self.open_chat(self.initial_document, self.initial_title)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): Textual's commands, and on a chat its export."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, ChatScreen):
            yield SystemCommand(
                "Export conversation",
                "Write this conversation as Markdown under the data directory (ctrl+e)",
                screen.action_export,
            )

    def open_chat(self, doc_id: str, title: str = "") -> None:
        self.push_screen(ChatScreen(doc_id, title))

    def action_library(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, LibraryScreen):
            self.pop_screen()
        if isinstance(self.screen, LibraryScreen):
            self.screen.refresh_documents()

    async def on_unmount(self) -> None:
        await self.library.aclose()  # its model client was opened on this app's event loop
