"""The BM25 baseline: pages ranked by BM25 over their words (no embeddings, no gists), the top k
read in one answer call."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import answer_from_pages, document_pages
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.rag.state import RagState
from memory.bm25 import rank


async def retrieve_and_answer(state: RagState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    k = state.get("k") or ctx.settings.answer.top_k
    pages = await document_pages(ctx, state["documents"])
    query = state.get("query") or state["question"]
    scored = rank(query, [p.text for p in pages])[:k]
    best = [pages[i] for i, _ in scored]
    found = [[pages[i].document[:12], pages[i].ordinal + 1, round(s, 2)] for i, s in scored]
    text, evidence, entry = await answer_from_pages(ctx, state, best)
    trace = {"step": "retrieve", "lexical": True, "k": k, "pages": found}
    return {"answer": text, "evidence": evidence, "trace": [trace, entry]}


def build_graph() -> StateGraph:
    graph = answering_graph(RagState)
    graph.add_node("retrieve_and_answer", retrieve_and_answer)
    graph.add_edge(START, "retrieve_and_answer")
    graph.add_edge("retrieve_and_answer", END)
    return graph


graph = build_graph().compile()
