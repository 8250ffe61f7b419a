"""State of the graph (GraphReader) strategy: the facts on show, the leads, the notebook."""

from __future__ import annotations

from typing import Any

from agents.answer.state import AnswerState


class ExploreState(AnswerState, total=False):
    facts: list[dict[str, Any]]  # on show: document, passage, page, ordinal, text, elements
    leads: list[str]  # key elements those facts name that the walk has not explored
    explored: list[str]  # elements whose facts were read, in order
    notebook: list[dict[str, Any]]  # per step: the element, its note, the pages of its facts
    calls: int
    done: bool
