"""What the store returns, and how records map to Chroma metadata (scalars; lists/dicts as JSON)."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from reader.core.errors import NotFoundError
from reader.core.types import Chapter, Document, Episode, Node, Page

Status = Literal["ingesting", "ready", "failed", "interrupted", "removing"]
SETTABLE_STATUSES = ("ingesting", "ready", "failed", "interrupted")


class DocumentRecord(BaseModel):
    """A document as the store knows it: no text, its status and the stats ingestion recorded."""

    id: str
    title: str
    author: str | None = None
    format: str
    source: str
    status: Status
    pages: int
    tokens: int
    chapters: list[Chapter] = Field(default_factory=list)
    created: float
    stats: dict[str, Any] = Field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.status == "ready"


class PageHit(BaseModel):
    """A page found by search, ranked by its best passage; offsets are in the document's text."""

    page: Page
    score: float
    passage_start: int
    passage_end: int


class NodeHit(BaseModel):
    node: Node
    score: float


class ConversationSummary(BaseModel):
    id: str
    first_question: str
    count: int
    last_time: float
    documents: list[str] = Field(default_factory=list)


def decode(found: Any, make: Any) -> list[Any]:
    """Records from a Chroma `get` that included metadatas and documents."""
    rows = zip(found["ids"], found["metadatas"], found["documents"], strict=True)
    return [make(record_id, dict(meta), text) for record_id, meta, text in rows]


def check_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise NotFoundError(f"{what} id {value!r} is not valid; pass a non-empty id")
    return value


def document_metadata(
    doc: Document, pages: list[Page], status: Status, created: float
) -> dict[str, Any]:
    return {
        "title": doc.title,
        "author": doc.author or "",
        "format": doc.format,
        "source": doc.source,
        "status": status,
        "pages": len(pages),
        "tokens": sum(page.tokens for page in pages),
        "chapters": json.dumps([chapter.model_dump() for chapter in doc.chapters]),
        "created": created,
        "stats": "{}",
    }


def document_record(doc_id: str, meta: dict[str, Any]) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        title=meta["title"],
        author=meta.get("author") or None,
        format=meta["format"],
        source=meta["source"],
        status=meta["status"],
        pages=meta["pages"],
        tokens=meta["tokens"],
        chapters=[Chapter(**item) for item in json.loads(meta.get("chapters") or "[]")],
        created=meta["created"],
        stats=json.loads(meta.get("stats") or "{}"),
    )


def page_metadata(page: Page) -> dict[str, Any]:
    return {
        "document": page.document,
        "chapter": page.chapter,
        "ordinal": page.ordinal,
        "start": page.start,
        "end": page.end,
        "tokens": page.tokens,
        "matter": page.matter,
    }


def page_from(page_id: str, meta: dict[str, Any], text: str | None) -> Page:
    return Page(
        id=page_id,
        document=meta["document"],
        chapter=meta["chapter"],
        ordinal=meta["ordinal"],
        start=meta["start"],
        end=meta["end"],
        tokens=meta["tokens"],
        text=text or "",
        matter=meta.get("matter", ""),
    )


def node_metadata(node: Node) -> dict[str, Any]:
    return {
        "document": node.document,
        "level": node.level,
        "kind": "gist" if node.level == 1 else "summary",
        "ordinal": node.ordinal,
        "parent": node.parent or "",
        "children": json.dumps(node.children),
        "first_page": node.first_page,
        "last_page": node.last_page,
        "chapter": node.chapter,
        "origin": node.origin,
        **({"facts": json.dumps(node.facts)} if node.facts is not None else {}),
    }


def node_from(node_id: str, meta: dict[str, Any], summary: str | None) -> Node:
    return Node(
        id=node_id,
        document=meta["document"],
        level=meta["level"],
        ordinal=meta["ordinal"],
        summary=summary or "",
        parent=meta.get("parent") or None,
        children=json.loads(meta.get("children") or "[]"),
        first_page=meta["first_page"],
        last_page=meta["last_page"],
        chapter=meta.get("chapter", -1),
        origin=meta.get("origin", "model"),
        facts=json.loads(meta["facts"]) if "facts" in meta else None,
    )


def episode_text(episode: Episode) -> str:
    return f"{episode.question}\n\n{episode.answer}"


def episode_metadata(episode: Episode) -> dict[str, Any]:
    """`documents` is a native list (Chroma filters it with `$contains`); Chroma refuses empty
    lists, so an episode about no document has no `documents` key."""
    meta: dict[str, Any] = {
        "conversation": episode.conversation,
        "question": episode.question,
        "answer": episode.answer,
        "time": episode.time,
        "citations": json.dumps([citation.model_dump() for citation in episode.citations]),
        "trace": json.dumps(episode.trace, default=str),
        "notes": episode.notes,
    }
    if episode.documents:
        meta["documents"] = list(dict.fromkeys(episode.documents))
    return meta


def episode_from(episode_id: str, meta: dict[str, Any]) -> Episode:
    return Episode(
        id=episode_id,
        conversation=meta["conversation"],
        documents=list(meta.get("documents") or []),
        question=meta["question"],
        answer=meta["answer"],
        citations=json.loads(meta.get("citations") or "[]"),
        trace=json.loads(meta.get("trace") or "[]"),
        notes=meta.get("notes", ""),
        time=meta["time"],
    )
