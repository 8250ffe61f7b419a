"""Questions go before background building on the shared embedded server: a builder makes no new
model call while another process's question is being answered."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from agents.ingest.runner import file_document_id
from reader.core.settings import load_settings
from reader.llm.priority import asking, questions_waiting, yield_to_questions
from tests.agents.test_ingest import make_library, responder, write_book
from tests.fake_chat import FakeChatModel


def test_a_marker_lives_as_long_as_the_question_and_its_process() -> None:
    settings = load_settings()
    assert not questions_waiting(settings)
    with asking(settings):
        assert questions_waiting(settings)
    assert not questions_waiting(settings)
    # a question whose process was killed leaves a marker that counts for nothing
    folder = settings.home / "run" / "asking"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    (folder / f"{dead}-1-stale").touch()
    assert not questions_waiting(settings)
    assert not list(folder.iterdir())


def test_a_remote_server_needs_no_waiting() -> None:
    settings = load_settings(llm={"base_url": "http://127.0.0.1:9/v1"})
    with asking(settings):
        assert not questions_waiting(settings)


async def test_the_builder_holds_back_its_calls_while_a_question_runs(tmp_path: Path) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=2)
    doc_id = file_document_id(book)

    def passages() -> list[str]:
        return library.store.chroma.ids_where("passages", {"document": doc_id})

    with asking(library.settings):
        building = asyncio.create_task(library.aingest(book))
        done, _ = await asyncio.wait({building}, timeout=2)
        assert not done and model.requests == [], "no model call while the question runs"
        # nor passage embedding, which shares the cores with the embedded server
        assert library.store.documents() and passages() == []
    report = await asyncio.wait_for(building, 30)
    assert report.pages >= 2 and len(model.requests) >= report.pages
    assert passages()


async def test_waiting_returns_at_once_when_no_question_runs() -> None:
    assert await asyncio.wait_for(yield_to_questions(load_settings()), 5) == 0.0
