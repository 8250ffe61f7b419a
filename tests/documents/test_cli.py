"""`tome inspect`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reader.cli.main import main

from .conftest import prose

MD = "# Guide\n\n## One\n\n{a}\n\n## Two\n\n{b}\n"


def test_inspect_json(write, monkeypatch) -> None:
    monkeypatch.setenv("TOME_PAGES__TARGET_TOKENS", "100")
    monkeypatch.setenv("TOME_PAGES__MAX_TOKENS", "140")
    path = write("guide.md", MD.format(a=prose(6, seed=1), b=prose(6, seed=2)))
    result = CliRunner().invoke(main, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"title", "author", "format", "tokens", "chapters", "pages"}
    assert (data["title"], data["author"], data["format"]) == ("Guide", None, "md")
    assert [c["title"] for c in data["chapters"]] == ["One", "Two"]
    assert set(data["chapters"][0]) == {"title", "start", "end", "pages", "tokens"}
    assert set(data["pages"][0]) == {"id", "chapter", "ordinal", "start", "end", "tokens"}
    assert sum(c["pages"] for c in data["chapters"]) == len(data["pages"]) > 4
    assert data["tokens"] == sum(p["tokens"] for p in data["pages"])
    assert max(p["tokens"] for p in data["pages"]) <= 140

    with_text = json.loads(
        CliRunner().invoke(main, ["inspect", str(path), "--json", "--text"]).output
    )
    assert [p["id"] for p in with_text["pages"]] == [p["id"] for p in data["pages"]]
    assert with_text["pages"][0]["text"].startswith("Guide")


def test_inspect_summary(write) -> None:
    path = write("guide.md", MD.format(a=prose(2), b=prose(2, seed=2)))
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 0
    assert "Guide" in result.output and "format md" in result.output
    assert "One (1 page," in result.output


def test_inspect_bad_file_is_one_line(write) -> None:
    path = write("junk.txt", bytes(range(256)) * 10)
    result = CliRunner().invoke(main, ["inspect", str(path), "--json"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and str(path) in lines[0]
