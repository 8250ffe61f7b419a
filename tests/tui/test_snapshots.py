"""Screenshots of the library, the chat after an answer and the tree browser, compared with the
SVGs under __snapshots__ (pytest-textual-snapshot; `--snapshot-update` rewrites them after a
deliberate change). Everything shown is made deterministic: ids, dates, timings, the cursor."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

import agents.answer.history
import agents.answer.runner
import reader.core.usage
from tests.tui.conftest import Book
from tests.tui.test_app import QUESTION
from tui.app import TomeApp

SIZE = (120, 32)
ADDED = 1_700_000_000.0  # 2023-11-14 22:13 UTC

pytest.importorskip("pytest_textual_snapshot")


@pytest.fixture
def steady(book: Book, monkeypatch: pytest.MonkeyPatch) -> Iterator[Book]:
    """The book, with fixed dates, conversation ids and timings."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    frozen = SimpleNamespace(perf_counter=lambda: 0.0)
    monkeypatch.setattr(reader.core.usage, "time", frozen)
    monkeypatch.setattr(agents.answer.runner, "time", frozen)
    ids = (f"{n:032x}" for n in itertools.count(1))
    monkeypatch.setattr(
        agents.answer.history, "uuid", SimpleNamespace(uuid4=lambda: SimpleNamespace(hex=next(ids)))
    )
    listed = book.library.documents
    monkeypatch.setattr(
        book.library,
        "documents",
        lambda: [r.model_copy(update={"created": ADDED}) for r in listed()],
    )
    yield book
    monkeypatch.undo()
    time.tzset()


async def settled(pilot: Pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def then(*keys: str) -> Callable[[Pilot], object]:
    async def run(pilot: Pilot) -> None:
        await settled(pilot)
        for key in keys:
            await pilot.press(key)
            await settled(pilot)

    return run


def test_library_screen(steady: Book, snap_compare) -> None:
    assert snap_compare(TomeApp(steady.library), terminal_size=SIZE, run_before=then())


def test_chat_screen_after_an_answer(steady: Book, snap_compare) -> None:
    async def ask(pilot: Pilot) -> None:
        await settled(pilot)
        pilot.app.screen.query_one("#prompt", Input).value = QUESTION
        await pilot.press("enter")
        await settled(pilot)

    app = TomeApp(steady.library, steady.doc_id, title=steady.title)
    assert snap_compare(app, terminal_size=SIZE, run_before=ask)


def test_tree_screen_with_the_root_expanded(steady: Book, snap_compare) -> None:
    app = TomeApp(steady.library, steady.doc_id, title=steady.title)
    # open the tree, expand the root, then highlight its first child to show its summary
    assert snap_compare(app, terminal_size=SIZE, run_before=then("ctrl+t", "enter", "down"))
