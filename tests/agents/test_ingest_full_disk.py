"""A full disk during ingestion: one line, what was stored stays whole, and once space is freed a
rerun finishes without asking again for what was stored. Real Chroma under a collection that
fails its writes as SQLite does on a full disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reader.core.errors import StoreError
from tests.agents.test_ingest import gist_requests, make_library, responder, write_book
from tests.fake_chat import FakeChatModel


class FillingDisk:
    """A Chroma collection whose upserts fail as SQLite's do on a full disk after the first
    `room` of them; every other call goes to the real collection."""

    def __init__(self, collection: Any, room: int) -> None:
        self.collection = collection
        self.room = room

    def upsert(self, **kwargs: Any) -> Any:
        from chromadb.errors import InternalError

        if self.room <= 0:
            raise InternalError("Query error: Database error: (code: 13) database or disk is full")
        self.room -= 1
        return self.collection.upsert(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.collection, name)


def test_a_full_disk_is_one_line_and_after_freeing_space_a_rerun_finishes(tmp_path: Path) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model, concurrency=1)
    chroma = library.store.chroma
    real = chroma.collections["nodes"]
    chroma.collections["nodes"] = FillingDisk(real, room=3)
    path = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=3)
    with pytest.raises(StoreError, match=r"^the disk holding the memory store at .* is full; free"):
        library.ingest(path)
    doc_id = library.store.documents()[0].id
    done_before = {g.first_page + 1 for g in library.store.nodes(doc_id, 1)}
    assert len(done_before) == 3  # what was written before the disk filled is kept, whole
    chroma.collections["nodes"] = real  # space was freed
    model.requests.clear()
    report = library.ingest(path)
    assert not set(gist_requests(model)) & done_before
    assert library.store.get_document(report.id).status == "ready"
    assert len(library.store.nodes(report.id, 1)) == report.pages
