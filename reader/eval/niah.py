"""A generated needle-in-a-haystack suite: essays cut to a length in tokens, a sentence (the
needle) planted at a depth, and a question only the needle answers."""

from __future__ import annotations

import re
from pathlib import Path

from reader.core.errors import DocumentError
from reader.core.tokens import count_tokens
from reader.eval.items import EvalItem, write_document

LENGTHS = [2000, 8000, 32000]
PARAGRAPH_SENTENCES = 6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
DEPTHS = [0.1, 0.5, 0.9]
NEEDLES = [
    (
        "The secret ingredient in Grandma Ilse's plum cake is a pinch of cardamom from Zanzibar.",
        "What is the secret ingredient in Grandma Ilse's plum cake?",
        "cardamom from Zanzibar",
    ),
    (
        "The night watchman of the Oslo ferry terminal keeps a tortoise named Sibelius.",
        "What is the name of the tortoise kept by the night watchman of the Oslo ferry terminal?",
        "Sibelius",
    ),
    (
        "Marta's bicycle lock code, which she never told anyone, is 7341.",
        "What is Marta's bicycle lock code?",
        "7341",
    ),
]


def haystack(essays: Path, length: int) -> list[str]:
    """Sentences of the essays, in file-name order, up to `length` tokens."""
    files = sorted(essays.glob("*.txt"))
    if not files:
        raise DocumentError(f"{essays} holds no .txt essays for the haystack")
    sentences: list[str] = []
    used = 0
    while True:  # the essays again from the start when they run out
        for file in files:
            text = " ".join(file.read_text(encoding="utf-8", errors="replace").split())
            for sentence in _SENTENCE_END.split(text):
                used += count_tokens(sentence) + 1
                if used > length:
                    return sentences
                sentences.append(sentence)


def plant(sentences: list[str], needle: str, depth: float) -> str:
    """The sentences with `needle` at `depth` (0: first, 1: last), in paragraphs."""
    at = round(depth * len(sentences))
    planted = [*sentences[:at], needle, *sentences[at:]]
    paragraphs = [
        " ".join(planted[i : i + PARAGRAPH_SENTENCES])
        for i in range(0, len(planted), PARAGRAPH_SENTENCES)
    ]
    return "\n\n".join(paragraphs) + "\n"


def suite(essays: Path, work_dir: Path, lengths: list[int], depths: list[float]) -> list[EvalItem]:
    items = []
    for length in lengths:
        sentences = haystack(essays, length)
        for depth in depths:
            needle, question, answer = NEEDLES[len(items) % len(NEEDLES)]
            name = f"niah-{length}-{int(depth * 100):03d}"
            path = write_document(work_dir / f"{name}.txt", plant(sentences, needle, depth))
            items.append(EvalItem(name, "niah", "needle", question, [answer], path))
    return items
