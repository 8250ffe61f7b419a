"""The element graph (HippoRAG's retrieval, without its extraction call): a document's passages
linked through the key elements they share, ranked for a question by personalized PageRank.

A key element is a word or a pair of adjacent content words ("blue lacquer", "lacquer box") that
is rare in the document: on at most RARE_SHARE of its passages (and never fewer than RARE_MIN).
Names, objects and places are rare; "said" and "looked" are not. Passages and elements form a
bipartite graph. The walk restarts at the question's elements, weighted by rarity, so mass flows
question → the passage naming them → the other rare elements of that passage → the passages
holding those. "Where is Marta Quell's brass key?" reaches "Marta Quell keeps the brass key in
the blue lacquer box" in one step and "the blue lacquer box stands in the attic" in three, although
that passage shares no word with the question. No model call is made here; the graph is plain
data built from the stored passages and the atomic facts the model listed for each page while it
wrote the page's gist.
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
    notes: list[list[str]]  # passage index → the atomic facts the model listed for it

    @property
    def size(self) -> int:
        return len(self.passages)


def attach(passages: Sequence[Passage], page_facts: dict[str, list[str]]) -> list[list[str]]:
    """Each page's atomic facts, given to the passage of that page sharing most words with
    each (the page's first passage on a tie)."""
    notes: list[list[str]] = [[] for _ in passages]
    by_page: dict[str, list[int]] = {}
    for i, passage in enumerate(passages):
        by_page.setdefault(passage.page, []).append(i)
    for page, found in page_facts.items():
        options = by_page.get(page)
        if not options:
            continue
        words = [set(terms(passages[i].text)) for i in options]
        for fact in found:
            wanted = set(terms(fact))
            best = max(range(len(options)), key=lambda k: (len(wanted & words[k]), -k))
            notes[options[best]].append(fact)
    return notes


def build(
    passages: Sequence[Passage], page_facts: dict[str, list[str]] | None = None
) -> ElementGraph:
    """The graph of `passages`; `page_facts` (page id → the model's atomic facts of that page)
    join their passages, and the elements they name link those passages too (a fact that
    writes "Ichabod" where the page says "he")."""
    notes = attach(passages, page_facts or {})
    candidates = [
        candidate_elements(p.text).union(*(candidate_elements(f) for f in noted))
        for p, noted in zip(passages, notes, strict=True)
    ]
    frequency = Counter(e for found in candidates for e in found)
    limit = max(RARE_MIN, RARE_SHARE * len(passages))
    holders: dict[str, list[int]] = {}
    elements: list[list[str]] = []
    for i, found in enumerate(candidates):
        key = sorted(e for e in found if frequency[e] <= limit)
        for element in key:
            holders.setdefault(element, []).append(i)
        elements.append(key)
    return ElementGraph(list(passages), holders, elements, notes)


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
    """An atomic fact of a passage and its key elements (GraphReader's): one the model listed
    when it read the page (`origin` "model"), or a sentence of the text as written ("text")."""

    passage: int  # index into the graph's passages
    text: str
    elements: frozenset[str]
    origin: str = "text"


def facts(graph: ElementGraph, passage: int) -> list[Fact]:
    """The model's facts of a passage, then its sentences, that hold a key element, each once."""
    found: list[Fact] = []
    seen: set[str] = set()
    sentences = [m.group() for m in _FACT.finditer(graph.passages[passage].text)]
    noted = graph.notes[passage] if graph.notes else []
    for origin, texts in (("model", noted), ("text", sentences)):
        for raw in texts:
            text = " ".join(raw.split())
            key = candidate_elements(text) & graph.holders.keys()
            if key and text.casefold() not in seen:
                seen.add(text.casefold())
                found.append(Fact(passage, text, frozenset(key), origin))
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
