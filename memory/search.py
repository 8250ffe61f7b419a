"""Search over a library's memory: pages by embedding similarity, BM25 fused with it, the element
graph's personalized PageRank, passages by similarity, tree nodes. A mixin of `MemoryStore`
(memory/store.py), which supplies the collections, the pages and the query embeddings.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from memory import elements
from memory.chroma import Chroma, where_all, where_in
from memory.embeddings import Embedder
from memory.hybrid import bm25_pages, fuse
from memory.passages import split_page
from memory.records import DocumentRecord, NodeHit, PageHit, node_from
from memory.snapshots import Snapshots
from reader.core.errors import NotFoundError
from reader.core.settings import Settings
from reader.core.types import Node, Page


class Searching:
    """The searches of `MemoryStore`; what they need of it is declared here."""

    settings: Settings
    chroma: Chroma
    embedder: Embedder
    _snapshots: Snapshots
    query_vector: Callable[[str], list[float]]

    if TYPE_CHECKING:  # supplied by MemoryStore

        def documents(self, include_unready: bool = True) -> list[DocumentRecord]: ...
        def pages(
            self, doc_id: str, first: int | None = None, last: int | None = None
        ) -> list[Page]: ...
        def pages_by_id(self, ids: list[str]) -> list[Page]: ...
        def nodes(self, doc_id: str, level: int | None = None) -> list[Node]: ...
        def _require_doc_meta(self, doc_id: str) -> dict[str, Any]: ...

    def search_scope(self, documents: list[str] | None) -> list[str]:
        """Ready documents when `documents` is None, else those ids (each must exist)."""
        if documents is None:
            return [record.id for record in self.documents(include_unready=False)]
        for doc_id in documents:
            if self._require_doc_meta(doc_id)["status"] == "removing":
                raise NotFoundError(f"document {doc_id} is being removed; it cannot be searched")
        return list(dict.fromkeys(documents))

    def search_pages(
        self,
        query: str,
        documents: list[str] | None = None,
        k: int = 4,
        include_matter: bool = False,
    ) -> list[PageHit]:
        """The k pages whose best passage is nearest to `query` (cosine similarity as `score`),
        best first; front and back matter pages only with `include_matter`."""
        doc_ids = self.search_scope(documents)
        total = self.chroma["passages"].count()
        if not doc_ids or k <= 0 or total == 0:
            return []
        vector = self.query_vector(query)
        where = where_in("document", doc_ids)
        n_results = min(max(4 * k, 16), total)
        while True:
            found = self.chroma.query("passages", vector, n_results, where)
            best: dict[str, tuple[float, int, int]] = {}
            for meta, distance in zip(found["metadatas"][0], found["distances"][0], strict=True):
                if include_matter or not meta.get("matter"):
                    best.setdefault(meta["page"], (1.0 - distance, meta["start"], meta["end"]))
            exhausted = len(found["ids"][0]) < n_results or n_results >= total
            if len(best) >= k or exhausted:
                break
            n_results = min(n_results * 4, total)  # many passages of few pages: look further
        return self._page_hits(best, k)

    def _page_hits(self, best: dict[str, tuple[float, int, int]], k: int) -> list[PageHit]:
        """Hits for the first k page ids of `best` (id → score and passage span), in its order."""
        chosen = list(best)[:k]
        pages = {page.id: page for page in self.pages_by_id(chosen)}
        return [
            PageHit(page=pages[pid], score=best[pid][0], passage_start=best[pid][1],
                    passage_end=best[pid][2])
            for pid in chosen
            if pid in pages
        ]  # fmt: skip

    def search_hybrid(
        self,
        query: str,
        documents: list[str] | None = None,
        k: int = 4,
        include_matter: bool = False,
    ) -> list[PageHit]:
        """The k pages best by BM25 and embedding similarity fused (memory/hybrid.py); `score`
        is the fused reciprocal-rank score."""
        doc_ids = self.search_scope(documents)
        depth = max(3 * k, 12)
        dense = {h.page.id: h for h in self.search_pages(query, doc_ids, depth, include_matter)}
        pages = [
            page
            for doc_id in doc_ids
            for page in self.pages(doc_id)
            if include_matter or not page.matter
        ]
        lexical = [page.id for page, _ in bm25_pages(query, pages, depth)]
        by_id = {page.id: page for page in pages}
        hits = []
        for page_id, score in fuse([list(dense), lexical])[:k]:
            seen = dense.get(page_id)
            page = by_id[page_id]
            start, end = (seen.passage_start, seen.passage_end) if seen else (page.start, page.end)
            hits.append(PageHit(page=page, score=score, passage_start=start, passage_end=end))
        return hits

    def search_elements(
        self,
        query: str,
        documents: list[str] | None = None,
        k: int = 4,
        include_matter: bool = False,
    ) -> list[PageHit]:
        """The k pages whose passages personalized PageRank over the element graph ranks highest
        (memory/elements.py), the best passage as the hit's span; `score` is its walk share."""
        best: dict[str, tuple[float, int, int]] = {}
        for doc_id in self.search_scope(documents):
            graph = self.element_graph(doc_id, include_matter)
            for i, score in elements.rank(graph, query):  # best first: a page's best passage
                passage = graph.passages[i]
                best.setdefault(passage.page, (score, passage.start, passage.end))
        return self._page_hits(dict(sorted(best.items(), key=lambda item: -item[1][0])), k)

    def element_graph(self, doc_id: str, include_matter: bool = False) -> elements.ElementGraph:
        """The document's element graph over its story passages (and front and back matter with
        `include_matter`), kept while the document is unchanged."""
        meta = self._require_doc_meta(doc_id)
        every = self.pages(doc_id)
        pages = [p for p in every if include_matter or not p.matter]

        def load() -> list[elements.ElementGraph]:
            encoding = self.settings.pages.encoding
            passages = [x for p in pages for x in split_page(p, enc_name=encoding)]
            noted = {n.children[0]: n.facts for n in self.nodes(doc_id, 1) if n.facts}
            return [elements.build(passages, noted)]

        # Kept once ready: while it is built, gists (and their facts) are still arriving.
        complete = len(every) == meta["pages"] and meta["status"] == "ready"
        kind = "elements+matter" if include_matter else "elements"
        return self._snapshots.get(kind, doc_id, meta, load, lambda _: complete)[0]

    def _embed_query(self, query: str) -> list[float]:
        """The embedding of a search query (kept per store as `query_vector`, since a question's
        strategy searches pages, passages and nodes with the same text)."""
        return self.embedder.embed([query])[0]

    def passage_similarity(self, query: str, passage_ids: list[str]) -> dict[str, float]:
        """The cosine similarity to `query` of those passages that are embedded, by passage id:
        what a reader uses to keep only the relevant part of a page."""
        if not passage_ids:
            return {}
        found = self.chroma["passages"].get(ids=list(passage_ids), include=["embeddings"])
        if not len(found["ids"]):
            return {}
        vector = self.query_vector(query)
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        scores: dict[str, float] = {}
        for passage_id, other in zip(found["ids"], found["embeddings"], strict=True):
            length = math.sqrt(sum(float(x) * float(x) for x in other)) or 1.0
            dot = sum(a * float(b) for a, b in zip(vector, other, strict=True))
            scores[passage_id] = dot / (norm * length)
        return scores

    def search_nodes(
        self, query: str, documents: list[str] | None = None, level: int | None = None, k: int = 4
    ) -> list[NodeHit]:
        """Tree nodes (gists at level 1, summaries above) ranked by similarity to `query`."""
        doc_ids = self.search_scope(documents)
        total = self.chroma["nodes"].count()
        if not doc_ids or k <= 0 or total == 0:
            return []
        level_clause = {"level": level} if level is not None else None
        found = self.chroma.query(
            "nodes",
            self.query_vector(query),
            min(k, total),
            where_all(where_in("document", doc_ids), level_clause),
        )
        return [
            NodeHit(node=node_from(node_id, dict(meta), text), score=1.0 - distance)
            for node_id, meta, text, distance in zip(
                found["ids"][0], found["metadatas"][0], found["documents"][0],
                found["distances"][0], strict=True,
            )
        ]  # fmt: skip
