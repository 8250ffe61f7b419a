"""`tome batch` and `Library.batch`: answers appended as they finish, files ingested once,
resumable, malformed lines and failures reported without stopping the batch.

Fake chat model and embedder in process (real LangGraph, Chroma, tiktoken); the kill test runs the
real CLI in a subprocess against a local stub of the OpenAI API."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from rich.console import Console

from agents.answer.prompts import AnswerReply
from reader.batch import batch, repair_output
from reader.cli.main import main
from reader.cli.progress import BatchProgress
from reader.core.errors import ModelError
from reader.core.events import FileIngesting, WorkEvent
from tests.agents.test_answer_fixtures import numbered
from tests.agents.test_ingest import gist_requests, make_library, write_book
from tests.agents.test_ingest import responder as gist_responder
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.openai_stub import StubReply, openai_stub

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {"id", "answer", "citations", "strategy", "llm_calls", "prompt_tokens",
          "completion_tokens", "seconds", "llm_seconds"}  # fmt: skip


def quote_of(text: str) -> str:
    line = next((ln for ln in text.splitlines() if ln.startswith("Paragraph")), text)
    return " ".join(line.split()[:6])


def answer_reply(request: FakeRequest) -> AnswerReply:
    page, text = next(iter(numbered(request).items()))
    return AnswerReply(answer="Alpha and beta, mostly.", page=page, quote=quote_of(text))


class Model(FakeChatModel):
    """Gists like the ingestion tests; answers quote page 1; questions with FAIL raise while
    `failing` is set."""

    def __init__(self) -> None:
        super().__init__(responder=self.respond)
        self.failing = True

    def respond(self, request: FakeRequest) -> Any:
        if request.schema is not AnswerReply:
            return gist_responder(request)
        if self.failing and "FAIL" in request.messages[-1]["content"]:
            return ModelError("the model endpoint answered 500; try again")
        return answer_reply(request)

    def answers(self) -> int:
        return sum(r.schema is AnswerReply for r in self.requests)


def write_lines(path: Path, lines: list[Any]) -> Path:
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    path.write_text(text, encoding="utf-8")
    return path


def q(qid: str, book: Path | str, question: str = "Which words come first?", **more: Any) -> dict:
    return {"id": qid, "question": question, "documents": [str(book)], **more}


def read_out(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_answers_are_appended_with_every_field_and_files_ingested_once(tmp_path: Path) -> None:
    model = Model()
    library = make_library(tmp_path, model)
    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=3)
    same = tmp_path / "sub" / ".." / "book.txt"
    (tmp_path / "sub").mkdir()
    questions = write_lines(
        tmp_path / "q.jsonl",
        [q(f"q{i}", book if i % 2 else same) for i in range(6)] + [q("r", book, strategy="rag")],
    )
    events: list[WorkEvent] = []
    report = batch(
        library, questions, tmp_path / "out.jsonl", concurrency=3, on_event=events.append
    )

    doc = library.store.documents()[0]
    assert (report.answered, report.skipped, report.malformed, report.failed) == (7, 0, 0, 0)
    assert report.ok and report.exit_code == 0 and report.ingested == [doc.id]
    assert gist_requests(model) == list(range(1, doc.pages + 1))  # one ingestion
    starts = [e for e in events if isinstance(e, FileIngesting) and e.event is None]
    assert len(starts) == 2 and starts[-1].finished  # one file ingested: its start and end
    rows = read_out(tmp_path / "out.jsonl")
    assert sorted(r["id"] for r in rows) == ["q0", "q1", "q2", "q3", "q4", "q5", "r"]
    for row in rows:
        assert set(row) >= FIELDS and row["documents"] == [doc.id]
        assert row["answer"] == "Alpha and beta, mostly." and row["llm_calls"] == 1
        assert row["prompt_tokens"] > 0
        assert row["strategy"] == ("rag" if row["id"] == "r" else "whole")
        cite = row["citations"][0]
        assert cite["document"] == doc.id and cite["page_number"] >= 1
        assert cite["page"].startswith(doc.id) and cite["quote"]


def test_rerun_skips_done_ids_and_drops_a_torn_last_line(tmp_path: Path) -> None:
    model = Model()
    library = make_library(tmp_path, model)
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=2)
    out = tmp_path / "out.jsonl"
    questions = write_lines(tmp_path / "q.jsonl", [q("a", book), q("b", book)])
    assert batch(library, questions, out).answered == 2
    with out.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "c", "answer": "half a li')  # a kill mid-write
    write_lines(questions, [q("a", book), q("b", book), q("c", book)])
    asked = model.answers()

    report = batch(library, questions, out)
    assert (report.answered, report.skipped) == (1, 2) and report.ingested == []
    assert model.answers() == asked + 1
    ids = [r["id"] for r in read_out(out)]  # in the order they finished
    assert sorted(ids[:2]) == ["a", "b"] and ids[2:] == ["c"]
    again = batch(library, questions, out)
    assert (again.answered, again.skipped) == (0, 3) and len(read_out(out)) == 3


def test_repair_drops_an_invalid_last_line_only(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"id": "a"}\nnot json\n{"id": 2}\n{"id": "x", "ans\n')
    assert repair_output(out) == {"a", "2"}
    assert out.read_bytes() == b'{"id": "a"}\nnot json\n{"id": 2}\n'
    assert repair_output(tmp_path / "none.jsonl") == set()


def test_malformed_lines_are_reported_with_numbers_and_the_rest_answered(tmp_path: Path) -> None:
    library = make_library(tmp_path, Model())
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=2)
    questions = write_lines(
        tmp_path / "q.jsonl",
        [
            q("ok1", book),
            "{not json",
            {"question": "Who?", "documents": [str(book)]},
            q("e", book, question="  "),
            {"id": "d", "question": "Who?", "documents": str(book)},
            {"id": "n", "question": "Who?", "documents": [3]},
            "",
            q("ok1", book),
            q("gone", "no-such-document"),
            q("ok2", book),
        ],
    )
    result = CliRunner().invoke(
        main, ["batch", str(questions), "--out", str(tmp_path / "out.jsonl"), "--json"],
        obj={"library": library},
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert (summary["answered"], summary["malformed"], summary["failed"]) == (2, 6, 1)
    assert not summary["ok"]
    problems = summary["problems"]
    for number in (2, 3, 4, 5, 6):
        assert any(p.startswith(f"line {number}: ") for p in problems), number
    assert any(p.startswith("line 8 (id ok1): duplicate id (first on line 1)") for p in problems)
    assert any(p.startswith("line 9 (id gone): document 'no-such-document'") for p in problems)
    assert "line 2: not valid JSON" in result.stderr
    assert sorted(r["id"] for r in read_out(tmp_path / "out.jsonl")) == ["ok1", "ok2"]


def test_a_failing_question_is_reported_not_written_and_retried(tmp_path: Path) -> None:
    model = Model()
    library = make_library(tmp_path, model)
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=2)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = tmp_path / "out.jsonl"
    questions = write_lines(
        tmp_path / "q.jsonl",
        [q("a", book), q("bad", book, question="FAIL please"), q("b", book), q("x", empty)],
    )
    report = batch(library, questions, out, concurrency=2)
    assert (report.answered, report.failed, report.exit_code) == (2, 2, 1)
    assert any(p.startswith("line 2 (id bad): the model endpoint answered 500")
               for p in report.problems)  # fmt: skip
    assert any(p.startswith("line 4 (id x): document") and "ingestion failed" in p
               for p in report.problems)  # fmt: skip
    assert sorted(r["id"] for r in read_out(out)) == ["a", "b"]

    model.failing = False
    empty.unlink()
    write_lines(questions, [q("a", book), q("bad", book, question="FAIL please"), q("b", book)])
    again = batch(library, questions, out)
    assert (again.answered, again.skipped, again.failed, again.exit_code) == (1, 2, 0, 0)
    assert sorted(r["id"] for r in read_out(out)) == ["a", "b", "bad"]


def test_cli_help_summary_and_missing_file(tmp_path: Path) -> None:
    runner = CliRunner()
    help_text = runner.invoke(main, ["batch", "--help"])
    assert help_text.exit_code == 0 and "--out" in help_text.output
    assert "--concurrency" in help_text.output and "Exit code" in help_text.output

    missing = runner.invoke(main, ["batch", str(tmp_path / "nope.jsonl"), "--out", "a.jsonl"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    assert missing.output.strip().splitlines() == [
        f"Error: {tmp_path / 'nope.jsonl'} does not exist; check the path"
    ]

    library = make_library(tmp_path, Model())
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=2)
    questions = write_lines(tmp_path / "q.jsonl", [q("a", book)])
    args = ["batch", str(questions), "--out", str(tmp_path / "out.jsonl")]
    result = runner.invoke(main, args, obj={"library": library})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("answered 1, skipped 0 (already done), malformed 0, failed 0")
    result = runner.invoke(main, [*args, "--json", "--quiet"], obj={"library": library})
    assert result.exit_code == 0
    assert json.loads(result.stdout) | {"seconds": 0} == {
        "answered": 0, "skipped": 1, "other_shard": 0, "malformed": 0, "failed": 0, "ingested": [],
        "problems": [], "seconds": 0, "output": str(tmp_path / "out.jsonl"), "ok": True,
    }  # fmt: skip


def test_doctor_json_lists_the_checks(tome_home: Path) -> None:
    env = {**os.environ, "TOME_HOME": str(tome_home), "TOME_BASE_URL": "http://127.0.0.1:9/v1"}
    done = subprocess.run(
        [sys.executable, "-m", "reader", "doctor", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    checks = json.loads(done.stdout)
    assert done.returncode == 2
    assert {c["name"] for c in checks} >= {"settings", "model endpoint", "memory"}
    assert all(set(c) == {"name", "ok", "detail", "ran"} for c in checks)
    assert all(c["ran"] or not c["ok"] for c in checks)  # a check not run is never ok
    assert any(not c["ok"] for c in checks)


class AnswerStub:
    """Gists at once; answers slowly, counting how many are in flight at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.answers = 0
        self.gists = 0

    def __call__(self, request: dict[str, Any]) -> StubReply:
        prompt = request["messages"][-1]["content"]
        if "Question:" not in prompt:
            with self.lock:
                self.gists += 1
            return StubReply(content="Someone did something important on this page.")
        with self.lock:
            self.in_flight += 1
            self.answers += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        time.sleep(0.4)  # simulated model work, so the kill lands mid-batch
        with self.lock:
            self.in_flight -= 1
        reply = {"answer": "Alpha.", "page": 1, "quote": "alpha beta"}
        return StubReply(content=json.dumps(reply))


def count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_kill_9_mid_batch_then_rerun_answers_each_id_once(tmp_path: Path, tome_home: Path) -> None:
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=3)
    ids = [f"q{i}" for i in range(12)]
    questions = write_lines(tmp_path / "q.jsonl", [q(i, book) for i in ids])
    out = tmp_path / "out.jsonl"
    stub_handler = AnswerStub()
    with openai_stub(stub_handler) as stub:
        env = {**os.environ, "TOME_HOME": str(tome_home), "TOME_BASE_URL": stub.base_url,
               "TOME_PAGES__TARGET_TOKENS": "100", "TOME_PAGES__MAX_TOKENS": "140",
               "TOME_LLM__CONCURRENCY": "2"}  # fmt: skip
        command = [sys.executable, "-m", "reader", "batch", str(questions), "--out", str(out),
                   "--concurrency", "2", "--json"]  # fmt: skip
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and count_lines(out) < 3:
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)  # polling another process's output file, with a deadline
        written = count_lines(out)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert 3 <= written < len(ids), "the first run never wrote three answers"
        assert first.returncode == -signal.SIGKILL
        gists = stub_handler.gists

        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=120)  # fmt: skip
        assert second.returncode == 0, second.stderr
        summary = json.loads(second.stdout)

    rows = read_out(out)
    assert sorted(r["id"] for r in rows) == sorted(ids)
    assert summary["skipped"] >= 3 and summary["answered"] + summary["skipped"] == len(ids)
    assert summary["ingested"] == [] and stub_handler.gists == gists  # ingested once
    assert stub_handler.max_in_flight == 2
    assert all(r["citations"] and r["llm_calls"] == 1 for r in rows)


def test_progress_shows_ingestion_then_questions_and_prints_problems(tmp_path: Path) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    library = make_library(tmp_path, Model())
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=2)
    questions = write_lines(tmp_path / "q.jsonl", [q("a", book), "[]", q("b", book)])
    with BatchProgress(console=console) as progress:
        report = batch(library, questions, tmp_path / "out.jsonl", on_event=progress)
    assert report.answered == 2
    text = screen.getvalue()
    assert "book.txt" in text and "questions" in text and "2/2" in text
    assert "line 2: not a JSON object" in text


def test_shards_split_a_file_so_every_question_is_answered_once(tmp_path: Path) -> None:
    from reader.batch import in_shard

    library = make_library(tmp_path, Model())
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=2)
    ids = [f"q{i}" for i in range(12)]
    questions = write_lines(tmp_path / "q.jsonl", [q(i, book) for i in ids])
    outs = []
    for k in (1, 2, 3):
        out = tmp_path / f"out{k}.jsonl"
        report = batch(library, questions, out, shard=(k, 3))
        assert report.answered + report.other_shard == len(ids)
        outs.append(out)
    answered = [r["id"] for out in outs for r in read_out(out)]
    assert sorted(answered) == sorted(ids)  # the union: every id exactly once
    assert all(in_shard(i, 2, 3) for i in (r["id"] for r in read_out(outs[1])))
    result = CliRunner().invoke(main, ["batch", str(questions), "--out", "x", "--shard", "4/3"])
    assert result.exit_code == 2 and "is not K/N" in result.output
