"""State of the lookup (ReadAgent) graph. Ids only: texts stay in the store."""

from __future__ import annotations

from typing import Any

from agents.answer.state import AnswerState


class LookupState(AnswerState, total=False):
    gists: list[str]  # candidate gist node ids shown to the model, in document order
    suggested: list[str]  # page ids retrieval ranked highest, best first
    pages: list[str]  # page ids chosen to re-read
    bridge: dict[str, Any]  # the bridge hop (agents/answer/seeds.py), {} when there is none
    gist_words: int  # words of each gist shown (shorter when a long document is listed whole)
    narrow: bool  # the gists do not fit the budget: pick sections from the upper tree first
