"""Prompts of the chain (Chain of Agents) graph: a worker updates the note, the manager answers."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents.answer.prompts import history_block, messages
from agents.fences import fence

WORKER = """The next pages of the document:
{pages}

Your note so far:
{note}

{history}Question: {question}

Update the note for answering the question. Keep the useful facts of the note, add the facts \
from these pages that help answer it, each with its page number like (p. 12). Use at most \
{words} words. Write only the note."""

MANAGER = """Notes taken while reading the whole document in order:
{note}

{history}Question: {question}

Answer the question from the notes. Reply in JSON with "answer" (the answer, one or two \
sentences at most) and "page" (the page number the notes give for the most important fact, or 0)."""


class ManagerReply(BaseModel):
    answer: str
    page: int = Field(description="a page number the notes give, or 0")


def worker_messages(
    question: str, note: str, pages: str, words: int, history: str = ""
) -> list[dict[str, str]]:
    prompt = WORKER.format(
        history=history_block(history), question=question,
        note=fence("note", note or "(empty)"), pages=pages, words=words,
    )  # fmt: skip
    return messages(prompt)


def manager_messages(question: str, note: str, history: str = "") -> list[dict[str, str]]:
    prompt = MANAGER.format(
        history=history_block(history), note=fence("note", note or "(empty)"), question=question
    )
    return messages(prompt)
