"""Benchmark which retriever puts every planted page of a facts-suite question in its top k.

    .venv/bin/python scripts/bench_retrieval_recall.py [--lengths 32000] [--k 4] [--data DIR]

No model call: the facts suite's documents must be stored in `TOME_HOME` (pages and passages are
enough: `tome eval facts` or `tome add --detach` stores them). For each question it prints, per
retriever, how many of its planted pages are in the top k; a two-hop question needs both. The
`hybrid` column is the seed every strategy starts from (fused ranks and the bridge hop), `ppr` the
element graph's walk (memory/elements.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.answer.seeds import seed  # noqa: E402
from agents.context import GraphContext  # noqa: E402
from memory.hybrid import bm25_pages  # noqa: E402
from reader.eval.datasets import load_items  # noqa: E402
from reader.library import Library  # noqa: E402

RETRIEVERS = ("bm25", "rag", "hybrid", "ppr")


def ranked(library: Library, retriever: str, question: str, doc: str, k: int) -> list[int]:
    store = library.store
    if retriever == "bm25":
        pages = [p for p in store.pages(doc) if not p.matter]
        return [p.ordinal for p, _ in bm25_pages(question, pages, k)]
    if retriever == "rag":
        return [h.page.ordinal for h in store.search_pages(question, [doc], k)]
    if retriever == "ppr":
        return [h.page.ordinal for h in store.search_elements(question, [doc], k)]
    ctx = GraphContext(model=None, store=store, settings=library.settings)  # type: ignore[arg-type]
    return [h.page.ordinal for h in asyncio.run(seed(ctx, question, [doc], k)).hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lengths", default="32000")
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    lengths = [int(n) for n in args.lengths.split(",")]
    with tempfile.TemporaryDirectory() as work, Library() as library:
        items = load_items("facts", args.data, Path(work), lengths=lengths)
        totals = {(r, kind): [0, 0] for r in RETRIEVERS for kind in ("fact", "two-hop")}
        print(f"{'question':28} planted  " + "  ".join(f"{r:>6}" for r in RETRIEVERS))
        for item in items:
            doc = library.resolve(item.document)
            pages = library.store.pages(doc)
            wanted = [next(p.ordinal for p in pages if p.start <= a < p.end) for a, _ in item.spans]
            cells = []
            for retriever in RETRIEVERS:
                top = ranked(library, retriever, item.question, doc, args.k)
                hit = sum(w in top for w in wanted)
                totals[retriever, item.kind][0] += hit == len(wanted)
                totals[retriever, item.kind][1] += 1
                cells.append(f"{hit}/{len(wanted)}")
            planted = ",".join(str(w + 1) for w in wanted)
            print(f"{item.id:28} {planted:8} " + "  ".join(f"{c:>6}" for c in cells))
        for kind in ("fact", "two-hop"):
            row = [f"{totals[r, kind][0]}/{totals[r, kind][1]}" for r in RETRIEVERS]
            print(f"{'all planted pages in top ' + str(args.k) + ', ' + kind:37} "
                  + "  ".join(f"{c:>6}" for c in row))  # fmt: skip


if __name__ == "__main__":
    main()
