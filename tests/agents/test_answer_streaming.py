"""The final answer's text reaches `on_text` while the model writes it, for every strategy; calls
that only help (choices, page reads, maps, notes) are not streamed."""

from __future__ import annotations

import asyncio

from agents.chain.prompts import ManagerReply
from agents.mapreduce.prompts import MapReply, ReduceReply
from agents.navigate.prompts import Choice, PageReply
from reader.core.types import Answer
from reader.library import Library
from tests.agents.test_answer_fixtures import add_document, make_library
from tests.agents.test_answer_rag import PAGES, cake_responder
from tests.agents.test_answer_strategies import QUESTION, holding, map_reply, pages_with_needle
from tests.fake_chat import FakeChatModel, FakeRequest


def ask_streaming(
    library: Library, documents: list[str], strategy: str, question: str = QUESTION
) -> tuple[Answer, list[str]]:
    pieces: list[str] = []
    answer = asyncio.run(library.aask(question, list(documents), strategy, on_text=pieces.append))
    return answer, pieces


def test_rag_streams_the_answer_field_in_pieces() -> None:
    model = FakeChatModel(responder=cake_responder, chunk_chars=3)
    library = make_library(model)
    doc = add_document(library, PAGES)
    answer, pieces = ask_streaming(library, [doc], "rag")
    assert len(pieces) > 3 and "".join(pieces) == "Cardamom from Zanzibar." == answer.text
    assert [r.streamed for r in model.requests] == [True]


def test_chain_streams_only_the_managers_answer() -> None:
    def responder(request: FakeRequest) -> object:
        if request.schema is ManagerReply:
            return ManagerReply(answer="Ada bakes a cardamom cake.", page=0)
        return "NOTE: cardamom seen (p. 4)."

    model = FakeChatModel(responder=responder, context_window=1024)
    library = make_library(model)
    doc = add_document(library, [(t + " ") * 12 for t in pages_with_needle(6, at=3)])
    answer, pieces = ask_streaming(library, [doc], "chain")
    assert "".join(pieces) == "Ada bakes a cardamom cake." == answer.text
    assert [r.streamed for r in model.requests if r.schema is ManagerReply] == [True]
    assert all(r.kind == "complete" for r in model.requests if r.schema is None)


def test_mapreduce_streams_the_reduce_call_and_not_the_maps() -> None:
    def responder(request: FakeRequest) -> object:
        if request.schema is ReduceReply:
            return ReduceReply(answer="Cardamom and cloves", source=1)
        if "cardamom" in request.prompt:
            return MapReply(answer="Cardamom", page=1, quote="", confidence=4)
        if "wolves" in request.prompt:
            return MapReply(answer="Cloves", page=1, quote="", confidence=4)
        return MapReply(answer="Sugar", page=1, quote="", confidence=1)

    model = FakeChatModel(responder=responder, context_window=1024)
    library = make_library(model)
    doc = add_document(library, [(t + " ") * 12 for t in pages_with_needle(6, at=4)])
    answer, pieces = ask_streaming(library, [doc], "mapreduce")
    assert "".join(pieces) == "Cardamom and cloves" == answer.text and len(pieces) > 1
    assert [r.schema for r in model.requests if r.streamed] == [ReduceReply]


def test_mapreduce_with_a_single_best_result_sends_it_whole() -> None:
    model = FakeChatModel(responder=map_reply, context_window=1024)
    library = make_library(model)
    doc = add_document(library, [(t + " ") * 12 for t in pages_with_needle(6, at=4)])
    answer, pieces = ask_streaming(library, [doc], "mapreduce")
    assert pieces == ["Cardamom"] == [answer.text]
    assert not any(r.streamed for r in model.requests)


def navigate_responder(request: FakeRequest) -> object:
    if request.schema is Choice:
        return Choice(choice=max(1, holding(request, "Grandma")))
    if "cardamom" in request.prompt:
        return PageReply(answer="Cardamom from Zanzibar.", quote="the lemon cake needs cardamom")
    return PageReply(answer="not found", quote="")


def test_navigate_sends_the_kept_answer_whole_not_its_page_reads() -> None:
    model = FakeChatModel(responder=navigate_responder)
    library = make_library(model)
    doc = add_document(library, pages_with_needle(8, at=5), fanout=4)
    answer, pieces = ask_streaming(library, [doc], "navigate")
    assert pieces == ["Cardamom from Zanzibar."] == [answer.text]
    assert not any(r.streamed for r in model.requests)


def test_navigate_over_several_documents_streams_only_the_combined_answer() -> None:
    def responder(request: FakeRequest) -> object:
        if request.schema is None or request.schema.__name__ == "AnswerReply":
            return cake_responder(request)
        return navigate_responder(request)

    model = FakeChatModel(responder=responder)
    library = make_library(model)
    first = add_document(library, pages_with_needle(4, at=2), title="One")
    second = add_document(library, pages_with_needle(4, at=1), title="Two")
    answer, pieces = ask_streaming(library, [first, second], "navigate")
    assert "".join(pieces) == answer.text == "Cardamom from Zanzibar."
    assert [r.schema.__name__ for r in model.requests if r.streamed] == ["AnswerReply"]


def test_without_a_listener_nothing_streams() -> None:
    model = FakeChatModel(responder=cake_responder)
    library = make_library(model)
    doc = add_document(library, PAGES)
    answer = asyncio.run(library.aask(QUESTION, [doc], "rag"))
    assert answer.text and not any(r.streamed for r in model.requests)
