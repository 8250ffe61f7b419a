"""Run the ingestion graph for one file: finish what an interrupted run left, stream progress,
report."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from agents.context import GraphContext
from agents.ingest.estimate import calibrate
from agents.ingest.graph import graph, lacking_facts
from memory.store import MemoryStore
from reader.core.errors import NotFoundError, NotReadyError, TomeError
from reader.core.events import IngestEvent
from reader.core.leases import held, holders
from reader.core.usage import metered

ProgressCallback = Callable[[IngestEvent], None]


class IngestFailedError(TomeError):
    """Some pages could not be summarised; the document stays not ready."""


class IngestReport(BaseModel):
    id: str
    title: str
    pages: int
    gists: int
    depth: int
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    llm_seconds: float
    wall_seconds: float
    skipped: bool = False
    upgraded: bool = False  # a ready document given what newer builds store (atomic facts)


def file_document_id(path: Path) -> str:
    """The id a file's document gets: a hash of its bytes (unreadable files fail later, clearly)."""
    from reader.documents.text import document_id

    if not path.is_file():  # only regular files are read: a FIFO would block here
        return ""
    try:
        return document_id(path.read_bytes())
    except OSError:
        return ""


def _mark(store: MemoryStore, doc_id: str, status: str, reason: str) -> None:
    """Record why a run stopped, so the document's status tells the truth; a document not
    registered yet (the run stopped before its pages were stored) has nothing to mark."""
    with contextlib.suppress(TomeError):
        store.set_status(doc_id, status, {"error": reason} if reason else None)


async def ingest_file(
    path: Path, ctx: GraphContext, on_event: ProgressCallback | None = None
) -> IngestReport:
    started = time.perf_counter()
    doc_id = file_document_id(path)
    store = ctx.store
    try:
        existing = store.get_document(doc_id) if doc_id else None
    except NotFoundError:
        existing = None
    upgrade = existing is not None and existing.status == "ready"
    if upgrade and not lacking_facts(ctx, store.nodes(doc_id, 1)):
        return IngestReport(
            id=doc_id, title=existing.title, pages=existing.pages,
            gists=existing.stats.get("gists", existing.pages), depth=existing.stats.get("depth", 0),
            llm_calls=0, prompt_tokens=0, completion_tokens=0, llm_seconds=0.0,
            wall_seconds=time.perf_counter() - started, skipped=True,
        )  # fmt: skip
    if doc_id and (others := holders(store.builders(doc_id))):
        title = existing.title if existing else path.name
        raise NotReadyError(
            f"{title!r} is being added by another tome process (pid {others[0]}); ask it now "
            "(answers come from what is built so far) or wait: `tome ls` shows its progress"
        )
    config: dict[str, Any] = {
        "max_concurrency": ctx.settings.ingest.concurrency,
        "recursion_limit": 200,
    }
    final: dict[str, Any] = {}
    with held(store.builders(doc_id or "unknown")), metered() as meter:
        # No checkpointer: the store is the one record of finished work. Every node writes its
        # result there under a deterministic id before it returns, and the graph skips what is
        # stored, so a rerun from the start after a crash or `kill -9` redoes nothing finished.
        # A failed upgrade leaves the document ready: what it had is intact, and the next
        # `tome add` resumes the upgrade.
        mark = (lambda *_: None) if upgrade else _mark
        try:
            async for mode, event in graph.astream(
                {"source": str(path)}, config, context=ctx, stream_mode=["custom", "values"]
            ):
                if mode == "custom" and on_event is not None:
                    on_event(event)
                elif mode == "values":
                    final = event
        except (KeyboardInterrupt, asyncio.CancelledError):
            mark(store, doc_id, "interrupted", "")
            raise
        except TomeError as exc:
            mark(store, doc_id, "failed", exc.message)
            raise
        except Exception as exc:
            mark(store, doc_id, "failed", f"{type(exc).__name__}: {exc}")
            raise
    usage = meter.usage
    failures = final.get("failures") or []
    if failures:
        first = failures[0]
        store.set_status(doc_id, "failed", {"failures": failures})
        raise IngestFailedError(
            f"{len(failures)} of {final.get('page_count')} pages of {path} could not be "
            f"summarised (page {first['ordinal'] + 1}: {first['error']}); run `tome add` on the "
            "same file again to retry only those pages"
        )
    report = IngestReport(
        id=doc_id,
        title=final.get("title", ""),
        pages=final["page_count"],
        gists=final["page_count"],
        depth=final.get("level", 1),
        llm_calls=usage.calls,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        llm_seconds=round(usage.seconds, 3),
        wall_seconds=round(time.perf_counter() - started, 3),
        upgraded=upgrade,
    )
    if upgrade:  # the build's own figures stay; the upgrade's cost is kept beside them
        cost = report.model_dump(include={"llm_calls", "prompt_tokens", "completion_tokens"})
        store.set_status(doc_id, "ready", {"facts_upgrade": cost})
        store.mark_revised(doc_id)
    else:
        stats = {**report.model_dump(exclude={"id", "title", "skipped", "upgraded"}),
                 "error": "", "failures": []}  # fmt: skip
        store.set_status(doc_id, "ready", stats)  # what earlier runs left is cleared
    calibrate(ctx.settings, usage.prompt_tokens, usage.completion_tokens, usage.seconds)
    return report
