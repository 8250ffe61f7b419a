"""RAG: the top-k pages by embedding similarity (Chroma), then one answer call; and its hybrid
twin, whose pages come from BM25 and embedding similarity fused by reciprocal rank."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import answer_from_pages, closing_pages, pages_in_order
from agents.answer.questions import is_about_the_book, is_about_the_end
from agents.answer.seeds import bridge_state, seed
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.rag.state import RagState


def retriever(fused: bool) -> Callable[..., Any]:
    async def retrieve(state: RagState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
        ctx = runtime.context
        k = state.get("k") or ctx.settings.answer.top_k
        query = state.get("query") or state["question"]
        trace: dict[str, Any] = {"step": "retrieve", "k": k, "fused": fused, "query": query[:200]}
        if fused:  # tome's seed: fused ranks, the bridge hop, the closing pages
            seeds = await seed(ctx, state["question"], state["documents"], k, query)
            hits, bridge = seeds.hits, seeds.bridge
            trace.update(seeds.trace)
        else:  # the embedding baseline: similarity alone
            matter = is_about_the_book(state["question"])
            hits = await asyncio.to_thread(
                ctx.store.search_pages, query, state["documents"], k, matter
            )
            bridge = None
        trace["pages"] = [[h.page.document[:12], h.page.ordinal + 1, round(h.score, 3)]
                          for h in hits]  # fmt: skip
        ids = [h.page.id for h in hits]
        if not fused and is_about_the_end(state["question"]):
            closing = [p.id for p in await closing_pages(ctx, state["documents"])]
            ids = list(dict.fromkeys(ids[: max(1, k - len(closing))] + closing))
            trace["closing"] = True
        return {"pages": ids, "bridge": bridge_state(bridge), "trace": [trace]}

    return retrieve


async def answer(state: RagState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    pages = await pages_in_order(ctx, state.get("pages", []))
    text, evidence, entry = await answer_from_pages(ctx, state, pages, bridge=state.get("bridge"))
    return {"answer": text, "evidence": evidence, "trace": [entry]}


def build_graph(fused: bool = False) -> StateGraph:
    graph = answering_graph(RagState)
    graph.add_node("retrieve", retriever(fused))
    graph.add_node("answer", answer)
    graph.add_edge(START, "retrieve")
    graph.add_edge("retrieve", "answer")
    graph.add_edge("answer", END)
    return graph


graph = build_graph().compile()
hybrid_graph = build_graph(fused=True).compile()
