"""Scores: accuracy with Wilson intervals, token F1 and ROUGE-L against the best reference, and
the extraction of a choice letter or a truth value from a free-form answer."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from typing import Any

from reader.eval.items import EvalItem

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_LETTER = re.compile(
    r"^\W*([A-D])(?:[).:]|\s*$)"  # "B", "(B) ...", "B. ..." but not "A man ..."
    r"|\b(?:answer|option|choice)(?: is)?:?\s*\(?([A-D])\b"  # "the answer is B"
    r"|\(([A-D])\)"  # "... (B) ..."
)
_TRUTH = re.compile(r"\b(true|false|yes|no)\b", re.IGNORECASE)


def normalize(text: str) -> list[str]:
    """SQuAD normalisation: lower case, no punctuation or articles, split on whitespace."""
    text = text.lower().translate(_PUNCTUATION)
    return _ARTICLES.sub(" ", text).split()


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = normalize(prediction), normalize(reference)
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or not common:
        return float(pred == ref)
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def _lcs(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        previous = 0
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], previous + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F1 over normalised tokens."""
    pred, ref = normalize(prediction), normalize(reference)
    lcs = _lcs(pred, ref) if pred and ref else 0
    if not lcs:
        return 0.0
    precision, recall = lcs / len(pred), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def choice_letter(answer: str, options: dict[str, str]) -> str | None:
    """The option an answer picks: a letter it names, else the option whose text it matches."""
    match = _LETTER.search(answer)
    if match:
        return next(g for g in match.groups() if g)
    if not options:
        return None
    best = max(options, key=lambda letter: token_f1(answer, options[letter]))
    return best if token_f1(answer, options[best]) >= 0.3 else None


def truth_value(answer: str) -> str | None:
    match = _TRUTH.search(answer)
    if not match:
        return None
    return "True" if match.group(1).lower() in ("true", "yes") else "False"


def needle_found(answer: str, reference: str) -> bool:
    """Every word of the needle's key phrase appears in the answer."""
    said = set(normalize(answer))
    return all(word in said for word in normalize(reference))


def score(item: EvalItem, answer: str) -> dict[str, Any]:
    """The scores of one answer: `correct` for choice, boolean and needle items, `f1` and
    `rouge_l` (best over the references) for every kind."""
    scores: dict[str, Any] = {
        "f1": max(token_f1(answer, r) for r in item.references),
        "rouge_l": max(rouge_l(answer, r) for r in item.references),
    }
    if item.kind == "choice":
        scores["picked"] = choice_letter(answer, item.options)
        scores["correct"] = scores["picked"] == item.references[0]
    elif item.kind == "boolean":
        scores["picked"] = truth_value(answer)
        scores["correct"] = scores["picked"] == item.references[0]
    elif item.kind == "needle":
        scores["correct"] = needle_found(answer, item.references[0])
    return scores


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))
