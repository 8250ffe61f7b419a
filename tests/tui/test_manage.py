"""Managing the library from the TUI (issue 16): renaming and deleting conversations, deleting
documents (each after a confirmation) and adding a file picked from a directory tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList

from reader.core.errors import NotFoundError
from reader.core.types import Episode
from tests.tui.conftest import Book, write_book
from tests.tui.test_app import QUESTION, SIZE, ask, notifications, settle
from tui.app import TomeApp
from tui.screens.chat import ChatScreen
from tui.screens.conversations import ConversationsScreen
from tui.screens.dialogs import ConfirmScreen, TextPromptScreen
from tui.screens.library import LibraryScreen
from tui.screens.picker import FilePickerScreen
from tui.widgets.files import DocumentTree
from tui.widgets.message import ChatMessage


async def until(pilot, condition, tries: int = 100) -> None:
    """Pause until `condition()` holds: a DirectoryTree's loader worker never completes, so
    `settle` (which waits for every worker) cannot be used while the picker is open."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never held")


def option_texts(app: TomeApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


# -- memory and library --------------------------------------------------------------------------


def test_episodic_memory_renames_and_forgets_conversations(book: Book) -> None:
    memory = book.library.store.episodes
    for n, conversation in enumerate(["c1", "c1", "c2"]):
        memory.add(Episode(id=f"e{n}", conversation=conversation, documents=[book.doc_id],
                           question=f"q{n}", answer="a", time=float(n)))  # fmt: skip
    assert memory.titles() == {}
    memory.rename("c1", "  Harbour   talk ")
    assert memory.titles() == {"c1": "Harbour talk"}
    memory.add(Episode(id="e3", conversation="c1", documents=[book.doc_id], question="q3",
                       answer="a", time=3.0))  # fmt: skip
    assert book.library.conversation_titles() == {"c1": "Harbour talk"}  # a later turn keeps it
    book.library.rename_conversation("c1", "")
    assert memory.titles() == {}
    assert book.library.remove_conversation("c1") == 3
    assert [s.id for s in book.library.conversations()] == ["c2"]
    with pytest.raises(NotFoundError):
        memory.rename("c1", "gone")
    with pytest.raises(NotFoundError):
        memory.remove_conversation("c1")
    assert ".pdf" in book.library.supported_formats()


# -- conversations -------------------------------------------------------------------------------


async def open_conversations(app: TomeApp, pilot) -> ConversationsScreen:
    await pilot.press("ctrl+r")
    await settle(app, pilot)
    assert isinstance(app.screen, ConversationsScreen)
    return app.screen


async def test_renaming_a_conversation_shows_its_title(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        conversation = app.screen.conversation
        await open_conversations(app, pilot)
        assert QUESTION in option_texts(app)[0]
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TextPromptScreen)
        field = app.screen.query_one(Input)
        assert field.value == QUESTION and app.focused is field
        await pilot.press("escape")  # cancelled: nothing changes
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationsScreen)
        assert book.library.conversation_titles() == {}
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one(Input).value = "Cake research"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationsScreen)
        assert book.library.conversation_titles() == {conversation: "Cake research"}
        (line,) = option_texts(app)
        assert "Cake research" in line and QUESTION not in line
        await pilot.press("enter")  # the renamed conversation still resumes
        await settle(app, pilot)
        assert isinstance(app.screen, ChatScreen) and app.screen.conversation == conversation


async def test_deleting_a_conversation_asks_first(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        conversation = app.screen.conversation
        await open_conversations(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # the focused button is Cancel
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationsScreen)
        assert [s.id for s in book.library.conversations()] == [conversation]
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationsScreen)
        assert book.library.conversations() == []
        assert option_texts(app) == ["No conversations yet."]
        assert any("deleted" in m for m in notifications(app))
        await pilot.press("escape")
        await settle(app, pilot)
        chat = app.screen
        assert isinstance(chat, ChatScreen)  # its conversation is gone: it starts afresh
        assert chat.conversation is None and not chat.query(ChatMessage)


# -- documents -----------------------------------------------------------------------------------


async def test_deleting_a_document_asks_first(book: Book) -> None:
    app = TomeApp(book.library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert book.title in str(app.screen.question)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, LibraryScreen) and table.row_count == 1
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert table.row_count == 0 and book.library.documents() == []
        assert any("deleted" in m for m in notifications(app))


async def test_the_file_picker_shows_readable_files_and_adds_the_pick(
    book: Book, tmp_path: Path
) -> None:
    folder = tmp_path / "shelf"
    (folder / "inner").mkdir(parents=True)
    chosen = write_book(folder / "second.txt")
    chosen.write_text(chosen.read_text() + "\nCHAPTER 4\n\nThe end of the voyage.\n")
    (folder / "notes.xyz").write_text("not a document")
    (folder / ".hidden.txt").write_text("hidden")
    (folder / "inner" / "other.md").write_text("# Other\n")
    app = TomeApp(book.library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        library = app.screen
        assert isinstance(library, LibraryScreen)
        library.browse_from = folder / "inner"
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        tree = app.screen.query_one(DocumentTree)
        await until(pilot, lambda: bool(tree.root.children))
        assert app.focused is tree
        assert [str(n.label) for n in tree.root.children] == ["other.md"]
        await pilot.press("backspace")  # up to the shelf
        await until(pilot, lambda: len(tree.root.children) == 2)
        assert Path(tree.path) == folder.resolve()
        assert [str(n.label) for n in tree.root.children] == ["inner", "second.txt"]
        tree.move_cursor(tree.root.children[1])
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is library)
        await settle(app, pilot)
        assert library.query_one(DataTable).row_count == 2, notifications(app)
        assert book.library.added(chosen) is not None
        assert library.browse_from == folder.resolve()
        await pilot.press("f")  # escape closes the picker without adding
        await until(pilot, lambda: isinstance(app.screen, FilePickerScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is library)
        await settle(app, pilot)
        assert library.query_one(DataTable).row_count == 2
