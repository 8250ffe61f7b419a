"""Reading plain text: decoding, normalisation, Project Gutenberg stripping, ids, bad input."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from reader.core.errors import DocumentError
from reader.documents import load_document

from .conftest import prose

SAMPLE = "Café — naïve “quoted” text… costs €5.\n\nThe façade of the château."


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("cp1252", b""),
    ],
)
def test_decodes_common_encodings(write, encoding: str, prefix: bytes) -> None:
    path = write("sample.txt", prefix + SAMPLE.encode(encoding))
    doc = load_document(path)
    assert doc.text == SAMPLE
    assert doc.format == "txt"


def test_latin1_without_cp1252_punctuation(write) -> None:
    text = "Der Bär läuft über die Straße. Größe und Übermut."
    assert load_document(write("de.txt", text.encode("latin-1"))).text == text


def test_normalises_line_endings_and_whitespace(write) -> None:
    raw = (
        "  First\tline   here  \r\nsecond line\r\n \r\nNext  para\rend\n\n\n\n\n\n\nScene two.  \n"
    )
    doc = load_document(write("ws.txt", raw))
    # one blank line stays one; a longer run of blank lines is kept as two (a scene break)
    assert doc.text == "First line here\nsecond line\n\nNext para\nend\n\n\nScene two."


def test_id_is_sha256_prefix_of_the_file_bytes(write) -> None:
    data = prose(2).encode()
    doc = load_document(write("a.txt", data))
    assert doc.id == hashlib.sha256(data).hexdigest()[:16]
    assert doc.title == "a"
    assert doc.source.endswith("a.txt")


GUTENBERG = """\ufeffThe Project Gutenberg EBook of The Mill, by Ann Writer\r
\r
This eBook is for the use of anyone anywhere at no cost and with\r
almost no restrictions whatsoever.  You may copy it, give it away or\r
re-use it under the terms of the Project Gutenberg License included\r
with this eBook or online at www.gutenberg.org\r
\r
\r
Title: The Mill on the\r
       Quiet River\r
\r
Author: Ann Writer\r
\r
Release Date: May 1, 2001 [EBook #99999]\r
\r
*** START OF THIS PROJECT GUTENBERG EBOOK THE MILL ***\r
\r
\r
\r
\r
Produced by Some Volunteer and the Online Distributed\r
Proofreading Team\r
\r
\r
\r
\r
THE MILL\r
\r
{body}\r
\r
End of the Project Gutenberg EBook of The Mill, by Ann Writer\r
\r
*** END OF THIS PROJECT GUTENBERG EBOOK THE MILL ***\r
\r
***** This file should be named 99999.txt or 99999.zip *****\r
\r
Section 1.  General Terms of Use and Redistributing Project Gutenberg-tm\r
electronic works\r
"""


def test_strips_gutenberg_boilerplate_and_reads_header(write) -> None:
    body = prose(3, seed=7)
    doc = load_document(write("pg.txt", GUTENBERG.format(body=body.replace("\n", "\r\n"))))
    assert doc.title == "The Mill on the Quiet River"
    assert doc.author == "Ann Writer"
    assert doc.text == "THE MILL\n\n" + body
    assert "gutenberg" not in doc.text.lower()
    assert "Produced by" not in doc.text


def _assert_error(path: Path, *words: str) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        load_document(path)
    message = str(info.value)
    assert str(path) in message
    assert "\n" not in message
    for word in words:
        assert word in message.lower()
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    _assert_error(tmp_path / "nope.txt", "no such file")


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    _assert_error(folder, "directory")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  \r\n"])
def test_empty_file(write, content: bytes) -> None:
    _assert_error(write("empty.txt", content), "empty")


def test_whitespace_only_utf16(write) -> None:
    _assert_error(
        write("blank.txt", b"\xff\xfe" + "  \n \n".encode("utf-16-le")), "no readable text"
    )


def test_binary_junk(write) -> None:
    junk = bytes(range(256)) * 40
    _assert_error(write("junk.txt", junk), "binary")


def test_control_characters(write) -> None:
    junk = ("ab\x01\x02\x03\x04cd\x05\x06\x07\x08" * 200).encode()
    _assert_error(write("ctrl.txt", junk), "binary")


def test_unsupported_extension(write) -> None:
    err = _assert_error(write("report.docx", b"PK\x03\x04 whatever"), "unsupported", ".docx")
    for ext in (".txt", ".md", ".html", ".epub", ".pdf"):
        assert ext in str(err)


def test_corrupt_epub(write, tmp_path: Path) -> None:
    _assert_error(write("bad.epub", b"this is not a zip archive at all" * 10), "epub")
    hollow = tmp_path / "hollow.epub"
    with zipfile.ZipFile(hollow, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr("META-INF/container.xml", "<container><broken")
    _assert_error(hollow, "epub")


def test_corrupt_pdf(write) -> None:
    _assert_error(write("bad.pdf", b"not a pdf" * 50), "pdf")
    _assert_error(
        write("truncated.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog" + b"\x00" * 20), "pdf"
    )


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    _assert_error(path, "no text layer", "ocr")


def test_password_protected_pdf(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica")
    pdf.cell(0, 10, "hidden words")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    _assert_error(path, "encrypted", "decrypt")
