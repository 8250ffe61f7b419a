"""The contract every answering graph shares: `AnswerInput` in, `AnswerOutput` out; each
strategy's own state extends `AnswerState` with its working fields."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langgraph.graph import StateGraph

from agents.context import GraphContext
from reader.core.types import Evidence

Trace = Annotated[list[dict[str, Any]], operator.add]


class AnswerInput(TypedDict, total=False):
    question: str
    query: str  # the retrieval query: the question plus the conversation's last turn
    history: str  # earlier turns and related past exchanges, already bounded, for the prompts
    documents: list[str]  # ready document ids
    stream: bool  # emit the final answer's text as `AnswerText` events while it is written
    trace: Trace


class AnswerOutput(TypedDict, total=False):
    answer: str
    evidence: Annotated[list[Evidence], operator.add]
    trace: Trace


class AnswerState(AnswerInput, AnswerOutput, total=False):
    pass


def answering_graph(state: type) -> StateGraph:
    """A new graph over `state` (an AnswerState) that takes AnswerInput and gives AnswerOutput,
    with the GraphContext as its runtime context: how every strategy's graph begins."""
    return StateGraph(
        state, context_schema=GraphContext, input_schema=AnswerInput, output_schema=AnswerOutput
    )
