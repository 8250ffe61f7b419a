"""MapReduce (LLM×MapReduce): every page (or group of pages up to MAP_TOKENS) is mapped, in
parallel, to the most relevant sentence (extracted first, which helps a small model find the
fact), an answer and a confidence (structured output); a quote not on the pages costs
confidence. The reduce drops "no information" results and keeps the highest confidence: a single
best result wins outright; several tied at the top are reduced by the model into one answer."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents.answer.citations import content_words, find_quote
from agents.answer.pages import (
    document_pages,
    emit_answer,
    final_answer_call,
    pack,
    titles,
    truncate,
    window_budget,
    words,
)
from agents.answer.prompts import NOT_FOUND, fence_page
from agents.context import GraphContext
from agents.mapreduce import prompts
from agents.mapreduce.state import MapReduceState, MapTask
from reader.errors import StructuredOutputError

MAP_TOKENS = 1500  # about a page per map call: a small model loses a needle in a full window
UNQUOTED_PENALTY = 2  # confidence lost when the quote is not on the pages (likely invented)
REDUCE_AT_MOST = 4  # top results the model reduces at once (the collapse)
_EMPTY = ("no information", "not say", "does not mention", "not mentioned", "unknown", "n/a")


def useless(result: dict[str, Any]) -> bool:
    answer = str(result.get("answer", "")).strip().lower()
    return result.get("confidence", 0) <= 0 or not answer or any(e in answer for e in _EMPTY)


async def plan(state: MapReduceState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    pages = await document_pages(ctx, state["documents"])
    history = ctx.model.count_tokens(state.get("history", ""))
    budget = min(MAP_TOKENS, window_budget(ctx, ctx.settings.answer.answer_max_tokens + history))
    groups = [[p.id for p in group] for group in pack(ctx, pages, budget)]
    trace = {"step": "plan", "pages": len(pages), "maps": len(groups), "budget": budget}
    return {"groups": groups, "trace": [trace]}


def dispatch(state: MapReduceState) -> list[Send]:
    return [
        Send(
            "map",
            MapTask(
                question=state["question"],
                history=state.get("history", ""),
                documents=state["documents"],
                group=i,
                pages=ids,
            ),
        )
        for i, ids in enumerate(state["groups"])
    ]


async def map_part(task: MapTask, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    pages = await asyncio.to_thread(ctx.store.pages_by_id, task["pages"])
    pages.sort(key=lambda p: task["pages"].index(p.id))
    names = await titles(ctx, task["documents"])
    budget = window_budget(ctx, ctx.settings.answer.answer_max_tokens)
    fenced = "\n".join(
        fence_page(i + 1, truncate(ctx, p.text, budget), names.get(p.document, ""))
        for i, p in enumerate(pages)
    )
    messages = prompts.map_messages(task["question"], fenced, task["history"])
    try:
        reply = await ctx.model.structured(
            messages, prompts.MapReply, max_tokens=ctx.settings.answer.answer_max_tokens
        )
    except StructuredOutputError:
        reply = prompts.MapReply(quote="", answer="", page=0, confidence=0)
    cited = pages[reply.page - 1] if 1 <= reply.page <= len(pages) else None
    ordered = ([cited] if cited else []) + [p for p in pages if p is not cited]
    quoted = any(find_quote(p, reply.quote) for p in ordered)
    answer = " ".join(reply.answer.split())
    if quoted and (not answer or useless({"answer": answer, "confidence": 1})):
        # A small model often extracts the right sentence and then says "no information": a
        # verbatim quote is evidence, so it stands as the answer.
        answer = " ".join(reply.quote.split())
    confidence = max(0, min(5, reply.confidence) - (0 if quoted else UNQUOTED_PENALTY))
    result = {
        "group": task["group"],
        "answer": answer,
        "facts": words(reply.quote, 60),
        "confidence": confidence,
        "pages": [p.id for p in ordered],
        "quote": reply.quote,
        "first_page": pages[0].ordinal + 1 if pages else 0,
    }
    return {"results": [result]}


async def reduce(state: MapReduceState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    results = sorted(state.get("results", []), key=lambda r: r["group"])
    kept = [r for r in results if not useless(r)]
    trace: dict[str, Any] = {
        "step": "reduce",
        "results": [[r["first_page"], r["confidence"], r["answer"][:80]] for r in results],
        "dropped": len(results) - len(kept),
    }
    if not kept:
        emit_answer(ctx, NOT_FOUND)
        return {"answer": NOT_FOUND, "trace": [trace]}
    best = max(r["confidence"] for r in kept)
    asked = content_words(state["question"])
    tied = [r for r in kept if r["confidence"] == best]
    # among equals, the results whose answer and quote share most words with the question first
    tied.sort(key=lambda r: -len(asked & content_words(f"{r['answer']} {r['quote']}")))
    top = tied[:REDUCE_AT_MOST]
    chosen = top[0]
    answer = chosen["answer"]
    if len(top) == 1:
        emit_answer(ctx, answer)
    else:
        lines = [
            f'<note number="{i + 1}" confidence="{r["confidence"]}">{r["answer"]}. '
            f"{r['facts']}</note>"
            for i, r in enumerate(top)
        ]
        messages = prompts.reduce_messages(state["question"], lines, state.get("history", ""))
        try:
            reply = await final_answer_call(ctx, messages, prompts.ReduceReply)
            answer = " ".join(reply.answer.split()) or answer
            if 1 <= reply.source <= len(top):
                chosen = top[reply.source - 1]
        except StructuredOutputError as exc:
            trace["error"] = exc.message
    trace.update(top=len(top), confidence=best)
    evidence = [{"pages": chosen["pages"], "quote": chosen["quote"]}]
    evidence += [{"pages": r["pages"], "quote": r["quote"]} for r in top if r is not chosen]
    return {"answer": answer, "evidence": evidence, "trace": [trace]}


def build_graph() -> StateGraph:
    graph = StateGraph(MapReduceState, context_schema=GraphContext)
    graph.add_node("plan", plan)
    graph.add_node("map", map_part)
    graph.add_node("reduce", reduce)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", dispatch, ["map"])
    graph.add_edge("map", "reduce")
    graph.add_edge("reduce", END)
    return graph
