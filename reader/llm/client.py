"""The one async chat client every model call goes through.

`ChatModel` is the interface graphs use; `OpenAIChatModel` implements it over `openai.AsyncOpenAI`
for any OpenAI-compatible server (vLLM, llama.cpp, Ollama, OpenAI). It bounds concurrency, retries
connection errors, 429 and 5xx with backoff, maps failures to `ModelError` with a message a user
can act on (reader/llm/errors.py), and feeds every call's usage into the meters of
`reader.core.usage`.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from typing import Any, Protocol, TypeVar

import openai
from pydantic import BaseModel

from reader.core.errors import ModelError, StructuredOutputError
from reader.core.settings import LLMSettings
from reader.core.tokens import count_tokens
from reader.core.types import Usage
from reader.core.usage import UsageMeter, active_meters
from reader.llm.errors import ServerFacts, model_error, retry_after, short
from reader.llm.structured import Mode, parse_reply, repair_message, response_format, schema_refused

T = TypeVar("T", bound=BaseModel)
Messages = list[dict[str, str]]
TextSink = Callable[[str], None]

_RETRIABLE = (
    openai.APIConnectionError,  # includes APITimeoutError
    openai.RateLimitError,
    openai.InternalServerError,
)


class ChatModel(Protocol):
    """What graphs need from a chat model. Fakes in tests implement the same."""

    context_window: int

    @property
    def usage(self) -> Usage: ...

    async def complete(
        self, messages: Messages, *, max_tokens: int | None = None, temperature: float | None = None
    ) -> str: ...

    def stream(
        self, messages: Messages, *, max_tokens: int | None = None, temperature: float | None = None
    ) -> AsyncIterator[str]: ...

    async def structured(
        self,
        messages: Messages,
        schema: type[T],
        *,
        max_tokens: int | None = None,
        on_text: TextSink | None = None,
    ) -> T: ...

    def count_tokens(self, text: str) -> int: ...


class OpenAIChatModel:
    def __init__(
        self,
        settings: LLMSettings,
        *,
        base_url: str,
        model: str | None = None,
        structured_mode: Mode | None = None,
        unreachable: str | None = None,
    ) -> None:
        self.settings = settings
        self.base_url = base_url
        self._unreachable = unreachable  # the message when the server cannot be reached
        self.model = model or settings.model
        self.context_window = settings.context_window
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=settings.api_key or "not-needed",
            timeout=settings.timeout,
            max_retries=0,
        )
        mode = structured_mode or settings.structured_output
        self._structured_mode: Mode = "json_schema" if mode == "auto" else mode
        self._may_fall_back = mode == "auto"
        self._semaphore = asyncio.Semaphore(settings.concurrency)
        self._meter = UsageMeter()
        self._model_lock = asyncio.Lock()

    @property
    def usage(self) -> Usage:
        return self._meter.usage

    def count_tokens(self, text: str) -> int:
        return count_tokens(text)

    async def aclose(self) -> None:
        await self._client.close()

    async def complete(
        self,
        messages: Messages,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> str:
        extra = {"response_format": response_format} if response_format else {}
        response = await self._call(messages, max_tokens, temperature, stream=False, **extra)
        return response.choices[0].message.content or ""

    async def stream(
        self, messages: Messages, *, max_tokens: int | None = None, temperature: float | None = None
    ) -> AsyncIterator[str]:
        async for piece in self._stream(messages, max_tokens, temperature):
            yield piece

    async def structured(
        self,
        messages: Messages,
        schema: type[T],
        *,
        max_tokens: int | None = None,
        on_text: TextSink | None = None,
    ) -> T:
        """A validated `schema` instance. With `on_text`, the first attempt streams and the sink
        gets the raw JSON as it arrives; repair attempts (after an invalid reply) do not stream."""
        attempts = max(1, self.settings.retries) + 1
        conversation = list(messages)
        reason = "no reply"
        for attempt in range(attempts):
            sink = on_text if attempt == 0 else None
            reply = await self._structured_call(conversation, schema, max_tokens, sink)
            try:
                return parse_reply(reply, schema)
            except ValueError as exc:
                reason = str(exc)
                conversation = list(messages) + repair_message(reply, reason, schema)
        raise StructuredOutputError(
            f"the model at {self.base_url} did not return valid JSON for {schema.__name__} after "
            f"{attempts} tries ({reason}); try a larger model (TOME_MODEL) or rerun"
        )

    async def _structured_call(
        self, messages: Messages, schema: type[T], max_tokens: int | None, on_text: TextSink | None
    ) -> str:
        try:
            return await self._reply_text(
                messages, max_tokens, response_format(schema, self._structured_mode), on_text
            )
        except _SchemaRefused:
            self._structured_mode = "json_object"
            self._may_fall_back = False
            return await self._reply_text(
                messages, max_tokens, response_format(schema, "json_object"), on_text
            )

    async def _reply_text(
        self,
        messages: Messages,
        max_tokens: int | None,
        response_format: dict[str, Any],
        on_text: TextSink | None,
    ) -> str:
        """The whole reply, streamed into `on_text` piece by piece when there is one."""
        if on_text is None:
            return await self.complete(
                messages, max_tokens=max_tokens, response_format=response_format
            )
        pieces: list[str] = []
        stream = self._stream(messages, max_tokens, None, response_format=response_format)
        async with aclosing(stream):  # a failing sink must not leave the call holding its slot
            async for piece in stream:
                pieces.append(piece)
                on_text(piece)
        return "".join(pieces)

    # -- transport ------------------------------------------------------------------------------

    async def _model_name(self) -> str:
        if self.model:
            return self.model
        async with self._model_lock:
            if not self.model:
                try:
                    models = await self._client.models.list()
                except openai.APIError as exc:
                    raise self._error(exc) from exc
                ids = [m.id for m in models.data]
                if not ids:
                    raise ModelError(
                        f"the server at {self.base_url} lists no models; set TOME_MODEL"
                    )
                self.model = ids[0]
        return self.model

    def _request(
        self, messages: Messages, max_tokens: int | None, temperature: float | None, **extra: Any
    ) -> dict[str, Any]:
        request = {
            "messages": messages,
            "max_tokens": max_tokens or self.settings.max_output_tokens,
            "temperature": self.settings.temperature if temperature is None else temperature,
            **extra,
        }
        if "response_format" in request:
            # The SDK walks a typed parameter's every nested key; a JSON schema costs ~5 ms of
            # CPU a call that way. Sent as extra body, the same JSON goes over the wire untouched.
            request["extra_body"] = {"response_format": request.pop("response_format")}
        return request

    async def _call(
        self,
        messages: Messages,
        max_tokens: int | None,
        temperature: float | None,
        stream: bool,
        **extra: Any,
    ) -> Any:
        model = await self._model_name()
        request = self._request(messages, max_tokens, temperature, **extra)
        async with self._semaphore:
            meters = self._begin()
            try:
                response = await self._with_retries(
                    lambda: self._client.chat.completions.create(model=model, **request)
                )
            except BaseException:
                self._end(meters, None)
                raise
            usage = response.usage
            prompt = usage.prompt_tokens if usage else self._estimate(messages)
            completion = (
                usage.completion_tokens
                if usage
                else count_tokens(response.choices[0].message.content or "")
            )
            self._end(meters, (prompt, completion, _cached(usage)))
            return response

    async def _stream(
        self,
        messages: Messages,
        max_tokens: int | None,
        temperature: float | None,
        **extra: Any,
    ) -> AsyncIterator[str]:
        model = await self._model_name()
        request = self._request(messages, max_tokens, temperature, **extra)
        async with self._semaphore:
            meters = self._begin()
            pieces: list[str] = []
            counted: tuple[int, int, int] | None = None
            finished, events = False, 0
            try:
                chunks = await self._with_retries(
                    lambda: self._client.chat.completions.create(
                        model=model, stream=True, stream_options={"include_usage": True}, **request
                    )
                )
                async with chunks:  # closes the connection when the reader stops or is cancelled
                    async for chunk in chunks:
                        events += 1
                        if chunk.usage:
                            counted = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens,
                                       _cached(chunk.usage))  # fmt: skip
                        if chunk.choices and chunk.choices[0].finish_reason:
                            finished = True
                        if chunk.choices and chunk.choices[0].delta.content:
                            pieces.append(chunk.choices[0].delta.content)
                            yield chunk.choices[0].delta.content
            except openai.APIError as exc:
                self._end(meters, None)
                raise self._error(exc) from exc
            except BaseException:
                self._end(meters, None)
                raise
            if not events:
                self._end(meters, None)
                raise ModelError(
                    f"the model server at {self.base_url} sent a malformed reply (no stream "
                    "events); check that TOME_BASE_URL points at an OpenAI-compatible /v1 endpoint"
                )
            if not finished:  # every OpenAI-compatible server ends a reply with a finish_reason
                self._end(meters, None)
                raise ModelError(
                    f"the model server at {self.base_url} ended its stream before the reply was "
                    f"complete (after {len(pieces)} pieces); see the server's log (it may have "
                    "crashed, or a proxy cut the connection)"
                )
            if counted is None:
                counted = (self._estimate(messages), count_tokens("".join(pieces)), 0)
            self._end(meters, counted)

    async def _with_retries(self, make: Any) -> Any:
        delay = 0.5
        for attempt in range(self.settings.retries + 1):
            try:
                return await make()
            except _RETRIABLE as exc:
                if attempt == self.settings.retries:
                    raise self._error(exc) from exc
                await asyncio.sleep(retry_after(exc) or delay * (1 + random.random()))
                delay = min(delay * 2, 20.0)
            except openai.BadRequestError as exc:
                if self._may_fall_back and schema_refused(str(exc)):
                    raise _SchemaRefused from exc
                raise self._error(exc) from exc
            except openai.APIStatusError as exc:
                if exc.status_code == 422 and self._may_fall_back and schema_refused(str(exc)):
                    raise _SchemaRefused from exc
                if exc.status_code == 404:
                    raise self._error(exc, await self._served_models()) from exc
                raise self._error(exc) from exc
            except (json.JSONDecodeError, openai.APIResponseValidationError) as exc:
                reason = short(str(exc))
                raise ModelError(
                    f"the model server at {self.base_url} sent a malformed reply ({reason}); "
                    "check that TOME_BASE_URL points at an OpenAI-compatible /v1 endpoint"
                ) from exc
        raise AssertionError("unreachable")

    def _begin(self) -> tuple[UsageMeter, ...]:
        meters = (self._meter, *active_meters())
        for meter in meters:
            meter.started()
        return meters

    @staticmethod
    def _end(meters: tuple[UsageMeter, ...], tokens: tuple[int, int, int] | None) -> None:
        for meter in meters:
            if tokens is None:
                meter.failed()
            else:
                meter.finished(*tokens)

    @staticmethod
    def _estimate(messages: Messages) -> int:
        return sum(count_tokens(m.get("content", "")) + 4 for m in messages)

    async def _served_models(self) -> list[str]:
        """The models the server lists, for the advice on a 404 ([] when it lists none)."""
        try:
            return [m.id for m in (await self._client.models.list()).data]
        except (openai.APIError, ValueError):
            return []

    def _error(self, exc: Exception, served: list[str] | None = None) -> ModelError:
        return model_error(exc, ServerFacts(self.base_url, self.model, self.settings.timeout,
                                            self._unreachable, served or []))  # fmt: skip


class _SchemaRefused(Exception):
    """The server refused json_schema; fall back to json_object with a schema."""


def _cached(usage: Any) -> int:
    """Prompt tokens served from the server's prefix cache, where it reports them (vLLM:
    `usage.prompt_tokens_details.cached_tokens`); 0 where it does not (llama.cpp)."""
    details = getattr(usage, "prompt_tokens_details", None)
    return int(getattr(details, "cached_tokens", 0) or 0)


def open_chat_model(settings: Any) -> OpenAIChatModel:
    """The configured model: the server at TOME_BASE_URL, or the embedded one (started here)."""
    if settings.llm.base_url:
        return OpenAIChatModel(settings.llm, base_url=settings.llm.base_url)
    from reader.llm.embedded import ensure_server

    server = ensure_server(settings)
    llm = settings.llm.model_copy(
        update={"context_window": min(settings.llm.context_window, settings.embedded.n_ctx)}
    )
    return OpenAIChatModel(
        llm, base_url=server.base_url, model=server.model.name, structured_mode="json_object",
        unreachable=f"the embedded model server on 127.0.0.1:{server.port} stopped answering "
        f"(it may have crashed); see {server.log_path}",
    )  # fmt: skip
