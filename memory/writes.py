"""The two big writes of a document: storing its pages and passages, and purging all of it."""

from __future__ import annotations

from collections.abc import Callable

from memory.chroma import Chroma
from memory.passages import Passage, split_page
from memory.records import page_metadata
from reader.core.types import Page

Embed = Callable[[list[str]], list[list[float]]]
PURGE_ORDER = ("episodes", "nodes", "passages", "pages")


EMBED_BATCH = 64  # passages embedded and written at a time, when they follow the pages


def store_page_texts(
    chroma: Chroma, embed: Embed, pages: list[Page], extra: list[str]
) -> list[list[float]]:
    """Upsert the pages alone, their passages to follow (`store_passages`); embed `extra` texts
    and return their vectors. Pages are read, never searched by vector: each carries the first
    extra vector (the title's) only because Chroma wants one."""
    vectors = embed(extra)
    chroma.upsert(
        "pages",
        [page.id for page in pages],
        [vectors[0] for _ in pages],
        [page_metadata(page) for page in pages],
        [page.text for page in pages],
    )
    return vectors


def store_passages(
    chroma: Chroma,
    embed: Embed,
    pages: list[Page],
    encoding: str,
    stored: set[str],
    before_batch: Callable[[], object] | None = None,
) -> int:
    """Embed and upsert the passages of `pages` not in `stored`, a batch at a time (a crash
    keeps the batches written), calling `before_batch` before each; how many were written."""
    matter = {page.id: page.matter for page in pages}
    todo = [p for page in pages for p in split_page(page, enc_name=encoding) if p.id not in stored]
    for at in range(0, len(todo), EMBED_BATCH):
        if before_batch is not None:
            before_batch()
        batch = todo[at : at + EMBED_BATCH]
        chroma.upsert(
            "passages",
            [p.id for p in batch],
            embed([p.text for p in batch]),
            [_passage_metadata(p, matter[p.page]) for p in batch],
            [p.text for p in batch],
        )
    return len(todo)


def _passage_metadata(p: Passage, matter: str) -> dict[str, object]:
    return {"document": p.document, "page": p.page, "ordinal": p.ordinal, "index": p.index,
            "start": p.start, "end": p.end, "matter": matter}  # fmt: skip


def store_pages(
    chroma: Chroma, embed: Embed, pages: list[Page], encoding: str, extra: list[str]
) -> list[list[float]]:
    """Upsert the pages and their passages; embed `extra` texts in the same call and return their
    vectors. A page's own vector is its first passage's (pages are read, passages are searched)."""
    passages = [p for page in pages for p in split_page(page, enc_name=encoding)]
    first: dict[str, int] = {}
    for index, passage in enumerate(passages):
        first.setdefault(passage.page, index)
    bare = [page for page in pages if page.id not in first]  # blank pages have no passage
    vectors = embed([p.text for p in passages] + [page.text for page in bare] + extra)
    for offset, page in enumerate(bare):
        first[page.id] = len(passages) + offset
    matter = {page.id: page.matter for page in pages}
    chroma.upsert(
        "passages",
        [p.id for p in passages],
        vectors[: len(passages)],
        [_passage_metadata(p, matter[p.page]) for p in passages],
        [p.text for p in passages],
    )
    chroma.upsert(
        "pages",
        [page.id for page in pages],
        [vectors[first[page.id]] for page in pages],
        [page_metadata(page) for page in pages],
        [page.text for page in pages],
    )
    return vectors[len(passages) + len(bare) :]


def has_leftovers(chroma: Chroma, doc_id: str) -> bool:
    where = {"document": doc_id}
    return any(chroma.ids_where(kind, where) for kind in ("pages", "passages", "nodes"))


def purge_document(chroma: Chroma, doc_id: str) -> None:
    """Delete every record of `doc_id` except its document record. Episodes about it alone go;
    episodes about several documents stay, without it. Safe to repeat."""
    episodes = chroma["episodes"].get(
        where={"documents": {"$contains": doc_id}}, include=["metadatas"]
    )
    gone: list[str] = []
    for episode_id, meta in zip(episodes["ids"], episodes["metadatas"], strict=True):
        others = [d for d in meta.get("documents") or [] if d != doc_id]
        if others:
            chroma["episodes"].update(ids=[episode_id], metadatas=[{"documents": others}])
        else:
            gone.append(episode_id)
    chroma.delete_ids("episodes", gone)
    for kind in PURGE_ORDER[1:]:
        chroma.delete_ids(kind, chroma.ids_where(kind, {"document": doc_id}))
