"""`tome ask` with the fake model: plain output and --json."""

from __future__ import annotations

import json

from click.testing import CliRunner

from agents.answer.prompts import AnswerReply
from agents.lookup.prompts import PageChoice
from reader.cli.main import main
from tests.agents.test_answer_fixtures import add_document, make_library, numbered
from tests.fake_chat import FakeChatModel, FakeRequest

PAGES = ["Mara sails the harbour boats at dawn.", "Tomas keeps the maps of the old mines."]


def responder(request: FakeRequest) -> AnswerReply | PageChoice:
    best = next((n for n, t in numbered(request).items() if "maps" in t), 1)
    if request.schema is PageChoice:
        return PageChoice(pages=[best])
    return AnswerReply(answer="The maps of the old mines.", page=best, quote="keeps the maps")


def test_ask_prints_the_answer_citations_and_cost() -> None:
    library = make_library(FakeChatModel(responder=responder))
    doc = add_document(library, PAGES, title="Mountains")
    runner = CliRunner()
    result = runner.invoke(
        main, ["ask", doc[:8], "What does Tomas keep?"], obj={"library": library}
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "The maps of the old mines."
    assert any(
        line.startswith("[1] Mountains, page 2") and "keeps the maps" in line for line in lines
    )
    assert "strategy whole" in lines[-1] and "1 LLM call ·" in lines[-1]

    result = runner.invoke(
        main, ["ask", "Mountains", "What does Tomas keep?", "--json", "--strategy", "lookup"],
        obj={"library": library},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["strategy"] == "lookup" and data["answer"].startswith("The maps")
    assert data["citations"][0]["document"] == doc and data["citations"][0]["page_number"] == 2
    assert {"trace", "llm_calls", "prompt_tokens", "completion_tokens", "seconds"} <= set(data)
    follow = runner.invoke(
        main, ["ask", doc, "And Mara?", "--conversation", data["conversation"], "--json"],
        obj={"library": library},
    )  # fmt: skip
    assert json.loads(follow.output)["conversation"] == data["conversation"]


def test_ask_needs_a_document_and_a_question() -> None:
    library = make_library(FakeChatModel(responder=responder))
    result = CliRunner().invoke(main, ["ask", "Who?"], obj={"library": library})
    assert result.exit_code == 2 and "documents, then the question" in result.output


def test_a_document_still_being_built_is_answered_from_retrieval_and_says_so() -> None:
    model = FakeChatModel(responder=responder, context_window=2510)  # too small to read it whole
    library = make_library(model)
    doc = add_document(library, PAGES, title="Mountains")
    library.store.chroma["nodes"].delete(ids=[f"{doc}-n1-1"])  # page 2 has no gist yet
    library.store.set_status(doc, "ingesting")
    ask = ["ask", doc, "Who keeps the maps?", "--strategy", "lookup"]
    result = CliRunner().invoke(main, [*ask, "--json"], obj={"library": library})
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["strategy"] == "hybrid", "lookup needs the gists: retrieval answers instead"
    assert data["memory"] == "memory 50 % built (1 of 2 pages summarised); answered with hybrid"
    assert data["answer"] == "The maps of the old mines." and data["citations"]
    assert all(r.schema is not PageChoice for r in model.requests)
    plain = CliRunner().invoke(main, ask, obj={"library": library})
    assert "memory 50 % built" in plain.output
    listed = CliRunner().invoke(main, ["ls"], obj={"library": library})
    assert "interrupted" in listed.output  # no builder runs in this test
    assert "(1 of 2 pages summarised, tree levels 1-2)" in listed.output
    as_json = json.loads(
        CliRunner().invoke(main, ["ls", "--json"], obj={"library": library}).output
    )
    assert as_json[0]["progress"] == {"pages_gisted": 1, "levels_built": 2}


def test_rm_json_lists_removed_ids_and_ls_no_longer_shows_them() -> None:
    library = make_library(FakeChatModel(responder=responder))
    doc = add_document(library, PAGES, title="Mountains")
    runner = CliRunner()
    result = runner.invoke(main, ["rm", "Mountains", "--json"], obj={"library": library})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [doc]
    listed = runner.invoke(main, ["ls", "--json"], obj={"library": library})
    assert doc not in listed.output
    again = runner.invoke(main, ["rm", doc], obj={"library": library})
    assert again.exit_code == 2 and again.output.startswith("Error:")
