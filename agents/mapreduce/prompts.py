"""Prompts of the mapreduce (LLM×MapReduce) graph: map one part; resolve answers that conflict."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents.answer.prompts import history_block, messages

MAP = """{pages}

{history}Question: {question}

Answer the question from these pages only. Reply in JSON with "quote" (the sentence of these \
pages most relevant to the question, copied exactly), "answer" (the answer the pages support, or \
"no information"), "page" (the number of the page with the quote) and "confidence" (0 to 5: 5 \
when the pages state the answer directly, 0 when they hold no information about it)."""

RESOLVE = """Parts of the document whose readers gave different answers, each page followed by \
the answer read from it:
{claims}

{history}Question: {question}

Read the pages again and decide which answer the pages support. Reply in JSON with "answer" \
(the answer, in one or two sentences) and "source" (the number of the page that supports it)."""


class MapReply(BaseModel):
    quote: str
    answer: str
    page: int
    confidence: int = Field(description="0 (no information) to 5 (stated directly)")


class ReduceReply(BaseModel):
    answer: str
    source: int


def map_messages(question: str, pages: str, history: str = "") -> list[dict[str, str]]:
    return messages(MAP.format(history=history_block(history), pages=pages, question=question))


def resolve_messages(question: str, claims: list[str], history: str = "") -> list[dict[str, str]]:
    prompt = RESOLVE.format(
        history=history_block(history), claims="\n\n".join(claims), question=question
    )
    return messages(prompt)
