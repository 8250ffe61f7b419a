"""Questions before background work on the shared embedded server.

llama.cpp's server answers one request at a time, in arrival order, so a question asked while a
document is being built would wait behind every gist call queued before it. A process answering a
question leaves a marker in `run/asking/` for as long as it does; the builder checks before each
model call and waits while a marker of a living process is there. A question then waits for the
calls already in flight only (at most `ingest.concurrency` of them), not for the queue. The
builder's passage embedding (the local ONNX model, on the same cores) holds back the same way,
between batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from reader.core.leases import held, live_leases
from reader.core.settings import Settings

POLL = 0.25  # seconds between a waiting builder's looks at the markers
MAX_WAIT = 300.0  # a builder yields at most this long in a row, so that it cannot starve


def _asking_dir(settings: Settings) -> Path:
    return settings.home / "run" / "asking"


@contextlib.contextmanager
def asking(settings: Settings) -> Iterator[None]:
    """While this block runs, builders sharing the embedded server hold back new calls."""
    if not settings.uses_embedded_model:
        yield
        return
    with held(_asking_dir(settings)):
        yield


def questions_waiting(settings: Settings) -> bool:
    return bool(live_leases(_asking_dir(settings)))


async def yield_to_questions(settings: Settings) -> float:
    """Wait while another process's question is being answered; the seconds waited."""
    if not settings.uses_embedded_model:
        return 0.0
    if not await asyncio.to_thread(questions_waiting, settings):
        return 0.0
    started = time.monotonic()
    while time.monotonic() - started < MAX_WAIT and await asyncio.to_thread(
        questions_waiting, settings
    ):
        await asyncio.sleep(POLL)
    return time.monotonic() - started


def hold_for_questions(settings: Settings) -> float:
    """The blocking twin of `yield_to_questions`, for work in a thread that shares the CPU with
    the embedded server (the local embedder); the seconds waited."""
    local_embedder = settings.memory.embedding.base_url is None
    if not (settings.uses_embedded_model and local_embedder) or not questions_waiting(settings):
        return 0.0
    started = time.monotonic()
    while time.monotonic() - started < MAX_WAIT and questions_waiting(settings):
        time.sleep(POLL)  # another process's question has the CPU; this thread has no loop
    return time.monotonic() - started
