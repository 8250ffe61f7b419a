"""State of the navigate (MemWalker) graph: where the walk is, what is left to try, what it saw."""

from __future__ import annotations

import operator
from typing import Annotated, Any

from agents.answer.state import AnswerState


class NavigateState(AnswerState, total=False):
    path: list[str]  # node ids from the root to the current node
    untried: dict[str, list[str]]  # per visited node: children still to try, best first
    suggested: list[int]  # page ordinals retrieval ranked highest, best first
    notes: list[str]  # the working memory: short notes on what the walk has seen
    calls: int  # model calls made so far
    found: bool
    last: dict  # the last page read: {"page": id, "answer": str, "quote": str}
    done: bool


class WalksState(AnswerState, total=False):
    walks: Annotated[list[dict[str, Any]], operator.add]  # one walk's output per document
