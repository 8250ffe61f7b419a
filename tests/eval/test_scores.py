"""The harness's finer scores: containment, answer length, citations of planted facts, pages read
from a trace, and the paired bootstrap."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from reader.eval.items import EvalItem
from reader.eval.metrics import (
    answer_words,
    citation_scores,
    contains_reference,
    overlaps,
    pages_read,
    paired_bootstrap,
    score,
)


def test_containment_is_of_whole_normalised_words() -> None:
    assert contains_reference("It is in the attic above the bakery.", ["attic above the bakery"])
    assert contains_reference("THE ATTIC, above the bakery!", ["attic above bakery"])
    assert not contains_reference("the attic above a cafe", ["attic above the bakery"])
    assert not contains_reference("Pernilles", ["Pernille"])  # a word, not a prefix
    assert contains_reference("Jesuits, I think", ["Nobody", "the Jesuits."])
    assert not contains_reference("anything", ["", "  "])  # an empty reference matches nothing


def test_answer_length_counts_words() -> None:
    assert answer_words("  The  attic above\nthe bakery. ") == 5
    assert answer_words("") == 0
    free = EvalItem("q", "literaryqa", "free", "?", ["by a stray cannonball"], Path("x"))
    scores = score(free, "He was hit by a stray cannonball in the war")
    assert scores["contains"] is True and scores["answer_words"] == 10
    assert score(free, "a cannon")["contains"] is False


def test_found_and_cited_needs_the_answer_and_a_citation_on_a_planted_sentence() -> None:
    fact = EvalItem("f", "facts", "fact", "?", ["Pernille"], Path("x"), spans=[(100, 160)])
    found = score(fact, "The goat is called Pernille.")["found"]
    assert found is True and score(fact, "a goat")["found"] is False
    assert citation_scores(fact, found, [[150, 200]]) == {
        "cited_fact": True,
        "found_and_cited": True,
    }
    assert citation_scores(fact, found, [[160, 200], [0, 100]])["cited_fact"] is False  # [)
    assert citation_scores(fact, False, [[120, 130]]) == {
        "cited_fact": True,
        "found_and_cited": False,
    }
    assert citation_scores(fact, found, [])["found_and_cited"] is False
    pair = EvalItem(
        "h", "facts", "two-hop", "?", ["Vossmoor"], Path("x"), spans=[(10, 50), (900, 940)]
    )
    assert citation_scores(pair, True, [[920, 925]])["found_and_cited"] is True  # either one
    assert citation_scores(pair, True, [[10, 11]])["found_and_cited"] is True
    assert citation_scores(pair, True, [[50, 900]])["found_and_cited"] is False
    assert overlaps([(0, 10)], [(9, 20)]) and not overlaps([(0, 10)], [(10, 20)])


def test_pages_read_from_the_trace_else_the_citations() -> None:
    retrieval = [
        {"step": "retrieve", "pages": [["doc", 3, 1.2], ["doc", 9, 0.8]]},
        {"step": "answer", "pages": [3, 9], "cited": 1},
    ]
    assert pages_read(retrieval, ["p3"]) == 2
    whole = [{"step": "read", "pages": 40, "of": 40}, {"step": "answer", "pages": [1, 2, 3]}]
    assert pages_read(whole, []) == 40
    chain = [{"step": "plan", "pages": 12, "workers": 3}, {"step": "work", "pages": [1, 4]}]
    assert pages_read(chain, []) == 12
    walk = [{"step": "choose", "at": "pages 1-8"}, {"step": "read", "page": 5, "found": False},
            {"step": "read", "page": 7, "found": True}, {"step": "read", "page": 5}]  # fmt: skip
    assert pages_read(walk, []) == 2
    assert pages_read([{"step": "answer", "pages": []}], ["p1"]) == 0  # it read nothing
    assert pages_read([{"step": "route"}, {"step": "done"}], ["p1", "p4", "p1"]) == 2


def test_bootstrap_contains_the_true_difference_and_repeats_with_its_seed() -> None:
    rng = random.Random(7)
    baseline = [rng.random() for _ in range(300)]
    strategy = [b + 0.2 + rng.gauss(0, 0.1) for b in baseline]  # true mean difference 0.2
    diff, low, high = paired_bootstrap(strategy, baseline)
    pairs = zip(strategy, baseline, strict=True)
    assert diff == pytest.approx(sum(s - b for s, b in pairs) / 300)
    assert low < 0.2 < high and low < diff < high
    assert high - low < 0.05  # paired: the baseline's own spread cancels out
    assert paired_bootstrap(strategy, baseline) == (diff, low, high)
    assert paired_bootstrap(strategy, baseline, seed=14) != (diff, low, high)
    none = paired_bootstrap([0.5] * 20, [0.5] * 20)
    assert none == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="equally long"):
        paired_bootstrap([1.0], [1.0, 2.0])


def test_bootstrap_interval_covers_the_truth_most_of_the_time() -> None:
    covered = 0
    for trial in range(40):
        rng = random.Random(trial)
        baseline = [rng.random() for _ in range(40)]
        strategy = [b - 0.1 + rng.gauss(0, 0.2) for b in baseline]
        _, low, high = paired_bootstrap(strategy, baseline, resamples=500, seed=trial)
        covered += low < -0.1 < high
    assert covered >= 33  # about 95 % of 40
