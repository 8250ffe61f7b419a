"""Front and back matter: title pages, "also by" lists, publisher and copyright lines,
transcriber's notes, tables of contents, indexes. They are not the story: ingestion gives their
pages no model-written gist, retrieval leaves them out of content questions, and they stay
readable for questions about the book itself (who published it, when).

Front matter is the run of paragraphs at the start of a document that are either short lines
(a title page, a contents list) or name a front-matter thing (copyright, publisher, ...), up to
the first paragraph of prose. Back matter is a closing chapter whose title names one.
"""

from __future__ import annotations

import re

from reader.core.types import Chapter, Document

SCAN_CHARS = 6000  # front matter is looked for in the first this many characters
TITLE_LINE_WORDS = 14  # the first line (the title) may be this long
SHORT_LINE_WORDS = 7  # later title-page or contents lines are shorter than hard-wrapped prose
SIGNAL_LINE_WORDS = 40  # a longer line naming a signal is prose that happens to use the word
NOTE_WORDS = 80  # a signal line's paragraph up to this long is taken whole (a note)
MIN_SHORT_LINES = 3  # a run of short lines with no signal needs this many to count

_SIGNAL = re.compile(
    r"copyright|©|all rights reserved|published by|publishers?\b|printed (in|by)|\bisbn\b"
    r"|transcriber|produced by|e-?text|also by|by the same author|other books by|table of contents"
    r"|^contents\b|first (published|edition)|\bedition\b|library of congress"
    r"|\bpress\b|cover (design|art|illustration)|illustrat(ed|ions?|or)\b|\bdedicat",
    re.IGNORECASE,
)
_BACK_TITLE = re.compile(
    r"^\s*(index|transcriber'?s?’?s? notes?|about the author|also by|colophon|glossary"
    r"|end ?notes|footnotes|notes|bibliography|acknowledg(e)?ments)\s*\.?\s*$",
    re.IGNORECASE,
)
_PARAGRAPH = re.compile(r"[^\n]+(?:\n[^\n]+)*")
_LINE = re.compile(r"[^\n]+")


def front_matter_end(text: str) -> int:
    """Where the front matter at the start of `text` ends (0: there is none). Lines are read
    while they are short (a title page, a contents list) or name a front-matter thing; a line
    that names one takes the rest of its paragraph along when that is short (a transcriber's
    note). The first line of prose ends the front matter, and so does the short line just
    before it (the heading the story starts under)."""
    lines = [m for m in _LINE.finditer(text, 0, min(len(text), SCAN_CHARS)) if m.group().strip()]
    end = signals = short_lines = 0
    prose = False  # short lines count only when prose follows them (a title page, then a story)
    for i, line in enumerate(lines):
        if line.start() < end:  # taken along with a signal line's paragraph
            continue
        words = len(line.group().split())
        if _SIGNAL.search(line.group()) and words <= SIGNAL_LINE_WORDS:
            signals += 1
            paragraph = _PARAGRAPH.match(text, line.start())
            rest = paragraph.end() if paragraph else line.end()
            end = rest if len(text[line.start() : rest].split()) <= NOTE_WORDS else line.end()
            continue
        following = lines[i + 1].group() if i + 1 < len(lines) else ""
        prose_next = len(following.split()) > SHORT_LINE_WORDS and not _SIGNAL.search(following)
        if words > (TITLE_LINE_WORDS if i == 0 else SHORT_LINE_WORDS) or (i and prose_next):
            prose = True
            break
        short_lines += 1
        end = line.end()
    return end if signals or (prose and short_lines >= MIN_SHORT_LINES) else 0


def mark_matter(document: Document) -> Document:
    """The document with its front matter split into a chapter of its own and its front and
    back matter chapters marked (`Chapter.matter`)."""
    chapters = sorted(document.chapters, key=lambda c: c.start)
    if not chapters:
        chapters = [Chapter(title=document.title, start=0, end=len(document.text))]
    first = chapters[0]
    end = front_matter_end(document.text[first.start : first.end])
    if end and first.start + end >= first.end:  # the whole first chapter is front matter
        chapters[0] = first.model_copy(update={"matter": "front"})
    elif end:
        cut = first.start + end
        front = Chapter(title="Front matter", start=first.start, end=cut, matter="front")
        chapters[0:1] = [front, first.model_copy(update={"start": cut})]
    for i in range(len(chapters) - 1, 0, -1):  # closing chapters, while they are back matter
        if not _BACK_TITLE.match(chapters[i].title):
            break
        chapters[i] = chapters[i].model_copy(update={"matter": "back"})
    return document.model_copy(update={"chapters": chapters})
