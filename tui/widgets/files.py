"""A directory tree showing only folders and the files tome can read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DirectoryTree


class DocumentTree(DirectoryTree):
    """Folders (not hidden ones) and files whose suffix is in `suffixes`; backspace climbs to
    the parent folder. The border title names the folder shown."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("backspace", "parent", "Parent folder"),
    ]

    def __init__(self, path: str | Path, suffixes: Iterable[str], **kwargs: Any) -> None:
        super().__init__(Path(path).expanduser().resolve(), **kwargs)
        self.suffixes = {s.lower() for s in suffixes}

    def on_mount(self) -> None:
        self.border_title = str(self.path)

    def wanted(self, path: Path) -> bool:
        if path.name.startswith("."):
            return False
        if self._safe_is_dir(path):
            return True
        return path.suffix.lower() in self.suffixes

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [path for path in paths if self.wanted(path)]

    def go_to(self, folder: Path) -> None:
        self.path = folder
        self.border_title = str(folder)

    def action_parent(self) -> None:
        here = Path(self.path)
        if here.parent != here:
            self.go_to(here.parent)
