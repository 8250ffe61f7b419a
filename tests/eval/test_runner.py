"""The evaluation runner with a fake chat model over real Chroma, LangGraph and SQLite: scoring,
the baselines, resuming, auto's reuse of routed answers, and errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from memory.store import MemoryStore
from reader.core.errors import ModelError
from reader.core.settings import load_settings
from reader.eval.datasets import load_items
from reader.eval.items import EvalItem
from reader.eval.report import summarise, to_markdown
from reader.eval.runner import evaluate, read_rows
from reader.library import Library
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.fakes import FakeEmbedder

STORY = (
    "The lighthouse keeper Odile rowed to the mainland every Thursday. "
    "She bought lamp oil, bread and a newspaper. "
) * 3 + "One winter the boat sank and she swam back to the rock in the storm.\n"
QUESTION = (
    "How did Odile travel to the mainland?\n\n"
    " (A) by ferry\n (B) she rowed\n (C) she swam\n (D) by air"
)


def answer_or_gist(request: FakeRequest) -> str:
    prompt = request.messages[-1]["content"]
    if "Answer the question using only the pages above" in prompt:
        page = re.search(r"<page number=\"1\"[^>]*>\n(.*?)\.", prompt, re.S)
        return json.dumps({"answer": "B", "page": 1, "quote": page.group(1) if page else ""})
    return "Odile keeps a lighthouse and rows to the mainland."


def library_with(model: FakeChatModel) -> Library:
    settings = load_settings()
    library = Library(settings, model=model)
    library._store = MemoryStore(settings, FakeEmbedder())
    return library


@pytest.fixture
def quality(tmp_path: Path) -> list[EvalItem]:
    record = {
        "input": STORY,
        "instructions": [QUESTION, QUESTION.replace("How", "In what way")],
        "outputs": ["(B) she rowed", "(C) she swam"],
        "source": "quality",
        "evaluation": "exam",
    }
    path = tmp_path / "quality.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return load_items(str(path), tmp_path, tmp_path / "work")


def test_rows_are_scored_per_strategy_and_written_as_they_finish(
    quality: list[EvalItem], tmp_path: Path
) -> None:
    model = FakeChatModel(responder=answer_or_gist)
    library = library_with(model)
    rows_path = tmp_path / "out" / "rows.jsonl"
    rows = evaluate(library, quality, ["full", "bm25"], rows_path)
    assert [(r["id"], r["strategy"]) for r in rows] == [
        ("quality-01-01", "full"),
        ("quality-01-01", "bm25"),
        ("quality-01-02", "full"),
        ("quality-01-02", "bm25"),
    ]
    assert [r["correct"] for r in rows] == [True, True, False, False]
    assert all(r["llm_calls"] == 1 and r["prompt_tokens"] > 50 and r["cited_pages"] for r in rows)
    written = read_rows(rows_path)  # document by document, strategy by strategy
    assert [(r["id"], r["strategy"]) for r in written] == [
        ("quality-01-01", "full"),
        ("quality-01-02", "full"),
        ("quality-01-01", "bm25"),
        ("quality-01-02", "bm25"),
    ]
    table = to_markdown(summarise(rows))
    assert "| quality | full | 2 | 50% (10%–90%) |" in table


def test_a_rerun_skips_answered_questions_and_drops_a_partial_line(
    quality: list[EvalItem], tmp_path: Path
) -> None:
    rows_path = tmp_path / "rows.jsonl"
    first = library_with(FakeChatModel(responder=answer_or_gist))
    evaluate(first, quality[:1], ["full"], rows_path)
    with rows_path.open("a") as out:
        out.write('{"id": "quality-01-02", "strat')  # a run killed mid-write
    model = FakeChatModel(responder=answer_or_gist)
    second = library_with(model)
    second._store = first.store
    rows = evaluate(second, quality, ["full"], rows_path)
    assert [r["id"] for r in rows] == ["quality-01-01", "quality-01-02"]
    assert len(model.requests) == 1  # only the new question; the document was ingested already
    lines = rows_path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["quality-01-01", "quality-01-02"]


def test_auto_reuses_the_routed_strategys_answer(quality: list[EvalItem], tmp_path: Path) -> None:
    rows_path = tmp_path / "rows.jsonl"
    library = library_with(FakeChatModel(responder=answer_or_gist, context_window=2540))
    # the window leaves 40 tokens for documents: a multiple-choice question routes to mapreduce
    evaluate(library, quality[:1], ["full"], rows_path)
    seeded = {**read_rows(rows_path)[0], "strategy": "mapreduce", "answer": "C", "correct": False}
    with rows_path.open("a") as out:
        out.write(json.dumps(seeded) + "\n")
    silent = FakeChatModel(context_window=2540)  # any call would fail the test
    library._fixed_model = silent
    rows = evaluate(library, quality[:1], ["auto"], rows_path)
    assert rows[0]["strategy"] == "auto" and rows[0]["routed"] == "mapreduce"
    assert rows[0]["answer"] == "C" and rows[0]["reused"] is True
    assert silent.requests == []


def test_a_model_error_stops_the_run_and_keeps_the_rows(
    quality: list[EvalItem], tmp_path: Path
) -> None:
    calls = {"answers": 0}

    def fails_second_answer(request: FakeRequest) -> str:
        if "Answer the question" in request.messages[-1]["content"]:
            calls["answers"] += 1
            if calls["answers"] == 2:
                raise ModelError("cannot reach the model server")
        return answer_or_gist(request)

    rows_path = tmp_path / "rows.jsonl"
    library = library_with(FakeChatModel(responder=fails_second_answer))
    with pytest.raises(ModelError):
        evaluate(library, quality, ["full"], rows_path)
    assert [r["id"] for r in read_rows(rows_path)] == ["quality-01-01"]
