"""The rule-based router and the citation checks (no model needed)."""

from __future__ import annotations

import pytest

from agents.answer.citations import build_citations, extractive_quote, find_quote
from agents.answer.questions import is_multiple_choice
from agents.router import ENDING_ORDER, LOCAL_ORDER, LOCAL_RUNS, Run, local_choice, route
from memory.records import DocumentRecord
from reader.core.types import Evidence, Page


def record(tokens: int) -> DocumentRecord:
    return DocumentRecord(id="d1", title="Book", format="txt", source="b.txt", status="ready",
                          pages=max(1, tokens // 1000), tokens=tokens, created=0.0)  # fmt: skip


@pytest.mark.parametrize(
    ("question", "strategy"),
    [
        ("Who gave Mara the key?", "graph"),
        ("Where does Tomas hide the maps?", "graph"),
        ("What happens to Mara at the end?", "lookup"),  # graph reads no ending
        ("Summarise the book.", "lookup"),  # chain would read 150k tokens: 25+ calls
        ("Who stole the boat? A) Mara B) Tomas C) Ada D) the priest", "lookup"),
    ],
)
def test_router_on_a_long_document(question: str, strategy: str) -> None:
    chosen = route(question, [record(150_000)], 8192)
    assert chosen.strategy == strategy and chosen.reason


@pytest.mark.parametrize(
    "question",
    [
        "Summarise the book.",
        "What is the overall theme of the novel?",
        "How does Mara's view of her father change over the story?",
        "Which fears recur throughout the book?",
    ],
)
def test_whole_document_questions_read_every_page_when_that_takes_a_few_calls(
    question: str,
) -> None:
    assert route(question, [record(30_000)], 8192).strategy == "chain"


def test_router_reads_a_short_document_whole_and_maps_mid_sized_multiple_choice() -> None:
    short = route("Who gave Mara the key?", [record(3000)], 8192)
    assert short.strategy == "whole"
    mc = route("Who stole it?\n(A) Mara\n(B) Tomas\n(C) Ada\n(D) Ion", [record(20_000)], 8192)
    assert mc.strategy == "mapreduce"
    assert is_multiple_choice("Pick one: A. red B. blue C. green D. grey")
    assert not is_multiple_choice("What did A tell B about the plan?")


def test_a_local_question_goes_to_a_strategy_no_baseline_beat_in_any_measured_run() -> None:
    chosen = route("Where does Tomas hide the maps?", [record(150_000)], 8192).strategy
    assert chosen in LOCAL_ORDER
    assert all(run.beaten_by(chosen) is None for run in LOCAL_RUNS), chosen


def run(**versus: tuple[float, float]) -> Run:
    pairs = {tuple(key.split("_vs_")): interval for key, interval in versus.items()}
    return Run("made-up run", "F1", {"bm25": 0.3, "lookup": 0.1, "hybrid": 0.3}, pairs)  # type: ignore[arg-type]


def test_the_router_skips_a_strategy_that_lost_to_a_baseline() -> None:
    lost = run(lookup_vs_bm25=(-0.3, -0.05), hybrid_vs_bm25=(-0.1, 0.1))
    assert local_choice((lost,)).strategy == "hybrid"
    tie = run(lookup_vs_bm25=(-0.3, 0.05))  # an interval that reaches zero is not a loss
    assert LOCAL_ORDER[0] == "graph"  # first in the order, but this run did not measure it
    assert local_choice((tie,)).strategy == "lookup"
    all_lost = run(lookup_vs_bm25=(-0.3, -0.1), hybrid_vs_full=(-0.2, -0.01),
                   rag_vs_bm25=(-0.4, -0.2))  # fmt: skip
    routed = local_choice((all_lost,))
    assert routed.strategy == "bm25" and "every strategy lost" in routed.reason


TEXT = "The ship  came in at dawn.\nMara ran to the PIER, shouting for Tomas. It rained."
PAGE = Page(
    id="d1-p0003", document="d1", chapter=-1, ordinal=3, start=1000, end=1100, tokens=20, text=TEXT
)


def test_quotes_are_checked_ignoring_case_and_whitespace_and_keep_page_text() -> None:
    span = find_quote(PAGE, '"the ship came in at dawn"')
    assert span is not None and PAGE.text[span[0] : span[1]] == "The ship  came in at dawn"
    assert find_quote(PAGE, "mara ran to the pier") is not None
    assert find_quote(PAGE, "Mara flew to the moon") is None
    assert find_quote(PAGE, "dawn") is None  # too short to prove anything


def test_invented_quotes_are_replaced_by_an_extractive_sentence() -> None:
    evidence = [Evidence(pages=[PAGE.id], quote="Tomas sailed away with the gold")]
    citations, notes = build_citations(
        evidence, {PAGE.id: PAGE}, "Mara ran to the pier.", "Where did Mara run?"
    )
    (cite,) = citations
    assert notes == [{"step": "cite", "dropped_quote": "Tomas sailed away with the gold"}]
    assert cite.quote == "Mara ran to the PIER, shouting for Tomas."
    assert PAGE.text[cite.start - PAGE.start : cite.end - PAGE.start] == cite.quote
    picked = extractive_quote([PAGE], "It rained", "weather?")
    assert picked is not None and PAGE.text[picked[1] : picked[2]] == "It rained."


def test_a_verbatim_quote_that_does_not_hold_the_answer_gives_way_to_one_that_does() -> None:
    # the model quotes the sentence next to its answer's (a 0.5B model's habit)
    evidence = [Evidence(pages=[PAGE.id], quote="The ship came in at dawn.")]
    citations, notes = build_citations(
        evidence, {PAGE.id: PAGE}, "To the pier.", "Where did Mara run?"
    )
    assert citations[0].quote == "Mara ran to the PIER, shouting for Tomas."
    assert notes == [{"step": "cite", "replaced_quote": "The ship came in at dawn."}]
    # a quote that holds the answer stays, even when another sentence matches the question more
    kept, _ = build_citations(evidence, {PAGE.id: PAGE}, "At dawn.", "Where did Mara run?")
    assert kept[0].quote == "The ship  came in at dawn."


def test_the_strategy_type_names_exactly_the_registered_strategies() -> None:
    from typing import get_args

    from agents.registry import names
    from reader.core.types import StrategyName

    assert sorted(get_args(StrategyName)) == sorted(names(auto=True))


def test_a_question_about_the_end_leaves_lookup_only_when_a_baseline_beat_it() -> None:
    lost = run(lookup_vs_bm25=(-0.3, -0.05), hybrid_vs_bm25=(-0.1, 0.1))
    assert local_choice((lost,), order=ENDING_ORDER).strategy == "bm25"
    assert local_choice((lost,)).strategy == "hybrid"
    assert route("How does it end for Mara?", [record(150_000)], 8192).strategy == "lookup"
