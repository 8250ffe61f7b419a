"""A tiny OpenAI-compatible HTTP server on 127.0.0.1 for testing the client over real HTTP.

Each test scripts its behaviour with a `handler(request_json) -> StubReply`; the stub records every
request body and the highest number of requests it served at once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class StubReply:
    status: int = 200
    content: str = "ok"
    stream_pieces: list[str] | None = None
    delay: float = 0.0
    error: str = ""
    usage: tuple[int, int] = (11, 3)
    cached: int = 0  # prompt tokens reported as served from a prefix cache (as vLLM does)
    truncate: bool = False  # a stream that stops after its pieces, never finishing the reply
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: bytes | None = None  # sent as it is with 200: a malformed reply


def _usage(usage: tuple[int, int], cached: int) -> dict[str, Any]:
    counted: dict[str, Any] = {"prompt_tokens": usage[0], "completion_tokens": usage[1],
                               "total_tokens": sum(usage)}  # fmt: skip
    if cached:
        counted["prompt_tokens_details"] = {"cached_tokens": cached}
    return counted


def completion(content: str, usage: tuple[int, int], cached: int = 0) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "stub-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content},
             "finish_reason": "stop"}
        ],
        "usage": _usage(usage, cached),
    }  # fmt: skip


def chunk(
    piece: str | None, usage: tuple[int, int] | None = None, cached: int = 0, finish: str = ""
) -> bytes:
    choice = {"index": 0, "delta": {"content": piece or ""}, "finish_reason": finish or None}
    body: dict[str, Any] = {
        "id": "cmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "stub-model",
        "choices": [choice] if piece is not None or finish else [],
    }  # fmt: skip
    if usage:
        body["usage"] = _usage(usage, cached)
    return f"data: {json.dumps(body)}\n\n".encode()


class OpenAIStub:
    def __init__(self, handler: Callable[[dict[str, Any]], StubReply]) -> None:
        self.handler = handler
        self.requests: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._make_handler())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                body = {"object": "list", "data": [{"id": "stub-model", "object": "model"}]}
                self._send(200, json.dumps(body).encode(), "application/json", {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length))
                with stub._lock:
                    stub.requests.append(request)
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    reply = stub.handler(request)
                    if reply.delay:
                        time.sleep(reply.delay)  # simulated model work, not synchronisation
                    self._answer(request, reply)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

            def _answer(self, request: dict[str, Any], reply: StubReply) -> None:
                if reply.raw_body is not None:
                    self._send(200, reply.raw_body, "application/json", reply.headers)
                    return
                if reply.status != 200:
                    body = {"error": {"message": reply.error or "stub error", "type": "error"}}
                    self._send(reply.status, json.dumps(body).encode(), "application/json",
                               reply.headers)  # fmt: skip
                    return
                if not request.get("stream"):
                    body = json.dumps(completion(reply.content, reply.usage, reply.cached)).encode()
                    self._send(200, body, "application/json", reply.headers)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in reply.stream_pieces or [reply.content]:
                    self.wfile.write(chunk(piece))
                    self.wfile.flush()
                if reply.truncate:  # the connection closes mid-reply
                    return
                self.wfile.write(chunk(None, finish="stop"))
                self.wfile.write(chunk(None, reply.usage, reply.cached))
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler

    def __enter__(self) -> OpenAIStub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def openai_stub(handler: Callable[[dict[str, Any]], StubReply]) -> Iterator[OpenAIStub]:
    with OpenAIStub(handler) as stub:
        yield stub
