"""Clues (MemoRAG): before `lookup` and `navigate` search the pages, the memory's upper levels
write what the answer probably is and what to look for; retrieval then ranks the pages for the
question and for the clues, fused by reciprocal rank, so a vague question ("how does it end for
him?") still finds pages that name what it is about. One call, whose prompt starts with the same
summaries for every question. Off by default (`answer.clues`) until the eval shows it helps.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

from agents.answer.pages import structured_or_none, words
from agents.answer.prompts import history_block, messages
from agents.context import GraphContext
from agents.fences import fence_summary
from reader.core.types import Node

CLUE_BUDGET = 1000  # tokens of summaries shown
SUMMARY_WORDS = 40
LOOK_FOR = 5

CLUES = """Summaries of the document's main parts, in order:
{summaries}

{history}Question: {question}

Before the document is searched: what is the answer probably, and which names, places, objects \
or events should the search look for? Reply in JSON with "draft" (a guess at the answer, a few \
words) and "look_for" (up to {n} short search terms)."""


class ClueReply(BaseModel):
    draft: str
    look_for: list[str]


def _upper(nodes: list[Node], ctx: GraphContext) -> list[Node]:
    """The highest level with two or more nodes whose summaries fit CLUE_BUDGET (the level
    below the root, for most books), in document order."""
    levels = sorted({n.level for n in nodes if n.level >= 2}, reverse=True)
    for level in levels:
        chosen = sorted((n for n in nodes if n.level == level), key=lambda n: n.first_page)
        cost = sum(ctx.model.count_tokens(words(n.summary, SUMMARY_WORDS)) + 12 for n in chosen)
        if len(chosen) >= 2 and cost <= CLUE_BUDGET:
            return chosen
    return []


async def write_clues(
    ctx: GraphContext, question: str, documents: list[str], history: str = ""
) -> tuple[str, dict[str, Any]]:
    """The clue query (the draft and the terms, '' when the model gave none) and a trace entry."""
    shown: list[str] = []
    for doc in documents:
        nodes = await asyncio.to_thread(ctx.store.nodes, doc)
        for node in _upper(nodes, ctx):
            span = f"{node.first_page + 1}-{node.last_page + 1}"
            shown.append(fence_summary(len(shown) + 1, words(node.summary, SUMMARY_WORDS), span))
    if not shown:
        return "", {"step": "clues", "skipped": "no upper levels"}
    prompt = CLUES.format(summaries="\n".join(shown), history=history_block(history),
                          question=question, n=LOOK_FOR)  # fmt: skip
    reply, error = await structured_or_none(ctx, messages(prompt), ClueReply, 80)
    if reply is None:
        return "", {"step": "clues", "error": error}
    terms = [" ".join(t.split()) for t in reply.look_for if t.strip()][:LOOK_FOR]
    draft = " ".join(reply.draft.split())
    return " ".join([draft, *terms]).strip(), {"step": "clues", "draft": draft, "look_for": terms}
