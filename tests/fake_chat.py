"""A fake chat model for deterministic tests of graph logic.

It implements the `reader.llm.client.ChatModel` interface: replies come from a queue
(`enqueue`) or from a `responder(request)` function, and every request is recorded. It never
stands in for the real model where a test claims to check answer quality; end-to-end tests use
the embedded model.

`structured(..., on_text=sink)` streams the reply's JSON into the sink in `chunk_chars` pieces; a
`StreamGate` holds the stream after some characters until the test opens it.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from reader.core.tokens import count_tokens
from reader.core.types import Usage
from reader.core.usage import UsageMeter, active_meters
from reader.llm.structured import parse_reply

T = TypeVar("T", bound=BaseModel)
Reply = str | dict[str, Any] | BaseModel | Exception


@dataclass
class FakeRequest:
    messages: list[dict[str, str]]
    kind: str  # "complete" | "stream" | "structured"
    schema: type[BaseModel] | None = None
    streamed: bool = False  # a structured request whose reply went to an `on_text` sink

    @property
    def prompt(self) -> str:
        return "\n".join(m["content"] for m in self.messages)


@dataclass
class StreamGate:
    """Holds every streamed structured reply after `after` characters until `opened` is set;
    `reached` is set once a stream is waiting at the gate."""

    after: int
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait(self) -> None:
        self.reached.set()
        await self.opened.wait()


class FakeChatModel:
    def __init__(
        self,
        replies: list[Reply] | None = None,
        *,
        responder: Callable[[FakeRequest], Reply] | None = None,
        context_window: int = 8192,
        chunk_chars: int = 4,
    ) -> None:
        self._replies: deque[Reply] = deque(replies or [])
        self.responder = responder
        self.context_window = context_window
        self.chunk_chars = chunk_chars
        self.stream_gate: StreamGate | None = None
        self.requests: list[FakeRequest] = []
        self._meter = UsageMeter()

    def enqueue(self, *replies: Reply) -> None:
        self._replies.extend(replies)

    @property
    def usage(self) -> Usage:
        return self._meter.usage

    def count_tokens(self, text: str) -> int:
        return count_tokens(text)

    async def aclose(self) -> None:
        return None

    async def _reply(self, request: FakeRequest) -> str:
        self.requests.append(request)
        meters = (self._meter, *active_meters())
        for meter in meters:
            meter.started()
        await asyncio.sleep(0)  # yield like a real call would, so concurrency is exercised
        if self._replies:
            reply = self._replies.popleft()
        elif self.responder is not None:
            reply = self.responder(request)
        else:
            for meter in meters:
                meter.failed()
            raise AssertionError(f"FakeChatModel got an unexpected {request.kind} request")
        if isinstance(reply, Exception):
            for meter in meters:
                meter.failed()
            raise reply
        if isinstance(reply, BaseModel):
            text = reply.model_dump_json()
        elif isinstance(reply, dict):
            text = json.dumps(reply)
        else:
            text = reply
        for meter in meters:
            meter.finished(count_tokens(request.prompt), count_tokens(text))
        return text

    async def complete(self, messages: list[dict[str, str]], **_: Any) -> str:
        return await self._reply(FakeRequest(messages, "complete"))

    async def stream(self, messages: list[dict[str, str]], **_: Any) -> AsyncIterator[str]:
        text = await self._reply(FakeRequest(messages, "stream"))
        words = text.split(" ")
        for i, word in enumerate(words):
            yield word if i == len(words) - 1 else word + " "

    async def structured(
        self,
        messages: list[dict[str, str]],
        schema: type[T],
        *,
        on_text: Callable[[str], None] | None = None,
        **_: Any,
    ) -> T:
        request = FakeRequest(messages, "structured", schema, streamed=on_text is not None)
        text = await self._reply(request)
        if on_text is not None:
            await self._stream_into(text, on_text)
        return parse_reply(text, schema)

    async def _stream_into(self, text: str, on_text: Callable[[str], None]) -> None:
        gate = self.stream_gate
        for start in range(0, len(text), self.chunk_chars):
            if gate is not None and start >= gate.after and not gate.opened.is_set():
                await gate.wait()
            on_text(text[start : start + self.chunk_chars])
            await asyncio.sleep(0)
