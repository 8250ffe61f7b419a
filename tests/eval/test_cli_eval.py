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


def test_facts_suite_runs_from_the_command_line(tmp_path: Path, shared_data: Path) -> None:
    import json

    from tests.eval.support import facts_reader, library_with
    from tests.fake_chat import FakeChatModel

    library = library_with(FakeChatModel(responder=facts_reader))
    out = tmp_path / "facts.json"
    args = ["eval", "facts", "--lengths", "2000", "--limit", "2", "--strategy", "bm25",
            "--data", str(shared_data), "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(main, args, obj={"library": library})
    assert result.exit_code == 0, result.output
    assert "| facts-2000 | bm25 | 2 |" in result.stdout
    assert "found and cited (95% CI)" in result.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["judge"] is None and report["f1_differences"] == []
    rows = report["questions"]
    assert [(r["id"], r["kind"]) for r in rows] == [
        ("facts-2000-fact-1", "fact"),
        ("facts-2000-two-hop-1", "two-hop"),
    ]
    assert all(r["found"] and r["found_and_cited"] and r["pages_read"] >= 1 for r in rows)
    summary = report["summary"][0]
    assert summary["found_and_cited"]["rate"] == 1.0 and set(summary["by_kind"]) == {
        "fact",
        "two-hop",
    }
    picture = out.with_suffix(".svg").read_text(encoding="utf-8")  # quality against cost
    assert "found and cited (95 % interval) against cost" in picture and "<circle" in picture


def test_judge_options_come_together(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "literaryqa", "--judge-url", "http://x/v1"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: --judge-url needs --judge-model")
    result = CliRunner().invoke(main, ["eval", "literaryqa", "--judge-model", "prometheus"])
    assert result.exit_code == 2 and "--judge-model needs --judge-url" in result.output
    help_text = CliRunner().invoke(main, ["eval", "--help"]).output
    assert "--judge-url" in help_text and "TOME_JUDGE_API_KEY" in help_text
