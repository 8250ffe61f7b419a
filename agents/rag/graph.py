"""RAG: the top-k pages by embedding similarity (Chroma), then one answer call."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import answer_from_pages, pages_in_order
from agents.answer.state import AnswerInput, AnswerOutput
from agents.context import GraphContext
from agents.rag.state import RagState


async def retrieve(state: RagState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    k = state.get("k") or ctx.settings.answer.top_k
    query = state.get("query") or state["question"]
    hits = await asyncio.to_thread(ctx.store.search_pages, query, state["documents"], k)
    found = [[h.page.document[:12], h.page.ordinal + 1, round(h.score, 3)] for h in hits]
    trace = {"step": "retrieve", "k": k, "query": query[:200], "pages": found}
    return {"pages": [h.page.id for h in hits], "trace": [trace]}


async def answer(state: RagState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    pages = await pages_in_order(ctx, state.get("pages", []))
    text, evidence, entry = await answer_from_pages(ctx, state, pages)
    return {"answer": text, "evidence": evidence, "trace": [entry]}


def build_graph() -> StateGraph:
    graph = StateGraph(
        RagState, context_schema=GraphContext, input_schema=AnswerInput, output_schema=AnswerOutput
    )
    graph.add_node("retrieve", retrieve)
    graph.add_node("answer", answer)
    graph.add_edge(START, "retrieve")
    graph.add_edge("retrieve", "answer")
    graph.add_edge("answer", END)
    return graph


graph = build_graph().compile()
