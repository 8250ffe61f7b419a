"""State of the ingestion graph. It holds ids and small payloads only: page text lives in the
store, so checkpoints stay small however long the document is."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class IngestState(TypedDict, total=False):
    source: str
    doc_id: str
    title: str
    chapters: list[str]
    page_count: int
    failures: Annotated[list[dict[str, Any]], operator.add]
    level: int
    status: str


class GistTask(TypedDict):
    doc_id: str
    title: str
    chapter: str
    total: int
    page: dict[str, Any]


class SummaryTask(TypedDict):
    doc_id: str
    title: str
    chapter: str
    node: dict[str, Any]
    children: list[dict[str, Any]]
