"""Prompts of the plan (PEARL) graph: write the plan, run one look-up, answer from findings."""

from __future__ import annotations

from pydantic import BaseModel

from agents.answer.prompts import history_block, messages

PLAN = """To answer a question from a long document, list what must be looked up in it, in \
order. Each look-up is a short search query; a later one may use #1 for what the first one \
found. For "In which city was the author of the letter born?" the look-ups are \
["the author of the letter", "the city where #1 was born"]; a simple question needs one.

{history}Question: {question}

Reply in JSON with "steps": a list of 1 to {n} look-ups."""

STEP = """{passages}

Look-up: {query}

What do these passages say for the look-up? Reply in JSON with "finding" (a few words, or \
"not found"), "page" (the number of the passage it comes from) and "quote" (the sentence it comes \
from, copied exactly)."""


class PlanReply(BaseModel):
    steps: list[str]


class StepReply(BaseModel):
    finding: str
    page: int
    quote: str


def plan_messages(question: str, n: int, history: str = "") -> list[dict[str, str]]:
    return messages(PLAN.format(history=history_block(history), question=question, n=n))


def step_messages(query: str, passages: str) -> list[dict[str, str]]:
    return messages(STEP.format(passages=passages, query=query))
