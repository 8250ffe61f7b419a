"""State of the RAG graph."""

from __future__ import annotations

from typing import Any

from agents.answer.state import AnswerState


class RagState(AnswerState, total=False):
    k: int  # pages to retrieve (default: settings.answer.top_k)
    pages: list[str]  # retrieved page ids, best first
    bridge: dict[str, Any]  # the bridge hop (agents/answer/seeds.py), {} when there is none
