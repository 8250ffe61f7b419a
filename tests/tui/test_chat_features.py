"""The chat screen's finer points (issue 16): the focus comes back to the question box, cancel is
offered only while an answer runs, traces read as words, every answer keeps its citations, and
the conversation exports as Markdown."""

from __future__ import annotations

import asyncio
import re

from textual.widgets import Collapsible, Input
from textual.widgets._collapsible import CollapsibleTitle
from textual.widgets._footer import FooterKey

from agents.answer.prompts import AnswerReply
from reader.export import answer_markdown as cli_answer_markdown
from tests.fake_chat import FakeRequest
from tests.tui.conftest import NUMBERED, Book
from tests.tui.test_app import QUESTION, SIZE, ask, notifications, settle, texts
from tui.app import TomeApp
from tui.export import answer_markdown, conversation_markdown, export_path
from tui.screens.chat import ChatScreen
from tui.widgets.message import ChatMessage, short, trace_lines

BOATS = "How often were the vessels tallied?"  # "tallied" is on no page: the fake spots it
BOATS_QUOTE = "Mara counted the boats twice before the bell rang"
CAKE_QUOTE = "the lemon cake needs cardamom from Zanzibar"
REPR = re.compile(r"[\[\]{}'\"]")  # what a Python repr of a list, dict or string shows


def answer_boats_too(book: Book) -> None:
    """The fake answers BOATS from the harbour page (and anything else as before)."""
    respond = book.model.responder

    def reply(request: FakeRequest):
        content = request.messages[-1]["content"]
        if "tallied" in content.split("Question:")[-1]:
            for number, text in NUMBERED.findall(content):
                if "Mara counted" in text:
                    return AnswerReply(answer="Twice.", page=int(number), quote=BOATS_QUOTE)
        return respond(request)

    book.model.responder = reply


def footer_labels(app: TomeApp) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


def cancel_bound(app: TomeApp) -> bool:
    active = app.screen.active_bindings.get("ctrl+x")
    return active is not None and active.binding.action == "cancel"


def answers(app: TomeApp) -> list[ChatMessage]:
    return [m for m in app.screen.query(ChatMessage) if m.role == "tome"]


def cited(app: TomeApp) -> str:
    return " ".join(texts(app, "#citations .citation"))


# -- 1. the focus comes back ---------------------------------------------------------------------


async def test_focus_returns_to_the_question_box_after_a_trace_or_message_click(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        prompt = app.screen.query_one("#prompt", Input)
        trace = app.screen.query_one(".message.tome Collapsible.trace", Collapsible)
        assert trace.collapsed
        await pilot.click(trace.query_one(CollapsibleTitle))
        await pilot.pause()
        assert not trace.collapsed  # the click opened the trace
        assert app.focused is prompt, app.focused
        await pilot.press("h", "i")
        assert prompt.value == "hi"
        for selector in (".message.user .body", ".message.tome .body"):
            app.screen.query_one("#citations").focus()
            await pilot.pause()
            await pilot.click(selector)
            await pilot.pause()
            assert app.focused is prompt, (selector, app.focused)
        await pilot.press("!")
        assert prompt.value == "hi!"


# -- 2. cancel only while answering --------------------------------------------------------------


async def test_cancel_is_in_the_footer_only_while_an_answer_runs(book: Book) -> None:
    gate = asyncio.Event()
    reply = book.model._reply

    async def gated(request):
        await gate.wait()
        return await reply(request)

    book.model._reply = gated  # type: ignore[method-assign]
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "Cancel answer" not in footer_labels(app) and "Export" in footer_labels(app)
        assert not cancel_bound(app)
        screen.query_one("#prompt", Input).value = QUESTION
        await pilot.press("enter")
        await pilot.pause()
        assert screen.busy and "Cancel answer" in footer_labels(app)
        assert cancel_bound(app)
        gate.set()
        await settle(app, pilot)
        assert not screen.busy and answers(app)
        assert "Cancel answer" not in footer_labels(app)
        for elsewhere in ("#citations", ".message.tome"):  # whatever has the focus
            screen.query_one(elsewhere).focus()
            await pilot.pause()
            assert app.focused is not screen.query_one("#prompt")
            assert "Cancel answer" not in footer_labels(app), elsewhere
            assert not cancel_bound(app)
        # not answering, ctrl+x is the question box's own (cut) again, not a cancel
        screen.query_one("#prompt").focus()
        await pilot.pause()
        assert not cancel_bound(app)


# -- 3. readable traces --------------------------------------------------------------------------


def test_trace_lines_show_nested_values_as_words() -> None:
    trace = [
        {"step": "route", "strategy": "rag", "reason": "long  document\n"},
        {"step": "retrieve", "k": 4, "fused": True, "pages": [["abc", 3, 0.91234], ["d", 1, 0.5]]},
        {"step": "recall", "turns": 0, "related": [], "seen": None},
        {"step": "x", "detail": {"a": [1, 2], "b": {"c": False}}, "many": list(range(10))},
        {"step": "done", "wall_seconds": 1.23456},
        {"note": "no step"},
    ]
    lines = trace_lines(trace).split("\n")
    assert lines == [
        "route: strategy=rag · reason=long document",
        "retrieve: k=4 · fused=yes · pages=(abc, 3, 0.91), (d, 1, 0.5)",
        "recall: turns=0 · related=none · seen=none",
        "x: detail=(a=(1, 2), b=(c=no)) · many=0, 1, 2, 3, 4, 5, +4 more",
        "done: wall_seconds=1.23",
        "?: note=no step",
    ]
    assert short("word " * 40).endswith("…") and len(short("word " * 40)) == 60


async def test_the_trace_shows_one_readable_line_per_step(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        (answer,) = answers(app)
        trace = texts(app, ".message.tome .trace-text")[0].split("\n")
        assert len(trace) == len(answer.trace)
        assert [line.split(":")[0] for line in trace] == [s["step"] for s in answer.trace]
        assert any(isinstance(v, list) for s in answer.trace for v in s.values())
        assert not [line for line in trace if REPR.search(line)], trace


# -- 4. every answer's citations -----------------------------------------------------------------


async def test_each_answer_shows_its_own_citations_when_selected(book: Book) -> None:
    answer_boats_too(book)
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        await ask(app, pilot, BOATS)
        first, second = answers(app)
        assert BOATS_QUOTE in cited(app) and CAKE_QUOTE not in cited(app)
        assert app.screen.selected is second
        # a click on the earlier answer shows its citations (and typing goes on in the prompt)
        await pilot.click(first.query_one(".body"))
        await pilot.pause()
        assert CAKE_QUOTE in cited(app) and BOATS_QUOTE not in cited(app)
        assert texts(app, "#citations .cited-question") == [f"for: {QUESTION}"]
        assert first.has_class("-selected") and not second.has_class("-selected")
        assert isinstance(app.focused, Input)
        # keyboard: shift+tab back from the prompt until an answer has the focus
        for _ in range(8):
            await pilot.press("shift+tab")
            if isinstance(app.focused, ChatMessage):
                break
        assert app.focused is second, app.focused
        assert BOATS_QUOTE in cited(app) and CAKE_QUOTE not in cited(app)
        # a resumed conversation keeps the citations of each earlier answer
        conversation = app.screen.conversation
        await pilot.press("ctrl+n")
        assert texts(app, "#citations .empty") == ["No citations for this answer."]
        app.screen.resume(conversation)
        await settle(app, pilot)
        first, second = answers(app)
        assert BOATS_QUOTE in cited(app)
        await pilot.click(first.query_one(".body"))
        await pilot.pause()
        assert CAKE_QUOTE in cited(app) and BOATS_QUOTE not in cited(app)


# -- 7. export -----------------------------------------------------------------------------------


async def test_ctrl_e_exports_the_conversation_as_markdown(book: Book) -> None:
    answer_boats_too(book)
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        assert any("nothing to export yet" in m for m in notifications(app))
        await ask(app, pilot)
        await ask(app, pilot, BOATS)
        assert app.focused is app.screen.query_one("#prompt", Input)
        await pilot.press("ctrl+e")  # even with the question box focused
        await settle(app, pilot)
        conversation = app.screen.conversation
        path = book.library.settings.home / "exports" / f"{conversation}.md"
        assert path.is_file(), notifications(app)
        assert any(str(path) in m for m in notifications(app))
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"# {QUESTION}\n")
        episodes = book.library.conversation(conversation)
        for episode in episodes:  # the same Markdown as `tome history --format markdown`
            cli = cli_answer_markdown(episode.question, episode.answer, episode.citations,
                                      episode.time)  # fmt: skip
            assert cli in text
        assert text.index(f"## {QUESTION}") < text.index(f"## {BOATS}")
        page = episodes[0].citations[0].page_number
        assert f"1. *{book.title}*, page {page}: “{CAKE_QUOTE}”" in text
        assert "cardamom from Zanzibar." in text and "Twice." in text


async def test_the_command_palette_exports_too(book: Book) -> None:
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await ask(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Export conversation" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export conv")
        for _ in range(10):  # the palette searches in the background
            await pilot.pause(0.05)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ChatScreen)
        path = export_path(book.library.settings.home, app.screen.conversation)
        assert path.is_file(), notifications(app)
        assert CAKE_QUOTE in path.read_text(encoding="utf-8")


def test_the_markdown_matches_the_command_line_s(book: Book) -> None:
    answer = book.library.ask(QUESTION, [book.doc_id])
    episodes = book.library.conversation(answer.conversation)
    (episode,) = episodes
    args = (episode.question, episode.answer, episode.citations, episode.time)
    assert answer_markdown(*args) == cli_answer_markdown(*args)
    assert answer_markdown(*args[:3]) == cli_answer_markdown(*args[:3])
    text = conversation_markdown(answer.conversation, episodes, "Cake")
    assert text.startswith(f"# Cake\n\n*conversation {answer.conversation}*\n")
    assert export_path(book.path.parent, "a/../b").name == "a_.._b.md"
