"""Benchmark how many of the facts suite's planted sentences the model listed as atomic facts.

    TOME_HOME=DIR .venv/bin/python scripts/bench_extraction.py [DOC ...]

No model call: it reads the atomic facts stored with each gist (`ingest.facts`, written in the
gist's call or by the upgrade `tome add` runs on a document added without them). A planted
sentence counts as extracted when one stored fact of its page holds at least SHARE of its content
words. DOC defaults to every stored document named `facts-…`. It prints, per planted sentence,
whether it was extracted, then the share, and how many gists carry facts at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reader.core.words import content_words  # noqa: E402
from reader.eval.facts import planted_sentences  # noqa: E402
from reader.library import Library  # noqa: E402

SHARE = 0.8


def extracted(sentence: str, facts: list[str]) -> bool:
    wanted = content_words(sentence)
    return any(len(wanted & content_words(f)) >= SHARE * len(wanted) for f in facts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("documents", nargs="*", help="ids or titles (default: facts-…)")
    args = parser.parse_args()
    library = Library()
    docs = args.documents or [d.id for d in library.documents() if d.title.startswith("facts-")]
    if not docs:
        print("no facts-suite document in this TOME_HOME; run `tome eval facts` first")
        return 2
    for ref in docs:
        doc = library.resolve(ref)
        pages = library.store.pages(doc)
        gists = {g.first_page: g for g in library.store.nodes(doc, 1)}
        carrying = [g for g in gists.values() if g.facts is not None]
        found = 0
        planted = planted_sentences()
        for _, sentence in planted:
            page = next((p.ordinal for p in pages if sentence[:40] in p.text), None)
            facts = (gists[page].facts or []) if page in gists else []
            hit = extracted(sentence, facts)
            found += hit
            print(f"{'yes' if hit else 'no ':3} page {page + 1 if page is not None else '?':>3}  "
                  f"{sentence}")  # fmt: skip
        total = sum(len(g.facts or []) for g in carrying)
        print(
            f"{library.store.get_document(doc).title}: {found} of {len(planted)} planted sentences "
            f"extracted ({found / len(planted):.0%}); {len(carrying)} of {len(gists)} gists carry "
            f"facts, {total} facts in all ({total / max(1, len(carrying)):.1f} a gist)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
