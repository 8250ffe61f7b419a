"""RAG: the top-k pages by embedding similarity (Chroma), then one answer call; its hybrid twin,
whose pages come from BM25 and embedding similarity fused by reciprocal rank; and its graph twin
(HippoRAG), whose pages come from personalized PageRank over the element graph
(memory/elements.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import answer_from_pages, closing_pages, pages_in_order
from agents.answer.questions import is_about_the_book, is_about_the_end
from agents.answer.seeds import bridge_state, seed
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.rag.state import RagState

Search = Literal["embeddings", "hybrid", "elements"]


def retriever(search: Search) -> Callable[..., Any]:
    async def retrieve(state: RagState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
        ctx = runtime.context
        k = state.get("k") or ctx.settings.answer.top_k
        query = state.get("query") or state["question"]
        trace: dict[str, Any] = {"step": "retrieve", "k": k, "search": search,
                                 "query": query[:200]}  # fmt: skip
        bridge = None
        if search == "hybrid":  # tome's seed: fused ranks, the bridge hop, the closing pages
            seeds = await seed(ctx, state["question"], state["documents"], k, query)
            hits, bridge = seeds.hits, seeds.bridge
            trace.update(seeds.trace)
        else:  # similarity alone (the embedding baseline), or the element graph's walk
            find = ctx.store.search_pages if search == "embeddings" else ctx.store.search_elements
            matter = is_about_the_book(state["question"])
            hits = await asyncio.to_thread(find, query, state["documents"], k, matter)
            if search == "elements" and len(hits) < k:  # too few rare elements to walk from
                more = await asyncio.to_thread(
                    ctx.store.search_hybrid, query, state["documents"], k, matter
                )
                have = {h.page.id for h in hits}
                hits = [*hits, *(h for h in more if h.page.id not in have)][:k]
                trace["filled"] = True
        trace["pages"] = [[h.page.document[:12], h.page.ordinal + 1, round(h.score, 3)]
                          for h in hits]  # fmt: skip
        ids = [h.page.id for h in hits]
        if search != "hybrid" and is_about_the_end(state["question"]):
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


def build_graph(search: Search = "embeddings") -> StateGraph:
    graph = answering_graph(RagState)
    graph.add_node("retrieve", retriever(search))
    graph.add_node("answer", answer)
    graph.add_edge(START, "retrieve")
    graph.add_edge("retrieve", "answer")
    graph.add_edge("answer", END)
    return graph


graph = build_graph().compile()
hybrid_graph = build_graph("hybrid").compile()
elements_graph = build_graph("elements").compile()
