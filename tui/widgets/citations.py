"""The citations panel: each quoted passage, highlighted inside some of its page's text."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from reader.core.types import Citation, Page

CONTEXT_CHARS = 240


@dataclass
class CitedPassage:
    """A citation with the page text around it (offsets are in the document's text)."""

    number: int
    page_number: int
    quote: str
    before: str
    after: str

    @classmethod
    def from_page(cls, number: int, citation: Citation, page: Page) -> CitedPassage:
        start = citation.start - page.start
        end = citation.end - page.start
        text = page.text
        if not (0 <= start <= end <= len(text)):
            start = end = 0
            before = after = ""
        else:
            before = text[max(0, start - CONTEXT_CHARS) : start]
            after = text[end : end + CONTEXT_CHARS]
        return cls(
            number=number,
            page_number=citation.page_number,
            quote=citation.quote,
            before=before,
            after=after,
        )

    def render(self) -> Text:
        text = Text()
        text.append(f"[{self.number}] page {self.page_number}\n", style="bold")
        if self.before:
            text.append("…" + _squeeze(self.before), style="dim")
        text.append(" ".join(self.quote.split()), style="bold reverse")
        if self.after:
            text.append(_squeeze(self.after) + "…", style="dim")
        return text


def _squeeze(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space, keeping a space at either end only
    where there was one, so the quote joins its context as it does on the page."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + inner + (" " if text[-1].isspace() else "")


class CitationsPanel(VerticalScroll):
    """Shows the citations of one answer (the latest, or the one selected), under a title and
    the question it answered."""

    def compose(self) -> ComposeResult:
        yield Static("Citations", classes="panel-title")
        yield Static("", classes="cited-question")
        yield Static("Citations appear here.", classes="empty")

    def on_mount(self) -> None:
        self.query_one(".cited-question").display = False

    def show(self, passages: list[CitedPassage], question: str = "") -> None:
        self.query(".citation, .empty").remove()
        heading = self.query_one(".cited-question", Static)
        heading.update(Text("for: " + " ".join(question.split())) if question else "")
        heading.display = bool(question)
        if not passages:
            self.mount(Static("No citations for this answer.", classes="empty"))
            return
        self.mount_all(Static(p.render(), classes="citation") for p in passages)
        self.scroll_home(animate=False)
