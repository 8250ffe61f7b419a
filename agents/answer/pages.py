"""Helpers the answering graphs share: token budgets, packing pages, the final answer call."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

from langgraph.config import get_stream_writer
from pydantic import BaseModel

from agents.answer import prompts
from agents.answer.state import AnswerInput
from agents.context import GraphContext
from memory.records import PageHit
from reader.core.errors import StructuredOutputError
from reader.core.events import AnswerText
from reader.core.types import Evidence, Page
from reader.llm.client import TextSink
from reader.llm.structured import JsonFieldStream

R = TypeVar("R", bound=BaseModel)

PROMPT_OVERHEAD = 400  # tokens of instructions, question and reply format around the data
READ_BUDGET_PAGE = 1500  # tokens of one page read on its own (pages are at most ~1400)


def truncate(ctx: GraphContext, text: str, max_tokens: int) -> str:
    """`text` cut (at a word boundary) to at most `max_tokens` tokens."""
    if max_tokens <= 0:
        return ""
    if ctx.model.count_tokens(text) <= max_tokens:
        return text
    cut = text[: max_tokens * 4]
    while cut and ctx.model.count_tokens(cut) > max_tokens:
        cut = cut[: int(len(cut) * 0.85)]
    space = cut.rfind(" ")
    return (cut[:space] if space > len(cut) // 2 else cut).rstrip() + " …"


def words(text: str, limit: int) -> str:
    parts = text.split()
    return " ".join(parts[:limit]) + (" …" if len(parts) > limit else "")


def window_budget(ctx: GraphContext, reserve: int) -> int:
    """Tokens of document data one call may carry, leaving `reserve` for the rest."""
    return max(500, ctx.model.context_window - reserve - PROMPT_OVERHEAD)


def pack(ctx: GraphContext, pages: list[Page], budget: int) -> list[list[Page]]:
    """Consecutive pages grouped so that each group's tokens stay within `budget`."""
    groups: list[list[Page]] = []
    used = 0
    for page in pages:
        tokens = page.tokens or ctx.model.count_tokens(page.text)
        if groups and used + tokens <= budget:
            groups[-1].append(page)
            used += tokens
        else:
            groups.append([page])
            used = tokens
    return groups


async def pages_in_order(ctx: GraphContext, ids: list[str]) -> list[Page]:
    """The stored pages of `ids`, in the order of `ids` (missing ones left out)."""
    pages = await asyncio.to_thread(ctx.store.pages_by_id, ids)
    order = {pid: i for i, pid in enumerate(ids)}
    return sorted(pages, key=lambda p: order[p.id])


async def document_pages(ctx: GraphContext, documents: list[str]) -> list[Page]:
    """Every page of `documents`, document by document, in reading order."""
    pages: list[Page] = []
    for doc_id in documents:
        pages += await asyncio.to_thread(ctx.store.pages, doc_id)
    return pages


CLOSING_PAGES = 2  # pages of a document's ending, for questions about how things end


def story_ending(ctx: GraphContext, documents: list[str]) -> list[Page]:
    """The last CLOSING_PAGES pages of story (not back matter) of each document."""
    found: list[Page] = []
    for doc_id in documents:
        found += [p for p in ctx.store.pages(doc_id) if not p.matter][-CLOSING_PAGES:]
    return found


async def closing_pages(ctx: GraphContext, documents: list[str]) -> list[Page]:
    """`story_ending`, off the event loop."""
    return await asyncio.to_thread(story_ending, ctx, documents)


async def closing_hits(ctx: GraphContext, documents: list[str]) -> list[PageHit]:
    """`closing_pages` as search hits, in reading order (an ending, then its postscript)."""
    pages = await closing_pages(ctx, documents)
    return [PageHit(page=p, score=1.0, passage_start=p.start, passage_end=p.end) for p in pages]


async def titles(ctx: GraphContext, documents: list[str]) -> dict[str, str]:
    """Document titles to label pages with, only when there are several documents."""
    if len(documents) < 2:
        return {}
    records = await asyncio.gather(
        *(asyncio.to_thread(ctx.store.get_document, d) for d in documents)
    )
    return {r.id: r.title for r in records}


def answer_stream(state: AnswerInput) -> TextSink | None:
    """A sink for the final call's raw JSON that emits the text of its `answer` field as
    `AnswerText` events while it arrives; None when the run does not stream."""
    if not state.get("stream"):
        return None
    writer = get_stream_writer()
    field = JsonFieldStream("answer")

    def feed(chunk: str) -> None:
        if text := field.feed(chunk):
            writer(AnswerText(text))

    return feed


def emit_answer(state: AnswerInput, text: str) -> None:
    """An answer no final call wrote (it was chosen, not generated) is emitted whole."""
    if state.get("stream") and text:
        get_stream_writer()(AnswerText(text))


async def structured_or_none(
    ctx: GraphContext,
    messages: list[dict[str, str]],
    schema: type[R],
    max_tokens: int,
    on_text: TextSink | None = None,
) -> tuple[R | None, str]:
    """The model's reply as `schema`, or None and why, when it could not be had even after the
    client's repairs: the one fallback every graph uses for a failed structured call."""
    try:
        return await ctx.model.structured(
            messages, schema, max_tokens=max_tokens, on_text=on_text
        ), ""
    except StructuredOutputError as exc:
        return None, exc.message


async def final_answer_call(
    ctx: GraphContext, state: AnswerInput, messages: list[dict[str, str]], schema: type[R]
) -> tuple[R | None, str]:
    """The call that writes the answer a user sees: bounded by `answer_max_tokens` and streamed
    when the run streams."""
    return await structured_or_none(
        ctx, messages, schema, ctx.settings.answer.answer_max_tokens, answer_stream(state)
    )


def cut(page: Page, start: int, end: int) -> Page:
    """`page` with only the text between document offsets `start` and `end`."""
    lo, hi = max(0, start - page.start), max(0, end - page.start)
    return page.model_copy(update={"text": page.text[lo:hi], "start": page.start + lo,
                                   "end": page.start + hi})  # fmt: skip


def bridged(pages: list[Page], bridge: dict[str, Any] | None) -> list[Page]:
    """The pages a prompt shows. With a bridge (agents/answer/seeds.py) whose two pages are both
    here, only the two passages it joins: given them alone, the 0.5B model joined 2 of 4 planted
    pairs (and took 10 s, not 60); given the four whole pages around them, 1 of 4. Telling it
    that both passages mention the bridge phrase changed nothing, so it is not told."""
    if not bridge:
        return pages
    by_id = {p.id: p for p in pages}
    source, target = by_id.get(bridge["source"]), by_id.get(bridge["page"])
    if source is None or target is None:
        return pages
    shown = [
        cut(source, bridge["source_start"], bridge["source_end"]),
        cut(target, bridge["start"], bridge["end"]),
    ]
    return shown


async def answer_from_pages(
    ctx: GraphContext,
    state: AnswerInput,
    pages: list[Page],
    budget: int | None = None,
    bridge: dict[str, Any] | None = None,
    notes: Sequence[str] = (),
) -> tuple[str, list[Evidence], dict[str, Any]]:
    """One model call answering `state`'s question from `pages` (numbered 1..n in the prompt):
    the answer text, the evidence (the page the model named first, then the others) and a trace
    entry. With a `bridge` (agents/answer/seeds.py) only its two passages are shown."""
    if not pages:
        emit_answer(state, prompts.NOT_FOUND)
        return prompts.NOT_FOUND, [], {"step": "answer", "pages": []}
    names = await titles(ctx, list(dict.fromkeys(p.document for p in pages)))
    room = window_budget(ctx, ctx.settings.answer.answer_max_tokens)
    budget = min(budget, room) if budget else room
    per_page = max(1, budget // len(pages))  # many pages (whole, full): each cut to its share
    pages = bridged(pages, bridge)
    numbered = [
        (i + 1, truncate(ctx, p.text, per_page), names.get(p.document, ""))
        for i, p in enumerate(pages)
    ]
    messages = prompts.answer_messages(state["question"], numbered, state.get("history", ""), notes)
    reply, error = await final_answer_call(ctx, state, messages, prompts.AnswerReply)
    if reply is None:
        return prompts.NOT_FOUND, [], {"step": "answer", "error": error}
    chosen = pages[reply.page - 1] if 1 <= reply.page <= len(pages) else None
    ordered = ([chosen] if chosen else []) + [p for p in pages if p is not chosen]
    evidence = [Evidence(pages=[p.id for p in ordered], quote=reply.quote)]
    answer = " ".join(reply.answer.split()) or prompts.NOT_FOUND
    entry = {"step": "answer", "pages": [p.ordinal + 1 for p in pages], "cited": reply.page}
    return answer, evidence, entry
