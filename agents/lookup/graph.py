"""Lookup (ReadAgent): read the gists, choose up to `max_pages_read` pages to re-read, answer
from the part of each page that fits the question (agents/answer/focus.py).

When all gists fit the gist budget the model sees them all. A longer single document is listed
whole with shorter gists when they fit the listing budget: that listing is the same for every
question, so a server's prefix cache holds it and a second question pays only for the pages it
reads. Otherwise the model first picks sections from the upper tree (the lowest level whose
summaries fit) and then sees only the gists under those sections, plus the gists of retrieval's
best pages (named after the list). With several documents too long to list, retrieval's
candidates stand in for the sections.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.clues import write_clues
from agents.answer.focus import focus
from agents.answer.pages import (
    answer_from_pages,
    bridged,
    pages_in_order,
    structured_or_none,
    words,
)
from agents.answer.questions import is_about_the_book, is_about_the_end
from agents.answer.seeds import bridge_state, seed
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.fences import fence_summary
from agents.lookup import prompts
from agents.lookup.state import LookupState
from reader.core.types import Node

GIST_WORDS = 60
SHORT_WORDS = (40, 30, 24, 20, 17, 14, 12)  # gist lengths tried for a whole listing, longest first
SECTION_WORDS = 40
GIST_BUDGET = 2200  # tokens of gists shown at once
LISTING_BUDGET = 4000  # tokens of a whole listing: with READ_BUDGET, a question stays under 8k
SECTION_BUDGET = 1200  # tokens of section summaries shown at once
READ_BUDGET = 3400  # tokens of pages re-read for the answer
SUGGEST = 6  # pages retrieval suggests
MAX_SECTIONS = 2


def _cost(ctx: GraphContext, node: Node, limit: int) -> int:
    return ctx.model.count_tokens(words(node.summary, limit)) + 12


def _gist_budget(ctx: GraphContext) -> int:
    return max(300, min(GIST_BUDGET, ctx.model.context_window // 2 - 600))


def _listing_words(ctx: GraphContext, gists: list[Node]) -> int | None:
    """The longest gist length at which all of `gists` fit the listing budget, if any does."""
    budget = min(LISTING_BUDGET, ctx.model.context_window // 2)
    for limit in SHORT_WORDS:
        if sum(_cost(ctx, g, limit) for g in gists) <= budget:
            return limit
    return None


def _fill(ctx: GraphContext, ordered: list[Node], budget: int) -> list[Node]:
    """Nodes from `ordered` (most wanted first, duplicates ignored) while they fit `budget`."""
    chosen: dict[str, Node] = {}
    used = 0
    for node in ordered:
        cost = _cost(ctx, node, GIST_WORDS)
        if node.id in chosen or used + cost > budget:
            continue
        chosen[node.id] = node
        used += cost
    return list(chosen.values())


async def survey(state: LookupState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    docs = state["documents"]
    matter = is_about_the_book(state["question"])
    gists = [
        g
        for d in docs
        for g in await asyncio.to_thread(ctx.store.nodes, d, 1)
        if matter or g.origin != "matter"
    ]
    clues, clue_trace = "", []
    if ctx.settings.answer.clues:
        clues, entry = await write_clues(ctx, state["question"], docs, state.get("history", ""))
        clue_trace = [entry]
    seeds = await seed(ctx, state["question"], docs, SUGGEST, state.get("query", ""), clues)
    hits = seeds.hits
    suggested = [h.page.id for h in hits]
    bridge = bridge_state(seeds.bridge)
    total = sum(_cost(ctx, g, GIST_WORDS) for g in gists)
    budget = _gist_budget(ctx)
    trace = {"step": "survey", "gists": len(gists), "gist_tokens": total, "budget": budget,
             "suggested": [h.page.ordinal + 1 for h in hits], **seeds.trace}  # fmt: skip
    if total <= budget:
        return {"gists": [g.id for g in gists], "suggested": suggested, "bridge": bridge,
                "trace": [*clue_trace, trace]}  # fmt: skip
    if len(docs) == 1 and (limit := _listing_words(ctx, gists)):
        trace["shown"] = f"all gists, {limit} words each"
        return {"gists": [g.id for g in gists], "gist_words": limit, "suggested": suggested,
                "bridge": bridge, "trace": [*clue_trace, trace]}  # fmt: skip
    depth = max((n.level for n in await asyncio.to_thread(ctx.store.nodes, docs[0])), default=1)
    if len(docs) == 1 and depth >= 3:
        return {"narrow": True, "gists": [], "suggested": suggested, "bridge": bridge,
                "trace": [*clue_trace, trace]}  # fmt: skip
    by_page = {(g.document, g.first_page): g for g in gists}
    wanted = [by_page[(h.page.document, h.page.ordinal)] for h in hits
              if (h.page.document, h.page.ordinal) in by_page]  # fmt: skip
    near = [by_page[(h.page.document, h.page.ordinal + d)] for d in (-1, 1) for h in hits
            if (h.page.document, h.page.ordinal + d) in by_page]  # fmt: skip
    shown = _fill(ctx, wanted + near, budget)
    trace["shown"] = "retrieval candidates"
    return {"gists": [g.id for g in shown], "suggested": suggested, "bridge": bridge,
            "trace": [*clue_trace, trace]}  # fmt: skip


def after_survey(state: LookupState) -> str:
    return "sections" if state.get("narrow") else "pick"


async def sections(state: LookupState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """Pick sections from the upper tree; their gists (and retrieval's) become the candidates."""
    ctx = runtime.context
    doc = state["documents"][0]
    nodes = await asyncio.to_thread(ctx.store.nodes, doc)
    levels = sorted({n.level for n in nodes if n.level >= 2})
    level = levels[-1]
    for candidate in levels:  # the lowest level (most detail) whose summaries fit
        if sum(_cost(ctx, n, SECTION_WORDS) for n in nodes if n.level == candidate) <= min(
            SECTION_BUDGET, _gist_budget(ctx)
        ):
            level = candidate
            break
    tops = [n for n in nodes if n.level == level]
    shown = [
        fence_summary(
            i + 1, words(n.summary, SECTION_WORDS), f"{n.first_page + 1}-{n.last_page + 1}"
        )
        for i, n in enumerate(tops)
    ]
    messages = prompts.sections_messages(
        state["question"], shown, MAX_SECTIONS, state.get("history", "")
    )
    reply, _ = await structured_or_none(ctx, messages, prompts.SectionChoice, 40)
    chosen = dict.fromkeys(reply.sections if reply else [])
    picked = [tops[i - 1] for i in chosen if 1 <= i <= len(tops)][:MAX_SECTIONS]
    gists = {g.first_page: g for g in nodes if g.level == 1}
    suggested = await pages_in_order(ctx, state.get("suggested", []))
    wanted = [gists[p.ordinal] for p in suggested if p.ordinal in gists]
    for section in picked:
        wanted += [gists[o] for o in range(section.first_page, section.last_page + 1) if o in gists]
    shown_gists = _fill(ctx, wanted, _gist_budget(ctx))
    trace = {
        "step": "sections",
        "level": level,
        "offered": len(tops),
        "picked": [[n.first_page + 1, n.last_page + 1] for n in picked],
    }
    return {"gists": [g.id for g in shown_gists], "trace": [trace]}


def _interleave(
    first: list[tuple[str, int]], second: list[tuple[str, int]]
) -> list[tuple[str, int]]:
    merged: list[tuple[str, int]] = []
    for i in range(max(len(first), len(second))):
        for source in (first, second):
            if i < len(source) and source[i] not in merged:
                merged.append(source[i])
    return merged


async def pick(state: LookupState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    gists = await asyncio.to_thread(ctx.store.get_nodes, state.get("gists", []))
    gists.sort(key=lambda g: (state["documents"].index(g.document), g.first_page))
    pages = await pages_in_order(ctx, state.get("suggested", []))
    suggested_keys = {(p.document, p.ordinal) for p in pages}
    single = len(state["documents"]) == 1
    limit = state.get("gist_words") or GIST_WORDS
    labels: dict[int, tuple[str, int]] = {}
    lines: list[str] = []
    matched: list[int] = []
    for i, gist in enumerate(gists):
        number = gist.first_page + 1 if single else i + 1
        labels[number] = (gist.document, gist.first_page)
        if (gist.document, gist.first_page) in suggested_keys:
            matched.append(number)
        lines.append(fence_summary(number, words(gist.summary, limit)))
    n = ctx.settings.answer.max_pages_read
    messages = prompts.pages_messages(
        state["question"], lines, n, state.get("history", ""), matched=matched
    )
    reply, _ = await structured_or_none(ctx, messages, prompts.PageChoice, 60)
    numbers = [x for x in dict.fromkeys(reply.pages if reply else []) if x in labels][:n]
    searched = [(p.document, p.ordinal) for p in pages]
    # The model's picks and retrieval's best pages, taken in turn: a small model's lazy pick
    # ("1, 2, 3") cannot crowd out the page retrieval is surest of. Asked about the end,
    # retrieval's list starts with the closing pages, and goes first.
    picked = [labels[x] for x in numbers]
    first, second = (
        (searched, picked) if is_about_the_end(state["question"]) else (picked, searched)
    )
    keys = _interleave(first, second)[:n]
    bridge = state.get("bridge") or {}
    for page in pages:  # the bridge hop's passage is short: read it beside the n pages
        if page.id == bridge.get("page") and (page.document, page.ordinal) not in keys:
            keys.append((page.document, page.ordinal))
    chosen = []
    for doc, ordinal in keys:
        found = await asyncio.to_thread(ctx.store.pages, doc, ordinal, ordinal)
        chosen += [p.id for p in found]
    trace = {"step": "pick", "shown": len(gists), "model": [labels[x][1] + 1 for x in numbers],
             "chosen": [o + 1 for _, o in keys]}  # fmt: skip
    return {"pages": chosen, "trace": [trace]}


async def read(state: LookupState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    pages = await pages_in_order(ctx, state.get("pages", []))
    bridge = state.get("bridge")
    if bridged(pages, bridge) is pages:  # a bridge shows its own two passages
        pages = await asyncio.to_thread(focus, ctx, state["question"], pages)
    text, evidence, entry = await answer_from_pages(
        ctx, state, pages, budget=READ_BUDGET, bridge=bridge
    )
    return {"answer": text, "evidence": evidence, "trace": [entry]}


def build_graph() -> StateGraph:
    graph = answering_graph(LookupState)
    graph.add_node("survey", survey)
    graph.add_node("sections", sections)
    graph.add_node("pick", pick)
    graph.add_node("read", read)
    graph.add_edge(START, "survey")
    graph.add_conditional_edges("survey", after_survey, ["sections", "pick"])
    graph.add_edge("sections", "pick")
    graph.add_edge("pick", "read")
    graph.add_edge("read", END)
    return graph


graph = build_graph().compile()
