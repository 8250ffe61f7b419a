"""The facts suite (`tome eval facts`): invented facts planted into ONE long haystack (the essays
of the niah suite cut to a length in tokens), so one ingest serves every question about it.

Single facts sit at depths spread over the document. Two-hop pairs are two sentences planted far
apart, and the question names only the first one's subject while the answer is in the second
("Marta Quell keeps the brass key in the blue lacquer box." ... "The blue lacquer box is hidden in
the attic above the bakery."): a reader must find both. The names are made up, so no answer can
be guessed, and every planted sentence goes in at a sentence boundary.

Each item records the [start, end) character span of its planted sentence(s) in the document's
text (which the loader's normalisation leaves as it is), so the runner can tell whether an answer
cited the page holding the fact."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reader.core.errors import DocumentError
from reader.documents.text import normalise
from reader.eval.items import EvalItem, write_document
from reader.eval.niah import PARAGRAPH_SENTENCES, haystack

LENGTHS = [32000, 128000]


@dataclass(frozen=True)
class Fact:
    sentence: str
    question: str
    references: tuple[str, ...]
    depth: float


@dataclass(frozen=True)
class TwoHop:
    first: str  # names the question's subject and a bridge entity
    second: str  # says where or what the bridge entity is: the answer
    question: str
    references: tuple[str, ...]
    depths: tuple[float, float]  # of `first` and `second`; the second may come first


FACTS = [
    Fact(
        "Captain Ilario Venn named his racing pigeon Thimbleweed.",
        "What did Captain Ilario Venn name his racing pigeon?",
        ("Thimbleweed",),
        0.1,
    ),
    Fact(
        "The furnace of the Quorvik glassworks is fired with walnut shells from Tbilisi.",
        "What is the furnace of the Quorvik glassworks fired with?",
        ("walnut shells",),
        0.25,
    ),
    Fact(
        "The password to the back room of the Hollenbeck chess club is orange umbrella.",
        "What is the password to the back room of the Hollenbeck chess club?",
        ("orange umbrella",),
        0.4,
    ),
    Fact(
        "This year the village of Drumcarrow elected a goat called Pernille as its honorary mayor.",
        "What is the name of the goat that Drumcarrow elected as its honorary mayor?",
        ("Pernille",),
        0.55,
    ),
    Fact(
        "The chemist Sefa Lindqvist writes her research notes in ink made from crushed "
        "elderberries.",
        "What is the ink that the chemist Sefa Lindqvist writes her research notes in made from?",
        ("elderberries",),
        0.7,
    ),
    Fact(
        "The clock tower in the town of Lusk was built by Tomasz Oyelaran out of melted trumpets.",
        "What was the clock tower in the town of Lusk built out of?",
        ("trumpets",),
        0.9,
    ),
]
PAIRS = [
    TwoHop(
        "Marta Quell keeps the brass key in the blue lacquer box.",
        "The blue lacquer box is hidden in the attic above the bakery.",
        "Where is the brass key that Marta Quell keeps?",
        ("attic above the bakery", "bakery attic"),
        (0.15, 0.65),
    ),
    TwoHop(
        "The violinist Anouk Fairweather lent her bow to the conductor of the Saltmarsh Orchestra.",
        "The conductor of the Saltmarsh Orchestra is a man named Corvin Ashdown.",
        "Who has the bow that the violinist Anouk Fairweather lent?",
        ("Corvin Ashdown",),
        (0.8, 0.3),
    ),
    TwoHop(
        "Zilpha Marchetti wrote her saffron bread recipe inside the cover of the green atlas.",
        "The green atlas belongs to the ferryman of Lake Orrin.",
        "Who owns the book in which Zilpha Marchetti wrote her saffron bread recipe?",
        ("ferryman of Lake Orrin",),
        (0.05, 0.5),
    ),
    TwoHop(
        "Professor Hadrian Okonkwo was born in the same town as the painter Liesl Varga.",
        "The painter Liesl Varga was born in Vossmoor.",
        "In which town was Professor Hadrian Okonkwo born?",
        ("Vossmoor",),
        (0.95, 0.45),
    ),
]


def planted_sentences() -> list[tuple[float, str]]:
    """Every sentence the suite plants, with its depth."""
    planted = [(f.depth, f.sentence) for f in FACTS]
    for pair in PAIRS:
        planted += [(pair.depths[0], pair.first), (pair.depths[1], pair.second)]
    return planted


def plant_all(
    sentences: list[str], planted: list[tuple[float, str]]
) -> tuple[str, dict[str, tuple[int, int]]]:
    """The haystack `sentences` with each planted sentence before the one at its depth (0: first,
    1: last), in paragraphs; and the [start, end) span of each planted sentence in the text."""
    slots: dict[int, list[str]] = {}
    for depth, sentence in sorted(planted, key=lambda p: p[0]):
        slots.setdefault(round(depth * len(sentences)), []).append(sentence)
    merged: list[tuple[str, bool]] = []
    for i in range(len(sentences) + 1):
        merged += [(s, True) for s in slots.get(i, [])]
        if i < len(sentences):
            merged.append((sentences[i], False))
    parts: list[str] = []
    spans: dict[str, tuple[int, int]] = {}
    at = 0
    for n, (sentence, is_planted) in enumerate(merged):
        if n:
            separator = "\n\n" if n % PARAGRAPH_SENTENCES == 0 else " "
            parts.append(separator)
            at += len(separator)
        if is_planted:
            spans[sentence] = (at, at + len(sentence))
        parts.append(sentence)
        at += len(sentence)
    return "".join(parts) + "\n", spans


def document_text(essays: Path, length: int) -> tuple[str, dict[str, tuple[int, int]]]:
    # Normalised like the .txt loader does, so the spans are offsets in the ingested text too.
    sentences = [s for s in (normalise(s) for s in haystack(essays, length)) if s]
    text, spans = plant_all(sentences, planted_sentences())
    if normalise(text) != text.strip():
        raise DocumentError(f"the facts haystack from {essays} changes when loaded; check it")
    return text, spans


def suite(essays: Path, work_dir: Path, lengths: list[int]) -> list[EvalItem]:
    """One document per length; its questions alternate single facts and two-hop pairs, so that
    `--limit` keeps both kinds."""
    items = []
    for length in lengths:
        text, spans = document_text(essays, length)
        name = f"facts-{length}"
        path = write_document(work_dir / f"{name}.txt", text)
        singles = [_single(name, i, fact, path, spans) for i, fact in enumerate(FACTS, 1)]
        pairs = [_two_hop(name, i, pair, path, spans) for i, pair in enumerate(PAIRS, 1)]
        for i in range(max(len(singles), len(pairs))):
            items += singles[i : i + 1] + pairs[i : i + 1]
    return items


def _single(
    name: str, number: int, fact: Fact, path: Path, spans: dict[str, tuple[int, int]]
) -> EvalItem:
    return EvalItem(
        f"{name}-fact-{number}",
        name,
        "fact",
        fact.question,
        list(fact.references),
        path,
        spans=[spans[fact.sentence]],
        depths=[fact.depth],
    )


def _two_hop(
    name: str, number: int, pair: TwoHop, path: Path, spans: dict[str, tuple[int, int]]
) -> EvalItem:
    return EvalItem(
        f"{name}-two-hop-{number}",
        name,
        "two-hop",
        pair.question,
        list(pair.references),
        path,
        spans=[spans[pair.first], spans[pair.second]],
        depths=list(pair.depths),
    )
