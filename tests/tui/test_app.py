"""The TUI driven through Textual's Pilot, with the fake model and a tiny ingested book."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable, Input, OptionList, ProgressBar, Static, Tree

from reader.core.types import Node, Page
from tests.tui.conftest import Book, model_error, write_book
from tui.app import TomeApp
from tui.screens.chat import ChatScreen
from tui.screens.conversations import ConversationsScreen
from tui.screens.library import LibraryScreen
from tui.screens.tree import TreeScreen
from tui.widgets.message import ChatMessage, Thinking

QUESTION = "What is in the lemon cake?"
SIZE = (140, 40)


def texts(app: TomeApp, selector: str) -> list[str]:
    return [str(w.content) for w in app.screen.query(selector).results(Static)]


def notifications(app: TomeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def settle(app: TomeApp, pilot) -> None:
    """Let workers finish and the messages they posted be handled."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def ask(app: TomeApp, pilot, question: str = QUESTION) -> None:
    prompt = app.screen.query_one("#prompt", Input)
    assert app.focused is prompt
    prompt.value = question
    await pilot.press("enter")
    await settle(app, pilot)


async def test_question_shows_the_answer_its_cost_and_a_citation(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        await ask(app, pilot)
        messages = list(app.screen.query(ChatMessage))
        assert [m.role for m in messages] == ["user", "tome"]
        assert messages[0].text == QUESTION
        assert "cardamom from Zanzibar" in " ".join(texts(app, ".message.tome .body"))
        meta = texts(app, ".message.tome .meta")[0]
        assert meta.startswith("whole · 1 call ·") and "1 citation" in meta
        assert not app.screen.query(Thinking)
        citations = texts(app, "#citations .citation")
        assert len(citations) == 1
        assert "the lemon cake needs cardamom from Zanzibar" in citations[0]
        assert "page " in citations[0] and "Grandma Ada kept her secret" in citations[0]
        assert app.screen.query_one("#prompt", Input).value == ""
        assert app.screen.conversation is not None


async def test_a_failing_model_notifies_and_keeps_the_question(book: Book) -> None:
    book.behaviour.error = model_error()
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        assert any("model endpoint refused" in m for m in notifications(app))
        prompt = app.screen.query_one("#prompt", Input)
        assert prompt.value == QUESTION and not prompt.disabled
        assert not app.screen.query(ChatMessage) and not app.screen.query(Thinking)
        # the same question succeeds once the model works again
        book.behaviour.error = None
        await pilot.press("enter")
        await settle(app, pilot)
        assert [m.role for m in app.screen.query(ChatMessage)] == ["user", "tome"]


async def test_tree_browser_expands_lazily_down_to_a_page(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert isinstance(app.screen, TreeScreen)
        tree = app.screen.query_one(Tree)
        root = tree.root
        assert isinstance(root.data, Node) and "Summary" in str(root.label)
        assert not root.children  # nothing loaded before it is expanded
        await pilot.press("enter")  # the cursor is on the root: expand it
        await settle(app, pilot)
        assert root.is_expanded and root.children
        node = root
        while not isinstance(node.children[0].data, Page):
            node = node.children[0]
            node.expand()
            await settle(app, pilot)
            assert node.children
        page_node = node.children[0]
        tree.select_node(page_node)
        await settle(app, pilot)
        detail = str(app.screen.query_one("#detail", Static).content)
        assert detail.startswith("Page 1") and "harbour was quiet" in detail
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


async def test_library_lists_the_document_and_opens_its_chat(book: Book) -> None:
    app = TomeApp(book.library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, LibraryScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        row = table.get_row_at(0)
        assert row[0] == book.doc_id[:12] and row[2] == "ready"
        assert row[1] == book.title and int(row[3]) >= 3
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen) and app.screen.doc_id == book.doc_id
        await pilot.press("escape")
        assert isinstance(app.screen, LibraryScreen)


async def test_adding_a_file_ingests_it_with_progress(book: Book, tmp_path: Path) -> None:
    other = write_book(tmp_path / "second.txt")
    other.write_text(other.read_text() + "\nCHAPTER 4\n\nThe end of the voyage.\n")
    app = TomeApp(book.library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("a")
        path_input = screen.query_one("#add-path", Input)
        assert app.focused is path_input and path_input.value == ""
        path_input.value = str(tmp_path / "missing.txt")
        await pilot.press("enter")
        await settle(app, pilot)
        assert any("does not exist" in m for m in notifications(app))
        assert app.focused is path_input, app.focused
        path_input.value = str(other)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.query_one(DataTable).row_count == 2, notifications(app)
        added = next(r for r in book.library.documents() if r.id != book.doc_id)
        bar = screen.query_one("#add-progress", ProgressBar)  # fed by the ingest events
        assert added.ready and bar.total == added.pages and bar.progress == added.pages
        assert not screen.query_one("#add-box").display


async def test_conversations_continue_and_resume(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        first = app.screen.conversation
        await ask(app, pilot, "And where is the cardamom from?")
        assert app.screen.conversation == first
        memory = book.library.store.episodes
        assert len(memory.conversation(first)) == 2
        await pilot.press("ctrl+n")
        assert app.screen.conversation is None and not app.screen.query(ChatMessage)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert isinstance(app.screen, ConversationsScreen)
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1 and options.get_option_at_index(0).id == first
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ChatScreen) and app.screen.conversation == first
        turns = [m.text for m in app.screen.query(ChatMessage)]
        assert turns[0] == QUESTION and turns[2] == "And where is the cardamom from?"
        assert len(turns) == 4
        citations = texts(app, "#citations .citation")  # those of the last earlier answer
        assert len(citations) == 1 and "cardamom from Zanzibar" in citations[0]


def test_chat_command_opens_the_app_on_the_document(book: Book, monkeypatch) -> None:
    from click.testing import CliRunner

    import reader.cli.ask as cli_ask
    import reader.cli.main as cli

    seen: list[tuple[str | None, str]] = []
    monkeypatch.setattr(cli_ask, "open_library", lambda ctx: book.library)
    monkeypatch.setattr(
        TomeApp, "run", lambda self: seen.append((self.initial_document, self.initial_title))
    )
    result = CliRunner().invoke(cli.main, ["chat", book.doc_id[:8]])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli.main, ["chat"])
    assert result.exit_code == 0, result.output
    assert seen == [(book.doc_id, book.title), (None, "")]
    result = CliRunner().invoke(cli.main, ["chat", "no-such-book"])
    assert result.exit_code == 2 and "Error:" in result.output


async def test_the_ui_stays_responsive_while_the_model_works(book: Book) -> None:
    gate = asyncio.Event()
    reply = book.model._reply

    async def gated(request):
        await gate.wait()
        return await reply(request)

    book.model._reply = gated  # type: ignore[method-assign]
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one("#prompt", Input).value = QUESTION
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        thinking = screen.query_one(Thinking)
        assert thinking.strategy == "auto" and screen.query_one("#prompt", Input).disabled
        await pilot.press("ctrl+t")  # still answers keys: open the tree and come back
        await pilot.pause()
        assert isinstance(app.screen, TreeScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.busy
        await pilot.press("ctrl+x")  # cancel: the question comes back to the input
        await settle(app, pilot)
        assert not screen.busy and not screen.query(Thinking) and not screen.query(ChatMessage)
        assert screen.query_one("#prompt", Input).value == QUESTION
        assert any("cancelled" in m for m in notifications(app))
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query(Thinking)
        gate.set()
        await settle(app, pilot)
        assert not screen.query(Thinking) and [m.role for m in screen.query(ChatMessage)] == [
            "user",
            "tome",
        ]
        trace = texts(app, ".message.tome .trace-text")[0]
        assert trace.startswith("route:") and "done:" in trace
