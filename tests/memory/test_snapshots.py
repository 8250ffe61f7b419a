"""The store keeps a document's pages and a ready document's tree in the process, and never serves
them stale: a document removed and added again, by this store or another one on the same data,
is read afresh; a tree still being built is always read from Chroma."""

from __future__ import annotations

import pytest

from memory.store import MemoryStore
from reader.core.settings import Settings
from reader.core.types import Node
from tests.fakes import FakeEmbedder
from tests.memory.helpers import make_document


def gist(doc_id: str, ordinal: int, text: str) -> Node:
    return Node(id=f"{doc_id}-g{ordinal}", document=doc_id, level=1, ordinal=ordinal,
                summary=text, first_page=ordinal, last_page=ordinal)  # fmt: skip


def test_a_second_read_of_the_pages_does_not_go_to_chroma(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc, pages = make_document("snap1", "Snap", ["first page text", "second page text"])
    store.add_document(doc, pages)
    assert [p.text for p in store.pages("snap1")] == ["first page text", "second page text"]
    loads: list[object] = []
    monkeypatch.setattr(store, "_pages_where", lambda *a, **k: loads.append(a) or [])
    assert [p.ordinal for p in store.pages("snap1", 1, 1)] == [1]
    assert [p.id for p in store.pages_by_id([pages[1].id, pages[0].id])] == [
        pages[0].id, pages[1].id,
    ]  # fmt: skip
    assert loads == []


def test_a_document_added_again_elsewhere_is_read_afresh(settings: Settings) -> None:
    with (
        MemoryStore(settings, FakeEmbedder()) as here,
        MemoryStore(settings, FakeEmbedder()) as other,
    ):
        doc, pages = make_document("snap2", "Snap", ["old words"])
        here.add_document(doc, pages)
        assert [p.text for p in here.pages("snap2")] == ["old words"]
        other.remove_document("snap2")
        doc, pages = make_document("snap2", "Snap", ["new words", "and more"])
        other.add_document(doc, pages)
        assert [p.text for p in here.pages("snap2")] == ["new words", "and more"]


def test_a_tree_being_built_elsewhere_is_never_kept(settings: Settings) -> None:
    with (
        MemoryStore(settings, FakeEmbedder()) as here,
        MemoryStore(settings, FakeEmbedder()) as other,
    ):
        doc, pages = make_document("snap3", "Snap", ["a", "b"])
        here.add_document(doc, pages)
        other.put_nodes([gist("snap3", 0, "first gist")])
        assert [n.summary for n in here.nodes("snap3", 1)] == ["first gist"]
        other.put_nodes([gist("snap3", 1, "second gist")])
        assert [n.summary for n in here.nodes("snap3", 1)] == ["first gist", "second gist"]
        other.set_status("snap3", "ready")
        assert len(here.nodes("snap3")) == 2
        other.remove_document("snap3")
        doc, pages = make_document("snap3", "Snap", ["a", "b"])
        other.add_document(doc, pages)
        assert here.nodes("snap3") == []
