"""Prompts of the lookup (ReadAgent) graph: pick sections, then pages (the answer prompt is
shared)."""

from __future__ import annotations

from pydantic import BaseModel

from agents.answer.prompts import history_block, matched_line, messages

SECTIONS = """Sections of the document, in order:
{sections}

{history}Question: {question}

Which sections most likely hold the answer? Reply in JSON with "sections": a list of at most \
{n} section numbers from the list above, best first."""

PAGES = """Page summaries of the document, numbered by page:
{gists}

{matched}{history}Question: {question}

Which pages should be read in full to answer? Reply in JSON with "pages": a list of at most \
{n} page numbers from the summaries above, best first."""


class SectionChoice(BaseModel):
    sections: list[int]


class PageChoice(BaseModel):
    pages: list[int]


def sections_messages(
    question: str, sections: list[str], n: int, history: str = ""
) -> list[dict[str, str]]:
    prompt = SECTIONS.format(
        history=history_block(history), sections="\n".join(sections), question=question, n=n
    )
    return messages(prompt)


def pages_messages(
    question: str, gists: list[str], n: int, history: str = "", matched: list[int] | None = None
) -> list[dict[str, str]]:
    prompt = PAGES.format(
        history=history_block(history), gists="\n".join(gists), question=question, n=n,
        matched=matched_line(matched or [], "page"),
    )  # fmt: skip
    return messages(prompt)
