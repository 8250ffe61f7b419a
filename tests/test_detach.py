"""`tome add --detach`: the command returns once the pages are stored, the document can be asked
at once (from retrieval, saying how much memory exists), and the builder finishes in the
background. Real tome processes against a local stub of the OpenAI API."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from agents.ingest.runner import file_document_id
from tests.agents.test_ingest import write_book
from tests.openai_stub import StubReply, openai_stub

ROOT = Path(__file__).resolve().parents[1]
ANSWER = json.dumps({"answer": "Someone did something.", "page": 1, "quote": ""})


def held_after(replies: int, until: threading.Event, timeout: float) -> Callable[[], None]:
    """Called before each gist reply: past the first `replies`, it waits for `until`, so the
    builder cannot finish before the test is ready for it, however fast the machine is."""
    counted = itertools.count(1)

    def hold() -> None:
        if next(counted) > replies:
            until.wait(timeout)

    return hold


def test_add_detach_returns_early_and_the_document_is_askable_while_it_builds(
    tmp_path: Path, tome_home: Path
) -> None:
    asked_while_building = threading.Event()
    hold = held_after(3, asked_while_building, 120)  # the builder cannot finish before it is asked

    def reply(request: dict) -> StubReply:
        if "Question:" in request["messages"][-1]["content"]:
            return StubReply(content=ANSWER)
        hold()
        return StubReply(content="Someone did something important on this page.", delay=0.2)

    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=5)
    with openai_stub(reply) as stub:
        env = {
            **os.environ, "TOME_HOME": str(tome_home), "TOME_BASE_URL": stub.base_url,
            "TOME_PAGES__TARGET_TOKENS": "100", "TOME_PAGES__MAX_TOKENS": "140",
            "TOME_INGEST__CONCURRENCY": "1",
            "TOME_LLM__CONTEXT_WINDOW": "3000",  # too small to read the book whole
        }  # fmt: skip

        def tome(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "reader", *args], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)  # fmt: skip

        added = tome("add", "--detach", "--json", str(book))
        assert added.returncode == 0, added.stderr
        (row,) = json.loads(added.stdout)
        assert row["status"] == "ingesting" and row["pages"] >= 8
        gists_by_then = sum("Page " in r["messages"][-1]["content"] for r in stub.requests)
        assert gists_by_then < row["pages"], "it returned before the memory was built"

        asked = tome("ask", row["id"], "Who did something?", "--strategy", "lookup", "--json")
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert answer["strategy"] == "hybrid"
        assert answer["memory"].startswith("memory ") and "% built" in answer["memory"]
        listed = tome("ls")
        assert "ingesting" in listed.stdout and "pages summarised" in listed.stdout
        asked_while_building.set()

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "ready" not in tome("ls").stdout:
            time.sleep(0.5)  # polling the background builder through the store
        assert "ready" in tome("ls").stdout, Path(row["log"]).read_text()
        again = tome("ask", row["id"], "Who did something?", "--strategy", "lookup", "--json")
        assert json.loads(again.stdout)["memory"] == ""


def test_killing_the_builder_while_a_question_is_answered_loses_neither(
    tmp_path: Path, tome_home: Path
) -> None:
    """kill -9 of a running `tome add` while another process's question is with the model: the
    answer still comes, the document says `interrupted`, and the next add finishes it without
    asking again for a gist that was stored."""
    answering, release = threading.Event(), threading.Event()
    hold = held_after(3, release, 60)  # the builder cannot finish before it is killed

    def held(request: dict) -> StubReply:
        if "Question:" in request["messages"][-1]["content"]:
            answering.set()
            release.wait(60)  # the answer stays with the model until the builder is dead
            return StubReply(content=ANSWER)
        hold()
        return StubReply(content="Someone did something important on this page.", delay=0.3)

    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=5)
    with openai_stub(held) as stub:
        env = {
            **os.environ, "TOME_HOME": str(tome_home), "TOME_BASE_URL": stub.base_url,
            "TOME_PAGES__TARGET_TOKENS": "100", "TOME_PAGES__MAX_TOKENS": "140",
            "TOME_INGEST__CONCURRENCY": "1", "TOME_LLM__CONTEXT_WINDOW": "3000",
        }  # fmt: skip

        def start(*args: str) -> subprocess.Popen[str]:
            return subprocess.Popen(
                [sys.executable, "-m", "reader", *args], cwd=ROOT, env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip

        def gists() -> list[str]:
            return [r["messages"][-1]["content"] for r in stub.requests
                    if "Page " in r["messages"][-1]["content"]]  # fmt: skip

        builder = start("add", str(book))
        deadline = time.monotonic() + 60
        while len(gists()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)  # polling the stub for the builder's first gist calls
        assert len(gists()) >= 3, builder.stderr.read() if builder.poll() is not None else ""
        asker = start("ask", file_document_id(book), "Who did something?", "--json")
        assert answering.wait(60), "the question never reached the model"
        builder.kill()
        builder.wait(30)
        release.set()
        out, err = asker.communicate(timeout=60)
        assert asker.returncode == 0, err
        answer = json.loads(out)
        assert answer["answer"] == "Someone did something." and answer["citations"], answer
        assert "% built" in answer["memory"]  # answered while the memory was incomplete

        listed = subprocess.run([sys.executable, "-m", "reader", "ls", "--json"], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
        (record,) = json.loads(listed.stdout)
        assert record["status"] == "interrupted"
        stored = record["progress"]["pages_gisted"]
        asked_before = len(gists())
        rerun = subprocess.run(
            [sys.executable, "-m", "reader", "add", "--json", str(book)], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr
        done = json.loads(rerun.stdout)
        assert done["gists"] == done["pages"]
        assert len(gists()) - asked_before == done["pages"] - stored  # no stored gist again
