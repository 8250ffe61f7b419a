"""Prompts of the graph (GraphReader) strategy: read facts, note what they say, pick a lead."""

from __future__ import annotations

from pydantic import BaseModel

from agents.answer.prompts import history_block, messages
from agents.fences import fence

EXPLORE = """{notebook}Facts from the document:
{facts}

Names and things these facts mention:
{leads}

{history}Question: {question}

Reply in JSON with "note" (what the facts say that helps answer the question, in one short \
sentence, or "nothing") and "next" (the number of the name or thing to look up next, or 0 when \
the notes already answer the question)."""


class ExploreReply(BaseModel):
    note: str
    next: int = 0


def explore_messages(
    question: str, facts: list[str], leads: list[str], notebook: list[str], history: str
) -> list[dict[str, str]]:
    noted = fence("note", "\n".join(f"- {n}" for n in notebook)) + "\n\n" if notebook else ""
    listed = "\n".join(f"{i + 1}. {lead}" for i, lead in enumerate(leads)) or "(none)"
    prompt = EXPLORE.format(
        notebook=f"Notebook so far:\n{noted}" if noted else "", leads=fence("page", listed),
        facts=fence("page", "\n".join(facts)), history=history_block(history), question=question,
    )  # fmt: skip
    return messages(prompt)
