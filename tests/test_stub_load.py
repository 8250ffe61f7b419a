"""The stub model server's load model (scripts/stub_model_server.py): `--slots` bounds the chat
requests served at once, each request takes prompt/P + completion/D seconds, and /stats accounts
the time spent at each number of requests in flight."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "stub_model_server.py"


def load_stub() -> ModuleType:
    spec = importlib.util.spec_from_file_location("stub_model_server", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


stub = load_stub()


@pytest.fixture
def server() -> Iterator[Any]:
    # 2 slots; a prompt of ~P/10 tokens takes ~0.1 s (the replies are tiny: ~0 s of decode)
    load = stub.Load(slots=2, prefill_tps=1000.0, decode_tps=100_000.0)
    srv = stub.StubServer(0, load)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def chat(base_url: str, words: int = 100) -> dict[str, Any]:
    prompt = " ".join(["word"] * words)
    return post(f"{base_url}/chat/completions", {"messages": [{"role": "user", "content": prompt}]})


def test_slots_bound_concurrency_and_stats_account_time(server: Any) -> None:
    base = server.base_url
    post(f"{base}/stats/reset", {})
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(lambda _: chat(base), range(6)))
    wall = time.monotonic() - started
    stats = get(f"{base}/stats")

    load = server.load
    expected = [
        load.service_seconds(r["usage"]["prompt_tokens"], r["usage"]["completion_tokens"])
        for r in replies
    ]
    one = expected[0]
    assert 0.05 < one < 0.3  # the delay model is in force: ~100 tokens at 1000 tokens/s
    assert stats["served"] == 6
    assert stats["max_in_flight"] == 2  # never more than the slots
    assert stats["max_queued"] >= 1  # the others waited
    assert stats["in_flight"] == 0 and stats["queued"] == 0
    assert stats["work_seconds"] == pytest.approx(sum(expected), rel=1e-6)
    assert wall >= 3 * one * 0.95  # 6 requests, 2 at a time: at least 3 rounds

    busy = {int(n): s for n, s in stats["busy_seconds"].items()}
    assert set(busy) <= {0, 1, 2}
    assert sum(busy.values()) == pytest.approx(stats["seconds"], rel=1e-6)
    # 6 requests of `one` seconds on 2 slots: ~3 rounds with both slots busy
    assert busy.get(2, 0.0) == pytest.approx(3 * one, abs=0.15)
    # the time-weighted in-flight count is the work actually served
    served = sum(n * s for n, s in busy.items())
    assert served >= sum(expected) * 0.95


def test_unlimited_slots_serve_everything_at_once(server: Any) -> None:
    server.load.slots = None
    base = server.base_url
    post(f"{base}/stats/reset", {})
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda _: chat(base), range(5)))
    stats = get(f"{base}/stats")
    assert stats["served"] == 5
    assert stats["max_in_flight"] == 5


def test_stream_and_embeddings(server: Any) -> None:
    base = server.base_url
    request = urllib.request.Request(
        f"{base}/chat/completions",
        json.dumps({"messages": [{"role": "user", "content": "hi"}], "stream": True}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        events = [line for line in response.read().decode().splitlines() if line]
    assert events[-1] == "data: [DONE]"
    text = "".join(
        choice["delta"]["content"]
        for line in events[:-1]
        for choice in json.loads(line.removeprefix("data: "))["choices"]
    )
    assert text == stub.REPLY
    vectors = post(f"{base}/embeddings", {"model": "m", "input": ["a", "b", "a"]})["data"]
    assert [v["index"] for v in vectors] == [0, 1, 2]
    assert vectors[0]["embedding"] == vectors[2]["embedding"] != vectors[1]["embedding"]
    assert len(vectors[0]["embedding"]) == stub.EMBEDDING_DIMENSION
