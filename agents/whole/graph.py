"""Whole: every page of the documents, in order, in one answer call. The router's choice when
the documents fit in the window, where reading everything beats choosing."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import answer_from_pages, document_pages
from agents.answer.state import AnswerState, answering_graph
from agents.context import GraphContext


async def read_all(state: AnswerState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    pages = await document_pages(runtime.context, state["documents"])
    text, evidence, entry = await answer_from_pages(runtime.context, state, pages)
    trace = {"step": "read", "every_page": True, "pages": len(pages)}
    return {"answer": text, "evidence": evidence, "trace": [trace, entry]}


def build_graph() -> StateGraph:
    graph = answering_graph(AnswerState)
    graph.add_node("read_all", read_all)
    graph.add_edge(START, "read_all")
    graph.add_edge("read_all", END)
    return graph


graph = build_graph().compile()
