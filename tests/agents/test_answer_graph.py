"""The graph (GraphReader) strategy with the fake model, real Chroma and the real element graph:
it starts from the facts naming the question's key elements, follows the lead the model picks to
the fact that shares no word with the question, and answers from both passages with its notebook."""

from __future__ import annotations

import re
from itertools import pairwise

from agents.answer.prompts import AnswerReply
from agents.graphreader.graph import MAX_HOPS
from agents.graphreader.prompts import ExploreReply
from tests.agents.test_answer_fixtures import add_document, make_library, numbered
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.memory.test_elements import BOX, KEY, QUESTION, town

LEAD = re.compile(r"^(\d+)\. (.+)$", re.M)


def leads(request: FakeRequest) -> dict[str, int]:
    listed = request.prompt.split("Names and things these facts mention:")[1].split("Question:")[0]
    return {name: int(n) for n, name in LEAD.findall(listed)}


def reader(request: FakeRequest) -> object:
    if request.schema is ExploreReply:
        if "attic" in request.prompt:
            return ExploreReply(note="The blue lacquer box stands in the attic.", next=0)
        if KEY in request.prompt:
            return ExploreReply(note="The key is in the blue lacquer box.",
                                next=leads(request).get("lacquer box", 0))  # fmt: skip
        return ExploreReply(note="nothing", next=0)
    assert request.schema is AnswerReply
    attic = next((n for n, text in numbered(request).items() if "attic" in text), 0)
    return AnswerReply(answer="In the blue lacquer box in the attic.", page=attic, quote=BOX)


def test_graph_follows_a_lead_to_the_second_fact_and_answers_from_both() -> None:
    model = FakeChatModel(responder=reader)
    library = make_library(model)
    doc = add_document(library, town())
    answer = library.ask(QUESTION, [doc], strategy="graph")
    assert [r.schema for r in model.requests] == [ExploreReply, ExploreReply, AnswerReply]
    first = model.requests[0].prompt
    assert KEY in first and "attic" not in first, "the start: facts naming Marta Quell's key"
    assert "lacquer box" in leads(model.requests[0])
    assert "marta quell" not in leads(model.requests[0]), "the question's own names are no lead"
    assert BOX in model.requests[1].prompt, "the lead's facts, which share no word with it"
    steps = [t for t in answer.trace if t["step"] == "explore"]
    assert [s["at"] for s in steps] == ["the question", "lacquer box"]
    assert steps[0]["facts"][0] == 10 and 47 in steps[1]["facts"]
    final = model.requests[-1].prompt
    assert KEY in final and BOX in final, "both passages are read for the answer"
    assert "lacquer box: The blue lacquer box stands in the attic." in final, "the notebook"
    notebook = next(t for t in answer.trace if t["step"] == "notebook")
    assert notebook["explored"] == ["lacquer box"] and len(notebook["notes"]) == 2
    assert answer.text == "In the blue lacquer box in the attic."
    cited = [library.store.get_page(c.page).ordinal for c in answer.citations]
    assert cited[0] == 46 and 9 in cited, "the page it named, and the first hop's fact"
    assert answer.usage.calls == 3


CHAIN = ["red lamp", "green door", "iron gate", "stone well", "silver coin", "oak chest"]


def chained() -> list[str]:
    """A town whose pages link the things of CHAIN in a line: each names one and the next."""
    texts = town()
    for i, (a, b) in enumerate(pairwise(CHAIN)):
        texts[5 + 7 * i] += f" The {a} was left beside the {b}."
    return texts


def test_graph_stops_at_its_step_limit_when_the_model_always_follows_a_lead() -> None:
    def restless(request: FakeRequest) -> object:
        if request.schema is ExploreReply:
            return ExploreReply(note="nothing", next=1)
        return AnswerReply(answer="not found", page=0, quote="")

    model = FakeChatModel(responder=restless)
    library = make_library(model)
    doc = add_document(library, chained())
    answer = library.ask("Where was the red lamp left?", [doc], strategy="graph")
    explores = [r for r in model.requests if r.schema is ExploreReply]
    assert len(explores) == MAX_HOPS
    assert model.requests[-1].schema is AnswerReply and answer.usage.calls == MAX_HOPS + 1
    visited = [t["at"] for t in answer.trace if t["step"] == "explore"]
    assert len(set(visited)) == len(visited), "no element is explored twice"


def test_graph_with_a_tight_call_budget_keeps_the_last_call_for_the_answer() -> None:
    model = FakeChatModel(responder=reader)
    library = make_library(model, max_calls=2)
    doc = add_document(library, town())
    library.ask(QUESTION, [doc], strategy="graph")
    assert [r.schema for r in model.requests] == [ExploreReply, AnswerReply]


def test_graph_answers_from_hybrid_search_when_no_key_element_is_named() -> None:
    model = FakeChatModel(responder=reader)
    library = make_library(model)
    doc = add_document(library, town())
    answer = library.ask("What did the traders argue about?", [doc], strategy="graph")
    assert [r.schema for r in model.requests] == [AnswerReply]
    assert next(t for t in answer.trace if t["step"] == "answer")["filled"] is True
