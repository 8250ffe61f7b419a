"""Typed events streamed while tome works: ingestion progress, answer text as it is written, and
batch and evaluation progress. Each interface has one renderer for them (the CLI's progress bars,
the TUI's widgets); graphs emit them through LangGraph's stream writer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Preparing:
    """A step before the pages exist, which takes a while on a large document: `step` is
    "reading", "paginating" or "embedding"; `detail` says how much."""

    step: str
    detail: str = ""


@dataclass(frozen=True)
class IngestStarted:
    document: str
    pages: int
    done: int  # pages already gisted by an earlier run
    tokens: int
    resumed: bool = False


@dataclass(frozen=True)
class PageGisted:
    ordinal: int
    ok: bool
    tokens: int = 0
    error: str = ""


@dataclass(frozen=True)
class LevelStarted:
    level: int
    nodes: int


@dataclass(frozen=True)
class IngestFinished:
    depth: int


IngestEvent = Preparing | IngestStarted | PageGisted | LevelStarted | IngestFinished


@dataclass(frozen=True)
class AnswerText:
    """A piece of the answer a user sees, as the model writes it."""

    text: str


@dataclass(frozen=True)
class FileIngesting:
    """A batch or evaluation adds a file before answering about it; `event` is None at the start
    and at the end (with `error` when it failed), else one of the file's ingestion events."""

    path: str
    event: IngestEvent | None = None
    finished: bool = False
    error: str | None = None


@dataclass(frozen=True)
class AnsweringStarted:
    total: int


@dataclass(frozen=True)
class QuestionDone:
    id: str
    ok: bool
    line: int = 0
    strategy: str = ""
    row: dict | None = None  # an evaluation's scored row


@dataclass(frozen=True)
class Problem:
    """A `malformed` input line or a `failed` question, reported as one line."""

    kind: str
    message: str


WorkEvent = FileIngesting | AnsweringStarted | QuestionDone | Problem
