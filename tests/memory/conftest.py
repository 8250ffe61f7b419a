from __future__ import annotations

from collections.abc import Iterator

import pytest

from memory.embeddings import OnnxMiniLMEmbedder
from memory.store import MemoryStore
from reader.core.settings import Settings, load_settings
from tests.fakes import FakeEmbedder


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def store(settings: Settings) -> Iterator[MemoryStore]:
    with MemoryStore(settings, FakeEmbedder()) as opened:
        yield opened


@pytest.fixture(scope="session")
def minilm() -> OnnxMiniLMEmbedder:
    return OnnxMiniLMEmbedder(batch_size=16)
