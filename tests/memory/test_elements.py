"""The element graph and its personalized PageRank (memory/elements.py): real Chroma, real
tiktoken passages; the strategy's answer call is the fake model."""

from __future__ import annotations

from agents.answer.prompts import AnswerReply
from memory import elements
from memory.hybrid import bm25_pages
from memory.passages import Passage
from reader.core.types import Page
from tests.agents.test_answer_fixtures import NUMBERED, add_document, make_library
from tests.fake_chat import FakeChatModel, FakeRequest

COMMON = [
    "The carts rolled along the market road while the traders argued about prices.",
    "Rain fell on the roofs of the town and the children ran home from school.",
    "The old clock in the square struck noon and the bells answered from the hill.",
    "Fishermen mended their nets on the quay and sang the songs of their fathers.",
    "Smoke rose from the chimneys as supper was cooked in every kitchen of the street.",
]
QUESTION = "Where is the brass key that Marta Quell keeps?"
KEY = "Marta Quell keeps the brass key in the blue lacquer box."
BOX = "The blue lacquer box stands in the attic above the old bakery."
SOUP = "Marta Quell ate her soup by the window and watched the gulls."


def town(pages: int = 60) -> list[str]:
    texts = [
        f"Page {i + 1}. {COMMON[i % 5]} {COMMON[(i + 2) % 5]} A stranger named Visitor{i // 2} "
        f"brought news of the harvest{i} festival."
        for i in range(pages)
    ]
    texts[9] += " " + KEY
    texts[46] += " " + BOX
    texts[30] += " " + SOUP
    return texts


def passage(i: int, text: str) -> Passage:
    return Passage(
        page=f"p{i}", document="d", ordinal=i, index=0, start=0, end=len(text), text=text
    )


def test_the_walk_reaches_the_passage_that_shares_no_word_with_the_question() -> None:
    texts = town()
    graph = elements.build([passage(i, t) for i, t in enumerate(texts)])
    assert "blue lacquer" in graph.holders and "market road" not in graph.holders, "common"
    ranked = [i for i, _ in elements.rank(graph, QUESTION)]
    assert ranked[0] == 9, "the passage naming Marta Quell and the brass key"
    assert 46 in ranked[:3], "the attic, reached through the blue lacquer box"
    assert ranked.index(46) < min(ranked.index(i) for i in ranked if i not in (9, 30, 46))
    pages = [Page(id=f"x-p{i:04d}", document="x", chapter=-1, ordinal=i, start=0, end=len(t),
                  tokens=0, text=t) for i, t in enumerate(texts)]  # fmt: skip
    lexical = [page for page, score in bm25_pages(QUESTION, pages, len(pages)) if score]
    assert lexical and all("attic" not in page.text for page in lexical), "BM25 cannot find it"


def test_a_question_with_no_key_element_reaches_nothing() -> None:
    graph = elements.build([passage(i, t) for i, t in enumerate(town())])
    assert elements.rank(graph, "What did the traders argue about?") == []


def test_ppr_answers_from_the_pages_the_walk_ranks_and_cites_the_second_hop() -> None:
    def answer(request: FakeRequest) -> AnswerReply:
        shown = dict(NUMBERED.findall(request.prompt))
        number = next(int(n) for n, text in shown.items() if "attic" in text)
        return AnswerReply(answer="In the attic above the old bakery.", page=number, quote=BOX)

    model = FakeChatModel(responder=answer)
    library = make_library(model, top_k=3)
    doc = add_document(library, town())
    reply = library.ask(QUESTION, [doc], strategy="ppr")
    retrieve = next(t for t in reply.trace if t.get("step") == "retrieve")
    assert retrieve["search"] == "elements"
    assert [p[1] for p in retrieve["pages"]][:1] == [10] and 47 in [p[1] for p in retrieve["pages"]]
    assert [c.page_number for c in reply.citations] == [47] and reply.usage.calls == 1


def test_ppr_fills_from_hybrid_retrieval_when_the_question_has_no_rare_element() -> None:
    model = FakeChatModel(responder=lambda r: AnswerReply(answer="Prices.", page=1, quote=""))
    library = make_library(model, top_k=3)
    doc = add_document(library, town())
    reply = library.ask("What did the traders argue about?", [doc], strategy="ppr")
    retrieve = next(t for t in reply.trace if t.get("step") == "retrieve")
    assert retrieve["filled"] and len(NUMBERED.findall(model.requests[0].prompt)) == 3
