"""Benchmark pagination on a long text built by repeating a real novel.

    PYTHONPATH=. python scripts/bench_paginate.py [--tokens 1000000] [--source FILE]

Prints the document's tokens, the seconds `paginate` took, tokens per second, the page count and
the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reader.core.settings import PageSettings  # noqa: E402
from reader.core.tokens import encoding  # noqa: E402
from reader.core.types import Chapter, Document  # noqa: E402
from reader.documents import load_document, paginate  # noqa: E402

PORTRAIT = "pg4217_a_portrait_of_the_artist_as_a_young_man.txt"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "literaryqa" / PORTRAIT


def build(source: Path, tokens: int) -> Document:
    """Repeat the source's body (and its chapters) until it holds at least `tokens` tokens."""
    base = load_document(source)
    per_copy = len(encoding().encode_ordinary(base.text))
    copies = max(1, -(-tokens // per_copy))
    sep = "\n\n\n"
    stride = len(base.text) + len(sep)
    chapters = [
        Chapter(title=f"{c.title} ({k + 1})", start=c.start + k * stride, end=c.end + k * stride)
        for k in range(copies)
        for c in base.chapters
    ]
    text = sep.join([base.text] * copies)
    return base.model_copy(update={"text": text, "chapters": chapters, "id": "bench"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = parser.parse_args()
    settings = PageSettings()
    encoding(settings.encoding)  # load the BPE ranks before timing
    doc = build(args.source, args.tokens)
    started = time.perf_counter()
    pages = paginate(doc, settings)
    seconds = time.perf_counter() - started
    tokens = sum(p.tokens for p in pages)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"text chars      {len(doc.text):,}")
    print(f"tokens          {tokens:,}")
    print(f"pages           {len(pages):,} (max {max(p.tokens for p in pages)} tokens)")
    print(f"seconds         {seconds:.2f}")
    print(f"tokens/s        {tokens / seconds:,.0f}")
    print(f"peak RSS        {peak_mb:,.0f} MiB")


if __name__ == "__main__":
    main()
