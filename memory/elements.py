"""The element graph (HippoRAG's retrieval, without its extraction call): a document's passages
linked through the key elements they share, ranked for a question by personalized PageRank.

A key element is a word or a pair of adjacent content words ("blue lacquer", "lacquer box") that
is rare in the document: on at most RARE_SHARE of its passages (and never fewer than RARE_MIN).
Names, objects and places are rare; "said" and "looked" are not. Passages and elements form a
bipartite graph. The walk restarts at the question's elements, weighted by rarity, so mass flows
question → the passage naming them → the other rare elements of that passage → the passages
holding those. "Where is Marta Quell's brass key?" reaches "Marta Quell keeps the brass key in
the blue lacquer box" in one step and "the blue lacquer box stands in the attic" in three, although
that passage shares no word with the question. No model call is made; the graph is plain data
built from the stored passages.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from memory.bm25 import terms
from memory.passages import Passage

RARE_SHARE = 0.02  # an element on more of the passages than this is not key
RARE_MIN = 3  # ... but one on this many passages always is
DAMPING = 0.5  # HippoRAG's: half the mass follows an edge each step, half restarts
ITERATIONS = 24
_SENTENCE = re.compile(r"[^.!?\n]+")
_FACT = re.compile(r"[^.!?\n]+[.!?]*")


def candidate_elements(text: str) -> set[str]:
    """Words and adjacent pairs of content words, within each sentence."""
    found: set[str] = set()
    for sentence in _SENTENCE.findall(text):
        words = [w for w in terms(sentence) if len(w) > 2 and not w.isdigit()]
        found.update(words)
        found.update(f"{a} {b}" for a, b in pairwise(words))
    return found


@dataclass(frozen=True)
class ElementGraph:
    passages: list[Passage]  # in document order
    holders: dict[str, list[int]]  # element → indices of the passages holding it
    elements: list[list[str]]  # passage index → its key elements

    @property
    def size(self) -> int:
        return len(self.passages)


def build(passages: Sequence[Passage]) -> ElementGraph:
    candidates = [candidate_elements(p.text) for p in passages]
    frequency = Counter(e for found in candidates for e in found)
    limit = max(RARE_MIN, RARE_SHARE * len(passages))
    holders: dict[str, list[int]] = {}
    elements: list[list[str]] = []
    for i, found in enumerate(candidates):
        key = sorted(e for e in found if frequency[e] <= limit)
        for element in key:
            holders.setdefault(element, []).append(i)
        elements.append(key)
    return ElementGraph(list(passages), holders, elements)


def question_elements(graph: ElementGraph, question: str) -> dict[str, float]:
    """The question's key elements, each weighted by its rarity (inverse passage frequency)."""
    n = max(graph.size, 1)
    return {
        e: math.log(1 + n / len(graph.holders[e]))
        for e in candidate_elements(question)
        if e in graph.holders
    }


def personalized_pagerank(graph: ElementGraph, restart: dict[str, float]) -> list[float]:
    """Each passage's share of a walk over passages and elements that restarts at `restart`
    (element → weight); all zero when no element of the question is in the graph."""
    total = sum(restart.values())
    if not total:
        return [0.0] * graph.size
    reset = {e: w / total for e, w in restart.items()}
    on_elements = dict(reset)
    on_passages = [0.0] * graph.size
    for _ in range(ITERATIONS):
        # element → passages (split evenly), then passage → elements (split evenly)
        reached = [0.0] * graph.size
        for element, mass in on_elements.items():
            share = mass / len(graph.holders[element])
            for i in graph.holders[element]:
                reached[i] += share
        on_passages = [DAMPING * m for m in reached]
        spread: dict[str, float] = {e: (1 - DAMPING) * w for e, w in reset.items()}
        for i, mass in enumerate(on_passages):
            if mass and graph.elements[i]:
                share = DAMPING * mass / len(graph.elements[i])
                for element in graph.elements[i]:
                    spread[element] = spread.get(element, 0.0) + share
        on_elements = spread
    return on_passages


@dataclass(frozen=True)
class Fact:
    """A sentence of a passage and its key elements: the graph's atomic fact (GraphReader's,
    taken from the text as written rather than rewritten by a model)."""

    passage: int  # index into the graph's passages
    text: str
    elements: frozenset[str]


def facts(graph: ElementGraph, passage: int) -> list[Fact]:
    """The sentences of a passage that hold a key element, in order."""
    found = []
    for match in _FACT.finditer(graph.passages[passage].text):
        key = candidate_elements(match.group()) & graph.holders.keys()
        if key:
            found.append(Fact(passage, " ".join(match.group().split()), frozenset(key)))
    return found


def facts_about(graph: ElementGraph, element: str) -> list[Fact]:
    """Every fact that names `element`, in document order."""
    return [
        fact
        for i in graph.holders.get(element, [])
        for fact in facts(graph, i)
        if element in fact.elements
    ]


def rank(graph: ElementGraph, question: str) -> list[tuple[int, float]]:
    """`(passage index, score)` of the passages the walk reaches, best first."""
    scores = personalized_pagerank(graph, question_elements(graph, question))
    ranked = [(i, s) for i, s in enumerate(scores) if s > 0]
    return sorted(ranked, key=lambda item: -item[1])
