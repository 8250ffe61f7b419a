"""What adding a document will cost, before any model call (`tome add --estimate FILE`): pages,
tokens, model calls, prompt and completion tokens, and the time at the speed measured on this
endpoint by earlier adds (calibrated once per endpoint, stored in the data directory).

Time is modelled as `a * (prompt tokens + R * completion tokens)`: prefill is cheaper per token
than decoding by a factor R (about 4 for llama.cpp on a CPU: 190 against 45 tokens a second
here). `a` is what an earlier add measured on the same endpoint; before one, the embedded
model's measured rates stand in, and a remote endpoint has no time estimate yet.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel

from reader.core.errors import TomeError
from reader.core.settings import Settings
from reader.core.types import Page

DECODE_FACTOR = 190 / 45  # R: a completion token costs this many prompt tokens' time
EMBEDDED_SECONDS_PER_TOKEN = 1 / 190  # a, for the embedded model before any calibration
GIST_OVERHEAD = 120  # prompt tokens of instructions around a page
PARENT_OVERHEAD = 150  # and around a parent's numbered parts
GIST_TOKENS = 100  # tokens of one stored gist, as a parent's input
GIST_FILL = 0.9  # a small model writes about this share of gist_max_tokens
PARENT_FILL = 0.6
PARENT_RETRIED = 1.0  # share of `summary_retries` used: the judge rejects nearly every parent


class Estimate(BaseModel):
    pages: int
    tokens: int
    calls: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float | None  # None: this endpoint was never measured
    basis: str  # where the speed comes from


def endpoint_key(settings: Settings) -> str:
    if settings.uses_embedded_model:
        return f"embedded:{settings.embedded.model}"
    return f"{settings.llm.base_url}|{settings.llm.model or ''}"


def _speeds_path(settings: Settings) -> Path:
    return settings.home / "speeds.json"


def _speeds(settings: Settings) -> dict[str, float]:
    try:
        return json.loads(_speeds_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def calibrate(settings: Settings, prompt: int, completion: int, llm_seconds: float) -> None:
    """Record the speed an add measured, for later estimates on the same endpoint."""
    units = prompt + DECODE_FACTOR * completion
    if units <= 0 or llm_seconds <= 0:
        return
    speeds = _speeds(settings)
    speeds[endpoint_key(settings)] = llm_seconds / units
    try:  # best effort: an estimate is worth no failed add
        settings.ensure_home()
        _speeds_path(settings).write_text(json.dumps(speeds, indent=1), encoding="utf-8")
    except (OSError, TomeError):
        pass


def estimate(pages: list[Page], settings: Settings) -> Estimate:
    ingest = settings.ingest
    story = [p for p in pages if not p.matter]
    parents, level = 0, len(story)
    while level > 1:
        level = math.ceil(level / ingest.fanout)
        parents += level
    asked_parents = round(parents * (1 + PARENT_RETRIED * ingest.summary_retries))
    prompt = sum(p.tokens + GIST_OVERHEAD for p in story) + asked_parents * (
        ingest.fanout * GIST_TOKENS + PARENT_OVERHEAD
    )
    completion = round(
        len(story) * GIST_FILL * ingest.gist_reply_tokens
        + asked_parents * PARENT_FILL * ingest.summary_max_tokens
    )
    measured = _speeds(settings).get(endpoint_key(settings))
    if measured is not None:
        per_unit, basis = measured, "measured by an earlier add on this endpoint"
    elif settings.uses_embedded_model:
        per_unit, basis = EMBEDDED_SECONDS_PER_TOKEN, "the embedded model's rates on 2 CPU cores"
    else:
        per_unit, basis = None, "no add has measured this endpoint yet"
    seconds = None if per_unit is None else per_unit * (prompt + DECODE_FACTOR * completion)
    return Estimate(
        pages=len(pages),
        tokens=sum(p.tokens for p in pages),
        calls=len(story) + asked_parents,
        prompt_tokens=prompt,
        completion_tokens=completion,
        seconds=None if seconds is None else round(seconds, 1),
        basis=basis,
    )
