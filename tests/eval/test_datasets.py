"""Loading evaluation sets: the real files in ../shared/data and small hand-made ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.core.errors import ConfigError, DocumentError
from reader.core.tokens import count_tokens
from reader.eval.datasets import load_items
from reader.eval.niah import NEEDLES, haystack


def test_quality_items_have_four_options_and_a_gold_letter(
    shared_data: Path, tmp_path: Path
) -> None:
    items = load_items("quality", shared_data, tmp_path, docs=2)
    assert len(items) == 16 + 13
    first = items[0]
    assert first.kind == "choice" and set(first.options) == {"A", "B", "C", "D"}
    assert first.references == ["B"]
    assert first.question.endswith("(A, B, C or D) of the correct option.")
    record = json.loads((shared_data / "leval/quality.jsonl").read_text().splitlines()[0])
    assert first.document.read_text(encoding="utf-8") == record["input"]
    assert len({i.document for i in items}) == 2
    # written once: a second load finds the same files
    again = load_items("quality", shared_data, tmp_path, docs=2, limit=3)
    assert [i.id for i in again] == [i.id for i in items[:3]] + [i.id for i in items[16:19]]


def test_sci_fi_gold_is_the_answer_within_the_story(shared_data: Path, tmp_path: Path) -> None:
    items = load_items("sci_fi", shared_data, tmp_path, docs=1)
    assert items[0].kind == "boolean"
    assert items[0].references == ["True"]  # "True [fact: False]"
    assert not items[0].question.startswith("1.")


def test_legal_is_free_text(shared_data: Path, tmp_path: Path) -> None:
    items = load_items("legal", shared_data, tmp_path, docs=1, limit=2)
    assert [i.kind for i in items] == ["free", "free"]


def test_literaryqa_reads_both_books(shared_data: Path, tmp_path: Path) -> None:
    items = load_items("literaryqa", shared_data, tmp_path)
    assert len(items) == 27 + 29
    books = {i.document.name for i in items}
    assert books == {
        "pg41_the_legend_of_sleepy_hollow.txt",
        "pg4217_a_portrait_of_the_artist_as_a_young_man.txt",
    }
    assert all(i.references and all(r == r.strip() for r in i.references) for i in items)


def test_niah_plants_one_needle_at_each_depth(shared_data: Path, tmp_path: Path) -> None:
    items = load_items("niah", shared_data, tmp_path, lengths=[1500], depths=[0.0, 0.5, 1.0])
    assert len(items) == 3
    for item, needle in zip(items, NEEDLES, strict=True):
        text = item.document.read_text(encoding="utf-8")
        assert text.count(needle[0]) == 1 and item.references == [needle[2]]
        assert count_tokens(text) <= 1500 + count_tokens(needle[0]) + 10
    first, middle, last = (i.document.read_text(encoding="utf-8") for i in items)
    assert first.startswith(NEEDLES[0][0])
    assert 0.3 < middle.index(NEEDLES[1][0]) / len(middle) < 0.7
    assert last.rstrip().endswith(NEEDLES[2][0])
    assert len(haystack(shared_data / "niah" / "PaulGrahamEssays", 1500)) > 3


def test_unknown_dataset_and_bad_jsonl(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no dataset 'nope'"):
        load_items("nope", tmp_path, tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"instructions": []}\nnot json\n', encoding="utf-8")
    with pytest.raises(DocumentError, match="line 2 is not JSON"):
        load_items(str(bad), tmp_path, tmp_path)
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps({"foo": 1}) + "\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="neither L-Eval nor LiteraryQA"):
        load_items(str(odd), tmp_path, tmp_path)
