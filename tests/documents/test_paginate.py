"""Pagination: bounds, natural breaks, chapters, ids, offsets."""

from __future__ import annotations

import re
import time
from itertools import pairwise

from reader.core.settings import PageSettings
from reader.core.tokens import count_tokens
from reader.core.types import Chapter, Document, Page
from reader.documents import load_document, paginate
from reader.documents.paginate import page_document, page_id

from .conftest import prose


def check_pages(
    doc: Document, pages: list[Page], settings: PageSettings, longest_word: int = 100
) -> None:
    """Invariants every pagination must keep. Only a word longer than `longest_word` characters
    may be cut."""
    text = doc.text
    assert pages, "no pages"
    assert [p.ordinal for p in pages] == list(range(len(pages)))
    assert text[: pages[0].start].strip() == ""
    assert text[pages[-1].end :].strip() == ""
    for page in pages:
        assert page.document == doc.id
        assert text[page.start : page.end] == page.text
        assert page.text and page.text == page.text.strip()
        assert page.tokens == count_tokens(page.text, settings.encoding)
        assert page.tokens <= settings.max_tokens
        for cut in (page.start, page.end):
            if 0 < cut < len(text) and text[cut - 1].isalnum() and text[cut].isalnum():
                a, b = cut, cut
                while a > 0 and not text[a - 1].isspace():
                    a -= 1
                while b < len(text) and not text[b].isspace():
                    b += 1
                word = text[a:b]
                assert len(word) > longest_word, f"page {page.ordinal} cut inside {word!r}"
        assert re.fullmatch(rf"{doc.id}-p{page.ordinal:04d}-[0-9a-f]{{6}}", page.id)
    for a, b in pairwise(pages):
        assert a.end <= b.start and text[a.end : b.start].strip() == ""
    if doc.chapters:
        tiny = any(
            count_tokens(text[c.start : c.end]) < settings.min_chapter_tokens for c in doc.chapters
        )
        for page in pages:
            chapter = doc.chapters[page.chapter]
            inside = chapter.start <= page.start and page.end <= chapter.end
            assert inside or tiny, f"page {page.ordinal} spans chapters"


def test_pages_end_at_paragraphs_near_target(write, small_pages) -> None:
    doc = load_document(write("story.txt", prose(40, seed=3, sentences=2)))
    pages = paginate(doc, small_pages)
    check_pages(doc, pages, small_pages)
    assert len(pages) > 10
    for page in pages[:-1]:
        assert doc.text.startswith("\n\n", page.end)
        assert 60 <= page.tokens <= 140
    assert sum(p.tokens for p in pages) >= count_tokens(doc.text) - 2 * len(pages)


def test_scene_break_preferred_over_paragraph(write, small_pages) -> None:
    paras = prose(12, seed=5, sentences=1).split("\n\n")
    # a scene break after roughly 70 tokens, inside the window [60, 140] of the first page
    text = "\n\n".join(paras[:4]) + "\n\n* * *\n\n" + "\n\n".join(paras[4:])
    doc = load_document(write("scenes.txt", text))
    pages = paginate(doc, small_pages)
    check_pages(doc, pages, small_pages)
    assert 60 <= pages[0].tokens <= 100
    assert pages[0].text.endswith("* * *")


def test_blank_line_scene_break_preferred(write, small_pages) -> None:
    paras = prose(12, seed=5, sentences=1).split("\n\n")
    text = "\n\n".join(paras[:4]) + "\n\n\n\n" + "\n\n".join(paras[4:])
    doc = load_document(write("gap.txt", text))
    pages = paginate(doc, small_pages)
    assert pages[0].end == doc.text.index("\n\n\n")


def test_long_paragraph_breaks_at_sentences_then_words(write, small_pages) -> None:
    one_paragraph = prose(1, seed=2, sentences=40)
    no_punctuation = " ".join(prose(1, seed=4, sentences=30).replace(".", "").split())
    giant_word = "x" * 3000
    text = f"{one_paragraph}\n\n{no_punctuation}\n\n{giant_word}"
    doc = load_document(write("long.txt", text))
    pages = paginate(doc, small_pages)
    check_pages(doc, pages, small_pages, longest_word=2000)
    first = [p for p in pages if p.end <= len(one_paragraph)]
    assert len(first) >= 4
    assert all(p.text.endswith(".") for p in first)
    assert any(p.start >= doc.text.index(giant_word) for p in pages)


def test_pages_do_not_span_chapters(write, small_pages) -> None:
    text = "\n\n\n".join(
        f"CHAPTER {n}\n\n{prose(5, seed=i)}" for i, n in enumerate(["I", "II", "III"])
    )
    doc = load_document(write("chapters.txt", text))
    pages = paginate(doc, small_pages)
    check_pages(doc, pages, small_pages)
    assert sorted({p.chapter for p in pages}) == [0, 1, 2]
    for i, chapter in enumerate(doc.chapters):
        mine = [p for p in pages if p.chapter == i]
        assert mine[0].start == chapter.start
        assert all(chapter.start <= p.start and p.end <= chapter.end for p in mine)


def test_tiny_chapter_joins_its_neighbour(write, small_pages) -> None:
    text = f"CHAPTER I\n\n{prose(4)}\n\nCHAPTER II\n\nShort.\n\nCHAPTER III\n\n{prose(4, seed=2)}"
    doc = load_document(write("tiny.txt", text))
    assert len(doc.chapters) == 3
    pages = paginate(doc, small_pages)
    check_pages(doc, pages, small_pages)
    joined = [p for p in pages if "CHAPTER II" in p.text]
    assert len(joined) == 1 and "CHAPTER III" in joined[0].text
    assert joined[0].chapter == 2  # most of that page is chapter III


def test_last_page_of_chapter_is_not_tiny(write, small_pages) -> None:
    split = 0
    for n in range(4, 14):
        doc = load_document(write(f"b{n}.txt", prose(n, seed=n, sentences=2)))
        pages = paginate(doc, small_pages)
        check_pages(doc, pages, small_pages)
        split += len(pages) >= 2
        assert pages[-1].tokens >= small_pages.target_tokens / 3, [p.tokens for p in pages]
    assert split >= 8


def test_small_document_is_one_page(write) -> None:
    doc = load_document(write("note.txt", "Just a short note.\n\nTwo paragraphs."))
    pages = paginate(doc, PageSettings())
    assert len(pages) == 1
    assert pages[0].text == doc.text and pages[0].chapter == 0


def test_ids_are_stable_and_depend_on_settings(write, small_pages) -> None:
    path = write("stable.txt", prose(30, seed=11))
    first = paginate(load_document(path), small_pages)
    again = paginate(load_document(path), small_pages)
    assert [p.id for p in first] == [p.id for p in again]
    assert len({p.id for p in first}) == len(first)
    other = PageSettings(target_tokens=100, max_tokens=150, min_chapter_tokens=30)
    changed = paginate(load_document(path), other)
    assert {p.id for p in changed}.isdisjoint({p.id for p in first})


def test_document_without_chapters(small_pages) -> None:
    text = prose(10, seed=1)
    doc = Document(id="abc", title="t", format="txt", source="-", text=text, chapters=[])
    pages = paginate(doc, small_pages)
    check_pages(doc, pages, small_pages)
    assert {p.chapter for p in pages} == {-1}


def test_real_defaults_on_a_big_text_are_fast(small_pages) -> None:
    text = "\n\n".join(prose(60, seed=s) for s in range(40))
    chapters = [Chapter(title="all", start=0, end=len(text))]
    doc = Document(id="big", title="big", format="txt", source="-", text=text, chapters=chapters)
    settings = PageSettings()
    started = time.perf_counter()
    pages = paginate(doc, settings)
    elapsed = time.perf_counter() - started
    assert sum(p.tokens for p in pages) > 150_000
    assert elapsed < 3.0
    assert max(p.tokens for p in pages) <= settings.max_tokens
    assert min(p.tokens for p in pages[:-1]) >= 0.6 * settings.target_tokens


def test_chapter_indices_refer_to_the_documents_list(small_pages) -> None:
    a, b = prose(4, seed=1), prose(4, seed=2)
    text = f"{a}\n\n{b}"
    chapters = [
        Chapter(title="second", start=len(a) + 2, end=len(text)),
        Chapter(title="first", start=0, end=len(a)),
    ]
    doc = Document(id="x", title="x", format="txt", source="-", text=text, chapters=chapters)
    pages = paginate(doc, small_pages)
    check_pages(doc, pages, small_pages)
    assert [p.chapter for p in pages] == sorted((p.chapter for p in pages), reverse=True)
    assert pages[0].chapter == 1 and pages[-1].chapter == 0


def test_a_page_id_names_its_document() -> None:
    for doc_id in ("f3c56de02f2cea45", "my-pdoc"):
        assert page_document(page_id(doc_id, 7, 100, 900, PageSettings())) == doc_id
