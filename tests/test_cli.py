"""The CLI's error contract: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from reader.cli import main

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
    assert "Traceback" not in done.stderr + done.stdout


def test_debug_shows_the_traceback(tome_home: Path) -> None:
    result = CliRunner().invoke(main, ["--debug", "show", "nope"])
    assert result.exit_code != 0 and result.exception is not None


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
