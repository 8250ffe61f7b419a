"""Lookup and navigate read the part of a page that fits the question (agents/answer/focus.py):
a long page is cut to the passages around the sentence that matches, so a repeat question pays
for few page tokens; asked how the document ends, the closing page's last passages."""

from __future__ import annotations

from agents.answer.focus import PAGE_READ_TOKENS
from agents.answer.prompts import AnswerReply
from agents.lookup.prompts import PageChoice
from agents.navigate.graph import ENDING_TOKENS
from agents.navigate.prompts import Choice, PageReply
from reader.core.tokens import count_tokens
from reader.core.types import Answer
from tests.agents.test_answer_fixtures import NUMBERED, add_document, make_library
from tests.fake_chat import FakeChatModel, FakeRequest

FILLER = [f"Morning number {i} brought grey weather over the quiet fields." for i in range(150)]
KEY = "The brass key hangs behind the lighthouse clock."
LONG = " ".join([*FILLER[:75], KEY, *FILLER[75:]])


def answers(request: FakeRequest) -> object:
    if request.schema is PageChoice:
        return PageChoice(pages=[2])
    return AnswerReply(answer="Behind the lighthouse clock.", page=1, quote=KEY)


def _read(model: FakeChatModel) -> str:
    """The page text the answer call was shown."""
    final = [r for r in model.requests if r.schema is AnswerReply][-1]
    return "\n".join(body for _, body in NUMBERED.findall(final.prompt))


def test_lookup_reads_the_passages_around_the_matching_sentence_not_the_whole_page() -> None:
    model = FakeChatModel(responder=answers)
    library = make_library(model)
    pages = ["A short opening page about the harbour.", LONG, "A short closing page."]
    assert count_tokens(LONG) > 2 * PAGE_READ_TOKENS
    doc = add_document(library, pages)
    answer = library.ask("Where does the brass key hang?", [doc], strategy="lookup")
    shown = _read(model)
    assert KEY in shown
    assert FILLER[0] not in shown and FILLER[-1] not in shown, "the page's far ends are left out"
    assert FILLER[74] in shown and FILLER[75] in shown, "the key's neighbours are kept"
    assert count_tokens(shown) <= PAGE_READ_TOKENS + 400, "one page's window, not the page"
    assert answer.citations and answer.citations[0].page_number == 2
    assert answer.citations[0].quote == KEY, "the quote is verified against the stored page"


def test_a_question_about_the_end_reads_the_last_passages_of_the_closing_page() -> None:
    model = FakeChatModel(responder=answers)
    library = make_library(model)
    ending = " ".join([*FILLER[:75], KEY, *FILLER[75:]])  # the key matches in the middle
    doc = add_document(library, ["A short opening page.", "A second short page.", ending])
    library.ask("What happens at the end to the brass key?", [doc], strategy="lookup")
    shown = _read(model)
    assert FILLER[-1] in shown, "the closing page's last words are read"
    assert FILLER[0] not in shown and KEY not in shown, "not its middle, where the key matches"


def test_navigate_reads_the_passages_around_the_matching_sentence_of_the_page_it_reaches() -> None:
    def replies(request: FakeRequest) -> object:
        if request.schema is Choice:
            return Choice(choice=2)
        return PageReply(answer="Behind the lighthouse clock.", quote=KEY)

    model = FakeChatModel(responder=replies)
    library = make_library(model)
    doc = add_document(library, ["A short opening page.", LONG, "A short closing page."])
    answer = library.ask("Where does the brass key hang?", [doc], strategy="navigate")
    read = [r for r in model.requests if r.schema is PageReply][-1].prompt
    assert KEY in read and FILLER[74] in read
    assert FILLER[2] not in read and FILLER[-1] not in read, (
        "(the gist in its notes holds FILLER[0])"
    )
    assert answer.citations and answer.citations[0].page_number == 2


def ask_about_the_end(ending_reply: AnswerReply) -> tuple[FakeChatModel, Answer]:
    """navigate on a book whose last page is long, the ending read answered by `ending_reply`."""

    def replies(request: FakeRequest) -> object:
        if request.schema is Choice:
            return Choice(choice=3)
        if request.schema is AnswerReply:
            return ending_reply
        return PageReply(answer="Grey weather.", quote=FILLER[-1])

    model = FakeChatModel(responder=replies)
    library = make_library(model)
    doc = add_document(library, ["A short opening page.", "A second short page.", LONG])
    answer = library.ask("What happens at the end to the brass key?", [doc], strategy="navigate")
    return model, answer


def test_navigate_asked_about_the_end_reads_the_closing_pages_last_passages_first() -> None:
    model, answer = ask_about_the_end(AnswerReply(answer="Grey weather.", page=2, quote=FILLER[-1]))
    assert [r.schema for r in model.requests] == [AnswerReply], "no choice: the end is known"
    read = model.requests[0].prompt
    assert FILLER[-1] in read and KEY not in read, "the ending's last passages, not its middle"
    assert "A second short page." in read, "the closing pages, both"
    assert count_tokens(read) <= ENDING_TOKENS + 400
    assert answer.text == "Grey weather." and answer.citations[0].page_number == 3


def test_navigate_walks_from_the_overview_when_the_ending_does_not_answer() -> None:
    model, answer = ask_about_the_end(AnswerReply(answer="not found", page=0, quote=""))
    schemas = [r.schema for r in model.requests]
    assert schemas[0] is AnswerReply and Choice in schemas and schemas[-1] is PageReply
    walk = model.requests[schemas.index(Choice)].prompt
    assert "the closing pages: no answer there" in walk, "the walk knows what was read"
    assert answer.text == "Grey weather."
