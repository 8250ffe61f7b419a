"""Usage accounting for model calls.

A `UsageMeter` counts calls, tokens and busy seconds (time during which at least one call was in
flight, so overlapping calls are not double-counted). The client always feeds its own meter; code
that wants the cost of one job (a question, an ingestion) opens a scoped meter with `metered()`, and
every call made inside that context, including in tasks it spawns, is added to it too.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from reader.core.types import Usage


class UsageMeter:
    def __init__(self) -> None:
        self._usage = Usage()
        self._in_flight = 0
        self._busy_since = 0.0

    def started(self) -> None:
        if self._in_flight == 0:
            self._busy_since = time.perf_counter()
        self._in_flight += 1

    def finished(self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> None:
        self._in_flight -= 1
        u = self._usage
        u.calls += 1
        u.prompt_tokens += prompt_tokens
        u.completion_tokens += completion_tokens
        u.cached_tokens += cached_tokens
        if self._in_flight == 0:
            u.seconds += time.perf_counter() - self._busy_since

    def failed(self) -> None:
        self._in_flight -= 1
        if self._in_flight == 0:
            self._usage.seconds += time.perf_counter() - self._busy_since

    @property
    def usage(self) -> Usage:
        """A snapshot; busy time of calls still in flight is included up to now."""
        snap = self._usage.model_copy()
        if self._in_flight:
            snap.seconds += time.perf_counter() - self._busy_since
        return snap


_scoped: contextvars.ContextVar[tuple[UsageMeter, ...]] = contextvars.ContextVar(
    "tome_usage_meters", default=()
)


@contextmanager
def metered() -> Iterator[UsageMeter]:
    """Count every model call made inside this context (and tasks started from it)."""
    meter = UsageMeter()
    token = _scoped.set((*_scoped.get(), meter))
    try:
        yield meter
    finally:
        _scoped.reset(token)


def active_meters() -> tuple[UsageMeter, ...]:
    return _scoped.get()
