"""A modal file picker for adding a document: a directory tree of the files tome can read;
dismisses with the chosen file's path, or None."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Label

from tui.widgets.files import DocumentTree


class FilePickerScreen(ModalScreen[Path | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, start: Path, suffixes: list[str]) -> None:
        super().__init__()
        self.start = start
        self.suffixes = sorted(suffixes)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield Label(
                "enter opens a folder or adds the file · backspace goes up · escape closes",
                id="picker-help",
            )
            yield DocumentTree(self.start, self.suffixes, id="picker-tree")
            yield Label("reads " + " ".join(self.suffixes), id="picker-formats")

    def on_mount(self) -> None:
        self.query_one("#picker-box").border_title = "Add a file"
        self.query_one(DocumentTree).focus()

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
