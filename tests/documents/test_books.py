"""The real books and articles in the shared evaluation data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.core.settings import PageSettings
from reader.documents import load_document, paginate

from .test_paginate import check_pages

PORTRAIT = "literaryqa/pg4217_a_portrait_of_the_artist_as_a_young_man.txt"
SLEEPY = "literaryqa/pg41_the_legend_of_sleepy_hollow.txt"
LICENSE_MARKS = ("project gutenberg", "gutenberg-tm", "gutenberg literary archive", "*** end of")


def _no_license(pages) -> None:
    for page in pages:
        lowered = page.text.lower()
        for mark in LICENSE_MARKS:
            assert mark not in lowered, f"page {page.ordinal} contains {mark!r}"


def test_portrait_has_its_five_chapters(shared_data: Path) -> None:
    doc = load_document(shared_data / PORTRAIT)
    assert doc.title == "A Portrait of the Artist as a Young Man"
    assert doc.author == "James Joyce"
    numerals = ["I", "II", "III", "IV", "V"]
    # the title page, contents list and epigraph are front matter, ending at the first heading
    assert [c.title for c in doc.chapters] == ["Front matter"] + [f"Chapter {n}" for n in numerals]
    assert [c.matter for c in doc.chapters] == ["front"] + [""] * 5
    assert doc.text[doc.chapters[1].start :].lstrip().startswith("Chapter I\n")
    # chapters II-V start at the real headings, not at the table of contents near the top
    for chapter in doc.chapters[2:]:
        assert doc.text[chapter.start :].startswith(chapter.title + "\n")
        assert chapter.start > 10_000
    assert doc.text.startswith("A Portrait of the Artist as a Young Man")
    assert doc.text.rstrip().endswith("Trieste, 1914.")
    settings = PageSettings()
    pages = paginate(doc, settings)
    check_pages(doc, pages, settings)
    _no_license(pages)
    assert [sum(p.chapter == i for p in pages) >= 10 for i in range(1, 6)] == [True] * 5


def test_sleepy_hollow(shared_data: Path) -> None:
    doc = load_document(shared_data / SLEEPY)
    assert (doc.title, doc.author) == ("The Legend of Sleepy Hollow", "Washington Irving")
    # the legend itself has no heading; the postscript is the one headed part
    assert [c.title for c in doc.chapters] == [
        "The Legend of Sleepy Hollow",
        "POSTSCRIPT. FOUND IN THE HANDWRITING OF MR. KNICKERBOCKER.",
    ]
    assert doc.text.startswith("THE LEGEND OF SLEEPY HOLLOW")
    assert doc.text.endswith("THE END.")
    settings = PageSettings()
    pages = paginate(doc, settings)
    check_pages(doc, pages, settings)
    _no_license(pages)


def test_gutenberg_pages_are_stable(shared_data: Path) -> None:
    settings = PageSettings()
    ids = [[p.id for p in paginate(load_document(shared_data / SLEEPY), settings)] for _ in (1, 2)]
    assert ids[0] == ids[1]


@pytest.mark.parametrize(
    ("name", "count"), [("quality", 2), ("sci_fi", 2), ("legal_contract_qa", 3)]
)
def test_leval_documents(shared_data: Path, tmp_path: Path, name: str, count: int) -> None:
    settings = PageSettings()
    with open(shared_data / "leval" / f"{name}.jsonl", encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(count), f, strict=False)]
    for i, row in enumerate(rows):
        path = tmp_path / f"{name}-{i}.txt"
        path.write_text(row["input"], encoding="utf-8")
        doc = load_document(path)
        pages = paginate(doc, settings)
        check_pages(doc, pages, settings)
        words = len(row["input"].split())
        assert len(doc.text.split()) == words  # normalising never drops words
        assert len(pages) >= words // 1000
