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
