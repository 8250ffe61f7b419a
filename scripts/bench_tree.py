"""Benchmark the summary tree's quality: coverage, verbatim share, title-restating gists.

    .venv/bin/python scripts/bench_tree.py [FILE ...] [--home DIR] [--rebuild tree|all]

Ingests each FILE (default: both LiteraryQA books in ../shared/data) into the data directory
DIR (default: a fresh temporary one) with the configured model (the embedded one unless
TOME_BASE_URL is set) and prints, per book, the measures of `tome show DOC --quality`
(memory/quality.py) and what the ingest cost. Targets (issue 13): coverage ≥ 0.8, verbatim share
≤ 0.7, title-restating gists ≤ 5 %.

With an existing --home, `--rebuild tree` drops the levels above the gists and builds them again
(the gists are reused: the store is the resume mechanism), so reduce variants can be compared on
the same gists; `--rebuild all` drops the gists too.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BOOKS = ROOT.parent / "shared" / "data" / "literaryqa"
DEFAULT = [
    BOOKS / "pg41_the_legend_of_sleepy_hollow.txt",
    BOOKS / "pg4217_a_portrait_of_the_artist_as_a_young_man.txt",
]


def drop(library, doc_id: str, from_level: int) -> int:
    """Delete the document's nodes from `from_level` up and mark it ingesting again."""
    store = library.store
    gone = [n.id for n in store.nodes(doc_id) if n.level >= from_level]
    store.chroma.delete_ids("nodes", gone)
    store.set_status(doc_id, "ingesting")
    return len(gone)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--home", type=Path, default=None, help="data directory to use or reuse")
    parser.add_argument("--rebuild", choices=["tree", "all"], default=None)
    args = parser.parse_args()
    os.environ["TOME_HOME"] = str(args.home or Path(tempfile.mkdtemp(prefix="tome-tree-")))

    from agents.ingest.runner import file_document_id
    from reader.core.errors import NotFoundError
    from reader.library import Library

    with Library() as library:
        print(f"data directory {os.environ['TOME_HOME']}")
        for path in args.files:
            doc_id = file_document_id(path)
            if args.rebuild:
                try:
                    library.store.get_document(doc_id)
                except NotFoundError:
                    pass
                else:
                    dropped = drop(library, doc_id, 2 if args.rebuild == "tree" else 1)
                    print(f"{path.name}: dropped {dropped} nodes")
            started = time.perf_counter()
            report = library.ingest(path)
            wall = time.perf_counter() - started
            health = library.document(report.id).health()
            print(
                f"\n{report.title}: {report.pages} pages, depth {health.depth}, "
                f"{report.llm_calls} calls, {report.prompt_tokens:,}+{report.completion_tokens:,} "
                f"tokens, {wall:.0f} s"
            )
            print(
                f"  coverage {health.coverage}  verbatim {health.verbatim}  "
                f"title gists {health.title_gists}  copied {health.copied}  "
                f"extractive {health.extractive}  failed pages {health.failed_pages}"
            )
            for level in health.levels:
                print(
                    f"    L{level.level}: {level.nodes} nodes, coverage {level.coverage}, "
                    f"verbatim {level.verbatim}"
                )


if __name__ == "__main__":
    main()
