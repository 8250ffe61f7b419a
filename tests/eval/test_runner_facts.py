"""The facts suite through the runner with a fake reader over real Chroma and LangGraph: found,
found and cited (against the citations' real offsets), pages read; its summary and tables; and
the F1 differences from the baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.registry import names
from reader.eval.datasets import load_items
from reader.eval.facts import FACTS, PAIRS
from reader.eval.items import EvalItem
from reader.eval.report import differences, summarise, to_markdown
from reader.eval.runner import evaluate
from tests.eval.support import ANSWER_PROMPT, facts_reader, library_with
from tests.fake_chat import FakeChatModel, FakeRequest


@pytest.fixture
def items(shared_data: Path, tmp_path: Path) -> list[EvalItem]:
    return load_items("facts", shared_data, tmp_path / "work", lengths=[2000])


def test_a_reader_quoting_the_planted_sentence_is_found_and_cited(
    items: list[EvalItem], tmp_path: Path
) -> None:
    library = library_with(FakeChatModel(responder=facts_reader))
    rows = evaluate(library, items, ["full"], tmp_path / "rows.jsonl")  # the whole document fits
    assert len(rows) == len(FACTS) + len(PAIRS)
    for row in rows:
        assert row["found"] and row["cited_fact"] and row["found_and_cited"], row["id"]
        assert row["pages_read"] >= 2 and row["kind"] in ("fact", "two-hop")
        assert len(row["spans"]) == (1 if row["kind"] == "fact" else 2)
    summary = summarise(rows)[0]
    assert summary["dataset"] == "facts-2000"
    assert summary["found"] == {"rate": 1.0, "ci95": [0.722, 1.0]}  # Wilson, 10 of 10
    assert summary["by_kind"]["two-hop"]["found_and_cited"]["rate"] == 1.0
    assert summary["by_kind"]["fact"]["questions"] == len(FACTS)
    table = to_markdown([summary])
    assert "| facts-2000 | full | 10 | 100% (72%–100%) | 100% (72%–100%) | 100% / 100% |" in table


def quotes_filler(request: FakeRequest) -> str:
    """Gives the right answer but cites the first sentence of page 1, never a planted one (and
    words of it in the answer, so that the quote seems to support it)."""
    reply = facts_reader(request)
    if ANSWER_PROMPT not in request.messages[-1]["content"]:
        return reply
    page = request.messages[-1]["content"].split('<page number="1"', 1)[1].split("\n", 2)[1]
    quote = page.split(". ")[0] + "."
    answer = json.loads(reply)["answer"] + " " + quote
    return json.dumps({**json.loads(reply), "answer": answer, "page": 1, "quote": quote})


def test_a_right_answer_citing_another_sentence_is_found_not_cited(
    items: list[EvalItem], tmp_path: Path
) -> None:
    library = library_with(FakeChatModel(responder=quotes_filler))
    rows = evaluate(library, items[:4], ["full"], tmp_path / "rows.jsonl")
    assert all(r["found"] and r["cited_spans"] for r in rows)
    assert not any(r["found_and_cited"] for r in rows)
    summary = summarise(rows)[0]
    assert summary["found"]["rate"] == 1.0 and summary["found_and_cited"]["rate"] == 0.0


def _rows(strategy: str, f1s: list[float], dataset: str = "literaryqa") -> list[dict]:
    return [
        {"id": f"q{i}", "dataset": dataset, "kind": "free", "strategy": strategy, "f1": f1}
        for i, f1 in enumerate(f1s)
    ]


def test_differences_pair_questions_with_each_baseline() -> None:
    full, bm25 = names(kind="baseline")
    strategy = names(kind="strategy")[0]
    rows = (
        _rows(full, [0.1, 0.2, 0.3, 0.0])
        + _rows(bm25, [0.5, 0.5, 0.5])  # answered three of the four
        + _rows(strategy, [0.6, 0.7, 0.8, 0.5])
        + _rows(strategy, [1.0], dataset="quality")  # no baseline rows there: no line
    )
    found = differences(rows)
    assert [(d["strategy"], d["baseline"], d["questions"]) for d in found] == [
        (strategy, full, 4),
        (strategy, bm25, 3),
    ]
    assert found[0]["f1_difference"] == 0.5 and found[0]["ci95"] == [0.5, 0.5]
    assert found[1]["f1_difference"] == 0.2
    low, high = found[1]["ci95"]
    assert low < 0.2 < high
    assert differences(rows) == found  # a fixed seed
    table = to_markdown([], found)
    assert f"| literaryqa | {strategy} | {bm25} | 3 | +0.200 (" in table
