from __future__ import annotations

import pytest

from memory.embeddings import OnnxMiniLMEmbedder
from memory.records import DocumentRecord
from memory.store import MemoryStore
from reader.core.errors import NotFoundError, NotReadyError, StoreError
from reader.core.leases import held
from reader.core.settings import Settings
from reader.core.types import Node
from tests.fakes import FakeEmbedder
from tests.memory.helpers import make_document

BIRDS = [
    "The heron stood in the shallow river waiting for fish.",
    "Swallows return each spring and build nests of mud under the eaves.",
    "The owl hunts at night; its soft feathers make its flight silent.",
]
SHIPS = [
    "The schooner carried timber along the coast to the harbour.",
    "A steam engine drove the paddle wheels of the river boat.",
]


def gists(doc_id: str, pages: int) -> list[Node]:
    return [
        Node(
            id=f"{doc_id}-g{i}",
            document=doc_id,
            level=1,
            ordinal=i,
            summary=f"gist of page {i} of {doc_id}",
            parent=f"{doc_id}-root",
            first_page=i,
            last_page=i,
        )
        for i in range(pages)
    ]


def root(doc_id: str, pages: int) -> Node:
    return Node(
        id=f"{doc_id}-root",
        document=doc_id,
        level=2,
        ordinal=0,
        summary=f"everything in {doc_id}",
        children=[f"{doc_id}-g{i}" for i in range(pages)],
        first_page=0,
        last_page=pages - 1,
    )


def add_ready(store: MemoryStore, doc_id: str, title: str, texts: list[str]) -> None:
    doc, pages = make_document(doc_id, title, texts)
    assert store.add_document(doc, pages)
    store.put_nodes([*gists(doc_id, len(texts)), root(doc_id, len(texts))])
    store.set_status(doc_id, "ready", {"gists": len(texts)})


def test_document_and_page_round_trip(store: MemoryStore) -> None:
    doc, pages = make_document("birds01", "Birds of the Valley", BIRDS, author="A. Naturalist")
    assert store.add_document(doc, pages) is True
    record = store.get_document("birds01")
    assert isinstance(record, DocumentRecord)
    assert (record.title, record.author, record.format, record.source) == (
        "Birds of the Valley",
        "A. Naturalist",
        "txt",
        doc.source,
    )
    # stored as being built, but no process builds it: it reads as interrupted ...
    assert record.status == "interrupted" and not record.ready
    with held(store.builders("birds01")):  # ... and as ingesting while a builder holds a lease
        assert store.get_document("birds01").status == "ingesting"
    assert record.pages == 3 and record.tokens == sum(p.tokens for p in pages)
    assert record.chapters == doc.chapters and record.created > 0 and record.stats == {}
    assert store.pages("birds01") == pages
    assert store.get_page(pages[1].id) == pages[1]
    assert store.page_by_ordinal("birds01", 2) == pages[2]
    assert store.pages("birds01", 1, 2) == pages[1:]

    store.set_status("birds01", "ready", {"gists": 3, "llm_calls": 4})
    store.set_status("birds01", "ready", {"depth": 2})
    record = store.get_document("birds01")
    assert record.status == "ready"
    assert record.stats == {"gists": 3, "llm_calls": 4, "depth": 2}
    assert store.require_ready("birds01") == record


def test_node_round_trip_and_level_filter(store: MemoryStore) -> None:
    add_ready(store, "birds01", "Birds", BIRDS)
    nodes = [*gists("birds01", 3), root("birds01", 3)]
    assert store.get_node("birds01-root") == nodes[-1]
    assert store.get_node("birds01-g1") == nodes[1]
    assert store.nodes("birds01") == nodes
    assert store.nodes("birds01", level=1) == nodes[:3]
    assert store.nodes("birds01", level=2) == nodes[3:]
    assert store.nodes("birds01", level=5) == []
    changed = nodes[0].model_copy(update={"summary": "a new gist"})
    store.put_nodes([changed])  # upsert
    assert store.get_node(changed.id).summary == "a new gist"
    assert len(store.nodes("birds01")) == 4


def test_readding_the_same_document_is_a_no_op(store: MemoryStore) -> None:
    doc, pages = make_document("birds01", "Birds", BIRDS)
    embedder = store.embedder
    assert isinstance(embedder, FakeEmbedder)
    assert store.add_document(doc, pages) is True
    texts, passages = embedder.texts, store.chroma["passages"].count()
    assert store.add_document(doc, pages) is False  # ingesting
    store.set_status("birds01", "ready")
    assert store.add_document(doc, pages) is False  # ready
    assert embedder.texts == texts  # nothing embedded again
    assert len(store.documents()) == 1
    assert store.chroma["pages"].count() == 3
    assert store.chroma["passages"].count() == passages


def test_failed_document_can_be_added_again(store: MemoryStore) -> None:
    doc, pages = make_document("birds01", "Birds", BIRDS)
    store.add_document(doc, pages)
    store.set_status("birds01", "failed", {"error": "model unreachable"})
    with pytest.raises(NotReadyError, match="failed"):
        store.require_ready("birds01")
    # its pages are stored already: adding again keeps them; the rerun then finishes the rest
    assert store.add_document(doc, pages) is False
    assert store.chroma["pages"].count() == 3
    with held(store.builders("birds01")):  # the rerun
        store.set_status("birds01", "ingesting")
        assert store.get_document("birds01").status == "ingesting"


def test_ingesting_documents_are_invisible_to_search(store: MemoryStore) -> None:
    add_ready(store, "ships01", "Ships", SHIPS)
    doc, pages = make_document("birds01", "Birds", BIRDS)
    store.add_document(doc, pages)
    store.put_nodes(gists("birds01", 3))
    query = "owl hunts at night soft feathers"
    hits = store.search_pages(query, k=5)
    assert {hit.page.document for hit in hits} == {"ships01"}
    assert all(hit.node.document == "ships01" for hit in store.search_nodes(query, k=10))
    assert [d.id for d in store.documents(include_unready=False)] == ["ships01"]
    with pytest.raises(NotReadyError, match="interrupted"):  # stored as ingesting, no builder
        store.require_ready("birds01")
    # naming the document explicitly reaches it (ingestion itself searches its own pages)
    assert store.search_pages(query, documents=["birds01"], k=1)[0].page.id == "birds01-p2"
    store.set_status("birds01", "ready")
    assert store.search_pages(query, k=1)[0].page.id == "birds01-p2"


def test_search_filters_by_document_and_level(store: MemoryStore) -> None:
    add_ready(store, "birds01", "Birds", BIRDS)
    add_ready(store, "ships01", "Ships", SHIPS)
    hits = store.search_pages("river", documents=["ships01"], k=5)
    assert hits and {hit.page.document for hit in hits} == {"ships01"}
    both = store.search_pages("river", k=10)
    assert {hit.page.document for hit in both} == {"birds01", "ships01"}
    assert len(both) == 5 and len({hit.page.id for hit in both}) == 5
    assert [h.score for h in both] == sorted((h.score for h in both), reverse=True)
    for hit in both:
        assert hit.page.start <= hit.passage_start < hit.passage_end <= hit.page.end
    gist_hits = store.search_nodes("gist of page", documents=["birds01"], level=1, k=10)
    assert len(gist_hits) == 3
    assert all(h.node.level == 1 and h.node.document == "birds01" for h in gist_hits)
    tops = store.search_nodes("everything", level=2, k=10)
    assert {h.node.id for h in tops} == {"birds01-root", "ships01-root"}
    assert store.search_pages("river", documents=[], k=3) == []
    with pytest.raises(NotFoundError, match="nope"):
        store.search_pages("river", documents=["nope"])


def test_resolve_by_id_prefix_and_title(store: MemoryStore) -> None:
    add_ready(store, "abc123", "Moby Dick", SHIPS)
    add_ready(store, "abd456", "Birds", BIRDS)
    assert store.resolve("abc123").id == "abc123"
    assert store.resolve("abc").id == "abc123"
    assert store.resolve("moby dick").id == "abc123"
    assert store.resolve("  BIRDS ").id == "abd456"
    with pytest.raises(NotFoundError) as caught:
        store.resolve("ab")
    assert "abc123" in str(caught.value) and "abd456" in str(caught.value)
    with pytest.raises(NotFoundError, match="no document matches"):
        store.resolve("zzz")
    with pytest.raises(NotFoundError):
        store.resolve("")


def test_unknown_ids_raise_not_found(store: MemoryStore) -> None:
    add_ready(store, "birds01", "Birds", BIRDS)
    calls = [
        lambda: store.get_document("nope"),
        lambda: store.get_page("nope"),
        lambda: store.get_node("nope"),
        lambda: store.nodes("nope"),
        lambda: store.pages("nope"),
        lambda: store.page_by_ordinal("birds01", 99),
        lambda: store.set_status("nope", "ready"),
        lambda: store.remove_document("nope"),
        lambda: store.require_ready("nope"),
        lambda: store.get_document(""),
        lambda: store.put_nodes(gists("nope", 1)),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    with pytest.raises(ValueError):
        store.set_status("birds01", "removing")


def test_removal_removes_everything_of_one_document_only(store: MemoryStore) -> None:
    from reader.core.types import Episode

    add_ready(store, "birds01", "Birds", BIRDS)
    add_ready(store, "ships01", "Ships", SHIPS)
    memory = store.episodes
    memory.add(Episode(id="e1", conversation="c1", documents=["birds01"], question="q", answer="a"))
    memory.add(Episode(id="e2", conversation="c1", documents=["ships01"], question="q", answer="a"))
    both = Episode(
        id="e3", conversation="c2", documents=["birds01", "ships01"], question="q", answer="a"
    )
    memory.add(both)
    counts = {kind: store.chroma[kind].count() for kind in ("pages", "passages", "nodes")}

    store.remove_document("birds01")

    for kind in ("pages", "passages", "nodes"):
        assert store.chroma.ids_where(kind, {"document": "birds01"}) == []
        assert store.chroma[kind].count() < counts[kind]
        assert store.chroma.ids_where(kind, {"document": "ships01"})
    assert [d.id for d in store.documents()] == ["ships01"]
    assert store.pages("ships01") == make_document("ships01", "Ships", SHIPS)[1]
    assert len(store.nodes("ships01")) == 3
    assert sorted(store.chroma["episodes"].get()["ids"]) == ["e2", "e3"]
    assert memory.get("e3").documents == ["ships01"]
    with pytest.raises(NotFoundError):
        store.get_document("birds01")
    assert all(hit.page.document == "ships01" for hit in store.search_pages("owl", k=5))


def test_interrupted_removal_is_not_ready_and_can_be_finished(store: MemoryStore) -> None:
    add_ready(store, "birds01", "Birds", BIRDS)
    doc, pages = make_document("birds01", "Birds", BIRDS)
    # what a crash half-way through remove_document leaves behind
    store.chroma["documents"].update(ids=["birds01"], metadatas=[{"status": "removing"}])
    store.chroma.delete_ids("nodes", store.chroma.ids_where("nodes", {"document": "birds01"}))
    assert store.documents(include_unready=False) == []
    assert store.search_pages("owl") == []
    with pytest.raises(NotReadyError):
        store.require_ready("birds01")
    with pytest.raises(StoreError, match="being removed"):
        store.set_status("birds01", "ready")
    store.remove_document("birds01")
    for kind in ("pages", "passages", "nodes", "documents"):
        assert store.chroma[kind].count() == 0
    # a crash that left pages but no document record: removal still cleans up
    store.add_document(doc, pages)
    store.chroma.delete_ids("documents", ["birds01"])
    store.remove_document("birds01")
    assert store.chroma["pages"].count() == 0


def test_readding_a_half_removed_document_starts_afresh(store: MemoryStore) -> None:
    add_ready(store, "birds01", "Birds", BIRDS)
    doc, pages = make_document("birds01", "Birds", BIRDS)
    store.chroma["documents"].update(ids=["birds01"], metadatas=[{"status": "removing"}])
    assert store.add_document(doc, pages) is True
    assert store.get_document("birds01").status == "interrupted"  # registered; no builder here
    assert store.pages("birds01") == pages
    assert store.nodes("birds01") == []


def test_passages_cover_long_pages(store: MemoryStore) -> None:
    sentences = [f"Sentence number {i} talks about topic {i} at some length." for i in range(300)]
    doc, pages = make_document("long01", "Long", [" ".join(sentences[:150]), " ".join(sentences)])
    store.add_document(doc, pages)
    found = store.chroma["passages"].get(
        where={"document": "long01"}, include=["metadatas", "documents"]
    )
    assert len(found["ids"]) > 4
    for meta, text in zip(found["metadatas"], found["documents"], strict=True):
        assert doc.text[meta["start"] : meta["end"]] == text
        assert meta["page"] in {"long01-p0", "long01-p1"}


def test_schema_version_mismatch_is_a_store_error(
    settings: Settings, minilm: OnnxMiniLMEmbedder
) -> None:
    with MemoryStore(settings, minilm) as store:
        store.chroma.put_meta("schema", {"version": 99})
    with pytest.raises(StoreError, match=r"schema version 99.*expects 1"):
        MemoryStore(settings, minilm)


def test_embedder_mismatch_is_a_store_error(settings: Settings, minilm: OnnxMiniLMEmbedder) -> None:
    with MemoryStore(settings, minilm) as store:
        add_ready(store, "birds01", "Birds", BIRDS)
    with pytest.raises(StoreError) as caught:
        MemoryStore(settings, FakeEmbedder())
    message = str(caught.value)
    assert "all-MiniLM-L6-v2-onnx-int8" in message and "fake-hashing-bow-64" in message
    # another library of the same store may use another embedder
    with MemoryStore(settings, FakeEmbedder(), library="other") as other:
        add_ready(other, "ships01", "Ships", SHIPS)
        assert [d.id for d in other.documents()] == ["ships01"]
    with MemoryStore(settings, minilm) as store:
        assert [d.id for d in store.documents()] == ["birds01"]


def test_invalid_library_name_is_a_store_error(settings: Settings) -> None:
    with pytest.raises(StoreError, match="library name"):
        MemoryStore(settings, FakeEmbedder(), library="no spaces/here")


def test_unreachable_chroma_server_is_a_store_error(settings: Settings) -> None:
    remote = settings.model_copy(
        update={"memory": settings.memory.model_copy(update={"chroma_url": "http://127.0.0.1:9"})}
    )
    with pytest.raises(StoreError, match=r"127\.0\.0\.1:9"):
        MemoryStore(remote, FakeEmbedder())
