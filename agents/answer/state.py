"""The state every answering graph shares: the question in, an answer and its evidence out."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict


class AnswerState(TypedDict, total=False):
    question: str
    query: str  # the retrieval query: the question plus the conversation's last turn
    history: str  # earlier turns and related past exchanges, already bounded, for the prompts
    documents: list[str]  # ready document ids
    answer: str
    evidence: Annotated[list[dict[str, Any]], operator.add]  # {"pages": [page ids], "quote": str}
    trace: Annotated[list[dict[str, Any]], operator.add]
