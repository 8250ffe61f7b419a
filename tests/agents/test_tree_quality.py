"""A small model that pastes its first child cannot make a parent that skips the others."""

from __future__ import annotations

import re
from pathlib import Path

from memory.quality import coverage
from tests.agents.test_ingest import PAGE_RE, gist_requests, make_library, write_book
from tests.fake_chat import FakeChatModel, FakeRequest

NAMES = ["Ichabod", "Katrina", "Brom", "Baltus", "Hans", "Gunpowder", "Dolf", "Yost", "Wiley"]


def pasting(request: FakeRequest) -> str:
    prompt = request.messages[-1]["content"]
    if match := PAGE_RE.search(prompt):
        name = NAMES[(int(match.group(1)) - 1) % len(NAMES)]
        return f"On this page, {name} crosses the valley and meets the farmers at the mill."
    first = re.search(r"Part 1: (.+)", prompt)
    return first.group(1) if first else "nothing"  # pastes part 1, skips the rest


def test_a_pasting_model_gets_a_line_from_every_child(tmp_path: Path) -> None:
    library = make_library(tmp_path, FakeChatModel(responder=pasting), group_tokens=500)
    report = library.ingest(write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=8))
    store = library.store
    parents = [n for n in store.nodes(report.id) if n.level >= 2 and len(n.children) > 1]
    assert parents
    for parent in parents:
        children = [c.summary for c in store.get_nodes(parent.children)]
        assert parent.origin == "extractive" and coverage(parent.summary, children) == 1.0
        assert not parent.summary.startswith("On this page")
    gists = store.nodes(report.id, 1)
    assert all(g.summary.split()[0] in NAMES for g in gists)  # the stock opening is dropped
    assert library.document(report.id).health().extractive == len(parents)


def test_a_gist_that_restates_the_title_is_cut_not_asked_again(tmp_path: Path) -> None:
    def restating(request: FakeRequest) -> str:
        if match := PAGE_RE.search(request.messages[-1]["content"]):
            name = NAMES[(int(match.group(1)) - 1) % len(NAMES)]
            return f"The Lost Key is a story about {name}, who crosses the valley to the mill."
        return "1. Someone crosses.\n2. Someone else crosses."

    model = FakeChatModel(responder=restating)
    library = make_library(tmp_path, model, group_tokens=500)
    book = write_book(tmp_path / "The_Lost_Key.txt", chapters=1, paragraphs_per_chapter=8)
    report = library.ingest(book)
    gists = library.store.nodes(report.id, 1)
    assert len(gist_requests(model)) == len(gists)  # one call a page: no retry
    assert all(g.summary.split(",")[0] in NAMES for g in gists)
    assert library.document(report.id).health().title_gists == 0
