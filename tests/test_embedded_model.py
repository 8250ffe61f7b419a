"""The real embedded model end to end: llama.cpp's server on 127.0.0.1, the real Qwen GGUF."""

from __future__ import annotations

import importlib.util

import pytest
from pydantic import BaseModel

from reader.core.settings import load_settings
from reader.llm.client import open_chat_model
from reader.llm.embedded import stop_server

pytestmark = [
    pytest.mark.model,
    pytest.mark.timeout(600),
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None, reason="the local extra is not installed"
    ),
]


class Capital(BaseModel):
    country: str
    capital: str


async def test_chat_stream_and_structured_output_against_the_embedded_model() -> None:
    settings = load_settings()
    model = open_chat_model(settings)
    try:
        assert model.base_url.startswith("http://127.0.0.1:")
        reply = await model.complete(
            [{"role": "user", "content": "What is the capital of France? Answer in one word."}],
            max_tokens=8,
        )
        assert "paris" in reply.lower()
        pieces = [
            p
            async for p in model.stream(
                [{"role": "user", "content": "Count from 1 to 5, separated by commas."}],
                max_tokens=24,
            )
        ]
        assert len(pieces) > 3 and "3" in "".join(pieces)
        fact = await model.structured(
            [{"role": "user", "content": "Give the country and capital for Italy as JSON."}],
            Capital,
            max_tokens=40,
        )
        assert fact.capital.lower() == "rome"
        usage = model.usage
        assert usage.calls == 3 and usage.prompt_tokens > 20 and usage.completion_tokens > 3
    finally:
        await model.aclose()
        stop_server()
