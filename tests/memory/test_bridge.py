"""The bridge hop: from the sentence a question is about to the page its rare phrase leads to."""

from __future__ import annotations

from memory.bridge import find_bridge, phrases
from reader.core.types import Page

FILLER = [
    "The road ran down to the river and the boy walked along the road every day.",
    "Startups grow when founders talk to users and the road ahead looks long.",
    "Painters and writers spend the morning at work and the evening down by the road.",
    "Every essay has a beginning, and the boy named his essay after the road.",
]


def _pages(texts: list[str]) -> list[Page]:
    pages, at = [], 0
    for i, text in enumerate(texts):
        pages.append(Page(id=f"p{i}", document="d", chapter=-1, ordinal=i, start=at,
                          end=at + len(text), tokens=len(text.split()), text=text))  # fmt: skip
        at += len(text) + 2
    return pages


def test_a_two_fact_question_is_led_to_the_page_of_the_second_fact() -> None:
    pages = _pages([
        FILLER[0] + " Marta Quell keeps the brass key in the blue lacquer box.",
        FILLER[1],
        FILLER[2] + " The blue lacquer box is hidden in the attic above the bakery.",
        FILLER[3],
    ])  # fmt: skip
    question = "Where is the brass key that Marta Quell keeps?"
    bridge = find_bridge(question, pages[:1], pages)
    assert bridge is not None
    assert bridge.phrase == "blue lacquer box"
    assert (bridge.source.ordinal, bridge.page.ordinal) == (0, 2)
    passage = "\n\n".join(p.text for p in pages)[bridge.start : bridge.end]
    assert "attic above the bakery" in passage


def test_common_words_lead_nowhere() -> None:
    pages = _pages(FILLER * 3)
    assert find_bridge("Who did the boy meet on the road?", pages[:1], pages) is None


def test_a_single_fact_has_no_bridge() -> None:
    pages = _pages([FILLER[0] + " Captain Ilario Venn named his racing pigeon Thimbleweed.",
                    *FILLER[1:]])  # fmt: skip
    question = "What did Captain Ilario Venn name his racing pigeon?"
    assert find_bridge(question, pages[:1], pages) is None


def test_phrases_are_runs_of_new_words_longest_first() -> None:
    sentence = "The violinist lent her bow to the conductor of the Saltmarsh Orchestra."
    assert phrases(sentence, "Who has the bow the violinist lent?") == [
        "conductor saltmarsh orchestra"
    ]
