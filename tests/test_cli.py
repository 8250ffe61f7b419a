"""The CLI's error contract: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from reader.cli.main import main
from reader.cli.progress import IngestProgress
from reader.core.errors import DocumentError, NotFoundError
from reader.library import Library

ROOT = Path(__file__).resolve().parents[1]


def test_unreachable_model_server_is_one_line_naming_the_url(tome_home: Path) -> None:
    env = {**os.environ, "TOME_HOME": str(tome_home), "TOME_BASE_URL": "http://127.0.0.1:9/v1"}
    done = subprocess.run(
        [sys.executable, "-m", "reader", "doctor"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "http://127.0.0.1:9/v1" in lines[0]
    shown = done.stdout.splitlines()  # every check is listed, the failed one marked
    assert any(line.startswith("ok    tiktoken") for line in shown), done.stdout
    assert any(line.startswith("FAIL  chat round trip") for line in shown), done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_debug_shows_the_traceback(tome_home: Path) -> None:
    plain = CliRunner().invoke(main, ["show", "nope"])
    assert plain.exit_code == 2 and isinstance(plain.exception, SystemExit)
    result = CliRunner().invoke(main, ["--debug", "show", "nope"])
    assert isinstance(result.exception, NotFoundError)  # raised, so Python prints its traceback


def test_unknown_document_is_a_clear_error(tome_home: Path) -> None:
    result = CliRunner().invoke(main, ["show", "no-such-document"])
    assert result.exit_code == 2
    assert "no-such-document" in result.output and "Traceback" not in result.output


def test_bad_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.toml"), "ls"])
    assert result.exit_code == 2
    assert "nope.toml" in result.output


def test_every_command_has_help() -> None:
    for command in main.commands:
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage:" in result.output


def test_every_command_named_in_a_message_exists() -> None:
    """Every `tome X` that the product's code says to a user is a real command."""
    root = Path(__file__).resolve().parents[1]
    named: dict[str, str] = {}
    for package in ("reader", "memory", "agents", "tui"):
        for source in (root / package).rglob("*.py"):
            for command in re.findall(r"`tome ([a-z][a-z-]*)", source.read_text()):
                named.setdefault(command, str(source.relative_to(root)))
    assert named, "no messages found: the scan looks in the wrong place"
    missing = {c: where for c, where in named.items() if c not in main.commands}
    assert not missing, f"messages name commands that do not exist: {missing}"


def test_add_of_a_missing_or_unsupported_file_is_exactly_one_stderr_line(tmp_path: Path) -> None:
    odd = tmp_path / "notes.xyz"
    odd.write_text("some text")
    for path in (tmp_path / "missing.txt", odd):
        done = subprocess.run(
            [sys.executable, "-m", "reader", "add", str(path)], cwd=ROOT, capture_output=True,
            text=True, timeout=120, env={**os.environ, "TOME_BASE_URL": "http://127.0.0.1:9/v1"},
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
        assert done.stderr.startswith("Error:") and path.name in done.stderr


def test_a_refused_file_leaves_no_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    odd = tmp_path / "notes.xyz"
    odd.write_text("some text")
    with pytest.raises(DocumentError), IngestProgress(odd.name, console) as progress:
        Library().ingest(odd, on_event=progress)
    assert screen.getvalue() == ""


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"TOME_HOME": "/etc/hostname"}, "is not a directory; set TOME_HOME"),
        ({"TOME_HOME": "/proc/no-such/dir"}, "cannot be created"),
        ({"TOME_LLM": "{bad json"}, "TOME_ environment variable cannot be read"),
    ],
)
def test_a_broken_environment_is_one_line(env: dict[str, str], says: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reader", "ls"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={**os.environ, **env},
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr


def test_a_fifo_is_refused_at_once_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    done = subprocess.run(
        [sys.executable, "-m", "reader", "add", str(fifo)], cwd=ROOT, capture_output=True,
        text=True, timeout=60, env={**os.environ, "TOME_BASE_URL": "http://127.0.0.1:9/v1"},
    )  # fmt: skip
    assert done.returncode == 2 and "is not a regular file" in done.stderr
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_output_to_a_full_disk_is_one_line(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:  # every write fails with ENOSPC
        done = subprocess.run(
            [sys.executable, "-m", "reader", "ls", "--json"], cwd=ROOT, stdout=full,
            stderr=subprocess.PIPE, text=True, timeout=120,
            env={**os.environ, "TOME_HOME": str(tmp_path / "home")},
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["Error: the disk is full; free some space and rerun"]


def test_the_data_directory_is_created_private(tmp_path: Path) -> None:
    home = tmp_path / "fresh-home"
    done = subprocess.run(
        [sys.executable, "-m", "reader", "ls"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={**os.environ, "TOME_HOME": str(home)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert home.stat().st_mode & 0o777 == 0o700


def test_quiet_add_prints_only_ids_and_counts_are_singular(tmp_path: Path) -> None:
    from tests.agents.test_ingest import make_library, responder
    from tests.fake_chat import FakeChatModel

    library = make_library(tmp_path, FakeChatModel(responder=responder))
    note = tmp_path / "note.txt"
    note.write_text("A short note about the harbour at dawn, where Mara waits for the ship.\n")
    added = CliRunner().invoke(main, ["add", "-q", str(note)], obj={"library": library})
    assert added.exit_code == 0, added.output
    (doc_id,) = added.output.split()
    listed = CliRunner().invoke(main, ["ls"], obj={"library": library})
    assert doc_id in listed.output and " 1 page " in listed.output


def test_estimate_prints_the_cost_without_a_model_call_and_learns_the_speed(
    tmp_path: Path,
) -> None:
    from agents.ingest.estimate import calibrate, endpoint_key
    from reader.core.settings import load_settings
    from tests.agents.test_ingest import make_library, responder, write_book
    from tests.fake_chat import FakeChatModel

    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=4)
    shown = CliRunner().invoke(main, ["add", "--estimate", "--json", str(book)],
                               obj={"library": library})  # fmt: skip
    assert shown.exit_code == 0, shown.output
    first = json.loads(shown.output)
    assert model.requests == [] and library.documents() == []  # nothing called, nothing added
    assert first["pages"] >= 5 and first["calls"] > first["pages"] and first["seconds"] > 0
    settings = load_settings(home=library.settings.home)
    calibrate(settings, first["prompt_tokens"], first["completion_tokens"], 2 * first["seconds"])
    assert endpoint_key(settings).startswith("embedded:")
    again = json.loads(CliRunner().invoke(main, ["add", "--estimate", "--json", str(book)],
                                          obj={"library": library}).output)  # fmt: skip
    assert again["seconds"] == pytest.approx(2 * first["seconds"], rel=0.01)
    assert again["basis"].startswith("measured")
