"""`MemoryStore`: documents, pages, passages, tree nodes and episodes of one library, in Chroma.

Collections are `{library}-documents`, `-pages`, `-passages`, `-nodes` and `-episodes`, plus
`tome-meta` (schema version, the embedder of each library, the write generation). Every vector
comes from tome's own embedder. Search only sees documents whose ingestion finished (`ready`)
unless the caller names documents explicitly.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from memory.chroma import SCHEMA_VERSION, Chroma, where_all
from memory.embeddings import Embedder, make_embedder
from memory.episodic import EpisodicMemory
from memory.records import (
    SETTABLE_STATUSES,
    DocumentRecord,
    check_id,
    decode,
    document_metadata,
    document_record,
    node_from,
    node_metadata,
    page_from,
)
from memory.search import Searching
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


class MemoryStore(Searching):
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

    def mark_revised(self, doc_id: str) -> None:
        """Stamp a ready document whose memory was upgraded in place, so every process reads
        its tree and element graph afresh."""
        self._require_doc_meta(doc_id)
        self.chroma["documents"].update(ids=[doc_id], metadatas=[{"revised": time.time()}])
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
        for doc_id in {node.document for node in nodes}:  # a ready tree upgraded in place
            self._snapshots.forget(doc_id, ("nodes", "elements", "elements+matter"))

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
