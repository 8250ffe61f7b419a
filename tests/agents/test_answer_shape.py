"""The answer a user reads is at most two sentences; a pasted passage is cut, its quote cited."""

from __future__ import annotations

import pytest

from agents.answer.prompts import ANSWER_WORDS, AnswerReply, shape_answer
from reader.core.errors import ConfigError
from tests.agents.test_answer_fixtures import add_document, make_library
from tests.fake_chat import FakeChatModel, FakeRequest

PASSAGE = (
    "Ichabod Crane was a schoolmaster. He was tall and lank. He boarded with the farmers. "
    "Katrina Van Tassel was the daughter of a rich farmer. Brom Bones was his rival."
)


def test_two_sentences_at_most_and_a_word_limit() -> None:
    assert shape_answer(PASSAGE) == "Ichabod Crane was a schoolmaster. He was tall and lank."
    assert shape_answer("Mr. Crane left at dawn. He rode east. Then west.") == (
        "Mr. Crane left at dawn. He rode east."
    )
    long = shape_answer(" ".join(["word"] * 100))
    assert len(long.split()) == ANSWER_WORDS + 1 and long.endswith("…")
    pasted = "Ichabod Crane is a native of Connecticut, a State which supplies " + "the Union " * 20
    assert shape_answer(pasted) == "Ichabod Crane is a native of Connecticut."
    assert shape_answer("  The key.  ") == "The key."


def test_a_pasted_answer_is_cut_and_its_quote_still_cited() -> None:
    def paster(request: FakeRequest) -> AnswerReply:
        return AnswerReply(answer=PASSAGE, page=1, quote="Ichabod Crane was a schoolmaster")

    library = make_library(FakeChatModel(responder=paster))
    doc = add_document(library, [PASSAGE, "Another page about the harvest party."])
    answer = library.ask("Who is Ichabod Crane?", [doc], strategy="rag")
    assert answer.text == "Ichabod Crane was a schoolmaster. He was tall and lank."
    assert answer.citations[0].quote == "Ichabod Crane was a schoolmaster"


def test_a_question_too_long_for_the_window_is_refused_before_any_call() -> None:
    model = FakeChatModel(responder=lambda request: AnswerReply(answer="x", page=1, quote=""))
    library = make_library(model)
    doc = add_document(library, [PASSAGE])
    with pytest.raises(ConfigError, match=r"the question is [\d,]+ tokens, more than the 1,024"):
        library.ask("why " * 5000, [doc], strategy="rag")
    assert model.requests == []


def test_a_second_sentence_pasted_from_elsewhere_is_dropped() -> None:
    pasted = "The key is in the blue box. In the past I bought things from Apple."
    assert shape_answer(pasted, "Where is Marta's key?") == "The key is in the blue box."
    going_on = "The key is in the blue box. It sits in the attic."
    assert shape_answer(going_on, "Where is Marta's key?") == going_on
    related = "The key is in the blue box. The box is in the attic."
    assert shape_answer(related, "Where is Marta's key?") == related
