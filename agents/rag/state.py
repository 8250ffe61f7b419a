"""State of the RAG graph."""

from __future__ import annotations

from agents.answer.state import AnswerState


class RagState(AnswerState, total=False):
    k: int  # pages to retrieve (default: settings.answer.top_k)
    pages: list[str]  # retrieved page ids, best first
