"""`kill -9` during `tome add`, then `tome add` again: finished gists are not generated again.

The tome process is real (a subprocess running the CLI); the model is a local stub of the OpenAI
API that answers slowly enough for the kill to land mid-run and records every prompt it gets.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memory.embeddings import make_embedder
from memory.store import MemoryStore
from reader.core.settings import load_settings
from tests.agents.test_ingest import write_book
from tests.openai_stub import OpenAIStub, StubReply, openai_stub

ROOT = Path(__file__).resolve().parents[2]
PAGE_RE = re.compile(r"Page (\d+) of (\d+)")


SPAN_RE = re.compile(r"Summaries of \d+ consecutive parts, pages (\d+)-(\d+)")


def pages_asked(requests: list[dict]) -> list[int]:
    found = []
    for request in requests:
        if match := PAGE_RE.search(request["messages"][-1]["content"]):
            found.append(int(match.group(1)))
    return found


def spans_asked(requests: list[dict]) -> list[tuple[int, int]]:
    found = []
    for request in requests:
        if match := SPAN_RE.search(request["messages"][-1]["content"]):
            found.append((int(match.group(1)), int(match.group(2))))
    return found


def progress(settings) -> tuple[set[int], set[tuple[int, int]]]:
    """Pages gisted and level-2 spans summarised so far, as another process sees the store."""
    if not settings.chroma_dir.exists():
        return set(), set()
    store = MemoryStore(settings, make_embedder(settings.memory.embedding))
    docs = store.documents()
    if not docs:
        return set(), set()
    gisted = {n.first_page + 1 for n in store.nodes(docs[0].id, 1)}
    spans = {(n.first_page + 1, n.last_page + 1) for n in store.nodes(docs[0].id, 2)}
    return gisted, spans


def sigint_as_at_a_terminal() -> None:
    """Popen's preexec_fn for a child the test will Ctrl-C. A shell that runs the suite in the
    background (`make test &`) starts it with SIGINT ignored, children inherit that, and Python
    installs no KeyboardInterrupt handler over an inherited SIG_IGN: the Ctrl-C would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_after(process: subprocess.Popen[str], stub: OpenAIStub, requests: int) -> str:
    """Ctrl-C `process` once the stub has had `requests` requests; its exit must be 130 with one
    stderr line, which is returned."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(stub.requests) < requests:
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)  # polling the stub for a condition, with a deadline
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("phase", ["gists", "tree"])
def test_kill_9_mid_ingest_then_rerun_resumes(tmp_path: Path, tome_home: Path, phase: str) -> None:
    """Killed while gisting (after three gists) or while building the tree (after the first
    level-2 summary): the rerun asks the model for nothing that was stored."""
    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=5)
    reply = StubReply(content="Someone did something important on this page.", delay=0.4)
    with openai_stub(lambda _: reply) as stub:
        env = {
            **os.environ,
            "TOME_HOME": str(tome_home),
            "TOME_BASE_URL": stub.base_url,
            "TOME_PAGES__TARGET_TOKENS": "100",
            "TOME_PAGES__MAX_TOKENS": "140",
            "TOME_INGEST__CONCURRENCY": "1",
            "TOME_INGEST__GROUP_TOKENS": "30",
        }
        command = [sys.executable, "-m", "reader", "add", "--json", str(book)]
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)  # fmt: skip
        settings = load_settings()
        deadline = time.monotonic() + 120
        gisted: set[int] = set()
        spans: set[tuple[int, int]] = set()

        def reached() -> bool:
            return len(gisted) >= 3 if phase == "gists" else bool(spans)

        while time.monotonic() < deadline and not reached():
            assert first.poll() is None, first.communicate()
            gisted, spans = progress(settings)
            time.sleep(0.2)  # polling another process for a condition, with a deadline
        assert reached(), f"the first run never reached the {phase} phase"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
        gisted, spans = progress(settings)  # what was stored when the kill landed

        asked_before = len(stub.requests)
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=300)  # fmt: skip
        assert second.returncode == 0, second.stderr
        again = stub.requests[asked_before:]
        redone = set(pages_asked(again))
        assert not (redone & gisted), f"finished pages asked again: {sorted(redone & gisted)}"
        resummarised = set(spans_asked(again)) & spans
        assert not resummarised, f"finished summaries asked again: {sorted(resummarised)}"
        if phase == "tree":
            assert not redone, "the tree phase began after every gist was stored"

    store = MemoryStore(settings, make_embedder(settings.memory.embedding))
    doc = store.documents()[0]
    assert doc.status == "ready"
    assert len(store.nodes(doc.id, 1)) == doc.pages
    assert sorted(set(pages_asked(stub.requests))) == list(range(1, doc.pages + 1))


def test_ctrl_c_stops_at_once_with_one_line_and_the_document_says_interrupted(
    tmp_path: Path, tome_home: Path
) -> None:
    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=5)
    reply = StubReply(content="Someone did something important on this page.", delay=1.0)
    with openai_stub(lambda _: reply) as stub:
        env = {
            **os.environ,
            "TOME_HOME": str(tome_home),
            "TOME_BASE_URL": stub.base_url,
            "TOME_PAGES__TARGET_TOKENS": "100",
            "TOME_PAGES__MAX_TOKENS": "140",
            "TOME_INGEST__CONCURRENCY": "1",
        }
        first = subprocess.Popen(
            [sys.executable, "-m", "reader", "add", str(book)], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=sigint_as_at_a_terminal,
        )  # fmt: skip
        settings = load_settings()
        # three model calls made (two gists stored, the third in flight): 1 s a call leaves
        # seconds of work, so the interrupt lands mid-run however slow the machine is
        line = interrupt_after(first, stub, 3)
    assert re.fullmatch(
        r"Error: interrupted; rerun `tome add .*book\.txt` to finish: \d+ of \d+ pages done",
        line,
    ), line
    store = MemoryStore(settings, make_embedder(settings.memory.embedding))
    assert store.documents()[0].status == "interrupted"


def test_ctrl_c_during_batch_is_one_line_saying_how_to_finish(
    tmp_path: Path, tome_home: Path
) -> None:
    book = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=2)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        "".join(f'{{"id": "q{i}", "question": "What happens {i}?", "documents": ["{book}"]}}\n'
                for i in range(6)),
        encoding="utf-8",
    )  # fmt: skip
    answer = '{"answer": "Something.", "page": 1, "quote": ""}'
    reply = StubReply(content=answer, delay=1.0)
    with openai_stub(lambda _: reply) as stub:
        env = {**os.environ, "TOME_HOME": str(tome_home), "TOME_BASE_URL": stub.base_url,
               "TOME_LLM__CONCURRENCY": "1"}  # fmt: skip
        out = tmp_path / "answers.jsonl"
        add = subprocess.run([sys.executable, "-m", "reader", "add", "-q", str(book)], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert add.returncode == 0, add.stderr
        asked = len(stub.requests)
        running = subprocess.Popen(
            [sys.executable, "-m", "reader", "batch", str(questions), "--out", str(out),
             "--strategy", "bm25", "--concurrency", "1"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=sigint_as_at_a_terminal,
        )  # fmt: skip
        line = interrupt_after(running, stub, asked + 2)
    assert re.fullmatch(
        r"Error: interrupted; rerun `tome batch .*questions\.jsonl --out .*answers\.jsonl` to "
        r"finish: \d of 6 questions answered this run",
        line,
    ), line
