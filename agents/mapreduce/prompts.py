"""Prompts of the mapreduce (LLM×MapReduce) graph: map one part, reduce the best results."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents.answer.prompts import history_block, messages

MAP = """{pages}

{history}Question: {question}

Answer the question from these pages only. Reply in JSON with "quote" (the sentence of these \
pages most relevant to the question, copied exactly), "answer" (the answer the pages support, or \
"no information"), "page" (the number of the page with the quote) and "confidence" (0 to 5: 5 \
when the pages state the answer directly, 0 when they hold no information about it)."""

REDUCE = """Answers found in different parts of the document:
{results}

{history}Question: {question}

Combine them into one answer; when they disagree, trust the one with the higher confidence. \
Reply in JSON with "answer" (the answer) and "source" (the number of the result that supports \
it best)."""


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


def reduce_messages(question: str, results: list[str], history: str = "") -> list[dict[str, str]]:
    prompt = REDUCE.format(
        history=history_block(history), results="\n".join(results), question=question
    )
    return messages(prompt)
