"""`tome doctor`: check every part tome needs, ending with one real chat round trip."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from reader.core.errors import TomeError
from reader.core.settings import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    ran: bool = True  # False: not run, because a check it depends on failed (never ok then)


def _run(name: str, probe: Callable[[], str]) -> Check:
    try:
        return Check(name, True, probe())
    except TomeError as exc:
        return Check(name, False, exc.message)
    except Exception as exc:  # a doctor reports every failure instead of crashing on it
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def _endpoint(settings: Settings) -> str:
    if settings.llm.base_url:
        return f"{settings.llm.base_url} (model {settings.llm.model or 'first listed'})"
    return f"embedded {settings.embedded.model} on 127.0.0.1 (TOME_BASE_URL unset)"


def _embedded_model(settings: Settings) -> str:
    from reader.llm.embedded import MODELS, model_path

    path = model_path(settings)
    return f"{path} (sha256 {MODELS[settings.embedded.model].sha256[:12]}… verified)"


def _tiktoken(settings: Settings) -> str:
    from reader.core.tokens import count_tokens

    n = count_tokens("tome reads long documents.", settings.pages.encoding)
    return f"{settings.pages.encoding} offline ({n} tokens in a test sentence)"


def _memory(settings: Settings) -> str:
    from memory.embeddings import make_embedder
    from memory.store import MemoryStore

    embedder = make_embedder(settings.memory.embedding)
    started = time.perf_counter()
    vector = embedder.embed(["a test sentence"])[0]
    took = time.perf_counter() - started
    store = MemoryStore(settings, embedder)
    where = settings.memory.chroma_url or str(settings.chroma_dir)
    return (
        f"Chroma at {where} ({len(store.documents())} documents); embeddings {embedder.name} "
        f"(dim {len(vector)}, {took * 1000:.0f} ms)"
    )


def _round_trip(settings: Settings) -> str:
    from reader.llm.client import open_chat_model

    async def ask() -> tuple[str, float]:
        model = open_chat_model(settings)
        started = time.perf_counter()
        try:
            reply = await model.complete(
                [{"role": "user", "content": "Reply with one word: what colour is the sky?"}],
                max_tokens=8,
            )
        finally:
            await model.aclose()
        return reply, time.perf_counter() - started

    reply, seconds = asyncio.run(ask())
    reply = " ".join(reply.split())[:60]
    if not reply:
        raise TomeError(f"the model at {_endpoint(settings)} returned an empty reply")
    return f"{reply!r} in {seconds:.2f} s"


def run_checks(settings: Settings) -> list[Check]:
    checks = [Check("settings", True, f"data directory {settings.home}")]
    checks.append(Check("model endpoint", True, _endpoint(settings)))
    if settings.uses_embedded_model:
        checks.append(_run("embedded model", lambda: _embedded_model(settings)))
    checks.append(_run("tiktoken", lambda: _tiktoken(settings)))
    checks.append(_run("memory", lambda: _memory(settings)))
    if all(c.ok for c in checks):
        checks.append(_run("chat round trip", lambda: _round_trip(settings)))
    else:
        checks.append(Check("chat round trip", False, "not run: an earlier check failed", False))
    return checks
