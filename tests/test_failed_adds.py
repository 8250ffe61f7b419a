"""A failed add never poisons a document: remove and add again, or add the same bytes under
another name, and it works (ingestion keeps no state beside the store to replay)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.agents.test_ingest import write_book
from tests.openai_stub import StubReply, openai_stub

ROOT = Path(__file__).resolve().parents[1]


def tome(args: list[str], home: Path, base_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, "TOME_HOME": str(home), "TOME_BASE_URL": base_url, "TOME_LLM__RETRIES": "0",
        "TOME_PAGES__TARGET_TOKENS": "100", "TOME_PAGES__MAX_TOKENS": "140",
    }  # fmt: skip
    return subprocess.run([sys.executable, "-m", "reader", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip


def test_an_add_that_failed_on_a_500_can_be_removed_and_added_again(tmp_path: Path) -> None:
    book = write_book(tmp_path / "d.txt", chapters=1, paragraphs_per_chapter=3)
    home = tmp_path / "home"
    with openai_stub(lambda _: StubReply(status=500, error="boom")) as down:
        failed = tome(["add", str(book)], home, down.base_url)
    assert failed.returncode == 2 and "HTTP 500" in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    with openai_stub(lambda _: StubReply(content="Mara counts the lanterns at dawn.")) as up:
        listed = tome(["ls"], home, up.base_url)
        assert " failed " in listed.stdout
        assert tome(["rm", str(book)], home, up.base_url).returncode == 0
        again = tome(["add", "--json", str(book)], home, up.base_url)
        assert again.returncode == 0, again.stderr
        assert " ready " in tome(["ls"], home, up.base_url).stdout


def test_an_unsupported_name_does_not_poison_the_same_bytes_under_a_good_name(
    tmp_path: Path,
) -> None:
    text = write_book(tmp_path / "x.txt", chapters=1, paragraphs_per_chapter=2).read_bytes()
    odd = tmp_path / "x.xyz"
    odd.write_bytes(text)
    home = tmp_path / "home"
    with openai_stub(lambda _: StubReply(content="Mara counts the lanterns at dawn.")) as up:
        refused = tome(["add", str(odd)], home, up.base_url)
        assert refused.returncode == 2 and "unsupported file type" in refused.stderr
        added = tome(["add", "--json", str(tmp_path / "x.txt")], home, up.base_url)
        assert added.returncode == 0, added.stderr
