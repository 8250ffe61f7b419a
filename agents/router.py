"""The `auto` strategy: a cheap rule-based router (no model call) that picks a strategy per
question and says why, for the trace. The figures behind each rule are in docs/eval.md.

- the documents fit in the window                  → whole (read every page)
- a whole-document question (summarise, theme, …)  → chain when the documents fit in a few
                                                     window-sized parts, else lookup (chain reads
                                                     every page: 100+ calls on a novel)
- multiple choice (options A-D)                    → mapreduce when the documents fit in a few
                                                     map calls, else lookup
- anything else (a local question)                 → lookup: on the facts suite at 32k tokens
                                                     (embedded 0.5B model) it found 8 of 10
                                                     answers (6 of 6 single facts, 2 of 4 two-hop)
                                                     in 3 calls and 3.8k prompt tokens; hybrid
                                                     found 7 (1 call), the baseline bm25 6, full 2;
                                                     found and cited: lookup and hybrid 6, bm25 5
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.answer.questions import is_multiple_choice, is_whole_document
from agents.registry import CHAIN, LOOKUP, MAPREDUCE, WHOLE
from memory.records import DocumentRecord

WHOLE_RESERVE = 2500  # window tokens kept for instructions, history and the answer
MAPREDUCE_MAX_CALLS = 8


@dataclass
class Route:
    strategy: str
    reason: str

    def trace(self) -> dict[str, Any]:
        return {"step": "route", "strategy": self.strategy, "reason": self.reason}


def fits(records: list[DocumentRecord], context_window: int) -> bool:
    """Do the documents fit in one call's window, with room for the rest?"""
    return sum(r.tokens for r in records) <= context_window - WHOLE_RESERVE


def route(question: str, records: list[DocumentRecord], context_window: int) -> Route:
    tokens = sum(r.tokens for r in records)
    budget = context_window - WHOLE_RESERVE
    if fits(records, context_window):
        return Route(
            WHOLE.name, f"the documents ({tokens} tokens) fit in the window ({budget} tokens)"
        )
    calls = -(-tokens // max(1, budget))
    if is_whole_document(question):
        if calls <= MAPREDUCE_MAX_CALLS:
            return Route(
                CHAIN.name, "a whole-document question: read every page in order with a note"
            )
        return Route(
            LOOKUP.name, f"a whole-document question over {tokens} tokens: too long to read "
            "every page; pick sections from the summary tree",
        )  # fmt: skip
    if is_multiple_choice(question):
        if calls <= MAPREDUCE_MAX_CALLS:
            return Route(
                MAPREDUCE.name, f"multiple choice over {calls} window-sized parts: map and reduce"
            )
        return Route(LOOKUP.name, f"multiple choice over {tokens} tokens: too long to map; look up")
    return Route(LOOKUP.name, "a local question: pick pages from the gists and re-read them")
