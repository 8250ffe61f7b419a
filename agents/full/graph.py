"""The full-context baseline: as many pages as fit in the window, from the first page on, in one
answer call; everything after is cut. What a plain long-context call does with a small window."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import answer_from_pages, document_pages, window_budget
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.rag.state import RagState


async def read_front(state: RagState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    budget = window_budget(ctx, ctx.settings.answer.answer_max_tokens)
    every = await document_pages(ctx, state["documents"])
    pages, used = [], 0
    for page in every:
        if used < budget:
            pages.append(page)  # the last one is cut to the budget by answer_from_pages
        used += page.tokens or ctx.model.count_tokens(page.text)
    text, evidence, entry = await answer_from_pages(ctx, state, pages, budget=budget)
    trace = {"step": "read", "pages": len(pages), "of": len(every), "truncated": used > budget}
    return {"answer": text, "evidence": evidence, "trace": [trace, entry]}


def build_graph() -> StateGraph:
    graph = answering_graph(RagState)
    graph.add_node("read_front", read_front)
    graph.add_edge(START, "read_front")
    graph.add_edge("read_front", END)
    return graph


graph = build_graph().compile()
