"""A fast stand-in model server (OpenAI-compatible, 127.0.0.1) that answers every chat request
with a short fixed summary at once. Benchmarks use it to measure tome's own overhead and memory
on inputs far too long for the CPU model (a 1M-token document), separately from model speed.

    python scripts/stub_model_server.py --port 8765
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = (
    "Ichabod Crane, a schoolmaster in Sleepy Hollow, courts Katrina Van Tassel; Brom Bones, "
    "his rival, tells of the headless horseman on the night of the party in autumn."
)


class Handler(BaseHTTPRequestHandler):
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
        self._send({"object": "list", "data": [{"id": "stub", "object": "model"}]})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        prompt_chars = sum(len(m.get("content", "")) for m in request.get("messages", []))
        self._send({
            "id": "x", "object": "chat.completion", "created": 0, "model": "stub",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": REPLY}}],
            "usage": {"prompt_tokens": prompt_chars // 4, "completion_tokens": 40,
                      "total_tokens": prompt_chars // 4 + 40},
        })  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"stub model server on http://127.0.0.1:{args.port}/v1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
