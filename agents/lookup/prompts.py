"""Prompts of the lookup (ReadAgent) graph: pick sections, then pages (the answer prompt is
shared)."""

from __future__ import annotations

from pydantic import BaseModel

from agents.answer.prompts import history_block, messages

SECTIONS = """{history}Sections of the document, in order:
{sections}

Question: {question}

Which sections most likely hold the answer? Reply in JSON with "sections": a list of at most \
{n} section numbers from the list above, best first."""

PAGES = """{history}Page summaries of the document, numbered by page{marked}:
{gists}

Question: {question}

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
    question: str, gists: list[str], n: int, history: str = "", marked: bool = False
) -> list[dict[str, str]]:
    note = " (* marks pages a search matched: prefer them)" if marked else ""
    prompt = PAGES.format(
        history=history_block(history), gists="\n".join(gists), question=question, n=n,
        marked=note,
    )  # fmt: skip
    return messages(prompt)
