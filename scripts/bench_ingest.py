"""Benchmark ingestion: cost ratios and peak memory.

    .venv/bin/python scripts/bench_ingest.py [FILE] [--tokens N | --megabytes M] [--base-url URL]
        [--embeddings-url URL] [--home DIR] [--ask Q ...]

Ingests FILE (default: Sleepy Hollow from ../shared/data) into a fresh data directory (or DIR,
kept) with the configured model (the embedded one unless --base-url/TOME_BASE_URL is set) and
prints:
  prompt tokens / document tokens   (target ≤ 1.3)
  wall seconds / LLM seconds        (target ≤ 1.1; LLM seconds = time with ≥ 1 call in flight)
  peak RSS of this process          (target < 1.5 GB at 1M tokens; the model server is a child
                                     process and is not counted)
  wall seconds / the machine's limit (target ≤ 1.2; the limit is prompt tokens ÷ prefill rate +
                                     completion tokens ÷ decode rate, both rates measured on the
                                     server just before the ingest; --no-rates skips it)
With --ask Q (repeatable) another tome process asks each question while the ingest runs, as soon
as the pages are stored: the builder yields to questions (reader/llm/priority.py), so the wall
then holds both, and the limit counts both calls' tokens.
With --tokens N (or --megabytes M) the file is repeated until it holds N tokens (M MB of text);
use a fast server for that: scripts/stub_model_server.py, whose URL can also stand in for the
embedder (--embeddings-url), so that the figure is tome's own memory and time, not the ONNX
model's hour of work on 5M tokens:

    .venv/bin/python scripts/bench_ingest.py --megabytes 20 --base-url URL --embeddings-url URL
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT = ROOT.parent / "shared" / "data" / "literaryqa" / "pg41_the_legend_of_sleepy_hollow.txt"


def repeated(source: Path, tokens: int, into: Path, megabytes: float = 0) -> Path:
    from reader.core.tokens import count_tokens
    from reader.documents import load_document

    body = load_document(source).text
    if megabytes:
        copies = max(1, -(-int(megabytes * 1e6) // len(body.encode("utf-8"))))
    else:
        copies = max(1, -(-tokens // count_tokens(body)))
    target = into / f"{source.stem}-x{copies}.txt"
    with target.open("w", encoding="utf-8") as out:
        for k in range(copies):
            out.write(f"\n\nCHAPTER {k + 1}\n\n{body}\n")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--tokens", type=int, default=0, help="repeat FILE to this many tokens")
    parser.add_argument("--megabytes", type=float, default=0, help="repeat FILE to this size")
    parser.add_argument("--base-url", default=None, help="an OpenAI-compatible server")
    parser.add_argument("--embeddings-url", default=None, help="an OpenAI /v1/embeddings server")
    parser.add_argument(
        "--rates", action=argparse.BooleanOptionalAction, default=None,
        help="measure the server's prefill and decode rates first (default: without --base-url)",
    )  # fmt: skip
    parser.add_argument(
        "--home", type=Path, default=None,
        help="ingest into this data directory and keep it (for benchmarks and evals that follow)",
    )  # fmt: skip
    parser.add_argument(
        "--ask", action="append", default=[], metavar="Q",
        help="ask Q from another tome process while the ingest runs (repeatable)",
    )  # fmt: skip
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tome-bench-"))
    os.environ["TOME_HOME"] = str(args.home or work / "home")
    if args.base_url:
        os.environ["TOME_BASE_URL"] = args.base_url
    if args.embeddings_url:
        os.environ["TOME_MEMORY__EMBEDDING__BASE_URL"] = args.embeddings_url
        os.environ.setdefault("TOME_MEMORY__EMBEDDING__MODEL", "stub-embedding")
    many = args.tokens or args.megabytes
    source = repeated(args.file, args.tokens, work, args.megabytes) if many else args.file

    from reader.core.tokens import count_tokens
    from reader.documents import load_document
    from reader.library import Library

    doc_tokens = count_tokens(load_document(source).text)
    library = Library()
    measure = args.rates if args.rates is not None else not args.base_url
    rates = library.run(server_rates(library)) if measure else None
    asked: list[dict[str, Any]] = []
    asker = threading.Thread(target=ask_while_building, args=(source, args.ask, asked))
    started = time.perf_counter()
    if args.ask:
        asker.start()
    report = library.ingest(source)
    wall = time.perf_counter() - started
    if args.ask:
        asker.join()
    library.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"document           {source.name} ({source.stat().st_size / 1e6:,.1f} MB)")
    model = library.settings.llm.base_url or f"embedded {library.settings.embedded.model}"
    print(f"model              {model}")
    print(f"embeddings         {library.settings.memory.embedding.base_url or 'ONNX MiniLM'}")
    print(f"document tokens    {doc_tokens:,}")
    print(f"pages / depth      {report.pages} / {report.depth}")
    print(f"LLM calls          {report.llm_calls}")
    print(f"prompt tokens      {report.prompt_tokens:,}")
    print(f"completion tokens  {report.completion_tokens:,}")
    print(f"LLM seconds        {report.llm_seconds:.1f}")
    print(f"wall seconds       {report.wall_seconds:.1f} (ingest call {wall:.1f})")
    print(f"prompt/doc tokens  {report.prompt_tokens / doc_tokens:.3f}  (target <= 1.3)")
    overhead = report.wall_seconds / max(report.llm_seconds, 1e-9)
    print(f"wall/LLM seconds   {overhead:.3f}  (target <= 1.1)")
    print(f"peak RSS           {peak_mb:,.0f} MB  (target < 1536 MB)")
    for row in asked:
        print(f"asked while building {row['seconds']:6.1f} s, {row['llm_calls']} calls, "
              f"{row['memory'] or 'memory complete'}: {row['answer'][:60]!r}")  # fmt: skip
    if rates:
        prefill, decode = rates
        prompt = report.prompt_tokens + sum(r["prompt_tokens"] for r in asked)
        completion = report.completion_tokens + sum(r["completion_tokens"] for r in asked)
        limit = prompt / prefill + completion / decode
        print(f"server rates       prefill {prefill:,.0f} tok/s, decode {decode:,.1f} tok/s "
              "(measured before the ingest)")  # fmt: skip
        both = " of the ingest and the questions" if asked else ""
        print(f"machine's limit    {limit:,.1f} s  (prompt/prefill + completion/decode{both})")
        print(f"wall/limit         {report.wall_seconds / limit:.3f}  (target <= 1.2)")


def ask_while_building(source: Path, questions: list[str], asked: list[dict[str, Any]]) -> None:
    """Once `source` is listed (its pages stored), ask each question with `tome ask --json` in a
    process of its own, one after the other; the rows go to `asked`."""
    listed: list[dict[str, Any]] = []
    deadline = time.monotonic() + 600
    while not listed and time.monotonic() < deadline:  # a benchmark's poll, not a test's sync
        time.sleep(2)
        out = subprocess.run([sys.executable, "-m", "reader", "ls", "--json"], cwd=ROOT,
                             capture_output=True, text=True)  # fmt: skip
        rows = json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else []
        listed = [r for r in rows if Path(str(r.get("source", ""))).name == source.name]
    if not listed:
        print(f"{source.name} was not listed within 600 s; no question asked", file=sys.stderr)
        return
    for question in questions:
        out = subprocess.run(
            [sys.executable, "-m", "reader", "ask", listed[0]["id"], question, "--json"],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if out.returncode:
            print(f"ask failed: {out.stderr.strip()}", file=sys.stderr)
            return
        asked.append(json.loads(out.stdout))


async def server_rates(library: Any) -> tuple[float, float]:
    """The server's prefill and decode rates, from two calls: a long prompt that no prefix cache
    holds, answered with one token; then a short prompt answered at length."""
    from reader.core.usage import metered

    model = await library.amodel()
    words = " ".join(f"{random.choice(WORDS)}{random.randrange(1000)}" for _ in range(900))
    with metered() as meter:
        await model.complete([{"role": "user", "content": words}], max_tokens=1, temperature=0)
    long = meter.usage
    with metered() as meter:
        await model.complete(
            [{"role": "user", "content": "Tell a long story about a lighthouse keeper."}],
            max_tokens=160, temperature=0,
        )  # fmt: skip
    short = meter.usage
    prefill = long.prompt_tokens / long.seconds
    decode_seconds = max(short.seconds - short.prompt_tokens / prefill, 1e-6)
    return prefill, short.completion_tokens / decode_seconds


WORDS = ["harbour", "lantern", "orchard", "ledger", "quarry", "meadow", "cinder", "thimble"]


if __name__ == "__main__":
    main()
