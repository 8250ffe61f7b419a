"""Scoring: normalisation, token F1, ROUGE-L, choice and truth extraction, Wilson intervals."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.eval.items import EvalItem
from reader.eval.metrics import (
    choice_letter,
    needle_found,
    rouge_l,
    score,
    token_f1,
    truth_value,
    wilson,
)

OPTIONS = {"A": "the cat sat", "B": "a dog ran home", "C": "nobody came", "D": "it rained"}


def test_token_f1_follows_squad_normalisation() -> None:
    assert token_f1("The Jesuits.", "jesuits") == 1.0
    assert token_f1("a stray cannonball", "By a stray cannonball.") == pytest.approx(0.8)
    assert token_f1("nothing alike", "cannonball") == 0.0
    assert token_f1("", "") == 1.0


def test_rouge_l_uses_the_longest_common_subsequence() -> None:
    # LCS of "cat sat on mat" and "cat on mat" is 3 tokens: P = 3/4, R = 3/3
    assert rouge_l("the cat sat on the mat", "cat on mat") == pytest.approx(2 * 0.75 / 1.75)
    assert rouge_l("mat on cat", "cat on mat") == pytest.approx(1 / 3)
    assert rouge_l("", "cat") == 0.0


@pytest.mark.parametrize(
    ("answer", "letter"),
    [
        ("B", "B"),
        ("(C) nobody came", "C"),
        ("D. it rained", "D"),
        ("The answer is A", "A"),
        ("I pick (B) because", "B"),
        ("A dog ran home, I think", "B"),  # "A" here is an article: matched by option text
        ("unrelated words", None),
    ],
)
def test_choice_letter(answer: str, letter: str | None) -> None:
    assert choice_letter(answer, OPTIONS) == letter


def test_truth_value_and_needle() -> None:
    assert truth_value("True, because the story says so") == "True"
    assert truth_value("No, it is not") == "False"
    assert truth_value("maybe") is None
    assert needle_found("It's cardamom (from Zanzibar).", "cardamom from Zanzibar")
    assert not needle_found("cinnamon from Zanzibar", "cardamom from Zanzibar")


def test_score_takes_the_best_reference_and_grades_choices() -> None:
    free = EvalItem("q", "d", "free", "?", ["Jesuit.", "The Jesuits run the college."], Path("x"))
    assert score(free, "Jesuit")["f1"] == 1.0
    choice = EvalItem("q", "d", "choice", "?", ["B"], Path("x"), OPTIONS)
    assert score(choice, "(B)") | {"f1": 0} == {
        "f1": 0,
        "rouge_l": 1.0,
        "picked": "B",
        "correct": True,
    }
    assert score(choice, "C")["correct"] is False


def test_wilson_interval() -> None:
    low, high = wilson(5, 10)
    assert (round(low, 3), round(high, 3)) == (0.237, 0.763)
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(10, 10)[1] == 1.0 and wilson(10, 10)[0] > 0.69
