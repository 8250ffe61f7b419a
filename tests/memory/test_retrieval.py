"""Retrieval quality with the real local embedder (no fakes here)."""

from __future__ import annotations

from memory.embeddings import OnnxMiniLMEmbedder
from memory.store import MemoryStore
from reader.core.settings import Settings
from tests.memory.helpers import make_document

PAGES = [
    "The orchestra tuned their violins and cellos before the conductor raised his baton. "
    "The symphony began softly with the flutes, and the audience fell silent.",
    "All night the crew of the schooner fought the gale. Waves broke over the deck, the mainsail "
    "tore, and the captain lashed himself to the wheel until dawn calmed the waters.",
    "She kneaded the dough, let it rise by the warm stove, and baked loaves of rye for the "
    "village market every Saturday morning.",
    "The senator's speech on taxation was interrupted twice by hecklers in the gallery, and the "
    "vote was postponed until the following week.",
]

FILLER = (
    "The committee met again on Tuesday to review the minutes of the previous meeting, and the "
    "secretary read the correspondence aloud while the members took notes. "
)


def test_minilm_finds_the_page_by_meaning(settings: Settings, minilm: OnnxMiniLMEmbedder) -> None:
    with MemoryStore(settings, minilm) as store:
        doc, pages = make_document("tales01", "Tales", PAGES)
        store.add_document(doc, pages)
        store.set_status("tales01", "ready")
        queries = {
            "sailors struggling in a storm at sea": "tales01-p1",
            "making bread in a kitchen": "tales01-p2",
            "a concert of classical music": "tales01-p0",
            "a politician addressing parliament": "tales01-p3",
        }
        for query, expected in queries.items():
            hits = store.search_pages(query, k=2)
            assert hits[0].page.id == expected, (query, [h.page.id for h in hits])
            assert hits[0].score > hits[1].score


def test_search_points_at_the_passage_inside_a_long_page(
    settings: Settings, minilm: OnnxMiniLMEmbedder
) -> None:
    needle = (
        "Suddenly a fox slipped into the henhouse and carried off three chickens before the "
        "farmer's dog woke up. "
    )
    long_page = FILLER * 12 + needle + FILLER * 12
    doc, pages = make_document("minutes01", "Minutes", [FILLER * 10, long_page, FILLER * 10])
    with MemoryStore(settings, minilm) as store:
        store.add_document(doc, pages)
        store.set_status("minutes01", "ready")
        assert store.chroma["passages"].count() >= 8
        hit = store.search_pages("a wild animal attacked the poultry on the farm", k=1)[0]
        assert hit.page.id == "minutes01-p1"
        passage = doc.text[hit.passage_start : hit.passage_end]
        assert "fox slipped into the henhouse" in passage
        assert len(passage) < len(hit.page.text) / 2


def test_passage_similarity_ranks_a_long_pages_passages_by_meaning(
    settings: Settings, minilm: OnnxMiniLMEmbedder
) -> None:
    """What lookup keeps of a page it reads (agents/answer/focus.py): the passage that means what
    the question asks scores highest, with no word in common."""
    from memory.passages import split_page

    needle = "Suddenly a fox slipped into the henhouse and carried off three chickens. "
    long_page = FILLER * 12 + needle + FILLER * 12
    doc, pages = make_document("minutes02", "Minutes", [long_page])
    with MemoryStore(settings, minilm) as store:
        store.add_document(doc, pages)
        ids = [p.id for p in split_page(pages[0])]
        scores = store.passage_similarity("a wild animal attacked the poultry", [*ids, "nope#0"])
        assert set(scores) == set(ids), "every embedded passage, and no id that is not stored"
        best = max(scores, key=scores.__getitem__)
        assert "fox slipped" in next(p.text for p in split_page(pages[0]) if p.id == best)
