"""Fences around document text in prompts. Everything a document says is data, so text that
contains a fence's own tags is defused before it is fenced: a document cannot close its fence and
speak as instructions. Every prompt that carries document text (or text written from it: gists,
summaries, notes) fences it here."""

from __future__ import annotations

import re

_FENCE_TAG = re.compile(r"<(/?)(page|summary|summaries|note)\b", re.IGNORECASE)


def fenced_text(text: str) -> str:
    """Document text made safe to put inside a fence: the fences' own tags are defused, so a
    document cannot close its fence and speak as instructions."""
    return _FENCE_TAG.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


def fence(tag: str, text: str) -> str:
    """`text` in a bare `<tag>` block, on lines of its own."""
    return f"<{tag}>\n{fenced_text(text.strip())}\n</{tag}>"


def fence_page(number: int, text: str, title: str = "") -> str:
    label = f' document="{_attr(title)}"' if title else ""
    return f'<page number="{number}"{label}>\n{fenced_text(text.strip())}\n</page>'


def fence_summary(number: int, text: str, pages: str = "") -> str:
    """A node's summary as data; `pages` is its span ("3-5")."""
    where = f' pages="{pages}"' if pages else ""
    return f'<summary number="{number}"{where}>{fenced_text(" ".join(text.split()))}</summary>'


def fence_note(number: int, text: str, confidence: float | None = None) -> str:
    rated = f' confidence="{confidence}"' if confidence is not None else ""
    return f'<note number="{number}"{rated}>{fenced_text(" ".join(text.split()))}</note>'


def _attr(text: str) -> str:
    return fenced_text(" ".join(text.replace('"', "'").split())[:80])
