"""A modal list of past conversations (from episodic memory); dismisses with the chosen id."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from reader.core.errors import TomeError


class ConversationsScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Back")]

    def __init__(self, doc_id: str | None = None) -> None:
        super().__init__()
        self.doc_id = doc_id

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-box"):
            yield Label(
                "Past conversations (enter resumes, escape closes)", id="conversations-title"
            )
            yield OptionList(id="conversations")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        library = self.app.library  # type: ignore[attr-defined]
        try:
            summaries = await asyncio.to_thread(library.conversations)
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        if self.doc_id:
            summaries = [s for s in summaries if self.doc_id in s.documents]
        options = self.query_one(OptionList)
        if not summaries:
            options.add_option(Option("No conversations yet.", disabled=True))
            return
        for s in summaries:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.last_time))
            turns = f"{s.count} turn{'s' * (s.count != 1)}"
            options.add_option(Option(f"{when} · {turns} · {s.first_question[:70]}", id=s.id))
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
