"""Benchmark how the cost of one question grows with document length, per strategy.

    .venv/bin/python scripts/bench_answer_cost.py [--tokens 10000,100000,1000000]
        [--strategy full --strategy rag ...] [--base-url URL]

For each length it builds a haystack of Paul Graham essays (../shared/data/niah) with one
needle sentence in the middle, ingests it into a fresh data directory and asks the needle's
question once with each strategy, then prints LLM calls, prompt and completion tokens and
seconds per strategy and length.

By default the model is scripts/stub_model_server.py, started on 127.0.0.1: it answers at
once (JSON that fits each schema), so the figures are tome's call and token counts and its own
overhead, not model speed, and the needle is not expected to be found. With --base-url (or
TOME_BASE_URL) a real server answers instead, and with --embedded the embedded model does: then
the seconds are per-question latency per strategy, model included.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ESSAYS = ROOT.parent / "shared" / "data" / "niah" / "PaulGrahamEssays"

from agents.registry import names  # noqa: E402  (after the path is set)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_stub() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "stub_model_server.py"), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "stub model server on ..." once it listens
    return process, f"http://127.0.0.1:{port}/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", default="10000,100000,1000000")
    parser.add_argument("--strategy", action="append", choices=names())
    parser.add_argument("--base-url", default=os.environ.get("TOME_BASE_URL"))
    parser.add_argument("--embedded", action="store_true", help="use the embedded model")
    args = parser.parse_args()
    lengths = [int(t) for t in args.tokens.split(",")]
    strategies = args.strategy or names()

    stub = None
    base_url = args.base_url
    if args.embedded:
        os.environ.pop("TOME_BASE_URL", None)
        base_url = "embedded model"
    else:
        if not base_url:
            stub, base_url = start_stub()
        os.environ["TOME_BASE_URL"] = base_url
    work = Path(tempfile.mkdtemp(prefix="tome-bench-cost-"))
    os.environ["TOME_HOME"] = str(work / "home")

    from reader.eval.niah import NEEDLES, haystack, plant
    from reader.library import Library

    needle, question, _ = NEEDLES[0]
    rows = []
    try:
        for length in lengths:
            path = work / f"haystack-{length}.txt"
            path.write_text(plant(haystack(ESSAYS, length), needle, 0.5), encoding="utf-8")
            with Library() as library:
                started = time.perf_counter()
                report = library.ingest(path)
                ingest_s = time.perf_counter() - started
                print(
                    f"{length:>9,} tokens: {report.pages} pages, ingest {report.llm_calls} calls"
                    f" {ingest_s:.0f} s",
                    file=sys.stderr,
                )
                for strategy in strategies:
                    started = time.perf_counter()
                    answer = library.ask(question, [report.id], strategy=strategy)
                    seconds = time.perf_counter() - started
                    usage = answer.usage
                    rows.append(
                        (length, strategy, usage.calls, usage.prompt_tokens,
                         usage.completion_tokens, seconds)
                    )  # fmt: skip
    finally:
        if stub is not None:
            stub.terminate()
    print(f"model: {'stub (scripts/stub_model_server.py)' if stub else base_url}")
    print("| tokens | strategy | calls | prompt tokens | completion tokens | seconds |")
    print("|---:|---|---:|---:|---:|---:|")
    for length, strategy, calls, prompt, completion, seconds in rows:
        cells = [f"{length:,}", strategy, str(calls), f"{prompt:,}", f"{completion:,}"]
        print("| " + " | ".join(cells) + f" | {seconds:.2f} |")


if __name__ == "__main__":
    main()
