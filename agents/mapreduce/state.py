"""State of the mapreduce (LLM×MapReduce) graph."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from agents.answer.state import AnswerState


class MapReduceState(AnswerState, total=False):
    groups: list[list[str]]  # page ids each map call reads
    results: Annotated[list[dict[str, Any]], operator.add]  # one per group


class MapTask(TypedDict):
    question: str
    history: str
    documents: list[str]
    group: int
    pages: list[str]
