"""The ingestion graph: pages → gists (map, in parallel with `Send`, beside the passages'
embeddings) → summary tree (reduce, one level at a time) → ready.

Resuming is the store's job, and only the store's: every node writes its result there as soon as
it has it, under a deterministic id, and skips what is already stored. A run that crashed (or was
killed) is simply run again from the start: `prepare` finds the pages stored, `dispatch_gists`
sends only the pages without a gist, and `reduce` finds the lowest level left to summarise.
A gist written before gists carried atomic facts is sent to `facts`, which reads its page again
for them alone: that is how a document added earlier gets its element graph's facts (resumably,
one gist at a time, while it stays ready and askable).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from agents.context import GraphContext
from agents.ingest import prompts
from agents.ingest.grouping import node_id, parent_for, plan_groups
from agents.ingest.state import GistTask, IngestState, SummaryTask
from memory.quality import coverage, verbatim_share
from reader.core.errors import NotFoundError
from reader.core.events import (
    IngestFinished,
    IngestStarted,
    LevelStarted,
    PageGisted,
    Preparing,
)
from reader.core.types import Node, Page
from reader.documents import load_document, paginate
from reader.llm.priority import hold_for_questions, yield_to_questions

GIST_WORDS = 70
SUMMARY_WORDS = 110
MIN_COVERAGE = 0.75  # a parent mentioning fewer of its children is asked again
MAX_VERBATIM = 0.8  # so is one whose word pairs are mostly its children's


async def prepare(state: IngestState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    writer = get_stream_writer()
    writer(Preparing("reading", state["source"]))
    document = await asyncio.to_thread(load_document, state["source"])
    writer(Preparing("paginating", f"{len(document.text):,} characters"))
    pages = await asyncio.to_thread(paginate, document, ctx.settings.pages)
    writer(Preparing("storing", f"{len(pages):,} pages"))
    # The passages are embedded beside the gists (`embed`), not before them: the first model
    # call waits for nothing but the pages, and the document is askable as soon as they are in.
    if not await asyncio.to_thread(ctx.store.add_document, document, pages, False):
        record = await asyncio.to_thread(ctx.store.get_document, document.id)
        if record.status != "ready":  # an upgrade (`facts`) leaves the document askable
            await asyncio.to_thread(ctx.store.set_status, document.id, "ingesting")
    done = await asyncio.to_thread(ctx.store.nodes, document.id, 1)
    writer(
        IngestStarted(
            document=document.id, pages=len(pages), done=len(done),
            tokens=sum(p.tokens for p in pages), resumed=bool(done),
        )
    )  # fmt: skip
    return {
        "doc_id": document.id,
        "title": document.title,
        "chapters": [c.title for c in document.chapters],
        "page_count": len(pages),
        "level": 1,
    }


async def dispatch_gists(state: IngestState, runtime: Runtime[GraphContext]) -> list[Send] | str:
    store = runtime.context.store
    gists = await asyncio.to_thread(store.nodes, state["doc_id"], 1)
    done = {n.first_page for n in gists}
    pages = await asyncio.to_thread(store.pages, state["doc_id"])
    todo = [p for p in pages if p.ordinal not in done]
    embed = [] if await asyncio.to_thread(store.passages_embedded, state["doc_id"]) else [
        Send("embed", {"doc_id": state["doc_id"]})
    ]  # fmt: skip
    upgrade = [
        Send("facts", {"node": n.model_dump(), "total": state["page_count"]})
        for n in lacking_facts(runtime.context, gists)
    ]
    if not todo and not embed and not upgrade:
        return "reduce"
    chapters = state.get("chapters", [])
    return (
        embed
        + upgrade
        + [
            Send(
                "gist",
                GistTask(
                    doc_id=state["doc_id"],
                    title=state["title"],
                    chapter=chapters[p.chapter] if 0 <= p.chapter < len(chapters) else "",
                    total=state["page_count"],
                    page=p.model_dump(),
                ),
            )
            for p in todo
        ]
    )


async def embed(task: dict[str, str], runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """The passages' embeddings, for similarity search, while the gists are written."""
    settings = runtime.context.settings
    await asyncio.to_thread(
        runtime.context.store.embed_passages, task["doc_id"], lambda: hold_for_questions(settings)
    )
    return {}


Judge = Callable[[str], tuple[float, str]]  # a summary's score, and why it is not good enough


def _groups(ctx: GraphContext, nodes: list[Node], level: int) -> list[list[Node]]:
    ingest = ctx.settings.ingest
    return plan_groups(
        nodes, ingest.group_tokens, ctx.model.count_tokens, by_chapter=level == 1,
        fanout=ingest.fanout,
    )  # fmt: skip


async def _summarise(
    ctx: GraphContext,
    messages: list[dict[str, str]],
    max_tokens: int,
    judge: Judge,
    retries: int,
    shape: Callable[[str], str] = prompts.clean_summary,
) -> tuple[str | None, str, str]:
    """The first summary `judge` accepts, within `retries` (warmer each time); else the
    best-scored usable one; None and why when the model gave nothing usable; and the reply it
    came from. `shape` turns the raw reply into the summary (one line, the stock opening
    dropped)."""
    reason = ""
    best: tuple[float, str, str] | None = None
    for attempt in range(retries + 1):
        await yield_to_questions(ctx.settings)  # a question asked meanwhile goes first
        reply = await ctx.model.complete(
            messages, max_tokens=max_tokens, temperature=min(0.8, 0.4 * attempt)
        )
        text = shape(reply)
        reason = prompts.bad_summary(text) or ""
        if reason:
            continue
        score, weakness = judge(text)
        if not weakness:
            return text, "", reply
        if best is None or score > best[0]:
            best = (score, text, reply)
    return (best[1], "", best[2]) if best else (None, reason, "")


def _accept(text: str) -> tuple[float, str]:
    return 1.0, ""


def parent_judge(children: list[str]) -> Judge:
    """A parent should mention its children and be written, not pasted from them."""

    def judge(text: str) -> tuple[float, str]:
        covered = coverage(text, children)
        covered = 1.0 if covered is None else covered
        copied = verbatim_share(text, children)
        weak = covered < MIN_COVERAGE or copied > MAX_VERBATIM
        return covered - copied, "pastes or skips its children" if weak else ""

    return judge


async def gist(task: GistTask, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    page = Page.model_validate(task["page"])
    gist_id = node_id(page.document, 1, page.ordinal)
    writer = get_stream_writer()
    if await asyncio.to_thread(_stored, ctx, gist_id):  # by a run alongside, since dispatch
        writer(PageGisted(page.ordinal, ok=True, tokens=page.tokens))
        return {}
    origin, facts = "model", None
    ingest = ctx.settings.ingest
    if page.matter:  # not the story: labelled, not summarised (and no model call)
        summary, reason, origin = prompts.matter_gist(page.matter, page.text), "", "matter"
    else:
        messages = prompts.gist_messages(
            task["chapter"], page.ordinal + 1, task["total"], page.text, GIST_WORDS, ingest.facts
        )
        title = task["title"]

        def shape(reply: str) -> str:
            # A restated title is cut rather than retried: on Sleepy Hollow two retries of a
            # page restated it again, at a whole page's prompt each (docs/eval.md).
            summary = prompts.clean_summary(prompts.split_gist(reply)[0])
            return prompts.drop_title_opening(summary, title)

        summary, reason, reply = await _summarise(
            ctx, messages, ingest.gist_reply_tokens, _accept, ingest.retries, shape=shape
        )
        if ingest.facts and summary is not None:
            facts = prompts.grounded_facts(prompts.split_gist(reply)[1], page.text)
    if summary is None:
        writer(PageGisted(page.ordinal, ok=False, error=reason))
        return {"failures": [{"page": page.id, "ordinal": page.ordinal, "error": reason}]}
    node = Node(
        id=gist_id,
        document=page.document,
        level=1,
        ordinal=page.ordinal,
        summary=summary,
        children=[page.id],
        first_page=page.ordinal,
        last_page=page.ordinal,
        chapter=page.chapter,
        origin=origin,
        facts=facts,
    )
    await asyncio.to_thread(ctx.store.put_nodes, [node])
    writer(PageGisted(page.ordinal, ok=True, tokens=page.tokens))
    return {}


def lacking_facts(ctx: GraphContext, gists: list[Node]) -> list[Node]:
    """The model-written gists without atomic facts (written before gists carried them), when
    the settings want facts."""
    if not ctx.settings.ingest.facts:
        return []
    return [n for n in gists if n.origin == "model" and n.facts is None]


async def facts(task: dict[str, Any], runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """The upgrade of one gist: its page read again for its atomic facts alone."""
    ctx = runtime.context
    node = Node.model_validate(task["node"])
    page = (await asyncio.to_thread(ctx.store.pages_by_id, node.children))[0]
    await yield_to_questions(ctx.settings)
    reply = await ctx.model.complete(
        prompts.facts_messages(page.ordinal + 1, task["total"], page.text),
        max_tokens=ctx.settings.ingest.facts_max_tokens,
        temperature=0.0,
    )
    node.facts = prompts.grounded_facts(prompts.fact_lines(reply), page.text)
    await asyncio.to_thread(ctx.store.put_nodes, [node])
    get_stream_writer()(PageGisted(page.ordinal, ok=True, tokens=page.tokens))
    return {}


def _stored(ctx: GraphContext, node: str) -> bool:
    try:
        ctx.store.get_node(node)
    except NotFoundError:
        return False
    return True


def _fallback_summary(children: list[Node]) -> str:
    """An extractive stand-in when the model cannot summarise: the first sentence of each
    child, so the parent still mentions every child, in order."""
    return prompts.joined_lines("", [c.summary for c in children], every_part=True)


async def summarise(task: SummaryTask, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    parent = Node.model_validate(task["node"])
    children = [Node.model_validate(c) for c in task["children"]]
    story = [c for c in children if c.origin != "matter"]  # labels of front matter stay out
    messages = prompts.reduce_messages(
        task["chapter"],
        parent.first_page + 1,
        parent.last_page + 1,
        [c.summary for c in story],
        SUMMARY_WORDS,
    )
    if len(story) <= 1:
        only = (story or children)[0]
        parent.summary, parent.origin = only.summary, "matter" if not story else "copied"
    else:
        texts = [c.summary for c in story]
        ingest = ctx.settings.ingest
        summary, _, _ = await _summarise(
            ctx, messages, ingest.summary_max_tokens, parent_judge(texts), ingest.summary_retries,
            shape=lambda reply: prompts.joined_lines(reply, texts),
        )  # fmt: skip
        if summary is None or (coverage(summary, texts) or 1.0) < MIN_COVERAGE:
            # Nothing usable, or a paste that skips children: a navigator is better served by
            # a line from every child than by a summary of the first.
            summary, parent.origin = _fallback_summary(story), "extractive"
        parent.summary = summary
    for child in children:
        child.parent = parent.id
    # Parent first: a crash between the two writes leaves the parent present, so the
    # children's missing parent pointers are repaired when `reduce` sees the level again.
    await asyncio.to_thread(ctx.store.put_nodes, [parent])
    await asyncio.to_thread(ctx.store.put_nodes, children)
    return {}


async def reduce(state: IngestState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """Find the lowest level whose parents are incomplete; finish when a root exists."""
    if state.get("failures"):
        return {"status": "failed"}
    ctx = runtime.context
    doc_id = state["doc_id"]
    level = 1
    nodes = await asyncio.to_thread(ctx.store.nodes, doc_id, level)
    while len(nodes) > 1:
        existing = {n.id: n for n in await asyncio.to_thread(ctx.store.nodes, doc_id, level + 1)}
        groups = _groups(ctx, nodes, level)
        expected = [node_id(doc_id, level + 1, i) for i in range(len(groups))]
        if not all(e in existing for e in expected):
            break
        stale = [n for n in nodes if n.parent is None]
        if stale:  # repair parent pointers lost to a crash between two writes
            owner = {cid: p.id for p in existing.values() for cid in p.children}
            for child in stale:
                child.parent = owner.get(child.id)
            await asyncio.to_thread(ctx.store.put_nodes, stale)
        nodes = [existing[e] for e in expected]
        level += 1
    if len(nodes) == 1:  # the runner marks the document ready, once, with the run's report
        get_stream_writer()(IngestFinished(depth=level))
        return {"status": "ready", "level": level}
    return {"level": level}


async def dispatch_level(state: IngestState, runtime: Runtime[GraphContext]) -> list[Send] | str:
    """After `reduce`: finish, or summarise the groups of the next level not stored yet."""
    if state.get("status") in ("ready", "failed"):
        return END
    ctx = runtime.context
    doc_id, level = state["doc_id"], state["level"]
    nodes = await asyncio.to_thread(ctx.store.nodes, doc_id, level)
    existing = {n.id for n in await asyncio.to_thread(ctx.store.nodes, doc_id, level + 1)}
    groups = _groups(ctx, nodes, level)
    chapters = state.get("chapters", [])
    get_stream_writer()(LevelStarted(level=level + 1, nodes=len(groups)))
    sends = []
    for ordinal, children in enumerate(groups):
        parent = parent_for(doc_id, level + 1, ordinal, children)
        if parent.id in existing:
            continue
        chapter = chapters[parent.chapter] if 0 <= parent.chapter < len(chapters) else ""
        sends.append(
            Send(
                "summarise",
                SummaryTask(
                    doc_id=doc_id,
                    title=state["title"],
                    chapter=chapter,
                    node=parent.model_dump(),
                    children=[c.model_dump() for c in children],
                ),
            )
        )
    return sends


def build_graph() -> StateGraph:
    graph = StateGraph(IngestState, context_schema=GraphContext)
    graph.add_node("prepare", prepare)
    graph.add_node("gist", gist)
    graph.add_node("embed", embed)
    graph.add_node("facts", facts)
    graph.add_node("reduce", reduce)
    graph.add_node("summarise", summarise)
    graph.add_edge(START, "prepare")
    graph.add_conditional_edges("prepare", dispatch_gists, ["gist", "embed", "facts", "reduce"])
    graph.add_edge("gist", "reduce")
    graph.add_edge("facts", "reduce")
    graph.add_edge("embed", "reduce")
    graph.add_conditional_edges("reduce", dispatch_level, ["summarise", END])
    graph.add_edge("summarise", "reduce")
    return graph


graph = build_graph().compile()
