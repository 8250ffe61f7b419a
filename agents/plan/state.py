"""State of the plan (PEARL) graph."""

from __future__ import annotations

from typing import Any

from agents.answer.state import AnswerState


class PlanState(AnswerState, total=False):
    steps: list[str]  # the plan: look-up queries in order; "#1" stands for what step 1 found
    findings: list[dict[str, Any]]  # per step run: query, finding, quote, page id
