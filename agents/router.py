"""The `auto` strategy: a cheap rule-based router (no model call) that picks a strategy per
question and says why, for the trace.

- the documents fit in the window                  → whole (read every page)
- a whole-document question (summarise, theme, …)  → chain
- multiple choice (options A-D)                    → mapreduce when the documents fit in a few
                                                     map calls, else lookup
- anything else (a local fact)                     → lookup
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
    if is_whole_document(question):
        return Route(CHAIN.name, "a whole-document question: read every page in order with a note")
    if is_multiple_choice(question):
        calls = -(-tokens // max(1, budget))
        if calls <= MAPREDUCE_MAX_CALLS:
            return Route(
                MAPREDUCE.name, f"multiple choice over {calls} window-sized parts: map and reduce"
            )
        return Route(LOOKUP.name, f"multiple choice over {tokens} tokens: too long to map; look up")
    return Route(LOOKUP.name, "a local fact question: pick pages from the gists and re-read them")
