"""`tome history`, `tome ask -c`, unknown conversations, and Markdown export."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reader.cli.main import main
from tests.agents.test_answer_fixtures import add_document, make_library
from tests.agents.test_answer_memory import BOOK_A, BOOK_B, echo_answer
from tests.fake_chat import FakeChatModel


def setup() -> tuple[object, str, str]:
    library = make_library(FakeChatModel(responder=echo_answer))
    a = add_document(library, BOOK_A, title="Harbour")
    b = add_document(library, BOOK_B, title="Mountains")
    return library, a, b


def run(library: object, *args: str):
    result = CliRunner().invoke(main, list(args), obj={"library": library})
    return result


def test_history_lists_newest_first_filtered_by_document_and_text() -> None:
    library, a, b = setup()
    run(library, "ask", b[:8], "What does Tomas keep?", "--strategy", "rag")
    run(library, "ask", a[:8], "What is Mara's boat called?", "--strategy", "rag")
    listed = json.loads(run(library, "history", "--json").output)
    assert [e["question"] for e in listed] == [
        "What is Mara's boat called?",
        "What does Tomas keep?",
    ]
    assert listed[0]["time"].endswith("+00:00") and listed[0]["citations"]
    only_b = json.loads(run(library, "history", "Mountains", "--json").output)
    assert [e["question"] for e in only_b] == ["What does Tomas keep?"]
    found = json.loads(run(library, "history", "--search", "boat", "--json").output)
    assert [e["question"] for e in found] == ["What is Mara's boat called?"]
    text = run(library, "history").output
    assert "Q: What is Mara's boat called?" in text and "conversation" in text


def test_ask_c_continues_the_last_conversation_on_that_document() -> None:
    library, a, b = setup()
    first = json.loads(run(library, "ask", b[:8], "What does Tomas keep?", "--json").output)
    run(library, "ask", a[:8], "Who sails?", "--json")
    again = json.loads(run(library, "ask", "-c", b[:8], "And where?", "--json").output)
    assert again["conversation"] == first["conversation"]
    fresh = json.loads(run(library, "ask", b[:8], "And where?", "--json").output)
    assert fresh["conversation"] != first["conversation"]


def test_an_unknown_conversation_is_an_error_that_says_how_to_list_them() -> None:
    library, _, b = setup()
    result = run(library, "ask", b[:8], "What?", "--conversation", "nope")
    assert result.exit_code == 2
    assert "no conversation with id 'nope'; `tome history` lists" in result.output


def test_markdown_export_numbers_citations_with_title_page_and_quote() -> None:
    library, _, b = setup()
    shown = run(library, "ask", b[:8], "What does Tomas keep?", "--format", "markdown").output
    assert shown.startswith("## What does Tomas keep?\n\nHe keeps the maps of the old mines.\n")
    assert "\n1. *Mountains*, page 2: “Tomas keeps the maps of the old mines.”" in shown
    exported = run(library, "history", "--format", "markdown").output
    assert "## What does Tomas keep?" in exported and "1. *Mountains*, page 2:" in exported


def test_documents_are_found_by_a_part_of_their_title_and_ambiguity_lists_them() -> None:
    library, a, b = setup()
    assert library.resolve("harb") == a and library.resolve("MOUNTAIN") == b
    add_document(library, ["Another harbour story."], title="Harbour Lights")
    result = run(library, "show", "Harbour L")
    assert result.exit_code == 0 and "Harbour Lights" in result.output
    ambiguous = run(library, "show", "harb")
    assert ambiguous.exit_code == 2 and "matches several documents" in ambiguous.output
    assert "Harbour Lights" in ambiguous.output


def test_a_file_never_added_is_added_when_asked_about_and_a_folder_adds_each_file(
    tmp_path,
) -> None:
    from agents.answer.prompts import AnswerReply
    from tests.agents.test_ingest import make_library as ingest_library
    from tests.agents.test_ingest import responder

    def both(request):  # gists as text, the answer as its structured reply
        if request.schema is AnswerReply:
            return AnswerReply(answer="Mara waits.", page=1, quote="where Mara waits for the ship")
        return responder(request)

    library = ingest_library(tmp_path, FakeChatModel(responder=both))
    note = tmp_path / "note.txt"
    note.write_text("A short note about the harbour at dawn, where Mara waits for the ship.\n")
    assert "`tome add " in run(library, "show", str(note)).output  # not in memory yet
    asked = run(library, "ask", str(note), "Who waits?", "--strategy", "bm25", "--json")
    assert asked.exit_code == 0, asked.output
    assert library.is_ready(note)
    folder = tmp_path / "shelf"
    folder.mkdir()
    for name in ("one.txt", "two.md", "skip.xyz"):
        (folder / name).write_text(f"# {name}\n\nMara waits at the harbour for the ship {name}.\n")
    added = run(library, "add", "-q", str(folder))
    assert added.exit_code == 0, added.output
    assert len(added.output.split()) == 2  # one.txt and two.md, not skip.xyz


def test_a_question_and_a_document_from_standard_input(tmp_path) -> None:
    from agents.answer.prompts import AnswerReply
    from tests.agents.test_ingest import make_library as ingest_library
    from tests.agents.test_ingest import responder

    def both(request):
        if request.schema is AnswerReply:
            return AnswerReply(answer="At the harbour.", page=1, quote="Mara waits at the harbour")
        return responder(request)

    library = ingest_library(tmp_path, FakeChatModel(responder=both))
    story = "Mara waits at the harbour for the ship every evening of the long winter.\n"
    added = CliRunner().invoke(main, ["add", "-q", "-", "--title", "Harbour Notes"], input=story,
                               obj={"library": library})  # fmt: skip
    assert added.exit_code == 0, added.output
    (doc_id,) = added.output.split()
    asked = CliRunner().invoke(main, ["ask", doc_id[:8], "-", "--json"],
                               input="Where does Mara wait?", obj={"library": library})  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.output)["answer"] == "At the harbour."
    assert library.history()[0].question == "Where does Mara wait?"


def test_document_arguments_complete_to_ids_by_title(monkeypatch) -> None:
    import reader.library
    from reader.cli.common import complete_documents

    library, a, b = setup()
    monkeypatch.setattr(reader.library.Library, "documents", lambda self: library.store.documents())
    found = complete_documents(None, None, "mount")  # type: ignore[arg-type]
    assert [(item.value, item.help) for item in found] == [(b[:12], "Mountains")]
    assert [item.value for item in complete_documents(None, None, a[:3])] == [a[:12]]  # type: ignore[arg-type]
