"""A library with the fake model and embedder and a tiny book ingested into the temp TOME_HOME."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agents.answer.prompts import AnswerReply
from memory.store import MemoryStore
from reader.core.errors import ModelError
from reader.core.settings import load_settings
from reader.library import Library
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.fakes import FakeEmbedder

PAGE_RE = re.compile(r"Page (\d+) of (\d+)")
NUMBERED = re.compile(r"<page number=\"(\d+)\"[^>]*>(.*?)</page>", re.S)
CAKE = "Grandma Ada kept her secret: the lemon cake needs cardamom from Zanzibar."
CHAPTERS = [
    "The harbour was quiet at dawn. Mara counted the boats twice before the bell rang. ",
    f"In the bakery on the hill the ovens were hot before sunrise. {CAKE} ",
    "The train left at noon for the mountains, carrying Tomas and three crates of books. ",
]


def write_book(path: Path) -> Path:
    parts = []
    for number, sentence in enumerate(CHAPTERS, 1):
        parts.append(f"CHAPTER {number}\n\n" + (sentence * 6).strip() + "\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def ingest_reply(request: FakeRequest) -> str:
    if match := PAGE_RE.search(request.messages[-1]["content"]):
        return f"Gist of page {match.group(1)}: people go about their morning."
    return "Summary: a harbour, a bakery with a secret cake, and a train to the mountains."


def answer_reply(request: FakeRequest) -> AnswerReply:
    for number, text in NUMBERED.findall(request.messages[-1]["content"]):
        if "cardamom" in text:
            return AnswerReply(
                answer="The lemon cake needs cardamom from Zanzibar.",
                page=int(number),
                quote="the lemon cake needs cardamom from Zanzibar",
            )
    return AnswerReply(answer="The document does not say.", page=1, quote="")


@dataclass
class Behaviour:
    """What the fake model does with answering requests: answer, or fail with `error`."""

    error: Exception | None = None


def responder_for(behaviour: Behaviour):
    def respond(request: FakeRequest):
        if request.schema is AnswerReply or "Question:" in request.messages[-1]["content"]:
            if behaviour.error is not None:
                return behaviour.error
            return answer_reply(request)
        return ingest_reply(request)

    return respond


@dataclass
class Book:
    library: Library
    model: FakeChatModel
    behaviour: Behaviour
    doc_id: str
    title: str
    path: Path


def make_library(model: FakeChatModel) -> Library:
    settings = load_settings(
        pages={"target_tokens": 60, "max_tokens": 90, "min_chapter_tokens": 0},
        ingest={"group_tokens": 60, "concurrency": 2},
    )
    library = Library(settings, model=model)
    library._store = MemoryStore(settings, FakeEmbedder())
    return library


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Book]:
    behaviour = Behaviour()
    model = FakeChatModel(responder=responder_for(behaviour))
    library = make_library(model)
    path = write_book(tmp_path / "harbour.txt")
    report = library.ingest(path)
    record = library.store.get_document(report.id)
    assert record.ready and record.pages >= 3
    yield Book(library, model, behaviour, report.id, record.title, path)
    library.close()


def model_error() -> ModelError:
    return ModelError("the model endpoint refused the request; check TOME_BASE_URL")
