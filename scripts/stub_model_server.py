"""A stand-in model server (OpenAI-compatible, 127.0.0.1 only): a short fixed summary for every
chat request, or, when the request asks for JSON with a schema, the smallest object that fits it.
Benchmarks use it to measure tome's own overhead, memory and call counts on inputs far too long
for the CPU model (a 1M-token document), separately from model speed.

    python scripts/stub_model_server.py --port 8765
    python scripts/stub_model_server.py --port 8765 --slots 16 --prefill-tps 5000 --decode-tps 60

By default it answers at once and serves any number of requests together. As a load model:
  --slots N         at most N chat requests are served at once; the rest wait in a FIFO queue
                    (like a vLLM server with N sequences in its batch)
  --prefill-tps P   each request takes prompt_tokens / P seconds ...
  --decode-tps D    ... plus completion_tokens / D seconds (tokens as tome counts them); a slot
                    is held for that long, every slot at the same speed
Endpoints: POST /v1/chat/completions (also `stream: true`), POST /v1/embeddings (a hash vector per
input, at once, outside the slots: an embedding server beside the model), GET /stats (JSON: the
seconds spent with each number of chat requests in flight, requests served, total work in
seconds, when all slots were first and last busy; a benchmark resets it, runs, reads it),
GET /timeline ((start, end) of every request served since), POST /stats/reset (both), any
other GET: the model list.
With --port 0 it picks a free port; the first line printed names the URL.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reader.core.tokens import count_tokens  # tome's tokenizer, offline

REPLY = (
    "Ichabod Crane, a schoolmaster in Sleepy Hollow, courts Katrina Van Tassel; Brom Bones, "
    "his rival, tells of the headless horseman on the night of the party in autumn."
)
EMBEDDING_DIMENSION = 384
STREAM_PIECES = 4
MAX_INTERVALS = 200_000  # (start, end) of the requests served since the last reset, kept for
# GET /timeline


def instance(schema: dict, defs: dict | None = None) -> object:
    """A small value that validates against a JSON schema (first enum value, first option)."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return instance(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return instance(schema[key][0], defs)
    kind = schema.get("type", "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: instance(sub, defs) for name, sub in props.items()}
    if kind == "array":
        return [instance(schema.get("items", {}), defs)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return True
    return REPLY


def schema_of(request: dict) -> dict | None:
    fmt = request.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt.get("json_schema", {}).get("schema")
    if fmt.get("type") == "json_object":
        return fmt.get("schema")
    return None


def embedding(text: str, dimension: int = EMBEDDING_DIMENSION) -> list[float]:
    """A deterministic unit vector from the text's hash: equal texts, equal vectors."""
    seed = hashlib.sha256(text.encode()).digest()
    raw = [((seed[i % len(seed)] ^ (i * 31)) & 0xFF) - 127.5 for i in range(dimension)]
    norm = math.sqrt(sum(v * v for v in raw)) or 1.0
    return [v / norm for v in raw]


class Load:
    """The slots, the service-time model and the timeline of chat requests in flight."""

    def __init__(
        self, slots: int | None = None, prefill_tps: float | None = None,
        decode_tps: float | None = None,
    ) -> None:  # fmt: skip
        self.slots = slots
        self.prefill_tps = prefill_tps
        self.decode_tps = decode_tps
        self._cond = threading.Condition()
        self._next_ticket = 0  # FIFO: requests are admitted in the order they arrived
        self._admit = 0
        self.reset()

    def reset(self) -> None:
        with self._cond:
            self.started = self._last = time.monotonic()
            self.in_flight = getattr(self, "in_flight", 0)
            self.busy: dict[int, float] = {}
            self.served = 0
            self.work = 0.0
            self.max_in_flight = self.in_flight
            self.max_queued = 0
            self.first_start: float | None = None  # time.time() of the first admission
            self.last_end: float | None = None  # time.time() of the last completion
            self.full_first: float | None = None  # time.time() all slots were first busy
            self.full_last: float | None = None  # time.time() they were last left busy
            self.intervals: list[tuple[float, float]] = []  # (start, end), time.time()
            self.embedding_requests = 0
            self.embedding_inputs = 0

    def service_seconds(self, prompt_tokens: int, completion_tokens: int) -> float:
        """How long one request holds its slot."""
        prefill = prompt_tokens / self.prefill_tps if self.prefill_tps else 0.0
        decode = completion_tokens / self.decode_tps if self.decode_tps else 0.0
        return prefill + decode

    def _advance(self) -> None:
        now = time.monotonic()
        self.busy[self.in_flight] = self.busy.get(self.in_flight, 0.0) + now - self._last
        self._last = now

    def _free(self, ticket: int) -> bool:
        return ticket == self._admit and (self.slots is None or self.in_flight < self.slots)

    @contextmanager
    def slot(self, work: float) -> Iterator[None]:
        """Hold one slot (waiting in turn for it) while a request of `work` seconds is served."""
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            self.max_queued = max(self.max_queued, self._next_ticket - self._admit - 1)
            self._cond.wait_for(lambda: self._free(ticket))
            self._admit += 1
            self._advance()
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.first_start = self.first_start or time.time()
            if self.in_flight == self.slots:
                self.full_first = self.full_first or time.time()
            self._cond.notify_all()  # the next in line may fit too
        began = time.time()
        try:
            yield
        finally:
            with self._cond:
                if len(self.intervals) < MAX_INTERVALS:
                    self.intervals.append((began, time.time()))
                self._advance()
                if self.in_flight == self.slots:
                    self.full_last = time.time()
                self.in_flight -= 1
                self.served += 1
                self.work += work
                self.last_end = time.time()
                self._cond.notify_all()

    def embedded(self, inputs: int) -> None:
        with self._cond:
            self.embedding_requests += 1
            self.embedding_inputs += inputs

    def timeline(self) -> list[tuple[float, float]]:
        with self._cond:
            return list(self.intervals)

    def stats(self) -> dict[str, Any]:
        with self._cond:
            self._advance()
            return {
                "slots": self.slots,
                "prefill_tps": self.prefill_tps,
                "decode_tps": self.decode_tps,
                "seconds": self._last - self.started,
                "busy_seconds": {str(n): s for n, s in sorted(self.busy.items())},
                "served": self.served,
                "work_seconds": self.work,
                "in_flight": self.in_flight,
                "queued": self._next_ticket - self._admit,
                "max_in_flight": self.max_in_flight,
                "max_queued": self.max_queued,
                "first_start": self.first_start,
                "last_end": self.last_end,
                "full_first": self.full_first,
                "full_last": self.full_last,
                "embedding_requests": self.embedding_requests,
                "embedding_inputs": self.embedding_inputs,
            }


def completion_body(content: str, used: tuple[int, int]) -> dict[str, Any]:
    return {
        "id": "x", "object": "chat.completion", "created": 0, "model": "stub",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": used[0], "completion_tokens": used[1],
                  "total_tokens": sum(used)},
    }  # fmt: skip


def chunk_body(piece: str | None, used: tuple[int, int] | None = None) -> bytes:
    """A stream event: a piece of text, or the last event (finish_reason and usage)."""
    finish = "stop" if piece is None else None
    body: dict[str, Any] = {
        "id": "x", "object": "chat.completion.chunk", "created": 0, "model": "stub",
        "choices": [{"index": 0, "delta": {"content": piece or ""}, "finish_reason": finish}],
    }  # fmt: skip
    if used:
        body["usage"] = {"prompt_tokens": used[0], "completion_tokens": used[1],
                         "total_tokens": sum(used)}  # fmt: skip
    return f"data: {json.dumps(body)}\n\n".encode()


def pieces(text: str, count: int = STREAM_PIECES) -> list[str]:
    size = max(1, -(-len(text) // count))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class Handler(BaseHTTPRequestHandler):
    server: StubServer
    protocol_version = "HTTP/1.1"  # keep-alive, as vLLM: a client reuses its connections
    disable_nagle_algorithm = True  # TCP_NODELAY, as uvicorn: else a reply's body written after
    # its headers waits ~40 ms for the client's delayed ACK

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/stats"):
            self._send(self.server.load.stats())
            return
        if self.path.rstrip("/").endswith("/timeline"):
            self._send({"intervals": self.server.load.timeline()})
            return
        self._send({"object": "list", "data": [{"id": "stub", "object": "model"}]})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or "{}")
        path = self.path.rstrip("/")
        if path.endswith("/stats/reset"):
            self.server.load.reset()
            self._send(self.server.load.stats())
        elif path.endswith("/embeddings"):
            self._embeddings(request)
        else:
            self._chat(request)

    def _embeddings(self, request: dict) -> None:
        inputs = request.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else inputs
        data = [
            {"object": "embedding", "index": i, "embedding": embedding(str(text))}
            for i, text in enumerate(inputs)
        ]
        tokens = sum(count_tokens(str(text)) for text in inputs)
        self.server.load.embedded(len(inputs))
        self._send({"object": "list", "data": data, "model": request.get("model", "stub"),
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})  # fmt: skip

    def _chat(self, request: dict) -> None:
        prompt = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
        schema = schema_of(request)
        content = json.dumps(instance(schema)) if schema else REPLY
        used = (count_tokens(prompt), count_tokens(content))
        load = self.server.load
        prefill = load.service_seconds(used[0], 0)
        decode = load.service_seconds(0, used[1])
        if request.get("stream"):
            with load.slot(prefill + decode):  # decoding is streaming: the slot is held
                self._stream(content, used, prefill, decode)
            return
        with load.slot(prefill + decode):
            time.sleep(prefill + decode)
        self._send(completion_body(content, used))  # the slot is free once the reply is made

    def _stream(self, content: str, used: tuple[int, int], prefill: float, decode: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        time.sleep(prefill)
        parts = pieces(content)
        for part in parts:
            time.sleep(decode / len(parts))
            self.wfile.write(chunk_body(part))
            self.wfile.flush()
        self.wfile.write(chunk_body(None, used))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


class StubServer(ThreadingHTTPServer):
    """A thread per request, a deep listen queue (many clients connect at once), one `Load`."""

    daemon_threads = True
    request_queue_size = 512

    def __init__(self, port: int, load: Load | None = None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.load = load or Load()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not positive")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8765, help="0: any free port")
    add = parser.add_argument
    add("--slots", type=positive(int), help="chat requests served at once (default: unlimited)")
    add("--prefill-tps", type=positive(float), help="prompt tokens/s a request (default: instant)")
    add("--decode-tps", type=positive(float), help="reply tokens/s a request (default: instant)")
    args = parser.parse_args()
    server = StubServer(args.port, Load(args.slots, args.prefill_tps, args.decode_tps))
    print(f"stub model server on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
