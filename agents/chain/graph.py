"""Chain (Chain of Agents), for whole-document questions: workers read the pages in order, as many
per call as fit the window, each carrying forward a bounded running note; a manager answers from
the final note. Pages are labelled by their number (or, with several documents, by position in
the whole reading), and the note keeps those numbers, so the answer can cite pages."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import (
    document_pages,
    final_answer_call,
    pack,
    pages_in_order,
    titles,
    truncate,
    window_budget,
)
from agents.answer.prompts import NOT_FOUND
from agents.answer.state import answering_graph
from agents.chain import prompts
from agents.chain.state import ChainState
from agents.context import GraphContext
from agents.fences import fence_page
from reader.core.types import Evidence

_PAGE_REF = re.compile(r"\bp(?:age|\.)?\s*(\d{1,5})\b", re.IGNORECASE)
CITED_PAGES = 5
SEARCHED = 2  # pages nearest to the answer added to the citation candidates


async def plan(state: ChainState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    pages = await document_pages(ctx, state["documents"])
    note_tokens = ctx.settings.answer.note_max_tokens
    history = ctx.model.count_tokens(state.get("history", ""))
    budget = window_budget(ctx, 2 * note_tokens + history)
    label = {p.id: i + 1 for i, p in enumerate(pages)}
    groups = [[label[p.id] for p in group] for group in pack(ctx, pages, budget)]
    trace = {"step": "plan", "pages": len(pages), "workers": len(groups), "budget": budget}
    return {"pages": [p.id for p in pages], "groups": groups, "index": 0, "note": "",
            "trace": [trace]}  # fmt: skip


async def work(state: ChainState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    labels = state["groups"][state["index"]]
    pages = await pages_in_order(ctx, [state["pages"][n - 1] for n in labels])
    names = await titles(ctx, state["documents"])
    fenced = "\n".join(
        fence_page(n, p.text, names.get(p.document, "")) for n, p in zip(labels, pages, strict=True)
    )
    note_tokens = ctx.settings.answer.note_max_tokens
    messages = prompts.worker_messages(
        state["question"], state.get("note", ""), fenced, int(note_tokens * 0.7),
        state.get("history", ""),
    )  # fmt: skip
    reply = await ctx.model.complete(messages, max_tokens=note_tokens)
    note = truncate(ctx, " ".join(reply.split()), note_tokens) or state.get("note", "")
    trace = {"step": "work", "pages": [labels[0], labels[-1]], "note_tokens":
             ctx.model.count_tokens(note)}  # fmt: skip
    return {"note": note, "index": state["index"] + 1, "trace": [trace]}


def after_work(state: ChainState) -> str:
    return "work" if state["index"] < len(state["groups"]) else "manage"


async def manage(state: ChainState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    note = state.get("note", "")
    messages = prompts.manager_messages(state["question"], note, state.get("history", ""))
    trace: dict[str, Any] = {"step": "manage"}
    reply, error = await final_answer_call(ctx, state, messages, prompts.ManagerReply)
    if reply is not None:
        answer, page = " ".join(reply.answer.split()), reply.page
    else:  # the note itself is the best answer left
        answer, page = note or NOT_FOUND, 0
        trace["error"] = error
    total = len(state["pages"])
    refs = [page] + [int(m) for m in _PAGE_REF.findall(note)]
    cited = [n for n in dict.fromkeys(refs) if 1 <= n <= total][:CITED_PAGES]
    # A small model's note may give wrong page numbers: the pages nearest to the answer are
    # candidates too, and the citation is the sentence among them that best matches the answer.
    hits = await asyncio.to_thread(
        ctx.store.search_pages, f"{state['question']} {answer}", state["documents"], SEARCHED
    )
    candidates = [state["pages"][n - 1] for n in cited] + [h.page.id for h in hits]
    evidence = [Evidence(pages=list(dict.fromkeys(candidates)))] if candidates else []
    trace.update(note=note[:500], cited=cited)
    return {"answer": answer or NOT_FOUND, "evidence": evidence, "trace": [trace]}


def build_graph() -> StateGraph:
    graph = answering_graph(ChainState)
    graph.add_node("plan", plan)
    graph.add_node("work", work)
    graph.add_node("manage", manage)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", after_work, ["work", "manage"])
    graph.add_conditional_edges("work", after_work, ["work", "manage"])
    graph.add_edge("manage", END)
    return graph


graph = build_graph().compile()
