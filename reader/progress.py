"""A terminal progress bar for ingestion events (pages done of total, tokens/s, ETA)."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


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
