"""The library screen: the documents with their status and size; `a` adds a file by path and `f`
picks one from a directory tree (ingestion runs in a worker and feeds a progress bar); `d`
deletes the selected document after a confirmation; enter opens the chat on it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Static

from reader.core.errors import TomeError
from reader.core.events import (
    IngestEvent,
    IngestFinished,
    IngestStarted,
    LevelStarted,
    PageGisted,
    Preparing,
)

if TYPE_CHECKING:
    from memory.records import DocumentRecord
    from reader.library import Library


HELP = (
    "enter chats about the document · a adds a file by path, f picks one · d deletes it · "
    "ctrl+t shows its tree"
)
COLUMNS = ("id", "title", "status", "pages", "tokens", "tree depth", "format", "added")


def document_row(record: DocumentRecord) -> tuple[str, ...]:
    """The table cells of one document, in the order of COLUMNS."""
    depth = record.stats.get("depth")
    return (
        record.id[:12],
        record.title[:50],
        record.status,
        str(record.pages),
        f"{record.tokens:,}",
        str(depth) if depth is not None else "",
        record.format,
        time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created)),
    )


class LibraryScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add file"),
        Binding("f", "pick", "Pick file"),
        Binding("enter", "open", "Chat", show=True),
        Binding("d,delete", "delete", "Delete"),
        Binding("ctrl+t", "tree", "Tree"),
        Binding("g", "refresh", "Refresh"),
        Binding("escape", "cancel_add", "Cancel", show=False),
    ]

    @dataclass
    class Progress(Message):
        """An ingestion event (`reader.core.events`), posted from the add worker."""

        event: IngestEvent

    @dataclass
    class Added(Message):
        doc_id: str

    @dataclass
    class AddFailed(Message):
        path: str
        error: TomeError

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DocumentRecord] = {}
        self.adding = False
        self.browse_from = Path.cwd()  # where the file picker opens: then the last pick's folder

    @property
    def library(self) -> Library:
        return self.app.library  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="library-body"):
            yield DataTable(id="documents", cursor_type="row", zebra_stripes=True)
            yield Static("", id="library-empty")
            yield Static(HELP, id="library-help")
            with Vertical(id="add-box"):
                yield Input(placeholder="Path of a file to add (enter adds, escape cancels)",
                            id="add-path")  # fmt: skip
                yield Static("", id="add-status")
                yield ProgressBar(id="add-progress", show_eta=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "library"
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self.query_one("#add-box").display = False
        self.refresh_documents()

    # -- listing --------------------------------------------------------------------------------

    @work(exclusive=True, group="list")
    async def refresh_documents(self) -> None:
        try:
            records = await asyncio.to_thread(self.library.documents)
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        self.show_documents(records)

    def show_documents(self, records: list[DocumentRecord]) -> None:
        self.records = {r.id: r for r in records}
        table = self.query_one(DataTable)
        table.clear()
        for r in records:
            table.add_row(*document_row(r), key=r.id)
        empty = self.query_one("#library-empty", Static)
        empty.update("" if records else "No documents yet: press a to add a file.")
        empty.display = not records
        if records and not self.query_one("#add-box").display:
            table.focus()

    def selected(self) -> DocumentRecord | None:
        table = self.query_one(DataTable)
        if not self.records or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.records.get(str(key))

    def action_refresh(self) -> None:
        self.refresh_documents()

    # -- opening --------------------------------------------------------------------------------

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        record = self.selected()
        if record is None:
            return
        if not record.ready:
            self.notify(f"{record.title} is {record.status}; it can be asked once ready",
                        severity="warning")  # fmt: skip
            return
        self.app.open_chat(record.id, record.title)  # type: ignore[attr-defined]

    # -- deleting -------------------------------------------------------------------------------

    def action_delete(self) -> None:
        from tui.screens.dialogs import ConfirmScreen

        record = self.selected()
        if record is None:
            return
        if self.adding:
            self.notify("wait until the file being added is ready", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_document(record.id, record.title)

        question = (
            f"Delete “{record.title}” ({record.id[:12]})?\n\nIts pages, summary tree and the "
            "questions asked about it are forgotten; the file itself stays."
        )
        self.app.push_screen(ConfirmScreen(question), confirmed)

    @work(exclusive=True, group="delete")
    async def delete_document(self, doc_id: str, title: str) -> None:
        try:
            await asyncio.to_thread(self.library.remove, doc_id)
        except TomeError as exc:
            self.notify(exc.message, title=f"Could not delete {title}", severity="error")
            return
        self.notify(f"{title} deleted", title="Deleted")
        self.refresh_documents()

    def action_tree(self) -> None:
        from tui.screens.tree import TreeScreen

        record = self.selected()
        if record is not None:
            self.app.push_screen(TreeScreen(record.id, record.title))

    # -- adding ---------------------------------------------------------------------------------

    def action_add(self) -> None:
        if self.adding:
            self.notify("already adding a file", severity="warning")
            return
        self.query_one("#add-box").display = True
        self.query_one("#add-progress").display = False
        self.query_one("#add-status", Static).update("")
        self.query_one("#add-path", Input).focus()

    def action_cancel_add(self) -> None:
        if not self.adding:
            self.query_one("#add-box").display = False
            self.query_one(DataTable).focus()

    @on(Input.Submitted, "#add-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        if path and not self.adding:
            self.start_add(path)

    def start_add(self, path: str) -> None:
        """Show the add box with `path` and ingest it in a worker."""
        self.adding = True
        box = self.query_one("#add-box")
        box.display = True
        path_input = self.query_one("#add-path", Input)
        path_input.value = path
        path_input.disabled = True
        bar = self.query_one("#add-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#add-status", Static).update(f"reading {path}…")
        self.add_file(path)

    def action_pick(self) -> None:
        from tui.screens.picker import FilePickerScreen

        if self.adding:
            self.notify("already adding a file", severity="warning")
            return

        def picked(path: Path | None) -> None:
            if path is not None and not self.adding:
                self.browse_from = path.parent
                self.start_add(str(path))

        suffixes = list(self.library.supported_formats())
        self.app.push_screen(FilePickerScreen(self.browse_from, suffixes), picked)

    @work(exclusive=True, group="add")
    async def add_file(self, path: str) -> None:
        def on_event(event: IngestEvent) -> None:
            self.post_message(self.Progress(event))  # thread-safe

        try:
            handle = await self.library.aadd(path, on_event)
        except TomeError as exc:
            self.post_message(self.AddFailed(path, exc))
            return
        except Exception as exc:  # keep the app alive; show what went wrong
            self.post_message(self.AddFailed(path, TomeError(f"unexpected error: {exc!r}")))
            return
        self.post_message(self.Added(handle.id))

    def on_library_screen_progress(self, message: Progress) -> None:
        event = message.event
        bar = self.query_one("#add-progress", ProgressBar)
        status = self.query_one("#add-status", Static)
        match event:
            case Preparing(step=step, detail=detail):
                status.update(f"{step} {detail}…")
            case IngestStarted(pages=pages, done=done):
                bar.update(total=pages, progress=done)
                status.update(f"reading {pages} pages…")
            case PageGisted(ok=True):
                bar.advance(1)
            case PageGisted(ordinal=ordinal, error=error):
                status.update(f"page {ordinal + 1} failed: {error}")
            case LevelStarted(level=level, nodes=nodes):
                status.update(f"summarising: level {level}, {nodes} nodes")
            case IngestFinished():
                status.update("done")

    def _finish_add(self) -> None:
        self.adding = False
        path_input = self.query_one("#add-path", Input)
        path_input.disabled = False

    def on_library_screen_added(self, message: Added) -> None:
        self._finish_add()
        self.query_one("#add-path", Input).value = ""
        self.query_one("#add-box").display = False
        self.notify("document added and ready", title="Added")
        self.refresh_documents()

    def on_library_screen_add_failed(self, message: AddFailed) -> None:
        self._finish_add()
        self.query_one("#add-progress").display = False
        self.query_one("#add-status", Static).update("")
        self.notify(message.error.message, title=f"Could not add {message.path}",
                    severity="error", timeout=8)  # fmt: skip
        self.query_one("#add-path", Input).focus()
        self.refresh_documents()
