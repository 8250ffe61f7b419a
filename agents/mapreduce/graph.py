"""MapReduce (LLM×MapReduce): every page (or group of pages up to MAP_TOKENS) is mapped, in
parallel, to the most relevant sentence (extracted first, which helps a small model find the
fact), an answer and a confidence (structured output); a quote not on the pages costs
confidence. The reduce drops "no information" results and keeps the highest confidence: a single
best result wins outright; several tied at the top are reduced by the model into one answer."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents.answer.citations import find_quote
from agents.answer.pages import (
    document_pages,
    emit_answer,
    final_answer_call,
    pack,
    pages_in_order,
    structured_or_none,
    titles,
    truncate,
    window_budget,
    words,
)
from agents.answer.prompts import NOT_FOUND, is_not_found
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.fences import fence_note, fence_page
from agents.mapreduce import prompts
from agents.mapreduce.state import MapReduceState, MapTask
from reader.core.types import Evidence
from reader.core.words import content_words

MAP_TOKENS = 1500  # about a page per map call: a small model loses a needle in a full window
UNQUOTED_PENALTY = 2  # confidence lost when the quote is not on the pages (likely invented)
REDUCE_AT_MOST = 4  # top results the model reduces at once (the collapse)


def useless(result: dict[str, Any]) -> bool:
    return result.get("confidence", 0) <= 0 or is_not_found(str(result.get("answer", "")))


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
    pages = await pages_in_order(ctx, task["pages"])
    names = await titles(ctx, task["documents"])
    budget = window_budget(ctx, ctx.settings.answer.answer_max_tokens)
    fenced = "\n".join(
        fence_page(i + 1, truncate(ctx, p.text, budget), names.get(p.document, ""))
        for i, p in enumerate(pages)
    )
    messages = prompts.map_messages(task["question"], fenced, task["history"])
    reply, _ = await structured_or_none(
        ctx, messages, prompts.MapReply, ctx.settings.answer.answer_max_tokens
    )
    reply = reply or prompts.MapReply(quote="", answer="", page=0, confidence=0)
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
        emit_answer(state, NOT_FOUND)
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
        emit_answer(state, answer)
    else:
        lines = [
            fence_note(i + 1, f"{r['answer']}. {r['facts']}", r["confidence"])
            for i, r in enumerate(top)
        ]
        messages = prompts.reduce_messages(state["question"], lines, state.get("history", ""))
        reply, error = await final_answer_call(ctx, state, messages, prompts.ReduceReply)
        if reply is not None:
            answer = " ".join(reply.answer.split()) or answer
            if 1 <= reply.source <= len(top):
                chosen = top[reply.source - 1]
        else:
            trace["error"] = error
    trace.update(top=len(top), confidence=best)
    evidence = [
        Evidence(pages=r["pages"], quote=r["quote"], confidence=r["confidence"], note=r["facts"])
        for r in [chosen, *(r for r in top if r is not chosen)]
    ]
    return {"answer": answer, "evidence": evidence, "trace": [trace]}


def build_graph() -> StateGraph:
    graph = answering_graph(MapReduceState)
    graph.add_node("plan", plan)
    graph.add_node("map", map_part)
    graph.add_node("reduce", reduce)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges("plan", dispatch, ["map"])
    graph.add_edge("map", "reduce")
    graph.add_edge("reduce", END)
    return graph


graph = build_graph().compile()
