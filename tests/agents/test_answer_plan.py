"""The plan (PEARL) graph with the fake model: a two-hop question is planned as two look-ups, the
second uses the first one's finding, and the answer is written from both findings' pages."""

from __future__ import annotations

from agents.answer.prompts import AnswerReply
from agents.plan.graph import query_for
from agents.plan.prompts import PlanReply, StepReply
from reader.core.errors import StructuredOutputError
from tests.agents.test_answer_fixtures import add_document, make_library, numbered
from tests.fake_chat import FakeChatModel, FakeRequest

FILLER = [
    "The harbour was quiet at dawn and the fishermen counted their nets.",
    "The train left at noon for the mountains with three crates of books.",
    "Night fell over the valley and nobody in the village slept.",
]
KEY = "Mara keeps the iron key in the blue box."
BOX = "The blue box stands in the attic under the window."
QUESTION = "Where is Mara's iron key?"


def two_hop_book() -> list[str]:
    pages = [f"Page {i + 1}. {FILLER[i % len(FILLER)]}" for i in range(16)]
    pages[2] = f"Page 3. {KEY}"
    pages[12] = f"Page 13. {BOX}"
    return pages


def holding(request: FakeRequest, words: str) -> int:
    return next((n for n, text in numbered(request).items() if words in text), 0)


def responder(request: FakeRequest) -> object:
    if request.schema is PlanReply:
        return PlanReply(steps=["Mara's iron key", "where the #1 is"])
    if request.schema is StepReply:
        if "Look-up: Mara's iron key" in request.prompt and holding(request, "iron key"):
            return StepReply(finding="blue box", page=holding(request, "iron key"), quote=KEY)
        if "Look-up: where the blue box is" in request.prompt and holding(request, "attic"):
            return StepReply(finding="the attic", page=holding(request, "attic"), quote=BOX)
        return StepReply(finding="not found", page=0, quote="")
    assert request.schema is AnswerReply
    return AnswerReply(answer="In the attic, in the blue box.", page=holding(request, "attic"),
                       quote=BOX)  # fmt: skip


def test_plan_runs_the_look_ups_in_order_and_answers_from_both_findings() -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(model)
    doc = add_document(library, two_hop_book())
    answer = library.ask(QUESTION, [doc], strategy="plan")
    assert [r.schema for r in model.requests] == [PlanReply, StepReply, StepReply, AnswerReply]
    looked = [t for t in answer.trace if t["step"] == "look-up"]
    assert [t["query"] for t in looked] == ["Mara's iron key", "where the blue box is"]
    assert [t["page"] for t in looked] == [3, 13]
    final = model.requests[-1].prompt
    assert KEY in final and BOX in final, "both findings' pages are read for the answer"
    assert "where the blue box is: the attic" in final, "the findings stand beside them"
    assert answer.text == "In the attic, in the blue box."
    assert library.store.get_page(answer.citations[0].page).ordinal == 12
    assert next(t for t in answer.trace if t["step"] == "plan")["plan"][1] == "where the #1 is"


def test_a_plan_the_model_cannot_write_is_the_question_itself() -> None:
    def no_plan(request: FakeRequest) -> object:
        if request.schema is PlanReply:
            return StructuredOutputError("the model did not produce valid JSON")
        return responder(request)

    model = FakeChatModel(responder=no_plan)
    library = make_library(model)
    doc = add_document(library, two_hop_book())
    answer = library.ask(QUESTION, [doc], strategy="plan")
    looked = [t for t in answer.trace if t["step"] == "look-up"]
    assert [t["query"] for t in looked] == [QUESTION]
    assert answer.usage.calls <= 5


def test_a_reference_to_a_step_that_found_nothing_falls_back_to_its_query() -> None:
    findings = [{"query": "the author of the letter", "finding": "not found"}]
    assert query_for("the city where #1 was born", findings) == (
        "the city where the author of the letter was born"
    )
    assert query_for("#2 and #1", [{"query": "q", "finding": "Ada"}]) == "#2 and Ada"
