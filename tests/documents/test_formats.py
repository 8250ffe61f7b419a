"""Markdown, HTML, EPUB and PDF: text, metadata and structure."""

from __future__ import annotations

from itertools import pairwise

from reader.documents import load_document

from .conftest import prose

CHAPTERS = [
    ("Chapter One", prose(3, seed=1)),
    ("Chapter Two", prose(3, seed=2)),
    ("Chapter Three", prose(2, seed=3)),
]


def _starts_with_titles(doc, titles: list[str]) -> None:
    assert [c.title for c in doc.chapters] == titles
    assert doc.chapters[0].start == 0 and doc.chapters[-1].end == len(doc.text)
    for a, b in pairwise(doc.chapters):
        assert a.end == b.start


def test_markdown(write) -> None:
    md = (
        '---\ntitle: "Notes on Mills"\nauthor: Ann Writer\n---\n\n'
        "# Notes on Mills\n\nIntro   paragraph\nwrapped here.\n\n"
        "## First part\n\nBody *one*.\n\n***\n\nAfter the break.\n\n"
        "```python\nx = 1\n\n\ny = 2\n```\n\n"
        "Second part\n-----------\n\nBody two. #not-a-heading\n\n#### Minor heading\n\nEnd.\n"
    )
    doc = load_document(write("notes.md", md))
    assert (doc.title, doc.author, doc.format) == ("Notes on Mills", "Ann Writer", "md")
    assert doc.text == (
        "Notes on Mills\n\nIntro paragraph\nwrapped here.\n\nFirst part\n\nBody *one*.\n\n* * *\n\n"
        "After the break.\n\nx = 1\ny = 2\n\nSecond part\n\nBody two. #not-a-heading\n\n"
        "Minor heading\n\nEnd."
    )
    _starts_with_titles(doc, ["First part", "Second part"])
    assert doc.text[doc.chapters[1].start :].startswith("Second part\n\nBody two.")


def test_html(write) -> None:
    html = """<!DOCTYPE html><html><head><title>The  Mill</title>
    <meta name="author" content="Ann Writer"><style>p {color: red}</style></head>
    <body><script>var hidden = 1;</script><nav>Home | About</nav>
    <h1>The Mill</h1><p>Opening   words
    across lines.</p>
    <h2>Part <em>One</em></h2><p>First<br>line break.</p><div>Loose text <b>bold</b></div>
    <hr><p>After a rule.</p><ul><li>item a</li><li>item b</li></ul>
    <h2>Part Two</h2><p>Second body with &amp; entity.</p><!-- a comment -->
    <table><tr><td>cell 1</td><td>cell 2</td></tr></table>
    </body></html>"""
    doc = load_document(write("mill.html", html))
    assert (doc.title, doc.author, doc.format) == ("The Mill", "Ann Writer", "html")
    assert doc.text == (
        "The Mill\n\nOpening words across lines.\n\nPart One\n\nFirst\nline break.\n\n"
        "Loose text bold\n\n* * *\n\nAfter a rule.\n\nitem a\n\nitem b\n\nPart Two\n\n"
        "Second body with & entity.\n\ncell 1 cell 2"
    )
    _starts_with_titles(doc, ["Part One", "Part Two"])


def test_epub_chapters_from_table_of_contents(make_epub) -> None:
    path = make_epub(CHAPTERS, toc_titles=["1. Beginnings", "2. Middles", "3. Endings"])
    doc = load_document(path)
    assert (doc.title, doc.author, doc.format) == ("The Test Book", "Jane Doe", "epub")
    _starts_with_titles(doc, ["1. Beginnings", "2. Middles", "3. Endings"])
    for chapter, (heading, body) in zip(doc.chapters, CHAPTERS, strict=True):
        assert doc.text[chapter.start : chapter.end].strip() == f"{heading}\n\n{body}"


def test_epub_without_toc_uses_spine_headings(make_epub) -> None:
    doc = load_document(make_epub(CHAPTERS, toc=False))
    _starts_with_titles(doc, [t for t, _ in CHAPTERS])
    assert "Home" not in doc.text  # the nav document is not part of the reading text


def test_pdf_with_outline(make_pdf) -> None:
    doc = load_document(make_pdf(CHAPTERS, outline_titles=["Opening", "Middle", "Close"]))
    assert (doc.title, doc.author, doc.format) == ("A Test Report", "John Roe", "pdf")
    _starts_with_titles(doc, ["Opening", "Middle", "Close"])
    # bookmarks point at pages; each chapter starts at the top of its page
    for chapter, (heading, body) in zip(doc.chapters, CHAPTERS, strict=True):
        text = doc.text[chapter.start : chapter.end]
        assert text.startswith(heading + "\n\n")
        assert " ".join(text.split()[-5:]) == " ".join(body.split()[-5:])


def test_pdf_outline_titles_found_on_the_page(make_pdf) -> None:
    doc = load_document(make_pdf(CHAPTERS))
    _starts_with_titles(doc, [t for t, _ in CHAPTERS])
    assert doc.text[doc.chapters[2].start :].startswith("Chapter Three\n\n")


def test_pdf_without_outline_finds_headings_in_text(make_pdf) -> None:
    doc = load_document(make_pdf(CHAPTERS, outline=False))
    _starts_with_titles(doc, [t for t, _ in CHAPTERS])
    assert "\n\n" in doc.text[doc.chapters[0].start : doc.chapters[0].end].strip()
