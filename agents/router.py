"""The `auto` strategy: a cheap rule-based router (no model call) that picks a strategy per
question and says why, for the trace.

- the documents fit in the window                  → whole (read every page)
- a whole-document question (summarise, theme, …)  → chain when the documents fit in a few
                                                     window-sized parts, else lookup (chain reads
                                                     every page: 100+ calls on a novel)
- multiple choice (options A-D)                    → mapreduce when the documents fit in a few
                                                     map calls, else lookup
- a local question about the end                   → lookup, which reads the closing pages the
                                                     tree's positions point to (graph reads no
                                                     ending), unless a baseline beat it
- anything else (a local question)                 → the first of graph, lookup, hybrid, rag
                                                     that was measured and lost to no baseline
                                                     in any run of `LOCAL_RUNS`

`LOCAL_RUNS` holds the measurements themselves (from docs/eval.md), so the rule cannot drift from
them: a strategy *lost* to a baseline when the paired bootstrap 95 % interval of its difference
from that baseline, on the same questions, lies wholly below zero. A strategy no run measured is
never chosen. `graph` leads the order because it beat `lookup` and `rag` on the Portrait (paired
intervals above zero), scored highest on Sleepy Hollow, and tied `lookup` on the facts suite (6 of
10 found and cited each) at a third of its prompt tokens; over all 56 LiteraryQA questions `auto`
routed this way scores 0.101 against `lookup`'s 0.067 (docs/eval.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.answer.questions import is_about_the_end, is_multiple_choice, is_whole_document
from agents.registry import BM25, CHAIN, FULL, GRAPH, HYBRID, LOOKUP, MAPREDUCE, RAG, WHOLE
from memory.records import DocumentRecord

WHOLE_RESERVE = 2500  # window tokens kept for instructions, history and the answer
MAPREDUCE_MAX_CALLS = 8


@dataclass
class Route:
    strategy: str
    reason: str

    def trace(self) -> dict[str, Any]:
        return {"step": "route", "strategy": self.strategy, "reason": self.reason}


@dataclass(frozen=True)
class Run:
    """One evaluation behind a rule: each strategy's score, and the paired 95 % interval of its
    difference from each baseline on the same questions."""

    name: str
    metric: str
    scores: dict[str, float]
    versus: dict[tuple[str, str], tuple[float, float]]  # (strategy, baseline) → (low, high)

    def beaten_by(self, strategy: str) -> str | None:
        """The baseline `strategy` lost to in this run, if any."""
        for (name, baseline), (_, high) in self.versus.items():
            if name == strategy and high < 0:
                return baseline
        return None


# `tome eval facts --lengths 32000 …` and `tome eval literaryqa …` with the embedded 0.5B model;
# the tables and commands are in docs/eval.md.
LOCAL_RUNS: tuple[Run, ...] = (
    Run(
        "facts suite at 32k tokens (10 questions)", "found",
        {FULL.name: 0.2, BM25.name: 0.6, RAG.name: 0.3, HYBRID.name: 0.7, LOOKUP.name: 0.8},
        {
            (LOOKUP.name, FULL.name): (0.3, 0.9), (LOOKUP.name, BM25.name): (0.0, 0.5),
            (HYBRID.name, FULL.name): (0.2, 0.8), (HYBRID.name, BM25.name): (0.0, 0.3),
            (RAG.name, FULL.name): (0.0, 0.3), (RAG.name, BM25.name): (-0.6, 0.0),
        },
    ),
    Run(
        "LiteraryQA, Sleepy Hollow (27 questions)", "F1",
        {FULL.name: 0.066, BM25.name: 0.056, RAG.name: 0.066, LOOKUP.name: 0.097,
         GRAPH.name: 0.114},
        {
            (LOOKUP.name, FULL.name): (-0.053, 0.125), (LOOKUP.name, BM25.name): (-0.046, 0.141),
            (RAG.name, FULL.name): (-0.054, 0.055), (RAG.name, BM25.name): (-0.051, 0.068),
            (GRAPH.name, BM25.name): (-0.042, 0.172), (GRAPH.name, RAG.name): (-0.028, 0.143),
        },
    ),
    Run(
        "LiteraryQA, the Portrait (10 questions)", "F1",
        {FULL.name: 0.020, BM25.name: 0.028, RAG.name: 0.077, HYBRID.name: 0.070,
         LOOKUP.name: 0.042},
        {
            (LOOKUP.name, FULL.name): (-0.022, 0.074), (LOOKUP.name, BM25.name): (-0.027, 0.058),
            (HYBRID.name, FULL.name): (0.013, 0.093), (HYBRID.name, BM25.name): (0.011, 0.079),
            (RAG.name, FULL.name): (-0.016, 0.151), (RAG.name, BM25.name): (-0.022, 0.145),
        },
    ),
    Run(
        "LiteraryQA, the Portrait (29 questions; full not run)", "F1",
        {BM25.name: 0.055, RAG.name: 0.036, LOOKUP.name: 0.039, GRAPH.name: 0.086},
        {
            (LOOKUP.name, BM25.name): (-0.049, 0.011), (LOOKUP.name, RAG.name): (-0.039, 0.036),
            (RAG.name, BM25.name): (-0.074, 0.033),
            (GRAPH.name, BM25.name): (-0.012, 0.071), (GRAPH.name, RAG.name): (0.008, 0.097),
        },
    ),
    Run(
        "facts suite at 128k tokens (10 questions; auto = graph, full not run)", "found",
        {BM25.name: 0.4, RAG.name: 0.2, HYBRID.name: 0.6, LOOKUP.name: 0.5, GRAPH.name: 0.6},
        {
            (GRAPH.name, BM25.name): (-0.2, 0.6), (LOOKUP.name, BM25.name): (-0.2, 0.4),
            (HYBRID.name, BM25.name): (0.0, 0.5), (RAG.name, BM25.name): (-0.4, 0.0),
        },
    ),
)  # fmt: skip
LOCAL_ORDER = (GRAPH.name, LOOKUP.name, HYBRID.name, RAG.name)  # preferred first, when none lost
ENDING_ORDER = (LOOKUP.name,)  # strategies that read the closing pages for a question about the end


def local_choice(
    runs: tuple[Run, ...] = LOCAL_RUNS,
    order: tuple[str, ...] = LOCAL_ORDER,
    kind: str = "a local question",
) -> Route:
    """The strategy for a local question: the first of `order` that some run measured and no
    baseline beat in any run; if every measured one was beaten, the baseline that beat the first."""
    measured = [name for name in order if any(name in run.scores for run in runs)]
    if not measured:
        return Route(LOOKUP.name, f"{kind}: no run measured a strategy; lookup")
    for name in measured:
        if not any(run.beaten_by(name) for run in runs):
            figures = "; ".join(
                f"{run.name}: {run.metric} {run.scores[name]:.2f}, best baseline "
                f"{max(run.scores.get(b, 0.0) for b in (FULL.name, BM25.name)):.2f}"
                for run in runs if name in run.scores
            )  # fmt: skip
            return Route(name, f"{kind}: {name}, beaten by no baseline ({figures})")
    first = measured[0]
    run, baseline = next((run, b) for run in runs if (b := run.beaten_by(first)))
    return Route(
        baseline, f"{kind}: every strategy lost to a baseline; {baseline} beat "
        f"{first} on {run.name}",
    )  # fmt: skip


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
    if is_about_the_end(question):
        ending = local_choice(order=ENDING_ORDER, kind="a question about the end")
        if ending.strategy in ENDING_ORDER:
            return ending
    return local_choice()
