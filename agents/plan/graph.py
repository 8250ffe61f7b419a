"""Plan (PEARL): a complex question first gets a short plan of look-ups ("the author of the
letter", then "the city where #1 was born"); each look-up runs as hybrid retrieval of a few
passages and one call that writes its finding, and a later look-up uses the findings before it.
The answer is written from the pages the findings came from, with the findings beside them. The
plan and every finding are in the trace. At most MAX_STEPS + 2 calls."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.citations import find_quote
from agents.answer.pages import answer_from_pages, cut, pages_in_order, structured_or_none, words
from agents.answer.prompts import is_not_found
from agents.answer.questions import is_about_the_book
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.fences import fence_page
from agents.plan import prompts
from agents.plan.state import PlanState
from memory.records import PageHit

MAX_STEPS = 3
PASSAGES = 3  # passages each look-up reads
READ_BUDGET = 3000  # tokens of the findings' pages for the answer
_REFERENCE = re.compile(r"#(\d)")


async def draft(state: PlanState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    messages = prompts.plan_messages(state["question"], MAX_STEPS, state.get("history", ""))
    reply, _ = await structured_or_none(ctx, messages, prompts.PlanReply, 80)
    steps = [" ".join(s.split()) for s in (reply.steps if reply else []) if s.strip()]
    steps = steps[:MAX_STEPS] or [state["question"]]
    return {"steps": steps, "findings": [], "trace": [{"step": "plan", "plan": steps}]}


def query_for(step: str, findings: list[dict[str, Any]]) -> str:
    """The step's query with each #k replaced by step k's finding (its query when none)."""

    def found(match: re.Match[str]) -> str:
        k = int(match.group(1)) - 1
        if not 0 <= k < len(findings):
            return match.group()
        done = findings[k]
        return done["query"] if is_not_found(done["finding"]) else done["finding"]

    return _REFERENCE.sub(found, step)


def _passage(hit: PageHit) -> str:
    return cut(hit.page, hit.passage_start, hit.passage_end).text or hit.page.text


async def look_up(state: PlanState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    findings = list(state.get("findings", []))
    query = query_for(state["steps"][len(findings)], findings)
    matter = is_about_the_book(state["question"])
    hits = await asyncio.to_thread(
        ctx.store.search_hybrid, query, state["documents"], PASSAGES, matter
    )
    fenced = "\n".join(fence_page(i + 1, _passage(h)) for i, h in enumerate(hits))
    reply, _ = await structured_or_none(
        ctx, prompts.step_messages(query, fenced), prompts.StepReply, 80
    )
    finding = " ".join(reply.finding.split()) if reply else ""
    cited = hits[reply.page - 1] if reply and 1 <= reply.page <= len(hits) else None
    quoted = next((h for h in hits if reply and find_quote(h.page, reply.quote)), None)
    source = quoted or cited or (hits[0] if hits else None)
    if not hits or not finding:
        finding = "not found"
    done = {"query": query, "finding": words(finding, 20), "quote": reply.quote if reply else "",
            "page": source.page.id if source else ""}  # fmt: skip
    trace = {"step": "look-up", "query": query, "finding": done["finding"],
             "page": source.page.ordinal + 1 if source else None}  # fmt: skip
    return {"findings": [*findings, done], "trace": [trace]}


def next_step(state: PlanState) -> str:
    return "look_up" if len(state.get("findings", [])) < len(state["steps"]) else "answer"


async def answer(state: PlanState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    findings = state.get("findings", [])
    useful = [f for f in findings if f["page"] and not is_not_found(f["finding"])]
    ids = list(dict.fromkeys(f["page"] for f in (useful or findings) if f["page"]))
    pages = await pages_in_order(ctx, ids)
    notes = [f"{f['query']}: {f['finding']}" for f in findings]
    text, evidence, entry = await answer_from_pages(
        ctx, state, pages, budget=READ_BUDGET, notes=notes
    )
    return {"answer": text, "evidence": evidence, "trace": [entry]}


def build_graph() -> StateGraph:
    graph = answering_graph(PlanState)
    graph.add_node("draft", draft)
    graph.add_node("look_up", look_up)
    graph.add_node("answer", answer)
    graph.add_edge(START, "draft")
    graph.add_conditional_edges("draft", next_step, ["look_up", "answer"])
    graph.add_conditional_edges("look_up", next_step, ["look_up", "answer"])
    graph.add_edge("answer", END)
    return graph


graph = build_graph().compile()
