"""The answer streams into the chat as the (fake) model writes it; a gate holds the stream mid-way
so the test sees the draft before the answer is complete."""

from __future__ import annotations

import asyncio
import json

from textual.widgets import Input

from tests.fake_chat import StreamGate
from tests.tui.conftest import Book
from tests.tui.test_app import QUESTION, SIZE, notifications, settle, texts
from tui.app import TomeApp
from tui.screens.chat import ChatScreen
from tui.widgets.message import STREAM_CURSOR, ChatMessage, Thinking

ANSWER = "The lemon cake needs cardamom from Zanzibar."
SHOWN_BEFORE_GATE = "The lemon cak"  # the fake streams 4 characters at a time


def gate_inside_the_answer(book: Book) -> StreamGate:
    """Hold the stream once the reply's JSON has given the first characters of the answer."""
    prefix = json.dumps({"answer": SHOWN_BEFORE_GATE}, separators=(",", ":"))[:-2]
    gate = StreamGate(after=len(prefix))
    book.model.stream_gate = gate
    return gate


async def start_question(app: TomeApp, pilot, gate: StreamGate) -> ChatScreen:
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ChatScreen)
    screen.query_one("#prompt", Input).value = QUESTION
    await pilot.press("enter")
    await asyncio.wait_for(gate.reached.wait(), timeout=10)
    await pilot.pause()
    return screen


def draft_text(screen: ChatScreen) -> str:
    draft = screen.query_one(".message.tome.streaming", ChatMessage)
    body = str(draft.query_one(".body").content)
    assert body.endswith(STREAM_CURSOR)
    return body.removesuffix(STREAM_CURSOR)


async def test_the_answer_streams_in_before_it_completes(book: Book) -> None:
    gate = gate_inside_the_answer(book)
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_question(app, pilot, gate)
        assert draft_text(screen) == SHOWN_BEFORE_GATE
        assert screen.busy and screen.query(Thinking)  # the spinner stays below the draft
        assert [m.role for m in screen.query(ChatMessage)] == ["user", "tome"]
        assert texts(app, "#citations .empty") == ["Citations appear here."]
        gate.opened.set()
        await settle(app, pilot)
        messages = list(screen.query(ChatMessage))
        assert [m.role for m in messages] == ["user", "tome"]
        final = messages[1]
        assert not final.streaming and final.text == ANSWER
        assert STREAM_CURSOR not in texts(app, ".message.tome .body")[0]
        meta = texts(app, ".message.tome .meta")[0]
        assert meta.startswith("whole · 1 call ·") and "tokens" in meta and "1 citation" in meta
        citations = texts(app, "#citations .citation")
        assert len(citations) == 1 and "cardamom from Zanzibar" in citations[0]
        assert not screen.query(Thinking) and not screen.busy
        assert screen.query_one("#prompt", Input).value == ""


async def test_cancelling_mid_stream_drops_the_draft_and_keeps_the_question(book: Book) -> None:
    gate = gate_inside_the_answer(book)
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        screen = await start_question(app, pilot, gate)
        assert draft_text(screen) == SHOWN_BEFORE_GATE
        await pilot.press("ctrl+x")
        await settle(app, pilot)
        assert not screen.query(ChatMessage) and not screen.query(Thinking)
        assert screen.query_one("#prompt", Input).value == QUESTION
        assert any("cancelled" in m for m in notifications(app))
        gate.opened.set()  # the next answer streams straight through
        await pilot.press("enter")
        await settle(app, pilot)
        assert [m.text for m in screen.query(ChatMessage)] == [QUESTION, ANSWER]


async def test_a_second_question_streams_into_its_own_message(book: Book) -> None:
    gate = gate_inside_the_answer(book)
    gate.opened.set()
    app = TomeApp(book.library, book.doc_id, title=book.title)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for question in (QUESTION, "And again?"):
            app.screen.query_one("#prompt", Input).value = question
            await pilot.press("enter")
            await settle(app, pilot)
        texts_now = [m.text for m in app.screen.query(ChatMessage)]
        assert texts_now[1] == texts_now[3] and len(texts_now) == 4
        assert not app.screen.query(".streaming")
