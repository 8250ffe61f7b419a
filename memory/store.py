"""`MemoryStore`: documents, pages, passages, tree nodes and episodes of one library, in Chroma.

Collections are `{library}-documents`, `-pages`, `-passages`, `-nodes` and `-episodes`, plus
`tome-meta` (schema version, the embedder of each library, the write generation). Every vector
comes from tome's own embedder. Search only sees documents whose ingestion finished (`ready`)
unless the caller names documents explicitly.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from memory import elements
from memory.chroma import SCHEMA_VERSION, Chroma, where_all, where_in
from memory.embeddings import Embedder, make_embedder
from memory.episodic import EpisodicMemory
from memory.hybrid import bm25_pages, fuse
from memory.passages import split_page
from memory.records import (
    SETTABLE_STATUSES,
    DocumentRecord,
    NodeHit,
    PageHit,
    check_id,
    decode,
    document_metadata,
    document_record,
    node_from,
    node_metadata,
    page_from,
)
from memory.snapshots import Snapshots
from memory.writes import (
    has_leftovers,
    purge_document,
    store_page_texts,
    store_pages,
    store_passages,
)
from reader.core.errors import NotFoundError, NotReadyError, StoreError
from reader.core.leases import holders
from reader.core.settings import Settings
from reader.core.types import Document, Node, Page
from reader.documents.paginate import page_document

__all__ = ["SCHEMA_VERSION", "MemoryStore"]

QUERY_VECTORS = 64  # query embeddings kept (a batch asks about this many questions at once)


class MemoryStore:
    """The persistent memory of one library. Sync; safe for one writer and many readers."""

    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, library: str = "default"
    ) -> None:
        self.settings = settings
        self.library = library
        self.embedder = (
            embedder if embedder is not None else make_embedder(settings.memory.embedding)
        )
        if not settings.memory.chroma_url:
            settings.ensure_home()
        self.chroma = Chroma(settings.chroma_dir, settings.memory.chroma_url, library)
        self._embedder_key = f"embedder:{library}"
        self._embedder_recorded = self._check_embedder()
        self.episodes = EpisodicMemory(
            self.chroma, self.embed, self.embedder.embed, self.get_document
        )
        self._snapshots = Snapshots()
        self.query_vector = lru_cache(maxsize=QUERY_VECTORS)(self._embed_query)

    def close(self) -> None:
        self.chroma.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- embedder bookkeeping -------------------------------------------------------------------
    def _check_embedder(self) -> bool:
        meta = self.chroma.get_meta(self._embedder_key)
        if meta is None:
            return False
        if meta.get("name") != self.embedder.name:
            raise StoreError(
                f"library {self.library!r} in the store at {self.chroma.where} was built with the "
                f"embedder {meta.get('name')!r} ({meta.get('dimension')} dimensions), but tome is "
                f"set to use {self.embedder.name!r}; set memory.embedding back, or use another "
                "library (or remove its documents and add them again)"
            )
        return True

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed with the store's embedder, recording it on the first write of a library."""
        vectors = self.embedder.embed(texts)
        if vectors and not self._embedder_recorded:
            self.chroma.put_meta(
                self._embedder_key, {"name": self.embedder.name, "dimension": len(vectors[0])}
            )
            self._embedder_recorded = True
        return vectors

    # -- documents ------------------------------------------------------------------------------
    def _doc_meta(self, doc_id: str) -> dict[str, Any] | None:
        found = self.chroma["documents"].get(ids=[doc_id], include=["metadatas"])
        return dict(found["metadatas"][0]) if found["ids"] else None

    def _require_doc_meta(self, doc_id: str) -> dict[str, Any]:
        meta = self._doc_meta(check_id(doc_id, "document"))
        if meta is None:
            raise NotFoundError(
                f"no document with id {doc_id!r} in library {self.library!r}; `tome ls` shows "
                "the documents"
            )
        return meta

    def add_document(self, doc: Document, pages: list[Page], embed_passages: bool = True) -> bool:
        """Store the pages (and their passages) of a new document and register it as `ingesting`.
        False, and nothing written, when the document is already there (ready or ingesting).
        With `embed_passages=False` the passages come later (`embed_passages`), so that a large
        document is registered, and askable by BM25, in seconds."""
        check_id(doc.id, "document")
        strays = [page.id for page in pages if page.document != doc.id]
        if strays:
            raise ValueError(f"pages {strays[:3]} do not belong to document {doc.id}")
        existing = self._doc_meta(doc.id)
        if existing is not None:
            if existing["status"] in ("ready", "ingesting", "failed", "interrupted"):
                return False  # its pages are stored: the run that follows finishes the rest
            if existing["status"] == "removing":
                self.remove_document(doc.id)
        if embed_passages:
            (title_vector,) = store_pages(
                self.chroma, self.embed, pages, self.settings.pages.encoding, [doc.title]
            )
        else:
            (title_vector,) = store_page_texts(self.chroma, self.embed, pages, [doc.title])
        # The document record comes last: a crash before it leaves nothing that looks registered.
        meta = document_metadata(doc, pages, "ingesting", time.time())
        self.chroma.upsert(
            "documents", [doc.id], [title_vector], [{**meta, "embedded": embed_passages}],
            [doc.title],
        )  # fmt: skip
        self.chroma.bump_generation()
        return True

    def passages_embedded(self, doc_id: str) -> bool:
        """Are the document's passages all embedded (so that similarity search sees all of it)?"""
        return bool(self._require_doc_meta(doc_id).get("embedded", True))

    def embed_passages(self, doc_id: str, before_batch: Callable[[], object] | None = None) -> int:
        """Embed the passages of a document registered without them, skipping those a crashed
        run stored (`before_batch` runs before each batch); how many were embedded now."""
        if self.passages_embedded(doc_id):
            return 0
        stored = set(self.chroma.ids_where("passages", {"document": doc_id}))
        written = store_passages(
            self.chroma, self.embed, self.pages(doc_id), self.settings.pages.encoding, stored,
            before_batch,
        )  # fmt: skip
        self.chroma["documents"].update(ids=[doc_id], metadatas=[{"embedded": True}])
        self.chroma.bump_generation()
        return written

    def set_status(self, doc_id: str, status: str, stats: dict[str, Any] | None = None) -> None:
        """Set `ingesting`, `ready`, `failed` or `interrupted`; `stats` are merged into the
        document's stats."""
        if status not in SETTABLE_STATUSES:
            raise ValueError(f"status must be one of {SETTABLE_STATUSES}, not {status!r}")
        meta = self._require_doc_meta(doc_id)
        if meta["status"] == "removing":
            raise StoreError(f"document {doc_id} is being removed; finish with `tome rm`")
        update: dict[str, Any] = {"status": status}
        if stats:
            merged = {**json.loads(meta.get("stats") or "{}"), **stats}
            update["stats"] = json.dumps(merged, default=str)
        self.chroma["documents"].update(ids=[doc_id], metadatas=[update])
        self.chroma.bump_generation()

    def get_document(self, doc_id: str) -> DocumentRecord:
        return self._record(doc_id, self._require_doc_meta(doc_id))

    def builders(self, doc_id: str) -> Path:
        """Where the processes building a document hold their leases (reader/core/leases.py)."""
        return self.settings.home / "run" / "builders" / doc_id

    def _record(self, doc_id: str, meta: dict[str, Any]) -> DocumentRecord:
        record = document_record(doc_id, meta)
        if record.status == "ingesting" and not holders(self.builders(doc_id)):
            # stored as being built, but no living process builds it: killed, or crashed
            record = record.model_copy(update={"status": "interrupted"})
        return record

    def documents(self, include_unready: bool = True) -> list[DocumentRecord]:
        found = self.chroma["documents"].get(include=["metadatas"])
        records = [
            self._record(doc_id, dict(meta))
            for doc_id, meta in zip(found["ids"], found["metadatas"], strict=True)
        ]
        if not include_unready:
            records = [record for record in records if record.status == "ready"]
        return sorted(records, key=lambda record: (record.created, record.id))

    def resolve(self, ref: str) -> DocumentRecord:
        """A document by exact id, unique id prefix, exact title, or a part of one unique title
        (all case-insensitive)."""
        ref = ref.strip() if isinstance(ref, str) else ""
        if not ref:
            raise NotFoundError("no document reference given; pass an id, id prefix or title")
        meta = self._doc_meta(ref)
        if meta is not None:
            return self._record(ref, meta)
        records = self.documents()
        by_prefix = [record for record in records if record.id.startswith(ref)]
        folded = ref.casefold()
        by_title = [record for record in records if record.title.casefold() == folded]
        by_part = [record for record in records if folded in record.title.casefold()]
        for matches in (by_prefix, by_title, by_part):
            if len(matches) == 1:
                return matches[0]
        candidates = {record.id: record for record in by_prefix + by_title + by_part}
        if candidates:
            listed = ", ".join(f"{r.id[:12]} ({r.title})" for r in candidates.values())
            raise NotFoundError(f"{ref!r} matches several documents: {listed}; be more specific")
        raise NotFoundError(
            f"no document matches {ref!r} in library {self.library!r}; `tome ls` shows them"
        )

    def require_ready(self, doc_id: str) -> DocumentRecord:
        record = self.get_document(doc_id)
        if record.status != "ready":
            again = f"`tome add {record.source}`"
            hint = {
                "failed": f"its last add failed ({record.stats.get('error', 'see the log')}); "
                f"fix that and run {again} again",
                "interrupted": f"its add was interrupted; run {again} to finish it",
                "ingesting": f"it is being added; wait, or if no add is running, run {again}",
            }.get(record.status, f"run {again}")
            raise NotReadyError(
                f"document {record.title!r} ({record.id[:12]}) is {record.status}, not ready; "
                f"{hint}"
            )
        return record

    def remove_document(self, doc_id: str) -> None:
        """Delete everything of a document. It is marked `removing` first, so a crash part-way
        leaves it visibly not ready and a second call finishes the job."""
        check_id(doc_id, "document")
        meta = self._doc_meta(doc_id)
        if meta is None:
            if not has_leftovers(self.chroma, doc_id):
                self._require_doc_meta(doc_id)  # raises NotFoundError
        else:
            self.chroma["documents"].update(ids=[doc_id], metadatas=[{"status": "removing"}])
            self.chroma.bump_generation()
        purge_document(self.chroma, doc_id)
        self.chroma.delete_ids("documents", [doc_id])
        self.chroma.bump_generation()
        self._snapshots.forget(doc_id)

    # -- nodes and pages ------------------------------------------------------------------------
    def put_nodes(self, nodes: list[Node]) -> None:
        if not nodes:
            return
        for doc_id in {node.document for node in nodes}:
            self._require_doc_meta(doc_id)
        for node in nodes:
            check_id(node.id, "node")
        self.chroma.upsert(
            "nodes",
            [node.id for node in nodes],
            self.embed([node.summary for node in nodes]),
            [node_metadata(node) for node in nodes],
            [node.summary for node in nodes],
        )
        self.chroma.bump_generation()

    def get_nodes(self, ids: list[str]) -> list[Node]:
        """Nodes in the order of `ids`; NotFoundError names any that are missing."""
        if not ids:
            return []
        found = self.chroma["nodes"].get(ids=list(ids), include=["metadatas", "documents"])
        by_id = {node.id: node for node in decode(found, node_from)}
        missing = [node_id for node_id in ids if node_id not in by_id]
        if missing:
            raise NotFoundError(f"no tree node with id {missing[0]!r} (of {len(missing)} missing)")
        return [by_id[node_id] for node_id in ids]

    def get_node(self, node_id: str) -> Node:
        return self.get_nodes([check_id(node_id, "node")])[0]

    def level_counts(self, doc_id: str) -> dict[int, int]:
        """How many tree nodes each level of a document has (1: gists), for progress."""
        self._require_doc_meta(doc_id)
        found = self.chroma["nodes"].get(where={"document": doc_id}, include=["metadatas"])
        counts: dict[int, int] = {}
        for meta in found["metadatas"]:
            counts[int(meta["level"])] = counts.get(int(meta["level"]), 0) + 1
        return dict(sorted(counts.items()))

    def nodes(self, doc_id: str, level: int | None = None) -> list[Node]:
        meta = self._require_doc_meta(doc_id)

        def load(level: int | None = level) -> list[Node]:
            level_clause = {"level": level} if level is not None else None
            found = self.chroma["nodes"].get(
                where=where_all({"document": doc_id}, level_clause),
                include=["metadatas", "documents"],
            )
            return sorted(decode(found, node_from), key=lambda node: (node.level, node.ordinal))

        if meta["status"] != "ready":  # a builder may be adding nodes
            return load()
        tree = self._snapshots.get("nodes", doc_id, meta, lambda: load(None), lambda _: True)
        return tree if level is None else [n for n in tree if n.level == level]

    def _pages_where(
        self, where: dict[str, Any] | None = None, ids: list[str] | None = None
    ) -> list[Page]:
        found = self.chroma["pages"].get(where=where, ids=ids, include=["metadatas", "documents"])
        return sorted(decode(found, page_from), key=lambda page: (page.document, page.ordinal))

    def pages_by_id(self, ids: list[str]) -> list[Page]:
        """The pages of those ids that exist (no error for missing ones)."""
        wanted = set(ids)
        found: list[Page] = []
        for doc_id in dict.fromkeys(page_document(page_id) for page_id in ids):
            meta = self._doc_meta(doc_id) if doc_id else None
            if meta is None:
                return self._pages_where(ids=list(ids))
            found += [p for p in self._all_pages(doc_id, meta) if p.id in wanted]
        return sorted(found, key=lambda page: (page.document, page.ordinal))

    def _all_pages(self, doc_id: str, meta: dict[str, Any]) -> list[Page]:
        return self._snapshots.get(
            "pages", doc_id, meta, lambda: self._pages_where({"document": doc_id}),
            lambda pages: len(pages) == meta["pages"],
        )  # fmt: skip

    def get_page(self, page_id: str) -> Page:
        pages = self._pages_where(ids=[check_id(page_id, "page")])
        if not pages:
            raise NotFoundError(f"no page with id {page_id!r} in library {self.library!r}")
        return pages[0]

    def pages(self, doc_id: str, first: int | None = None, last: int | None = None) -> list[Page]:
        """The document's pages by ordinal, optionally only ordinals first..last (inclusive)."""
        pages = self._all_pages(doc_id, self._require_doc_meta(doc_id))
        return [p for p in pages if (first is None or p.ordinal >= first)
                and (last is None or p.ordinal <= last)]  # fmt: skip

    def page_by_ordinal(self, doc_id: str, ordinal: int) -> Page:
        pages = self.pages(doc_id, ordinal, ordinal)
        if not pages:
            raise NotFoundError(f"document {doc_id[:12]} has no page number {ordinal}")
        return pages[0]

    # -- search ---------------------------------------------------------------------------------
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
            graph = self._element_graph(doc_id, include_matter)
            for i, score in elements.rank(graph, query):  # best first: a page's best passage
                passage = graph.passages[i]
                best.setdefault(passage.page, (score, passage.start, passage.end))
        return self._page_hits(dict(sorted(best.items(), key=lambda item: -item[1][0])), k)

    def _element_graph(self, doc_id: str, include_matter: bool) -> elements.ElementGraph:
        meta = self._require_doc_meta(doc_id)
        every = self.pages(doc_id)
        pages = [p for p in every if include_matter or not p.matter]

        def load() -> list[elements.ElementGraph]:
            encoding = self.settings.pages.encoding
            return [elements.build([x for p in pages for x in split_page(p, enc_name=encoding)])]

        complete = len(every) == meta["pages"]
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
