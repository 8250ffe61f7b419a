"""Scores: accuracy with Wilson intervals, token F1 and ROUGE-L against the best reference,
containment of a reference, citations of planted facts, pages read, the paired bootstrap of a
difference in means, and the extraction of a choice letter or a truth value from an answer."""

from __future__ import annotations

import math
import random
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from reader.eval.items import PLANTED_KINDS, EvalItem

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


def contains_reference(answer: str, references: Iterable[str]) -> bool:
    """Some reference, normalised, is a run of whole words of the normalised answer."""
    said = f" {' '.join(normalize(answer))} "
    phrases = (" ".join(normalize(reference)) for reference in references)
    return any(phrase and f" {phrase} " in said for phrase in phrases)


def answer_words(answer: str) -> int:
    return len(answer.split())


def overlaps(spans: Iterable[Sequence[int]], others: Iterable[Sequence[int]]) -> bool:
    """Does some [start, end) of `spans` share a character with some [start, end) of `others`?"""
    others = list(others)
    return any(a < d and c < b for a, b in spans for c, d in others)


def pages_read(trace: list[dict[str, Any]], cited_pages: Iterable[str]) -> int:
    """How many pages a strategy put before the model, as far as its trace says: the pages listed
    by "answer" steps (`"pages": [3, 7]`), the page of each "read" step (navigate), and the count
    of a step that reads every page from the start (`"pages": 40` in full's and whole's "read",
    chain's and mapreduce's "plan"), whichever is larger. With none of these in the trace, the
    number of distinct cited pages."""
    listed: set[Any] = set()
    counted, seen = 0, False
    for entry in trace:
        step, pages = entry.get("step"), entry.get("pages")
        where = entry.get("document", "")
        if step == "answer" and isinstance(pages, list):
            listed |= {(where, p) for p in pages if isinstance(p, int)}
        elif step == "read" and isinstance(entry.get("page"), int):
            listed.add((where, entry["page"]))
        elif step in ("read", "plan") and isinstance(pages, int):
            counted = max(counted, pages)
        else:
            continue
        seen = True
    return max(len(listed), counted) if seen else len(set(cited_pages))


def paired_bootstrap(
    values: Sequence[float],
    baseline: Sequence[float],
    *,
    resamples: int = 2000,
    seed: int = 13,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """The mean of `values[i] - baseline[i]` and its percentile bootstrap interval: pairs are
    resampled with replacement `resamples` times with a fixed seed, so a report is repeatable."""
    if len(values) != len(baseline) or not values:
        raise ValueError("paired_bootstrap needs two equally long, non-empty lists")
    differences = [a - b for a, b in zip(values, baseline, strict=True)]
    n = len(differences)
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(differences, k=n)) / n for _ in range(resamples))
    tail = (1 - level) / 2
    low = means[math.floor(tail * resamples)]
    high = means[min(resamples - 1, math.ceil((1 - tail) * resamples) - 1)]
    return sum(differences) / n, low, high


def score(item: EvalItem, answer: str) -> dict[str, Any]:
    """The scores of one answer: `correct` for choice, boolean and needle items, `found` for the
    facts suite, `contains` and `answer_words` for free text, and `f1` and `rouge_l` (best over
    the references) for every kind."""
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
    elif item.kind == "free":
        scores["contains"] = contains_reference(answer, item.references)
        scores["answer_words"] = answer_words(answer)
    elif item.kind in PLANTED_KINDS:
        scores["found"] = contains_reference(answer, item.references)
    return scores


def citation_scores(item: EvalItem, found: bool, cited: list[list[int]]) -> dict[str, bool]:
    """Facts suite: `cited_fact` when a citation's [start, end) overlaps a planted sentence of the
    question (either one of a two-hop pair), `found_and_cited` when the answer was found too."""
    hit = overlaps(cited, item.spans)
    return {"cited_fact": hit, "found_and_cited": found and hit}


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a proportion."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))
