"""Structured output: ask for JSON matching a pydantic model and get a validated instance back.

Servers differ: vLLM (and OpenAI) take `response_format={"type": "json_schema", ...}`; llama.cpp's
server takes `{"type": "json_object", "schema": ...}` and refuses `json_schema`. Small models also
wrap JSON in code fences or add chatter, so parsing is forgiving before validation is strict.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

Mode = Literal["json_schema", "json_object"]

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


@cache  # pydantic builds the schema anew on every call: ~2 ms, for each structured request
def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def response_format(model: type[BaseModel], mode: Mode) -> dict[str, Any]:
    schema = schema_of(model)
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": model.__name__, "schema": schema, "strict": False},
        }
    return {"type": "json_object", "schema": schema}


def extract_json(text: str) -> Any:
    """The first JSON value in `text`, tolerating code fences and surrounding prose."""
    text = text.strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                value, _ = decoder.raw_decode(text[i:])
                return value
            except json.JSONDecodeError:
                continue
    for candidate in close_truncated(text):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    raise ValueError("no JSON object found in the model's reply")


def close_truncated(text: str) -> list[str]:
    """Ways to close a JSON value cut off mid-way (a reply that ran into max_tokens): end the
    open string and close the open brackets; failing that, cut back to the last complete member.
    Asking a small model again mostly runs into the same limit, so salvaging is worth it."""
    start = next((i for i, ch in enumerate(text) if ch in "{["), -1)
    if start < 0:
        return []
    body = text[start:]
    stack: list[str] = []
    commas: list[tuple[int, str]] = []  # (position, closers) of each comma outside strings
    in_string = escaped = False
    for i, ch in enumerate(body):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
        elif ch == ",":
            commas.append((i, "".join(reversed(stack))))
    if not stack:
        return []
    closers = "".join(reversed(stack))
    whole = body[:-1] if escaped else body
    whole = (whole + '"' if in_string else whole).rstrip().rstrip(",")
    candidates = [whole + closers]
    if commas:
        at, closing = commas[-1]
        candidates.append(body[:at] + closing)
    return candidates


def parse_reply(text: str, model: type[T]) -> T:
    """Validate a reply; raises ValueError (with a short reason) when it does not fit."""
    data = extract_json(text)
    if isinstance(data, list) and len(model.model_fields) == 1:
        data = {next(iter(model.model_fields)): data}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise ValueError(f"{where}: {first['msg']}") from exc


def repair_message(reply: str, reason: str, model: type[BaseModel]) -> list[dict[str, str]]:
    """Messages that show the model its bad reply and ask for corrected JSON only."""
    fields = ", ".join(model.model_fields)
    return [
        {"role": "assistant", "content": reply[:2000]},
        {
            "role": "user",
            "content": f"That was not valid ({reason}). Reply with only a JSON object with the "
            f"keys: {fields}.",
        },
    ]


def schema_refused(message: str) -> bool:
    """Does a 400/422 error say the server does not support this response_format?"""
    lowered = message.lower()
    return any(word in lowered for word in ("response_format", "json_schema", "json schema"))


_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class JsonFieldStream:
    """Decodes one top-level string field of a JSON object while its raw text streams in.

    `feed` takes chunks of the reply as they arrive (split anywhere, even inside an escape) and
    returns the characters of the field's value decoded so far and not returned before. Other
    fields, nested values, non-string values and text before the object (a code fence, prose) are
    ignored; only the field's first occurrence counts and nothing after the object closes.
    """

    def __init__(self, field: str) -> None:
        self.field = field
        self.text = ""
        self.done = False
        self._stack: list[str] = []  # open containers, "{" or "["
        self._expect_key = False
        self._key: str | None = None  # the last key read in the top-level object
        self._in_string = False
        self._string_is_key = False
        self._emitting = False
        self._buffer: list[str] = []  # characters of the key being read
        self._escape: str | None = None  # "" right after a backslash, then "uXXXX" as it grows
        self._high_surrogate: str | None = None

    def feed(self, chunk: str) -> str:
        out: list[str] = []
        for ch in chunk:
            if self.done:
                break
            if self._in_string:
                self._string_char(ch, out)
            else:
                self._structure_char(ch)
        new = "".join(out)
        self.text += new
        return new

    def _structure_char(self, ch: str) -> None:
        if ch in "{[":
            self._stack.append(ch)
            self._expect_key = ch == "{"
        elif ch in "}]":
            if self._stack:
                self._stack.pop()
                if not self._stack:
                    self.done = True
            self._expect_key = False
        elif not self._stack:
            return  # before the object: fences and prose
        elif ch == ",":
            self._expect_key = self._stack[-1] == "{"
        elif ch == '"':
            self._in_string = True
            self._string_is_key = self._expect_key
            top_level = len(self._stack) == 1 and self._stack[0] == "{"
            self._emitting = top_level and not self._expect_key and self._key == self.field
            self._buffer = []
            self._expect_key = False

    def _string_char(self, ch: str, out: list[str]) -> None:
        if self._escape is not None:
            self._escaped_char(ch, out)
        elif ch == "\\":
            self._escape = ""
        elif ch == '"':
            self._end_string(out)
        else:
            self._char(ch, out)

    def _escaped_char(self, ch: str, out: list[str]) -> None:
        escape = self._escape + ch
        if escape[0] != "u":
            self._escape = None
            self._char(_ESCAPES.get(ch, ch), out)
        elif len(escape) < 5:
            self._escape = escape
        else:
            self._escape = None
            try:
                code = int(escape[1:], 16)
            except ValueError:
                code = 0xFFFD
            self._char(chr(code), out)

    def _char(self, ch: str, out: list[str]) -> None:
        if "\ud800" <= ch <= "\udbff":
            self._flush_surrogate(out)
            self._high_surrogate = ch
            return
        if "\udc00" <= ch <= "\udfff":
            high, self._high_surrogate = self._high_surrogate, None
            ch = (
                chr(0x10000 + ((ord(high) - 0xD800) << 10) + (ord(ch) - 0xDC00))
                if high
                else "\ufffd"
            )
        else:
            self._flush_surrogate(out)
        if self._string_is_key:
            self._buffer.append(ch)
        elif self._emitting:
            out.append(ch)

    def _flush_surrogate(self, out: list[str]) -> None:
        """A high surrogate not followed by a low one: a replacement character stands for it."""
        if self._high_surrogate is not None:
            self._high_surrogate = None
            self._char("\ufffd", out)

    def _end_string(self, out: list[str]) -> None:
        self._flush_surrogate(out)
        self._in_string = False
        if self._string_is_key:
            if len(self._stack) == 1:
                self._key = "".join(self._buffer)
        elif self._emitting:
            self._emitting = False
            self.done = True
