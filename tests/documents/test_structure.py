"""Chapter detection in plain text."""

from __future__ import annotations

from itertools import pairwise

from reader.documents import load_document

from .conftest import prose


def _titles(doc) -> list[str]:
    return [c.title for c in doc.chapters]


def _assert_covering(doc) -> None:
    assert doc.chapters[0].start == 0
    assert doc.chapters[-1].end == len(doc.text)
    for a, b in pairwise(doc.chapters):
        assert a.end == b.start


def test_bare_roman_numerals(write) -> None:
    parts = [f"{num}\n\n{prose(3, seed=i)}" for i, num in enumerate(["I.", "II", "III.", "IV"])]
    doc = load_document(write("numerals.txt", "A TALE\n\n\n" + "\n\n\n".join(parts)))
    assert _titles(doc) == ["I.", "II", "III.", "IV"]
    _assert_covering(doc)
    assert doc.text[doc.chapters[2].start :].startswith("III.\n\n")


def test_lone_numeral_is_not_a_chapter(write) -> None:
    text = prose(4, seed=1) + "\n\nI\n\n" + prose(4, seed=2) + "\n\nV\n\n" + prose(2, seed=3)
    doc = load_document(write("lonely.txt", text))
    assert _titles(doc) == ["lonely"]


def test_table_of_contents_is_not_chapters(write) -> None:
    toc = "CONTENTS\n\nCHAPTER I. The Start\n\nCHAPTER II. The Middle\n\nCHAPTER III. The End"
    body = "\n\n\n".join(
        f"CHAPTER {n}. {name}\n\n{prose(3, seed=i)}"
        for i, (n, name) in enumerate(
            [("I", "The Start"), ("II", "The Middle"), ("III", "The End")]
        )
    )
    doc = load_document(write("toc.txt", f"THE BOOK\n\n{toc}\n\n\n{body}"))
    assert doc.chapters[0].matter == "front"  # the title and the contents, not a chapter
    assert _titles(doc) == [
        "Front matter",
        "CHAPTER I. The Start",
        "CHAPTER II. The Middle",
        "CHAPTER III. The End",
    ]
    second = doc.chapters[2]
    assert second.start > doc.text.index("CHAPTER III. The End")  # the real one, after the TOC
    assert doc.text[second.start :].startswith("CHAPTER II. The Middle\n\n")
    _assert_covering(doc)


def test_heading_forms_and_book_chapter_pairs(write) -> None:
    text = "\n\n".join(
        [
            "BOOK I",
            "CHAPTER THE FIRST",
            prose(2, seed=1),
            "Chapter 2",
            "The Storm",
            prose(2, seed=2),
            "BOOK II",
            "CHAPTER THE FIRST",
            prose(2, seed=3),
            "PART ONE",
            prose(2, seed=4),
            "Chapter 12 was the best one he had ever written, he said.",
            prose(1, seed=5),
        ]
    )
    doc = load_document(write("forms.txt", text))
    assert _titles(doc) == [
        "BOOK I — CHAPTER THE FIRST",
        "Chapter 2: The Storm",
        "BOOK II — CHAPTER THE FIRST",
        "PART ONE",
    ]
    assert [c.level for c in doc.chapters] == [1, 2, 1, 1]
    _assert_covering(doc)


def test_substantial_front_matter_is_its_own_chapter(write) -> None:
    preface = prose(4, seed=9)
    text = f"{preface}\n\nCHAPTER I\n\n{prose(6, seed=1)}\n\nCHAPTER II\n\n{prose(2, seed=2)}"
    doc = load_document(write("front.txt", text))
    assert _titles(doc) == ["Front matter", "CHAPTER I", "CHAPTER II"]
    assert doc.chapters[0].end == doc.text.index("CHAPTER I")


def test_short_front_matter_joins_the_first_chapter(write) -> None:
    text = f"MY BOOK\n\nby Someone\n\nCHAPTER I\n\n{prose(2)}\n\nCHAPTER II\n\n{prose(2, seed=2)}"
    doc = load_document(write("short.txt", text))
    assert _titles(doc) == ["CHAPTER I", "CHAPTER II"]
    _assert_covering(doc)


def test_no_structure_gives_one_chapter(write) -> None:
    doc = load_document(write("plain_story.txt", prose(5)))
    assert len(doc.chapters) == 1
    assert doc.chapters[0].title == "plain story"
    assert (doc.chapters[0].start, doc.chapters[0].end) == (0, len(doc.text))


def test_compact_contents_and_headings_without_blank_after(write) -> None:
    toc = "Contents\n\nChapter I\nChapter II\nChapter III"
    body = "\n\n".join(f"Chapter {n}\n{prose(3, seed=i)}" for i, n in enumerate(["I", "II", "III"]))
    doc = load_document(write("compact.txt", f"A BOOK\n\n{toc}\n\n{body}"))
    assert _titles(doc) == ["Front matter", "Chapter I", "Chapter II", "Chapter III"]
    assert doc.chapters[0].matter == "front"
    assert doc.chapters[2].start > doc.text.index("Chapter III")
    _assert_covering(doc)
