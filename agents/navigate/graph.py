"""Navigate (MemWalker): walk the summary tree from the root. The root offers the widest level
that fits one listing (`answer.overview_parts` nodes), the same for every question on a
document; below it each node offers its children. At each node the model reads the offered
summaries (numbered; `*` marks the branches retrieval ranked highest) and picks one to descend
into, or 0 when none can hold the answer; at a gist it reads the part of the raw page that fits
the question (agents/answer/focus.py) and answers from it, and the page counts as answering when
the answer's quote (or most of its words) is on it. A miss backtracks to the parent and tries the
next-best child (the marked branches, in retrieval order). A short working memory of what it saw
goes into every prompt. Model calls are bounded by `answer.max_calls`, the last one kept for
reading a page.

A question about how things end needs no choice: the tree knows where its nodes sit, and the
answer is in the closing pages. The walk first reads their last passages (ENDING_TOKENS in all) in
one call, and walks from the overview only when they do not answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents.answer.citations import find_quote
from agents.answer.clues import write_clues
from agents.answer.focus import focus
from agents.answer.pages import (
    READ_BUDGET_PAGE,
    answer_from_pages,
    closing_pages,
    emit_answer,
    pages_in_order,
    structured_or_none,
    truncate,
    words,
)
from agents.answer.prompts import NOT_FOUND, AnswerReply, is_not_found
from agents.answer.questions import is_about_the_end
from agents.answer.seeds import seed
from agents.answer.state import AnswerInput, answering_graph
from agents.context import GraphContext
from agents.fences import fence_summary
from agents.navigate import prompts
from agents.navigate.state import NavigateState, WalksState
from memory.tree import Tree
from reader.core.types import Evidence, Node, Page
from reader.core.words import content_words, mostly_within

SUMMARY_WORDS = 50
OVERVIEW_WORDS = 1600  # the root's listing: ~2,200 tokens, however many parts it offers
SUGGEST = 3
NOTES = 5
ENDING_TOKENS = 600  # of the closing pages read for a question about the end, all together


def _supported(page: Page, reply: prompts.PageReply | AnswerReply) -> bool:
    """Does the page answer? The model gave an answer, and its quote is on the page or most of
    the answer's words are (a small model claims answers everywhere; this keeps it honest)."""
    if is_not_found(reply.answer):
        return False
    if find_quote(page, reply.quote) is not None:
        return True
    return mostly_within(content_words(reply.answer), content_words(page.text), 0.6)


async def begin(state: NavigateState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    doc = state["documents"][0]
    root = await asyncio.to_thread(Tree(ctx.store).root, doc)
    clues, clue_trace = "", []
    if ctx.settings.answer.clues:
        clues, entry = await write_clues(ctx, state["question"], [doc], state.get("history", ""))
        clue_trace = [entry]
    seeds = await seed(ctx, state["question"], [doc], SUGGEST, state.get("query", ""), clues)
    suggested = [h.page.ordinal for h in seeds.hits]  # the closing pages first, for the end
    trace = {"step": "begin", "root_level": root.level, "suggested": [o + 1 for o in suggested],
             **seeds.trace}  # fmt: skip
    return {"path": [root.id], "untried": {}, "suggested": suggested, "notes": [],
            "calls": len(clue_trace), "found": False, "last": {}, "done": False,
            "trace": [*clue_trace, trace]}  # fmt: skip


async def read_ending(state: NavigateState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """One call on the last passages of the document's closing pages; done when they answer."""
    ctx = runtime.context
    closing = await closing_pages(ctx, state["documents"][:1])
    each = ENDING_TOKENS // max(1, len(closing))
    shown = await asyncio.to_thread(focus, ctx, state["question"], closing, each)
    messages = prompts.ending_messages(
        state["question"], [p.text for p in shown], [], state.get("history", "")
    )
    reply, _ = await structured_or_none(
        ctx, messages, AnswerReply, ctx.settings.answer.answer_max_tokens
    )
    calls = state.get("calls", 0) + 1
    named = closing[reply.page - 1] if reply and 1 <= reply.page <= len(closing) else None
    backing = [p for p in closing if reply and find_quote(p, reply.quote)]
    page = (backing or [named or closing[-1]])[0] if closing else None
    found = bool(page and reply and _supported(page, reply))
    entry = {"step": "read ending", "pages": [p.ordinal + 1 for p in closing], "found": found}
    if not found or page is None or reply is None:
        notes = [*state.get("notes", []), "the closing pages: no answer there"]
        return {"calls": calls, "notes": notes, "trace": [entry]}
    last = {"page": page.id, "answer": " ".join(reply.answer.split()), "quote": reply.quote}
    return {"calls": calls, "found": True, "last": last, "done": True, "trace": [entry]}


def after_begin(state: NavigateState) -> str:
    return "read_ending" if is_about_the_end(state["question"]) else "step"


def _marked(children: list[Node], suggested: list[int]) -> list[Node]:
    """Children holding a suggested page, in the suggestions' order."""
    ranked: list[Node] = []
    for ordinal in suggested:
        for child in children:
            if child.first_page <= ordinal <= child.last_page and child not in ranked:
                ranked.append(child)
    return ranked


def _offered(ctx: GraphContext, node: Node) -> list[Node]:
    """The nodes to choose from at `node`: its children, or at the root the widest level below
    it that fits `answer.overview_parts` nodes. That listing is the same for every question on
    the document, so a server's prefix cache keeps it, and a walk skips the levels above it."""
    limit = ctx.settings.answer.overview_parts
    if node.parent is None and limit:
        by_level: dict[int, list[Node]] = {}
        for n in ctx.store.nodes(node.document):
            by_level.setdefault(n.level, []).append(n)
        fitting = [lv for lv in range(1, node.level) if 0 < len(by_level.get(lv, [])) <= limit]
        if fitting:
            return sorted(by_level[min(fitting)], key=lambda n: n.first_page)
    return ctx.store.get_nodes(node.children)


def _span(node: Node) -> str:
    a, b = node.first_page + 1, node.last_page + 1
    return f"page {a}" if a == b else f"pages {a}-{b}"


async def _choose(
    ctx: GraphContext, state: NavigateState, node: Node, children: list[Node], notes: list[str]
) -> tuple[list[str], bool, dict[str, Any]]:
    """Children to try, best first; whether a model call was made; a trace entry."""
    marked = _marked(children, state.get("suggested", []))
    budget_left = ctx.settings.answer.max_calls - state.get("calls", 0)
    if len(children) == 1 or budget_left <= 1:  # no choice to make, or keep the call for a page
        order = children[:1] if len(children) == 1 else marked
        entry = {"step": "descend", "at": _span(node), "to": [_span(c) for c in order[:1]]}
        return [c.id for c in order], False, entry
    each = SUMMARY_WORDS
    if node.parent is None:  # the overview: shorter summaries when it offers many parts
        each = max(20, min(SUMMARY_WORDS, OVERVIEW_WORDS // len(children)))
    parts = [
        fence_summary(i + 1, words(c.summary, each), f"{c.first_page + 1}-{c.last_page + 1}")
        for i, c in enumerate(children)
    ]
    matched = [i + 1 for i, c in enumerate(children) if c in marked]
    where = "the whole document" if node.parent is None else f"{_span(node)} of the document"
    messages = prompts.choose_messages(
        state["question"], where, parts, notes, state.get("history", ""), matched
    )
    reply, _ = await structured_or_none(ctx, messages, prompts.Choice, 20)
    choice = reply.choice if reply is not None else -1
    picked = children[choice - 1] if 1 <= choice <= len(children) else None
    order = ([picked] if picked else []) + [c for c in marked if c is not picked]
    if picked:
        notes.append(f"{_span(picked)}: {words(picked.summary, 15)}")
    else:
        notes.append(f"nothing relevant in {_span(node)}")
    entry = {"step": "choose", "at": _span(node), "offered": len(children), "choice": choice,
             "next": [_span(c) for c in order]}  # fmt: skip
    return [c.id for c in order], True, entry


async def step(state: NavigateState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    path, notes = list(state["path"]), list(state.get("notes", []))
    untried = {k: list(v) for k, v in state.get("untried", {}).items()}
    calls = state.get("calls", 0)
    if not path:
        return {"done": True, "trace": [{"step": "exhausted"}]}
    node = await asyncio.to_thread(ctx.store.get_node, path[-1])
    if node.level <= 1:  # a gist: read its page
        if calls >= ctx.settings.answer.max_calls:
            return {"done": True, "trace": [{"step": "out of calls"}]}
        page = await asyncio.to_thread(ctx.store.page_by_ordinal, node.document, node.first_page)
        (shown,) = await asyncio.to_thread(focus, ctx, state["question"], [page])
        text = truncate(ctx, shown.text, READ_BUDGET_PAGE)
        messages = prompts.read_messages(
            state["question"], text, notes[-NOTES:], state.get("history", "")
        )
        reply, _ = await structured_or_none(
            ctx, messages, prompts.PageReply, ctx.settings.answer.answer_max_tokens
        )
        reply = reply or prompts.PageReply(answer="", quote="")
        found = _supported(page, reply)
        last = {"page": page.id, "answer": " ".join(reply.answer.split()), "quote": reply.quote}
        keep = state.get("last") or {}
        if found or (not keep.get("answer") and not is_not_found(reply.answer)):
            keep = last
        entry = {"step": "read", "page": page.ordinal + 1, "found": found}
        if found:
            return {"calls": calls + 1, "found": True, "last": keep, "done": True,
                    "trace": [entry]}  # fmt: skip
        notes.append(f"page {page.ordinal + 1}: no answer there")
        path.pop()
        return {"calls": calls + 1, "last": keep, "path": path, "notes": notes[-NOTES:],
                "trace": [entry]}  # fmt: skip
    entries = []
    if node.id not in untried:
        children = await asyncio.to_thread(_offered, ctx, node)
        order, called, entry = await _choose(ctx, state, node, children, notes)
        untried[node.id] = order
        calls += int(called)
        entries.append(entry)
    queue = untried[node.id]
    if queue:
        path.append(queue.pop(0))
    else:
        path.pop()
        entries.append({"step": "backtrack", "from": _span(node)})
    return {"path": path, "untried": untried, "calls": calls, "notes": notes[-NOTES:],
            "trace": entries}  # fmt: skip


def after_step(state: NavigateState) -> str:
    return "finish" if state.get("done") or not state.get("path") else "step"


async def finish(state: NavigateState) -> dict[str, Any]:
    last = state.get("last") or {}
    if not last.get("answer") or is_not_found(last["answer"]):
        return {"answer": NOT_FOUND, "trace": [{"step": "finish", "found": False}]}
    evidence = [Evidence(pages=[last["page"]], quote=last.get("quote", ""))]
    entry = {"step": "finish", "found": bool(state.get("found")), "calls": state.get("calls", 0)}
    return {"answer": last["answer"], "evidence": evidence, "trace": [entry]}


def build_walker() -> StateGraph:
    """One walk down one document's tree."""
    graph = answering_graph(NavigateState)
    graph.add_node("begin", begin)
    graph.add_node("read_ending", read_ending)
    graph.add_node("step", step)
    graph.add_node("finish", finish)
    graph.add_edge(START, "begin")
    graph.add_conditional_edges("begin", after_begin, ["read_ending", "step"])
    graph.add_conditional_edges("read_ending", after_step, ["step", "finish"])
    graph.add_conditional_edges("step", after_step, ["step", "finish"])
    graph.add_edge("finish", END)
    return graph


walker = build_walker().compile()


def fan_out(state: WalksState) -> list[Send]:
    """MemWalker walks one tree: one walk per document, in parallel."""
    base = {k: v for k, v in state.items() if k in ("question", "query", "history")}
    return [Send("walk", {**base, "documents": [doc]}) for doc in state["documents"]]


async def walk(task: AnswerInput, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    result = await walker.ainvoke(task, context=runtime.context)
    return {"walks": [{"document": task["documents"][0], **result}]}


async def combine(state: WalksState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """One document: its walk's answer. Several: answer from the page each walk found."""
    order = {doc: i for i, doc in enumerate(state["documents"])}
    walks = sorted(state.get("walks", []), key=lambda w: order[w["document"]])
    if len(walks) == 1:
        (only,) = walks
        emit_answer(state, only["answer"])
        return {"answer": only["answer"], "evidence": only.get("evidence", []),
                "trace": only.get("trace", [])}  # fmt: skip
    trace = [{**e, "document": w["document"][:12]} for w in walks for e in w.get("trace", [])]
    found = [w["evidence"][0].pages[0] for w in walks if w.get("evidence")]
    pages = await pages_in_order(runtime.context, found)
    text, evidence, entry = await answer_from_pages(runtime.context, state, pages)
    return {"answer": text, "evidence": evidence, "trace": [*trace, {**entry, "combine": True}]}


def build_graph() -> StateGraph:
    graph = answering_graph(WalksState)
    graph.add_node("walk", walk)
    graph.add_node("combine", combine)
    graph.add_conditional_edges(START, fan_out, ["walk"])
    graph.add_edge("walk", "combine")
    graph.add_edge("combine", END)
    return graph


graph = build_graph().compile()
