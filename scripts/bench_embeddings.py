"""Benchmark the local embedder on real text: ~500 chunks of ~200 tokens from a novel.

    PYTHONPATH=. python scripts/bench_embeddings.py [--count 500] [--tokens 200] [--batch-size 32]

Prints chunks per second (model load excluded, reported apart) and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from memory.embeddings import OnnxMiniLMEmbedder  # noqa: E402
from memory.passages import window_offsets  # noqa: E402

DEFAULT_BOOK = (
    ROOT.parent
    / "shared"
    / "data"
    / "literaryqa"
    / "pg4217_a_portrait_of_the_artist_as_a_young_man.txt"
)


def strip_gutenberg(text: str) -> str:
    start = text.find("*** START OF")
    end = text.find("*** END OF")
    if start >= 0:
        text = text[text.find("\n", start) + 1 : end if end > start else None]
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_BOOK)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--tokens", type=int, default=200, help="cl100k tokens per chunk")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    args = parser.parse_args()

    text = strip_gutenberg(args.file.read_text(encoding="utf-8"))
    chunks = [text[a:b] for a, b in window_offsets(text, args.tokens)][: args.count]
    embedder = OnnxMiniLMEmbedder(batch_size=args.batch_size, threads=args.threads)

    started = time.perf_counter()
    embedder.embed(["warm up: load and verify the model"])
    load_s = time.perf_counter() - started
    loaded_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    started = time.perf_counter()
    vectors = embedder.embed(chunks)
    elapsed = time.perf_counter() - started

    pieces = [len(e.ids) for e in embedder._tokenizer.encode_batch(chunks)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"file: {args.file.name}")
    print(
        f"chunks: {len(chunks)} (~{args.tokens} tokens; word pieces mean "
        f"{sum(pieces) / len(pieces):.0f}, max {max(pieces)}, truncated at 256: "
        f"{sum(p >= 256 for p in pieces)})"
    )
    print(f"model load + verify: {load_s:.2f} s; batch size {args.batch_size}")
    print(
        f"embedded {len(vectors)} chunks in {elapsed:.2f} s: {len(vectors) / elapsed:.1f} chunks/s"
    )
    print(f"peak RSS: {peak_mb:.0f} MiB (after model load: {loaded_mb:.0f} MiB)")


if __name__ == "__main__":
    main()
