"""Terminal progress bars: ingestion events (pages done of total, tokens/s, ETA) and batches."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

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

from reader.core.errors import Interrupted
from reader.core.events import (
    AnsweringStarted,
    FileIngesting,
    IngestEvent,
    IngestStarted,
    LevelStarted,
    PageGisted,
    Preparing,
    Problem,
    QuestionDone,
    WorkEvent,
)

if TYPE_CHECKING:
    from agents.ingest.runner import IngestReport
    from reader.library import Library


class IngestProgress:
    """One file's ingestion on stderr. The bar appears with the first event, so a file refused
    before any work begins (missing, unsupported) leaves only its one-line error."""

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
            # Not a terminal (a log file, a pipe): no bar, whose last frame would land in it.
            disable=not self.console.is_terminal,
        )
        self.label = label[:40]
        self.task = self.progress.add_task(self.label, total=None, rate="")
        self.started = time.perf_counter()
        self.tokens = 0
        self.done = 0  # pages gisted, earlier runs' included
        self.total = 0

    def __enter__(self) -> IngestProgress:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.progress.live.is_started:
            # Stopped by an error or Ctrl-C: the bar goes, so the one-line message stands alone.
            self.progress.live.transient = exc_type is not None
            self.progress.stop()

    def __call__(self, event: IngestEvent) -> None:
        if isinstance(event, Preparing) and event.step == "reading":
            return  # a file refused while it is read leaves its one-line error alone
        if not self.progress.live.is_started:
            self.progress.start()
        match event:
            case Preparing(step=step, detail=detail):
                self.progress.update(self.task, description=f"{step} {detail}"[:40])
            case IngestStarted(pages=pages, done=done):
                self.done, self.total = done, pages
                self.progress.update(self.task, total=pages, completed=done, description=self.label)
            case PageGisted(ok=ok, tokens=tokens, ordinal=ordinal, error=error):
                self.done = min(self.total, self.done + int(ok))
                self.tokens += tokens
                rate = self.tokens / max(time.perf_counter() - self.started, 1e-6)
                self.progress.update(self.task, advance=int(ok), rate=f"{rate:,.0f} tok/s")
                if not ok:
                    self.console.print(f"page {ordinal + 1} failed: {error}")
            case LevelStarted(level=level, nodes=nodes):
                self.progress.update(self.task, description=f"level {level}: {nodes} nodes")


def ingest_showing_progress(library: Library, path: Path) -> IngestReport:
    """Ingest one file with its progress bar on stderr; Ctrl-C becomes one line saying how far
    it got and how to finish."""
    with IngestProgress(path.name) as progress:
        try:
            return library.ingest(path, on_event=progress)
        except KeyboardInterrupt:
            pages = f"{progress.total:,} page" + ("" if progress.total == 1 else "s")
            raise Interrupted(
                f"interrupted; rerun `tome add {path}` to finish: {progress.done} of {pages} done"
            ) from None


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
        self.answered = 0  # questions finished this run, and how many were to do
        self.total = 0

    def __enter__(self) -> BatchProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._end_ingest()
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, event: WorkEvent) -> None:
        if isinstance(event, Problem):
            self._say(event.message)
            return
        if isinstance(event, AnsweringStarted):
            self.total = event.total
        elif isinstance(event, QuestionDone):
            self.answered += event.ok
        if not self.enabled:
            return
        match event:
            case FileIngesting(finished=True):
                self._end_ingest()
            case FileIngesting(event=None, path=path):
                self.ingest = IngestProgress(Path(path).name, self.console).__enter__()
            case FileIngesting(event=inner) if self.ingest is not None and inner is not None:
                self.ingest(inner)
            case AnsweringStarted(total=total):
                self._start(total)
            case QuestionDone(ok=ok) if self.progress is not None:
                self.failed += not ok
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
            self.ingest.__exit__(None, None, None)
            self.ingest = None

    def _say(self, message: str) -> None:
        if self.enabled:
            self.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=sys.stderr, flush=True)
