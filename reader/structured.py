"""Structured output: ask for JSON matching a pydantic model and get a validated instance back.

Servers differ: vLLM (and OpenAI) take `response_format={"type": "json_schema", ...}`; llama.cpp's
server takes `{"type": "json_object", "schema": ...}` and refuses `json_schema`. Small models also
wrap JSON in code fences or add chatter, so parsing is forgiving before validation is strict.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

Mode = Literal["json_schema", "json_object"]

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


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
    raise ValueError("no JSON object found in the model's reply")


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
