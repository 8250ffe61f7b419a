"""What a failed model call means for a user: one `ModelError` line naming the server and what
to change (TOME_BASE_URL, TOME_MODEL, TOME_API_KEY, the window, the concurrency)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import openai

from reader.core.errors import ModelError

_OVERFLOW = re.compile(r"context length|context window|maximum context|too long|exceeds", re.I)


@dataclass(frozen=True)
class ServerFacts:
    """What a message about a failed call may name."""

    base_url: str
    model: str | None
    timeout: float
    unreachable: str | None = None  # the whole message when the server cannot be reached
    served: list[str] = field(default_factory=list)  # the models it lists, for a 404


def model_error(exc: Exception, server: ServerFacts) -> ModelError:
    where = f"the model server at {server.base_url}"
    if isinstance(exc, openai.APITimeoutError):
        return ModelError(
            f"{where} did not answer within {server.timeout:g} s; raise "
            "TOME_LLM__TIMEOUT or use a faster model"
        )
    if isinstance(exc, openai.APIConnectionError):
        return ModelError(
            server.unreachable
            or f"cannot reach {where}; start the server or fix TOME_BASE_URL "
            "(unset it to use the embedded model)"
        )
    status = getattr(exc, "status_code", None)
    detail = short(getattr(exc, "message", str(exc)))
    if status in (401, 403):
        return ModelError(f"{where} rejected the API key ({status}); set TOME_API_KEY")
    if status == 400 and _OVERFLOW.search(detail):
        return ModelError(
            f"{where} refused a prompt longer than its window ({detail}); set "
            "TOME_LLM__CONTEXT_WINDOW to the server's window (or lower TOME_PAGES__MAX_TOKENS)"
        )
    if status == 404:
        listed = f": {', '.join(server.served[:8])}" if server.served else ""
        return ModelError(
            f"{where} has no model {server.model!r} (404: {detail}); "
            f"set TOME_MODEL to one it serves{listed}"
        )
    if status == 429:
        return ModelError(f"{where} kept rate-limiting requests (429); lower TOME_LLM__CONCURRENCY")
    return ModelError(f"{where} failed with HTTP {status}: {detail}")


def retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    if response is None:
        return None
    value = response.headers.get("retry-after")
    try:
        return min(float(value), 30.0) if value else None
    except ValueError:
        return None


def short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
