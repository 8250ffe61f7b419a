"""State of the chain (Chain of Agents) graph."""

from __future__ import annotations

from agents.answer.state import AnswerState


class ChainState(AnswerState, total=False):
    pages: list[str]  # every page id, documents in order; page label n is pages[n - 1]
    groups: list[list[int]]  # labels of the pages each worker reads
    index: int  # the next group to read
    note: str  # the running note, at most settings.answer.note_max_tokens
