"""MapReduce (LLM×MapReduce): every page (or group of pages up to MAP_TOKENS) is mapped, in
parallel, to the most relevant sentence (extracted first, which helps a small model find the
fact), an answer and a confidence (structured output); a quote not on the pages costs
confidence. The reduce drops "no information" results and takes the most confident. When other
results near the top disagree with it, the conflict is resolved as LongAgent's leader does:
the disputed pages are read again side by side, each with the answer its map gave, and one call
decides, instead of trusting the highest confidence. Results that agree need no call."""

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
REDUCE_AT_MOST = 4  # disagreeing results read side by side at most
CONTESTED_WITHIN = 1  # a result this close to the best confidence that disagrees is a conflict


def useless(result: dict[str, Any]) -> bool:
    return result.get("confidence", 0) <= 0 or is_not_found(str(result.get("answer", "")))


def disputants(ranked: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The best result and those near it whose answers share no content word with any before
    them (best first): the members whose claims conflict. One member means no conflict."""
    best = ranked[0]["confidence"]
    members: list[dict[str, Any]] = []
    for result in ranked:
        if result["confidence"] < best - CONTESTED_WITHIN or len(members) == REDUCE_AT_MOST:
            break
        said = content_words(result["answer"])
        if all(not (said & content_words(m["answer"])) for m in members):
            members.append(result)
    return members


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
    asked = content_words(state["question"])
    # most confident first; among equals, the answers and quotes sharing most question words
    ranked = sorted(kept, key=lambda r: (-r["confidence"],
                    -len(asked & content_words(f"{r['answer']} {r['quote']}"))))  # fmt: skip
    members = disputants(ranked)
    chosen = members[0]
    answer = chosen["answer"]
    if len(members) == 1:
        emit_answer(state, answer)
    else:
        reply, error = await resolve(ctx, state, members)
        if reply is not None:
            answer = " ".join(reply.answer.split()) or answer
            if 1 <= reply.source <= len(members):
                chosen = members[reply.source - 1]
        else:
            trace["error"] = error
        trace["conflict"] = [[r["first_page"], r["confidence"], r["answer"][:80]] for r in members]
    trace.update(top=len(members), confidence=ranked[0]["confidence"])
    agreeing = [r for r in ranked if r is not chosen and r["confidence"] == chosen["confidence"]
                and content_words(r["answer"]) & content_words(chosen["answer"])]  # fmt: skip
    top = [chosen, *agreeing[: REDUCE_AT_MOST - 1]]
    evidence = [
        Evidence(pages=r["pages"], quote=r["quote"], confidence=r["confidence"], note=r["facts"])
        for r in top
    ]
    return {"answer": answer, "evidence": evidence, "trace": [trace]}


async def resolve(
    ctx: GraphContext, state: MapReduceState, members: list[dict[str, Any]]
) -> tuple[prompts.ReduceReply | None, str]:
    """One call that reads each disputed result's page beside the answer its map gave."""
    history = ctx.model.count_tokens(state.get("history", ""))
    budget = window_budget(ctx, ctx.settings.answer.answer_max_tokens + history) // len(members)
    pages = await pages_in_order(ctx, [r["pages"][0] for r in members])
    by_id = {p.id: p for p in pages}
    names = await titles(ctx, state["documents"])
    claims = []
    for i, result in enumerate(members):
        page = by_id[result["pages"][0]]
        text = truncate(ctx, page.text, budget)
        claims.append(f"{fence_page(i + 1, text, names.get(page.document, ''))}\n"
                      f"{fence_note(i + 1, result['answer'])}")  # fmt: skip
    messages = prompts.resolve_messages(state["question"], claims, state.get("history", ""))
    return await final_answer_call(ctx, state, messages, prompts.ReduceReply)


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
