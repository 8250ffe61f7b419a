"""Hybrid retrieval: reciprocal-rank fusion, and a store search that finds by either signal."""

from __future__ import annotations

from memory.hybrid import fuse
from memory.store import MemoryStore
from tests.memory.helpers import make_document


def test_fusion_rewards_agreement_and_keeps_both_lists() -> None:
    fused = fuse([["a", "b", "c"], ["c", "a", "d"]])
    assert [item for item, _ in fused] == ["a", "c", "b", "d"]
    assert fused[0][1] == 1 / 61 + 1 / 62


def test_a_rare_name_is_found_lexically_even_when_embeddings_miss_it(store: MemoryStore) -> None:
    texts = [
        "The harbour was quiet at dawn and the boats rocked.",
        "Zorbanek the cartographer kept his maps in a tin.",
        "Rain fell on the market and the stalls closed early.",
    ]
    doc, pages = make_document("hyb001", "Hybrid", texts)
    store.add_document(doc, pages)
    store.set_status("hyb001", "ready")
    hits = store.search_hybrid("Where are Zorbanek's maps?", k=2)
    assert hits[0].page.id == pages[1].id  # BM25 ranks the rare name first; RRF keeps it on top
    assert len({h.page.id for h in hits}) == 2 and all(h.score > 0 for h in hits)
