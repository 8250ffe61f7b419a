"""The sync and async Library API agree: every sync method has an async twin with the same
parameters, and both give the same answer, ingestion report and listings for the same input."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest

from memory.store import MemoryStore
from reader.core.errors import ConfigError
from reader.core.settings import load_settings
from reader.library import DocumentHandle, Library
from tests.agents.test_answer_cli import PAGES, responder
from tests.agents.test_answer_fixtures import add_document, make_library
from tests.agents.test_ingest import responder as gist_responder
from tests.agents.test_ingest import write_book
from tests.fake_chat import FakeChatModel
from tests.fakes import FakeEmbedder

PAIRS = {
    Library: ["ingest", "add", "ask", "close"],
    DocumentHandle: ["ask"],
}


def ingest_library(home: Path) -> Library:
    """A library of its own data directory, small pages, the fake model and embedder."""
    settings = load_settings(home=home, pages={"target_tokens": 100, "max_tokens": 140})
    library = Library(settings, model=FakeChatModel(responder=gist_responder))
    library._store = MemoryStore(settings, FakeEmbedder())
    return library


def test_every_sync_method_has_an_async_twin_with_the_same_parameters() -> None:
    for cls, methods in PAIRS.items():
        for name in methods:
            sync, twin = getattr(cls, name), getattr(cls, f"a{name}")
            assert inspect.iscoroutinefunction(twin), f"{cls.__name__}.a{name}"
            assert list(inspect.signature(sync).parameters) == list(
                inspect.signature(twin).parameters
            ), f"{cls.__name__}.{name} and a{name} take different parameters"


def test_ask_and_aask_give_the_same_answer() -> None:
    sync_model, async_model = FakeChatModel(responder=responder), FakeChatModel(responder=responder)
    sync_lib, async_lib = make_library(sync_model), make_library(async_model)
    sync_doc, async_doc = add_document(sync_lib, PAGES), add_document(async_lib, PAGES)
    question = "What does Tomas keep?"
    sync = sync_lib.document(sync_doc).ask(question, strategy="rag")
    other = asyncio.run(async_lib.document(async_doc).aask(question, strategy="rag"))
    assert (
        (sync.text, sync.strategy)
        == (other.text, other.strategy)
        == (
            "The maps of the old mines.",
            "rag",
        )
    )
    assert [c.model_dump() for c in sync.citations] == [c.model_dump() for c in other.citations]
    assert sync.usage.calls == other.usage.calls == 1
    assert [r.messages for r in sync_model.requests] == [r.messages for r in async_model.requests]


def test_ingest_and_aingest_report_the_same_work(tmp_path: Path) -> None:
    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=3)
    sync_lib, async_lib = (ingest_library(tmp_path / name) for name in ("a", "b"))
    sync = sync_lib.ingest(book)
    other = asyncio.run(async_lib.aingest(book))
    keys = {"id", "title", "pages", "gists", "depth", "llm_calls", "prompt_tokens"}
    assert sync.model_dump(include=keys) == other.model_dump(include=keys)
    assert [d.id for d in sync_lib.documents()] == [d.id for d in async_lib.documents()]


def test_the_configured_strategy_is_used_by_library_and_handle_alike() -> None:
    for configured in ("rag", "bm25"):  # a baseline is a valid setting too
        library = make_library(FakeChatModel(responder=responder), strategy=configured)
        doc = add_document(library, PAGES)
        assert library.ask("What does Tomas keep?", [doc]).strategy == configured
        assert library.document(doc).ask("What does Tomas keep?").strategy == configured


def test_an_unknown_configured_strategy_is_refused_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown strategy 'nope'; use one of auto, .*lookup"):
        make_library(FakeChatModel(responder=responder), strategy="nope")
