"""The one list of ways to answer: name → compiled graph, kind and a one-line description.

Everything that names strategies (the CLI's choices, the settings check, the router, the eval's
report order, the TUI's picker, the benchmarks) derives from `REGISTRY`. Each graph is compiled
once, when its module is imported. Baselines are there for comparison: `auto` picks one only
where every strategy lost to it in a measured run (agents/router.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from agents.bm25.graph import graph as bm25_graph
from agents.chain.graph import graph as chain_graph
from agents.full.graph import graph as full_graph
from agents.graphreader.graph import graph as explore_graph
from agents.lookup.graph import graph as lookup_graph
from agents.mapreduce.graph import graph as mapreduce_graph
from agents.navigate.graph import graph as navigate_graph
from agents.plan.graph import graph as plan_graph
from agents.rag.graph import elements_graph, hybrid_graph
from agents.rag.graph import graph as rag_graph
from agents.whole.graph import graph as whole_graph
from reader.core.errors import ConfigError

AUTO = "auto"  # not a graph: the router picks one of the strategies per question


@dataclass(frozen=True)
class Strategy:
    name: str
    kind: Literal["strategy", "baseline"]
    description: str
    graph: Any  # a compiled LangGraph graph: AnswerInput in, AnswerOutput out


FULL = Strategy("full", "baseline", "the document from its start, cut to the window", full_graph)
BM25 = Strategy("bm25", "baseline", "the top-k pages by BM25, one answer call", bm25_graph)
RAG = Strategy("rag", "strategy", "the top-k pages by embedding similarity", rag_graph)
HYBRID = Strategy(
    "hybrid", "strategy", "BM25 and embeddings fused (RRF), plus a bridge hop", hybrid_graph
)
PPR = Strategy(
    "ppr", "strategy",
    "HippoRAG: personalized PageRank over the key elements pages share, one answer call",
    elements_graph,
)  # fmt: skip
GRAPH = Strategy(
    "graph", "strategy",
    "GraphReader: follow the names the facts share, with a notebook, then answer",
    explore_graph,
)  # fmt: skip
LOOKUP = Strategy(
    "lookup", "strategy", "ReadAgent: pick pages from the gists and re-read them", lookup_graph
)
NAVIGATE = Strategy(
    "navigate", "strategy", "MemWalker: walk the summary tree with backtracking", navigate_graph
)
PLAN = Strategy(
    "plan", "strategy", "PEARL: plan the look-ups, run them in order, answer from the findings",
    plan_graph,
)  # fmt: skip
CHAIN = Strategy(
    "chain", "strategy", "Chain of Agents: a running note through every page", chain_graph
)
MAPREDUCE = Strategy(
    "mapreduce", "strategy",
    "LLM×MapReduce: answer per page with confidence; conflicts re-read side by side (LongAgent)",
    mapreduce_graph,
)  # fmt: skip
WHOLE = Strategy(
    "whole", "strategy", "every page in order, for documents that fit in the window", whole_graph
)

# In report order: baselines first, then the strategies from cheapest to most thorough.
REGISTRY: dict[str, Strategy] = {
    s.name: s
    for s in (FULL, BM25, RAG, HYBRID, PPR, GRAPH, LOOKUP, NAVIGATE, PLAN, CHAIN, MAPREDUCE, WHOLE)
}


def names(*, auto: bool = False, kind: str | None = None) -> list[str]:
    """Registered names in report order (of one kind when given), with `auto` last if asked."""
    chosen = [s.name for s in REGISTRY.values() if kind is None or s.kind == kind]
    return [*chosen, AUTO] if auto else chosen


def get(name: str) -> Strategy:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown strategy {name!r}; use one of {AUTO}, {', '.join(names(kind='strategy'))} "
            f"(or a baseline: {', '.join(names(kind='baseline'))})"
        ) from None


def check(name: str) -> str:
    """`name` when it is `auto` or registered, else a ConfigError listing the choices."""
    return name if name == AUTO else get(name).name
