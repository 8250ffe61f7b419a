"""Helpers for the answering tests: a Library with the fake model and embedder, and documents
written straight into the store (pages, gists and a summary tree) without an ingestion run."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from memory.store import MemoryStore
from reader.core.settings import load_settings
from reader.core.tokens import count_tokens
from reader.core.types import Document, Node, Page
from reader.library import Library
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.fakes import FakeEmbedder

NUMBERED = re.compile(r"(?:<page|<summary) number=\"(\d+)\"[^>]*>(.*?)</(?:page|summary)>", re.S)


def make_library(model: FakeChatModel, **answer: object) -> Library:
    settings = load_settings(answer=answer) if answer else load_settings()
    library = Library(settings, model=model)
    library._store = MemoryStore(settings, FakeEmbedder())
    return library


def add_document(
    library: Library,
    pages: list[str],
    title: str = "Test Book",
    gists: list[str] | None = None,
    fanout: int = 4,
    summary_words: int = 110,
) -> str:
    """Store a ready document whose pages are `pages`, one gist per page (the page's first words
    unless given) and summary levels of `fanout` children up to one root."""
    store = library.store
    text = "\n\n".join(pages)
    doc_id = hashlib.sha256((title + text).encode()).hexdigest()[:16]
    records, start = [], 0
    for ordinal, body in enumerate(pages):
        end = start + len(body)
        records.append(
            Page(
                id=f"{doc_id}-p{ordinal:04d}", document=doc_id, chapter=-1, ordinal=ordinal,
                start=start, end=end, tokens=count_tokens(body), text=body,
            )
        )  # fmt: skip
        start = end + 2
    document = Document(id=doc_id, title=title, format="txt", source=f"{title}.txt", text=text)
    store.add_document(document, records)
    level_nodes = [
        Node(
            id=f"{doc_id}-n1-{p.ordinal}", document=doc_id, level=1, ordinal=p.ordinal,
            summary=(gists[p.ordinal] if gists else " ".join(p.text.split()[:12])),
            children=[p.id], first_page=p.ordinal, last_page=p.ordinal,
        )
        for p in records
    ]  # fmt: skip
    everything = list(level_nodes)
    level = 1
    while len(level_nodes) > 1:
        level += 1
        parents = []
        for i in range(0, len(level_nodes), fanout):
            group = level_nodes[i : i + fanout]
            parent = Node(
                id=f"{doc_id}-n{level}-{i // fanout}", document=doc_id, level=level,
                ordinal=i // fanout, summary=_combine(group, summary_words),
                children=[c.id for c in group], first_page=group[0].first_page,
                last_page=group[-1].last_page,
            )  # fmt: skip
            for child in group:
                child.parent = parent.id
            parents.append(parent)
        everything += parents
        level_nodes = parents
    store.put_nodes(everything)
    store.set_status(doc_id, "ready", {"depth": level})
    return doc_id


def _combine(children: list[Node], words: int) -> str:
    each = max(8, words // len(children))
    return " ".join(" ".join(c.summary.split()[:each]) for c in children)


def numbered(request: FakeRequest) -> dict[int, str]:
    """The numbered pages or summaries of a prompt: number → text."""
    return {int(n): body for n, body in NUMBERED.findall(request.messages[-1]["content"])}


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
