"""Prompts of the navigate (MemWalker) graph: choose a child, read a page, read the ending.

The ending's prompt says that its pages are the document's last: told only "answer from these
pages", the 0.5B model answered "not found" to "What does Stephen decide to do at the end?" on the
Portrait's closing passages, and answered it when told they are the end."""

from __future__ import annotations

from pydantic import BaseModel, Field

from agents.answer.prompts import NOT_FOUND, history_block, matched_line, messages
from agents.fences import fence, fence_page

CHOOSE = """The parts of {where}, in order:
{parts}

{matched}{notes}{history}Question: {question}

Which part most likely holds the answer? Reply in JSON with "choice": the number of that part, \
or 0 if none of them can hold it."""

READ = """{page}

{notes}{history}Question: {question}

Answer the question from this page only. Reply in JSON with "answer" (a short answer, or \
"not found" when the page does not answer it) and "quote" (one short sentence copied exactly \
from the page that supports the answer)."""


ENDING = """{pages}

These are the last pages of the document.

{notes}{history}Question: {question}

Answer the question from what happens in these pages. Reply in JSON with "answer" (one or two \
sentences in your own words), "page" (the number of the page that supports it) and "quote" (one \
short sentence copied exactly from that page). If these pages do not say, the answer is \
"{not_found}"."""


class Choice(BaseModel):
    choice: int


class PageReply(BaseModel):
    answer: str
    quote: str = Field(description="one sentence copied exactly from the page")


def _notes(notes: list[str]) -> str:
    """The walk's working memory; it quotes summaries, so it is fenced as data."""
    if not notes:
        return ""
    return "Notes so far:\n" + fence("note", "\n".join(f"- {n}" for n in notes)) + "\n\n"


def choose_messages(
    question: str,
    where: str,
    parts: list[str],
    notes: list[str],
    history: str,
    matched: list[int],
) -> list[dict[str, str]]:
    prompt = CHOOSE.format(
        history=history_block(history), notes=_notes(notes), where=where, parts="\n".join(parts),
        question=question, matched=matched_line(matched, "part"),
    )  # fmt: skip
    return messages(prompt)


def read_messages(question: str, text: str, notes: list[str], history: str) -> list[dict[str, str]]:
    prompt = READ.format(
        history=history_block(history), notes=_notes(notes), page=fence_page(1, text),
        question=question,
    )  # fmt: skip
    return messages(prompt)


def ending_messages(
    question: str, texts: list[str], notes: list[str], history: str
) -> list[dict[str, str]]:
    prompt = ENDING.format(
        pages="\n".join(fence_page(i + 1, t) for i, t in enumerate(texts)), notes=_notes(notes),
        history=history_block(history), question=question, not_found=NOT_FOUND,
    )  # fmt: skip
    return messages(prompt)
