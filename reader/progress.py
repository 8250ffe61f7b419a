"""Terminal progress bars: ingestion events (pages done of total, tokens/s, ETA) and batches."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class IngestProgress:
    def __init__(self, label: str, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("pages"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.task = self.progress.add_task(label[:40], total=None, rate="")
        self.started = time.perf_counter()
        self.tokens = 0

    def __enter__(self) -> IngestProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "start":
            self.progress.update(self.task, total=event["pages"], completed=event["done"])
        elif kind == "page":
            self.tokens += event.get("tokens", 0)
            rate = self.tokens / max(time.perf_counter() - self.started, 1e-6)
            self.progress.update(self.task, advance=1 if event.get("ok") else 0,
                                 rate=f"{rate:,.0f} tok/s")  # fmt: skip
            if not event.get("ok"):
                self.console.print(f"page {event['ordinal'] + 1} failed: {event.get('error')}")
        elif kind == "level":
            self.progress.update(self.task, description=f"level {event['level']}: "
                                 f"{event['nodes']} nodes")  # fmt: skip


class BatchProgress:
    """`tome batch` on stderr: each file's ingestion, then questions done of total. Problems
    (malformed lines, failed questions) are printed one line each; disabled, only those."""

    def __init__(self, enabled: bool = True, console: Console | None = None) -> None:
        self.enabled = enabled
        self.console = console or Console(stderr=True)
        self.ingest: IngestProgress | None = None
        self.progress: Progress | None = None
        self.task: TaskID | None = None
        self.failed = 0

    def __enter__(self) -> BatchProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._end_ingest()
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "problem":
            self._say(event["message"])
        elif not self.enabled:
            return
        elif kind == "ingest_start":
            self.ingest = IngestProgress(Path(event["path"]).name, self.console).__enter__()
        elif kind == "ingest_event" and self.ingest is not None:
            self.ingest(event["data"])
        elif kind == "ingest_done":
            self._end_ingest()
        elif kind == "answering":
            self._start(event["total"])
        elif kind in ("answered", "failed") and self.progress is not None:
            self.failed += kind == "failed"
            failed = f"{self.failed} failed" if self.failed else ""
            self.progress.update(self.task, advance=1, failed=failed)  # type: ignore[arg-type]

    def _start(self, total: int) -> None:
        self.progress = Progress(
            TextColumn("[bold]questions"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task = self.progress.add_task("questions", total=total, failed="")
        self.progress.start()

    def _end_ingest(self) -> None:
        if self.ingest is not None:
            self.ingest.__exit__()
            self.ingest = None

    def _say(self, message: str) -> None:
        if self.enabled:
            self.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=sys.stderr, flush=True)
