"""Questions about how things end are answered from the closing pages, whatever pages a lazy model
picks from the gists."""

from __future__ import annotations

from pydantic import BaseModel

from agents.answer.prompts import AnswerReply
from agents.lookup.prompts import PageChoice
from tests.agents.test_answer_fixtures import add_document, make_library, numbered
from tests.fake_chat import FakeChatModel, FakeRequest

PAGES = [
    "Ichabod Crane was the schoolmaster of Sleepy Hollow, tall and lank.",
    "He courted Katrina Van Tassel, daughter of a rich farmer.",
    "Brom Bones was his rival and played pranks on him.",
    "At the party Ichabod heard tales of the headless horseman.",
    "Riding home, Ichabod was chased by a rider who hurled his head at him.",
    "Ichabod was never seen in the Hollow again; Brom married Katrina.",
]


def test_lookup_reads_the_closing_pages_for_a_question_about_the_end() -> None:
    read: list[dict[int, str]] = []

    def lazy(request: FakeRequest) -> BaseModel:
        if request.schema is PageChoice:
            return PageChoice(pages=[1, 2, 3])  # what a 0.5B model picks when unsure
        read.append(numbered(request))
        return AnswerReply(answer="He vanished.", page=1, quote="")

    library = make_library(FakeChatModel(responder=lazy))
    doc = add_document(library, PAGES)
    answer = library.ask("What happens to Ichabod at the end?", [doc], strategy="lookup")
    shown = [text.strip() for text in read[0].values()]
    assert shown[0] == PAGES[4], "the closing pages come first, in reading order"
    assert PAGES[5] in shown
    assert answer.text == "He vanished."
    pick = next(t for t in answer.trace if t["step"] == "pick")
    assert pick["chosen"][0] == 5
