"""Test doubles shared by the test suites."""

from __future__ import annotations

import hashlib
import math
import re

# --- FakeEmbedder ------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """A fake: deterministic hashing bag-of-words vectors (dimension 64), L2-normalised.

    It stands in for the real embedder only where a test does not check embedding quality: texts
    sharing words come out similar, and nothing else is meaningful. `calls` counts `embed` calls.
    """

    name = "fake-hashing-bow-64"
    dimension = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        self.texts += len(texts)
        return [self._vector(text) for text in texts]

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.dimension
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            index = digest[0] % self.dimension
            vector[index] += 1.0 if digest[1] & 1 else -1.0
        norm = math.sqrt(sum(value * value for value in vector))
        if norm == 0.0:
            return [1.0] + [0.0] * (self.dimension - 1)
        return [value / norm for value in vector]
