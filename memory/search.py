"""Vector search over a store: pages ranked by their best passage, and tree nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memory.records import NodeHit, PageHit, node_from

if TYPE_CHECKING:
    from memory.store import MemoryStore


def where_all(*clauses: dict[str, Any] | None) -> dict[str, Any] | None:
    """Chroma's `$and` wants at least two clauses; this takes any number (None ignored)."""
    present = [clause for clause in clauses if clause]
    if not present:
        return None
    return present[0] if len(present) == 1 else {"$and": present}


def where_in(field: str, values: list[str]) -> dict[str, Any]:
    return {field: {"$in": list(values)}}


def search_pages(store: MemoryStore, query: str, doc_ids: list[str], k: int) -> list[PageHit]:
    """The k pages of `doc_ids` whose best passage is nearest to `query`, best first."""
    total = store.chroma["passages"].count()
    if not doc_ids or k <= 0 or total == 0:
        return []
    vector = store.embedder.embed([query])[0]
    where = where_in("document", doc_ids)
    n_results = min(max(4 * k, 16), total)
    while True:
        found = store.chroma.query("passages", vector, n_results, where)
        best: dict[str, tuple[float, int, int]] = {}
        for meta, distance in zip(found["metadatas"][0], found["distances"][0], strict=True):
            best.setdefault(meta["page"], (1.0 - distance, meta["start"], meta["end"]))
        exhausted = len(found["ids"][0]) < n_results or n_results >= total
        if len(best) >= k or exhausted:
            break
        n_results = min(n_results * 4, total)  # many passages of few pages: look further
    chosen = list(best)[:k]
    pages = {page.id: page for page in store.pages_by_id(chosen)}
    return [
        PageHit(
            page=pages[page_id],
            score=best[page_id][0],
            passage_start=best[page_id][1],
            passage_end=best[page_id][2],
        )
        for page_id in chosen
        if page_id in pages
    ]


def search_nodes(
    store: MemoryStore, query: str, doc_ids: list[str], level: int | None, k: int
) -> list[NodeHit]:
    total = store.chroma["nodes"].count()
    if not doc_ids or k <= 0 or total == 0:
        return []
    level_clause = {"level": level} if level is not None else None
    found = store.chroma.query(
        "nodes",
        store.embedder.embed([query])[0],
        min(k, total),
        where_all(where_in("document", doc_ids), level_clause),
    )
    return [
        NodeHit(node=node_from(node_id, dict(meta), text), score=1.0 - distance)
        for node_id, meta, text, distance in zip(
            found["ids"][0],
            found["metadatas"][0],
            found["documents"][0],
            found["distances"][0],
            strict=True,
        )
    ]
