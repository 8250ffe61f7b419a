"""The LLM judge: LiteraryQA's Prometheus prompt, the "[RESULT] n" parse, grading over a stub
OpenAI-compatible server, failures as one line, and grading inside the runner (and on rerun)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from reader.eval.items import EvalItem
from reader.eval.judge import (
    ABS_SYSTEM_PROMPT,
    RUBRIC,
    Judge,
    JudgeError,
    judge_messages,
    parse_score,
)
from reader.eval.report import summarise, to_markdown
from reader.eval.runner import evaluate, read_rows
from tests.eval.support import ANSWER_PROMPT, library_with
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.openai_stub import StubReply, openai_stub

BOOK = "Ichabod Crane taught at the schoolhouse. He fled Sleepy Hollow after the ride.\n" * 3


def item(tmp_path: Path, n: int = 1) -> EvalItem:
    book = tmp_path / "hollow.txt"
    book.write_text(BOOK, encoding="utf-8")
    return EvalItem(
        f"literaryqa-41-{n:02d}", "literaryqa", "free", f"Where did Ichabod teach? ({n})",
        ["At the schoolhouse.", "In the village school."], book,
        title="The Legend of Sleepy Hollow",
    )  # fmt: skip


def test_the_prompt_is_prometheus_absolute_grading_with_the_rubric_and_references(
    tmp_path: Path,
) -> None:
    system, user = judge_messages(item(tmp_path), "He taught at the schoolhouse.")
    assert system == {"role": "system", "content": ABS_SYSTEM_PROMPT}
    prompt = user["content"]
    assert prompt.startswith("###Task Description:\nAn instruction (might include an Input")
    assert "about the story The Legend of Sleepy Hollow is:\nQuestion:" in prompt
    assert "Question:\nWhere did Ichabod teach? (1)" in prompt
    assert "###Response to evaluate:\nHe taught at the schoolhouse.\n" in prompt
    assert "###Reference Answer (Score 5):\nAt the schoolhouse.\nIn the village school.\n" in prompt
    assert f"[{RUBRIC['criteria']}]" in prompt
    for score in range(1, 6):
        assert f"Score {score}: {RUBRIC[f'score{score}_description']}" in prompt
    assert prompt.endswith("###Feedback: ")
    assert "{" not in prompt  # every placeholder filled


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Feedback: The answer matches the reference. [RESULT] 4", 4),
        ("Good. [RESULT] (5)", 5),
        ("A score of 2 seemed likely at first, but [RESULT] 3", 3),  # [RESULT] wins
        ("Feedback: fine.\nScore: 2", 2),  # prometheus-eval's looser forms
        ("It deserves 4/5 overall. [RESULT] 9", None),  # out of range
        ("I cannot grade this.", None),
        ("", None),
    ],
)
def test_parse_score(reply: str, expected: int | None) -> None:
    assert parse_score(reply) == expected


async def test_grade_over_an_openai_compatible_server(tmp_path: Path) -> None:
    with openai_stub(lambda _: StubReply(content="Feedback: right place. [RESULT] 4")) as stub:
        judge = Judge(stub.base_url, "prometheus-7b", "secret")
        verdict = await judge.grade(item(tmp_path), "At the schoolhouse.")
        await judge.aclose()
    assert verdict.score == 4 and verdict.feedback.startswith("Feedback: right place.")
    (request,) = stub.requests
    assert request["model"] == "prometheus-7b" and request["temperature"] == 0
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert "At the schoolhouse.\nIn the village school." in request["messages"][1]["content"]


async def test_garbage_is_no_score_and_a_dead_server_is_one_line(tmp_path: Path) -> None:
    with openai_stub(lambda _: StubReply(content="Lovely answer!!")) as stub:
        judge = Judge(stub.base_url, "j")
        assert (await judge.grade(item(tmp_path), "x")).score is None
        await judge.aclose()
    with openai_stub(lambda _: StubReply(status=404, error="no such model")) as stub:
        judge = Judge(stub.base_url, "j", max_retries=0)
        with pytest.raises(JudgeError, match=r"has no model 'j' \(404\); fix --judge-model"):
            await judge.grade(item(tmp_path), "x")
        await judge.aclose()
    judge = Judge("http://127.0.0.1:9/v1", "j", timeout=5, max_retries=0)
    with pytest.raises(JudgeError, match=r"cannot reach the judge at http://127\.0\.0\.1:9/v1"):
        await judge.grade(item(tmp_path), "x")
    await judge.aclose()


def reader_answer(request: FakeRequest) -> str:
    if ANSWER_PROMPT in request.messages[-1]["content"]:
        return json.dumps({"answer": "At the schoolhouse", "page": 1, "quote": ""})
    return "Ichabod teaches and flees."


def test_the_runner_grades_answers_and_a_rerun_grades_the_ungraded(tmp_path: Path) -> None:
    items = [item(tmp_path, 1), item(tmp_path, 2)]
    rows_path = tmp_path / "rows.jsonl"
    library = library_with(FakeChatModel(responder=reader_answer))
    evaluate(library, items[:1], ["bm25"], rows_path)  # no judge: no grade
    assert "judge_score" not in read_rows(rows_path)[0]

    def grades(request: dict[str, Any]) -> StubReply:
        asked = re.search(r"\((\d)\)\n", request["messages"][1]["content"])
        return StubReply(content=f"Feedback: ok [RESULT] {3 + int(asked.group(1))}")

    with openai_stub(grades) as stub:
        rows = evaluate(library, items, ["bm25"], rows_path, judge=Judge(stub.base_url, "j"))
    assert [r["judge_score"] for r in rows] == [4, 5]
    assert len(stub.requests) == 2  # the old row graded, the new one answered and graded
    assert len(read_rows(rows_path)) == 3  # the graded old row appended; the later line wins
    summary = summarise(rows)[0]
    assert (summary["judge"], summary["judged"]) == (4.5, 2)
    assert summary["contains"] == 1.0
    assert "| literaryqa | bm25 | 2 | " in to_markdown([summary])
    assert "| 4.50 (2) |" in to_markdown([summary])


def test_a_dead_judge_stops_the_run_and_keeps_the_answer(tmp_path: Path) -> None:
    rows_path = tmp_path / "rows.jsonl"
    model = FakeChatModel(responder=reader_answer)
    library = library_with(model)
    dead = Judge("http://127.0.0.1:9/v1", "j", timeout=5, max_retries=0)
    with pytest.raises(JudgeError, match="cannot reach the judge"):
        evaluate(library, [item(tmp_path)], ["bm25"], rows_path, judge=dead)
    (kept,) = read_rows(rows_path)
    assert kept["answer"] == "At the schoolhouse" and "judge_score" not in kept
    answered = len(model.requests)
    with openai_stub(lambda _: StubReply(content="[RESULT] 5")) as stub:
        (row,) = evaluate(
            library, [item(tmp_path)], ["bm25"], rows_path, judge=Judge(stub.base_url, "j")
        )
    assert row["judge_score"] == 5 and len(model.requests) == answered  # graded, not re-asked
