"""Clues (MemoRAG) with the fake model: with `answer.clues` on, lookup and navigate first ask the
upper tree what to look for, and retrieval then also ranks pages for those terms; off (the
default), no such call is made."""

from __future__ import annotations

import pytest

from agents.answer.clues import ClueReply
from agents.answer.prompts import AnswerReply
from agents.lookup.prompts import PageChoice, SectionChoice
from agents.navigate.prompts import Choice, PageReply
from tests.agents.test_answer_fixtures import add_document, make_library
from tests.fake_chat import FakeChatModel, FakeRequest

FILLER = [
    "The harbour was quiet at dawn and the fishermen counted their nets.",
    "The train left at noon for the mountains with three crates of books.",
    "Night fell over the valley and nobody in the village slept.",
]
QUESTION = "What did the old sailor drink every night?"
RUM = "Page 10. Captain Flint poured himself a glass of dark Jamaican rum by the stove."


def book() -> list[str]:
    pages = [f"Page {i + 1}. {FILLER[i % len(FILLER)]}" for i in range(16)]
    pages[9] = RUM
    return pages


def responder(request: FakeRequest) -> object:
    return {
        ClueReply: ClueReply(draft="rum", look_for=["Captain Flint", "Jamaican rum"]),
        PageChoice: PageChoice(pages=[1]), SectionChoice: SectionChoice(sections=[1]),
        Choice: Choice(choice=1), PageReply: PageReply(answer="not found", quote=""),
        AnswerReply: AnswerReply(answer="Rum.", page=1, quote=""),
    }[request.schema]  # fmt: skip


@pytest.mark.parametrize("strategy", ["lookup", "navigate"])
def test_clues_from_the_upper_tree_bring_the_page_the_question_does_not_name(
    strategy: str,
) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(model, clues=True)
    doc = add_document(library, book(), fanout=4)
    answer = library.ask(QUESTION, [doc], strategy=strategy)
    first = model.requests[0]
    assert first.schema is ClueReply
    assert first.prompt.count("<summary number=") == 4, "the level below the root"
    assert first.prompt.index("</summary>") < first.prompt.index("Question:")
    clues = next(t for t in answer.trace if t["step"] == "clues")
    assert clues["look_for"] == ["Captain Flint", "Jamaican rum"]
    seeded = next(t for t in answer.trace if t["step"] in ("survey", "begin"))
    assert 10 in seeded["clued"] and 10 in seeded["suggested"]


def test_without_the_setting_no_clue_call_is_made() -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(model)
    doc = add_document(library, book(), fanout=4)
    answer = library.ask(QUESTION, [doc], strategy="lookup")
    assert ClueReply not in [r.schema for r in model.requests]
    assert not any(t["step"] == "clues" for t in answer.trace)
