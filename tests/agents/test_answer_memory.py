"""Several documents, conversations (episodic memory) and the cost bounds, with the fake model."""

from __future__ import annotations

import random

import pytest

from agents.answer import history
from agents.answer.prompts import AnswerReply
from agents.graphreader.prompts import ExploreReply
from agents.lookup.prompts import PageChoice, SectionChoice
from agents.navigate.prompts import Choice, PageReply
from tests.agents.test_answer_fixtures import add_document, make_library, numbered
from tests.fake_chat import FakeChatModel, FakeRequest

BOOK_A = ["Mara sails the harbour boats at dawn.", "Mara's boat is called the Heron."]
BOOK_B = ["Tomas teaches in the mountain school.", "Tomas keeps the maps of the old mines."]


def echo_answer(request: FakeRequest) -> AnswerReply | PageChoice:
    pages = numbered(request)
    best = next((n for n, text in pages.items() if "maps" in text), 1)
    if request.schema is PageChoice:
        return PageChoice(pages=[best])
    return AnswerReply(answer="He keeps the maps of the old mines.", page=best,
                       quote="Tomas keeps the maps of the old mines.")  # fmt: skip


def test_several_documents_cite_the_document_they_come_from() -> None:
    model = FakeChatModel(responder=echo_answer)
    library = make_library(model)
    a = add_document(library, BOOK_A, title="Harbour")
    b = add_document(library, BOOK_B, title="Mountains")
    answer = library.ask("What does Tomas keep?", [a, b], strategy="rag")
    assert answer.citations and answer.citations[0].document == b
    assert 'document="Mountains"' in model.requests[0].prompt
    everything = library.ask("What does Tomas keep?", strategy="lookup")  # all ready documents
    assert everything.citations[0].document == b


def test_navigate_walks_each_document_then_combines() -> None:
    def responder(request: FakeRequest) -> object:
        if request.schema is PageReply:
            found = "maps" in request.prompt
            return PageReply(
                answer="The maps." if found else "not found",
                quote="Tomas keeps the maps of the old mines." if found else "",
            )
        if request.schema is Choice:
            return Choice(choice=2)
        return echo_answer(request)

    model = FakeChatModel(responder=responder)
    library = make_library(model)
    a = add_document(library, BOOK_A, title="Harbour")
    b = add_document(library, BOOK_B, title="Mountains")
    answer = library.ask("What does Tomas keep?", [a, b], strategy="navigate")
    assert {t.get("document") for t in answer.trace} >= {a[:12], b[:12]}
    assert answer.citations[0].document == b and "maps" in answer.text


def test_a_follow_up_sees_the_first_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "RELATED_MIN_SCORE", 0.0)  # the fake embedder's scores are low
    model = FakeChatModel(responder=echo_answer)
    library = make_library(model)
    doc = add_document(library, BOOK_B, title="Mountains")
    first = library.ask("What does Tomas keep?", [doc], strategy="rag")
    second = library.ask("And where does he teach?", [doc], strategy="rag",
                         conversation=first.conversation)  # fmt: skip
    assert second.conversation == first.conversation
    prompt = model.requests[-1].prompt
    assert "Earlier in this conversation" in prompt and "What does Tomas keep?" in prompt
    assert "He keeps the maps" in prompt
    turns = library.store.episodes.conversation(first.conversation)
    assert [t.question for t in turns] == ["What does Tomas keep?", "And where does he teach?"]
    assert turns[0].citations == first.citations and turns[1].trace
    third = library.ask("What does Tomas keep?", [doc], strategy="rag")  # a new conversation
    assert third.conversation != first.conversation
    assert "A related earlier exchange" in model.requests[-1].prompt
    assert "Earlier in this conversation" not in model.requests[-1].prompt


VOCABULARY = (
    "river stone lantern market winter garden letter soldier harvest bridge candle mirror "
    "orchard tower violin ferry meadow chapel anchor thread"
)
WORDS = VOCABULARY.split()


def long_book(pages: int = 150, needle_at: int = 97) -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    texts, gists = [], []
    for i in range(pages):
        body = " ".join(rng.choice(WORDS) for _ in range(900))  # ~1000 tokens
        texts.append(f"Page {i + 1}. {body}.")
        gists.append(f"Page {i + 1}: " + " ".join(rng.choice(WORDS) for _ in range(68)))
    texts[needle_at] = texts[needle_at][:2000] + " Grandma Ada's lemon cake has cardamom. " + \
        texts[needle_at][2000:]  # fmt: skip
    gists[needle_at] = "Grandma Ada bakes a lemon cake with cardamom; " + gists[needle_at]
    return texts, gists


def budget_responder(request: FakeRequest) -> object:
    pick = max(1, next((n for n, t in numbered(request).items() if "cardamom" in t), 1))
    if request.schema is Choice:
        return Choice(choice=pick)
    if request.schema is SectionChoice:
        return SectionChoice(sections=[pick, pick + 1])
    if request.schema is PageChoice:
        return PageChoice(pages=[pick, pick + 1, pick + 2])
    if request.schema is PageReply:
        return PageReply(answer="Cardamom.", quote="lemon cake has cardamom")
    if request.schema is ExploreReply:
        return ExploreReply(note="Grandma Ada's lemon cake has cardamom.", next=0)
    return AnswerReply(answer="Cardamom.", page=1, quote="lemon cake has cardamom")


def test_navigate_lookup_and_graph_stay_within_six_calls_and_8k_prompt_tokens() -> None:
    model = FakeChatModel(responder=budget_responder)
    library = make_library(model)
    texts, gists = long_book()
    doc = add_document(library, texts, gists=gists, fanout=12)
    assert library.store.get_document(doc).tokens > 140_000
    for strategy in ("navigate", "lookup", "graph"):
        answer = library.ask("What is in Grandma Ada's lemon cake?", [doc], strategy=strategy)
        assert answer.usage.calls <= 6, (strategy, answer.usage)
        assert answer.usage.prompt_tokens <= 8000, (strategy, answer.usage)
        assert "Cardamom" in answer.text
        assert library.store.get_page(answer.citations[0].page).ordinal == 97
    auto = library.ask("What is in Grandma Ada's lemon cake?", [doc])
    assert auto.strategy == "graph" and auto.usage.calls <= 6 and auto.usage.prompt_tokens <= 8000


def test_the_trace_says_when_earlier_turns_were_cut_to_fit() -> None:
    library = make_library(FakeChatModel(responder=echo_answer))
    doc = add_document(library, BOOK_B, title="Mountains")
    long_question = "What does Tomas keep " + "and where exactly and why " * 8 + "?"
    first = library.ask(long_question, [doc], strategy="rag")
    follow = library.ask("And why?", [doc], strategy="rag", conversation=first.conversation)
    recall = next(t for t in follow.trace if t["step"] == "recall")
    assert recall["turns"] == 1 and recall["clipped"] == 1
    assert next(t for t in first.trace if t["step"] == "recall")["clipped"] == 0
