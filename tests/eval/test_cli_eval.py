"""`tome eval` from the command line: help, and bad input as one line with exit code 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from agents.registry import names
from reader.cli.main import main


def test_help_names_the_datasets_and_baselines() -> None:
    result = CliRunner().invoke(main, ["eval", "--help"])
    assert result.exit_code == 0
    assert "quality, sci_fi, legal, literaryqa, niah" in result.output
    assert "|".join(names(auto=True)) in result.output  # the registry's order


def test_unknown_dataset_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "nope", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: no dataset 'nope'")
    assert len(result.output.strip().splitlines()) == 1


def test_bad_lengths_and_empty_selection(tmp_path: Path, shared_data: Path) -> None:
    result = CliRunner().invoke(
        main, ["eval", "niah", "--lengths", "2k", "--data", str(shared_data)]
    )
    assert result.exit_code == 2 and "'2k' is not a comma-separated list" in result.output
    result = CliRunner().invoke(main, ["eval", "quality", "--limit", "0"])
    assert result.exit_code == 2 and "0 is not in the range x>=1" in result.output
