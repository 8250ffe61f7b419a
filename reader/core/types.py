"""The small data types every layer shares."""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, Field

Matter = Literal["", "front", "back"]  # front matter (title page, copyright, ...), back matter


class Chapter(BaseModel):
    """A structural division of a document (chapter, section, part), by offsets in its text."""

    title: str
    start: int
    end: int
    level: int = 1
    matter: Matter = ""


class Page(BaseModel):
    """A token-bounded slice of a document's normalised text: `text == document.text[start:end]`."""

    id: str
    document: str
    chapter: int = Field(description="index into Document.chapters; -1 when there are none")
    ordinal: int
    start: int
    end: int
    tokens: int
    text: str = ""
    matter: Matter = Field("", description="front or back matter, not the story; '' for content")


class Document(BaseModel):
    """A loaded document: normalised text plus its structure. `id` is a hash of the source bytes."""

    id: str
    title: str
    author: str | None = None
    format: str
    source: str = Field(description="the path it was read from")
    text: str
    chapters: list[Chapter] = Field(default_factory=list)


class Usage(BaseModel):
    """What model calls cost: every feature reports one of these."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = Field(
        0, description="prompt tokens the server took from its prefix cache, where it says (vLLM)"
    )
    seconds: float = Field(0.0, description="time during which at least one call was in flight")

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            seconds=self.seconds + other.seconds,
        )

    def __sub__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls - other.calls,
            prompt_tokens=self.prompt_tokens - other.prompt_tokens,
            completion_tokens=self.completion_tokens - other.completion_tokens,
            seconds=self.seconds - other.seconds,
        )


class Evidence(BaseModel):
    """What a strategy found for its answer: the pages that support it (the best first), the
    model's quote from them, and, where the strategy weighs its findings, a confidence and note."""

    pages: list[str] = Field(default_factory=list, description="page ids, the best first")
    quote: str = ""
    confidence: float | None = None
    note: str = ""


class Citation(BaseModel):
    """A verbatim quote from a page, with character offsets in the document's normalised text,
    and the page's number (1-based) and document's title for people to read."""

    document: str
    page: str
    start: int
    end: int
    quote: str
    page_number: int = 0
    title: str = ""


# The names `strategy=` accepts, for type checkers; agents/registry.py is the one list, and a test
# keeps the two equal.
StrategyName = Literal[
    "auto",
    "full",
    "bm25",
    "rag",
    "hybrid",
    "ppr",
    "graph",
    "lookup",
    "navigate",
    "plan",
    "chain",
    "mapreduce",
    "whole",
]


class Answer(BaseModel):
    text: str
    citations: list[Citation] = Field(default_factory=list)
    strategy: str
    trace: list[dict[str, Any]] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    conversation: str | None = None
    seconds: float = Field(0.0, description="wall time to answer (usage.seconds: model time)")
    memory: str = Field(
        "", description="how much of the memory existed, when it was still being built"
    )


class Node(BaseModel):
    """A node of the summary tree. Level 1 nodes are gists (one per page); higher levels summarise
    consecutive children; the single node at the top level is the root."""

    id: str
    document: str
    level: int
    ordinal: int
    summary: str
    parent: str | None = None
    children: list[str] = Field(default_factory=list)
    first_page: int = Field(description="ordinal of the first page under this node")
    last_page: int = Field(description="ordinal of the last page under this node")
    chapter: int = -1
    origin: Literal["model", "copied", "extractive", "matter"] = Field(
        "model",
        description="who wrote the summary: the model; copied from an only child; an "
        "extractive stand-in after the model failed; or a label for a front or back matter page",
    )
    facts: list[str] | None = Field(
        None,
        description="a gist's atomic facts, as the model listed them in the gist's call and "
        "checked against the page; None: not extracted (a document ingested before they were)",
    )


class Episode(BaseModel):
    """One remembered exchange: a question, its answer and how it was found."""

    id: str
    conversation: str
    documents: list[str]
    question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    trace: list[dict[str, Any]] = Field(default_factory=list)
    notes: str = ""
    time: float = Field(default_factory=time.time)
