"""The model client over real HTTP against a local stub of the OpenAI API."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel

from reader.core.errors import ModelError, StructuredOutputError
from reader.core.settings import LLMSettings
from reader.core.usage import metered
from reader.llm.client import OpenAIChatModel
from tests.openai_stub import StubReply, openai_stub


class Verdict(BaseModel):
    answer: str
    confidence: float


def make_client(base_url: str, **overrides: object) -> OpenAIChatModel:
    settings = LLMSettings(**{"retries": 2, "timeout": 5.0, **overrides})  # type: ignore[arg-type]
    return OpenAIChatModel(settings, base_url=base_url)


MESSAGES = [{"role": "user", "content": "hello"}]


async def test_completion_counts_usage_and_discovers_model() -> None:
    with openai_stub(lambda _: StubReply(content="hi there", usage=(21, 2))) as stub:
        client = make_client(stub.base_url)
        with metered() as meter:
            assert await client.complete(MESSAGES) == "hi there"
        assert stub.requests[0]["model"] == "stub-model"
        assert meter.usage.calls == 1
        assert (meter.usage.prompt_tokens, meter.usage.completion_tokens) == (21, 2)
        assert client.usage.calls == 1


async def test_cached_prompt_tokens_are_counted_where_the_server_reports_them() -> None:
    with openai_stub(lambda _: StubReply(content="hi", usage=(500, 2), cached=448)) as stub:
        client = make_client(stub.base_url)
        await client.complete(MESSAGES)
        assert [p async for p in client.stream(MESSAGES)] == ["hi"]
        assert (client.usage.prompt_tokens, client.usage.cached_tokens) == (1000, 896)
    with openai_stub(lambda _: StubReply(content="hi", usage=(500, 2))) as stub:
        client = make_client(stub.base_url)  # llama.cpp says nothing of its cache
        await client.complete(MESSAGES)
        assert client.usage.cached_tokens == 0


async def test_streaming_yields_pieces_in_order_and_counts_usage() -> None:
    reply = StubReply(stream_pieces=["The ", "answer ", "is ", "42."], usage=(30, 4))
    with openai_stub(lambda _: reply) as stub:
        client = make_client(stub.base_url, model="m")
        pieces = [p async for p in client.stream(MESSAGES)]
        assert pieces == ["The ", "answer ", "is ", "42."]
        assert stub.requests[0]["stream"] is True
        assert client.usage.prompt_tokens == 30 and client.usage.completion_tokens == 4


async def test_500_then_200_is_retried() -> None:
    statuses = iter([500, 200])
    with openai_stub(lambda _: StubReply(status=next(statuses), content="recovered")) as stub:
        client = make_client(stub.base_url, model="m")
        assert await client.complete(MESSAGES) == "recovered"
        assert len(stub.requests) == 2
        assert client.usage.calls == 1


async def test_429_exhausting_retries_names_the_fix() -> None:
    with openai_stub(lambda _: StubReply(status=429, headers={"retry-after": "0"})) as stub:
        client = make_client(stub.base_url, model="m", retries=1)
        with pytest.raises(ModelError, match="TOME_LLM__CONCURRENCY"):
            await client.complete(MESSAGES)
        assert len(stub.requests) == 2


async def test_timeout_becomes_a_clear_error() -> None:
    with openai_stub(lambda _: StubReply(delay=1.5)) as stub:
        client = make_client(stub.base_url, model="m", timeout=0.3, retries=0)
        with pytest.raises(ModelError, match=r"did not answer within 0\.3 s"):
            await client.complete(MESSAGES)


async def test_unreachable_server_names_the_url() -> None:
    client = make_client("http://127.0.0.1:9/v1", model="m", retries=0)
    with pytest.raises(ModelError, match=r"127\.0\.0\.1:9/v1.*TOME_BASE_URL"):
        await client.complete(MESSAGES)


async def test_an_embedded_server_that_stopped_points_to_its_log_not_to_tome_base_url() -> None:
    settings = LLMSettings(retries=0, timeout=5.0, model="m")
    client = OpenAIChatModel(
        settings, base_url="http://127.0.0.1:9/v1", unreachable="the embedded server stopped; see L"
    )
    with pytest.raises(ModelError, match=r"^the embedded server stopped; see L$"):
        await client.complete(MESSAGES)


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (StubReply(raw_body=b'{"choices": [{"mess'), r"sent a malformed reply .*TOME_BASE_URL"),
        (
            StubReply(status=400, error="This model's maximum context length is 8192 tokens"),
            r"longer than its window .*TOME_LLM__CONTEXT_WINDOW",
        ),
        (StubReply(status=403, error="forbidden"), r"rejected the API key \(403\); set TOME_API"),
    ],
)
async def test_a_bad_reply_is_one_clear_model_error(reply: StubReply, says: str) -> None:
    with openai_stub(lambda _: reply) as stub:
        client = make_client(stub.base_url, model="m", retries=0)
        with pytest.raises(ModelError, match=says):
            await client.complete(MESSAGES)
        with pytest.raises(ModelError, match=says):
            await client.structured(MESSAGES, Verdict, on_text=lambda _: None)


async def test_structured_output_uses_json_schema_and_validates() -> None:
    reply = json.dumps({"answer": "yes", "confidence": 0.9})
    with openai_stub(lambda _: StubReply(content=reply)) as stub:
        client = make_client(stub.base_url, model="m")
        verdict = await client.structured(MESSAGES, Verdict)
        assert verdict == Verdict(answer="yes", confidence=0.9)
        fmt = stub.requests[0]["response_format"]
        assert fmt["type"] == "json_schema"
        assert fmt["json_schema"]["schema"]["required"] == ["answer", "confidence"]


async def test_malformed_json_is_repaired_by_asking_again() -> None:
    replies = iter(
        ['{"answer": "yes", "confid', '```json\n{"answer": "no", "confidence": 0.2}\n```']
    )
    with openai_stub(lambda _: StubReply(content=next(replies))) as stub:
        client = make_client(stub.base_url, model="m")
        assert await client.structured(MESSAGES, Verdict) == Verdict(answer="no", confidence=0.2)
        repair = stub.requests[1]["messages"]
        assert repair[-2]["role"] == "assistant" and "not valid" in repair[-1]["content"]


async def test_persistently_invalid_json_raises_structured_output_error() -> None:
    with openai_stub(lambda _: StubReply(content="I cannot do that.")) as stub:
        client = make_client(stub.base_url, model="m", retries=1)
        with pytest.raises(StructuredOutputError, match="Verdict"):
            await client.structured(MESSAGES, Verdict)
        assert len(stub.requests) == 2


async def test_refused_json_schema_falls_back_to_json_object_with_schema() -> None:
    def handler(request: dict) -> StubReply:
        if request["response_format"]["type"] == "json_schema":
            return StubReply(status=400, error="response_format type json_schema not supported")
        return StubReply(content='{"answer": "ok", "confidence": 1}')

    with openai_stub(handler) as stub:
        client = make_client(stub.base_url, model="m")
        assert (await client.structured(MESSAGES, Verdict)).answer == "ok"
        assert (await client.structured(MESSAGES, Verdict)).answer == "ok"
        kinds = [r["response_format"]["type"] for r in stub.requests]
        assert kinds == ["json_schema", "json_object", "json_object"]
        assert stub.requests[1]["response_format"]["schema"]["title"] == "Verdict"


async def test_concurrency_is_bounded_by_settings() -> None:
    with openai_stub(lambda _: StubReply(delay=0.2)) as stub:
        client = make_client(stub.base_url, model="m", concurrency=2)
        await asyncio.gather(*(client.complete(MESSAGES) for _ in range(6)))
        assert stub.max_in_flight == 2
        usage = client.usage
        assert usage.calls == 6
        # busy time counts overlapping calls once: 3 waves of 0.2 s, not 6 × 0.2 s
        assert 0.55 < usage.seconds < 1.1


async def test_scoped_meters_separate_concurrent_jobs() -> None:
    with openai_stub(lambda _: StubReply(usage=(10, 1))) as stub:
        client = make_client(stub.base_url, model="m", concurrency=4)

        async def job(calls: int) -> int:
            with metered() as meter:
                for _ in range(calls):
                    await client.complete(MESSAGES)
                return meter.usage.calls

        assert await asyncio.gather(job(1), job(3)) == [1, 3]
        assert client.usage.calls == 4


async def test_structured_output_streams_into_a_sink_and_counts_usage() -> None:
    pieces = ['{"answer": "ye', "s, it", ' is", "confi', 'dence": 0.75}']
    with openai_stub(lambda _: StubReply(stream_pieces=pieces, usage=(40, 9))) as stub:
        client = make_client(stub.base_url, model="m")
        seen: list[str] = []
        with metered() as meter:
            verdict = await client.structured(MESSAGES, Verdict, on_text=seen.append)
        assert verdict == Verdict(answer="yes, it is", confidence=0.75)
        assert seen == pieces
        request = stub.requests[0]
        assert request["stream"] is True and request["response_format"]["type"] == "json_schema"
        assert meter.usage.calls == 1
        assert (meter.usage.prompt_tokens, meter.usage.completion_tokens) == (40, 9)


async def test_streamed_structured_output_is_repaired_without_streaming() -> None:
    replies = iter(
        [
            StubReply(stream_pieces=['{"answer": "y', 'es", "confid']),
            StubReply(content='{"answer": "no", "confidence": 0.2}'),
        ]
    )
    with openai_stub(lambda _: next(replies)) as stub:
        client = make_client(stub.base_url, model="m")
        seen: list[str] = []
        verdict = await client.structured(MESSAGES, Verdict, on_text=seen.append)
        assert verdict == Verdict(answer="no", confidence=0.2)
        assert "".join(seen) == '{"answer": "yes", "confid'
        assert [r.get("stream", False) for r in stub.requests] == [True, False]
        assert client.usage.calls == 2


async def test_streamed_structured_output_falls_back_to_json_object() -> None:
    def handler(request: dict) -> StubReply:
        if request["response_format"]["type"] == "json_schema":
            return StubReply(status=400, error="response_format type json_schema not supported")
        return StubReply(stream_pieces=['{"answer": "ok",', ' "confidence": 1}'])

    with openai_stub(handler) as stub:
        client = make_client(stub.base_url, model="m")
        seen: list[str] = []
        assert (await client.structured(MESSAGES, Verdict, on_text=seen.append)).answer == "ok"
        assert "".join(seen) == '{"answer": "ok", "confidence": 1}'
        assert [r["response_format"]["type"] for r in stub.requests] == [
            "json_schema",
            "json_object",
        ]
        assert client.usage.calls == 1  # the refused call is not a finished call


async def test_a_failing_sink_ends_the_call_and_frees_its_slot() -> None:
    pieces = ['{"answer": "a",', ' "confidence": 1}']
    reply = StubReply(stream_pieces=pieces, content="".join(pieces))
    with openai_stub(lambda _: reply) as stub:
        client = make_client(stub.base_url, model="m", concurrency=1)

        def explode(_: str) -> None:
            raise RuntimeError("sink broke")

        with pytest.raises(RuntimeError, match="sink broke"):
            await client.structured(MESSAGES, Verdict, on_text=explode)
        # the one concurrency slot is free again
        verdict = await asyncio.wait_for(client.structured(MESSAGES, Verdict), 5)
        assert verdict.answer == "a" and len(stub.requests) == 2


async def test_404_for_an_unknown_model_lists_the_models_the_server_has() -> None:
    missing = StubReply(status=404, error="The model `qwen-72b` does not exist.")
    with openai_stub(lambda _: missing) as stub:
        client = make_client(stub.base_url, model="qwen-72b")
        with pytest.raises(ModelError) as caught:
            await client.complete(MESSAGES)
    message = caught.value.message
    assert (
        "no model 'qwen-72b'" in message
        and "set TOME_MODEL to one it serves: stub-model" in message
    )
    assert "\n" not in message


async def test_a_stream_cut_before_the_reply_finished_is_one_clear_error() -> None:
    cut = StubReply(stream_pieces=['{"answer": "The ans'], truncate=True)
    with openai_stub(lambda _: cut) as stub:
        client = make_client(stub.base_url, model="m")
        with pytest.raises(ModelError, match="ended its stream before the reply was complete"):
            _ = [p async for p in client.stream(MESSAGES)]
        assert client.usage.calls == 0  # a failed call is not counted as made
