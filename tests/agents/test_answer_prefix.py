"""Prompts put what is stable for a document first: two different questions' first calls share
their prefix up to the end of the document's listing, so a server's prefix cache can reuse it."""

from __future__ import annotations

import re

import pytest

from agents.answer.prompts import AnswerReply
from agents.lookup.prompts import PageChoice, SectionChoice
from agents.navigate.prompts import Choice, PageReply
from tests.agents.test_answer_fixtures import add_document, make_library
from tests.fake_chat import FakeChatModel, FakeRequest

PAGES = [
    f"Page {i + 1}. The harbour town kept its ledgers of ships and cargo {i}." for i in range(16)
]


def answers(request: FakeRequest) -> object:
    return {
        Choice: Choice(choice=1), PageReply: PageReply(answer="not found", quote=""),
        PageChoice: PageChoice(pages=[1]), SectionChoice: SectionChoice(sections=[1]),
        AnswerReply: AnswerReply(answer="Ships.", page=1, quote=""),
    }[request.schema]  # fmt: skip


def _shared(a: str, b: str) -> int:
    """Characters the two texts share from their start."""
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


@pytest.mark.parametrize("strategy", ["navigate", "lookup"])
def test_the_listing_comes_before_anything_that_changes_per_question(strategy: str) -> None:
    model = FakeChatModel(responder=answers)
    library = make_library(model)
    doc = add_document(library, PAGES, fanout=4)
    earlier = library.ask("Which ships came in the spring?", [doc], strategy=strategy)
    first = model.requests[0].prompt
    asked = len(model.requests)
    # a follow-up in the same conversation (history in the prompt), matching other pages
    library.ask("And the cargo 7?", [doc], strategy=strategy, conversation=earlier.conversation)
    second = model.requests[asked].prompt
    listing_end = first.rindex("</summary>") + len("</summary>")
    assert _shared(first, second) >= listing_end, "the listing is the same prefix for both"
    assert first.index("Question:") > listing_end


def test_lookup_lists_a_longer_document_whole_with_shorter_gists_the_same_for_every_question() -> (
    None
):
    """60 gists of 50 words overflow the 2,200-token gist budget; at 24 words they fit the
    listing budget, so lookup skips the sections step and shows all of them, identically."""
    pages = [f"Page {i + 1}. The harbour ledger of the year {1800 + i}." for i in range(60)]
    gists = [f"In year {1800 + i} " + " ".join(["the harbour master counts ships"] * 10)
             for i in range(60)]  # fmt: skip
    model = FakeChatModel(responder=answers)
    library = make_library(model)
    doc = add_document(library, pages, gists=gists, fanout=4)
    library.ask("Which ships came in the spring?", [doc], strategy="lookup")
    asked = len(model.requests)
    library.ask("Who kept the ledger?", [doc], strategy="lookup")
    first, second = model.requests[0], model.requests[asked]
    assert first.schema is PageChoice and second.schema is PageChoice, "no sections step"
    listing_end = first.prompt.rindex("</summary>") + len("</summary>")
    assert first.prompt.count("<summary number=") == 60
    assert _shared(first.prompt, second.prompt) >= listing_end
    shown = re.findall(r"<summary number=\"\d+\">(.*?)</summary>", first.prompt)
    assert max(len(text.split()) for text in shown) <= 41, "each gist is cut to 40 words and …"
