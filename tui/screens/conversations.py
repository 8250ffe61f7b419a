"""A modal list of past conversations (from episodic memory); dismisses with the chosen id.
`r` renames the highlighted conversation, `d` deletes it (after a confirmation)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList

from reader.core.errors import TomeError
from tui.screens.dialogs import ConfirmScreen, TextPromptScreen
from tui.widgets.conversations import ConversationList, conversation_label

if TYPE_CHECKING:
    from memory.records import ConversationSummary
    from reader.library import Library

HELP = "Past conversations · enter resumes · r renames · d deletes · escape closes"


class ConversationsScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Back"),
        Binding("r", "rename", "Rename"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def __init__(self, doc_id: str | None = None) -> None:
        super().__init__()
        self.doc_id = doc_id
        self.summaries: dict[str, ConversationSummary] = {}
        self.titles: dict[str, str] = {}
        self.removed: set[str] = set()  # deleted here: the chat showing one starts afresh

    @property
    def library(self) -> Library:
        return self.app.library  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(id="conversations-box"):
            yield Label(HELP, id="conversations-title")
            yield ConversationList(id="conversations")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="conversations")
    async def load(self) -> None:
        try:
            summaries = await asyncio.to_thread(self.library.conversations)
            titles = await asyncio.to_thread(self.library.conversation_titles)
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        if self.doc_id:
            summaries = [s for s in summaries if self.doc_id in s.documents]
        self.summaries = {s.id: s for s in summaries}
        self.titles = titles
        options = self.query_one(ConversationList)
        options.show(summaries, titles)
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    # -- renaming and deleting ------------------------------------------------------------------

    def _current(self) -> ConversationSummary | None:
        return self.summaries.get(self.query_one(ConversationList).current or "")

    def action_rename(self) -> None:
        summary = self._current()
        if summary is None:
            return
        current = self.titles.get(summary.id) or " ".join(summary.first_question.split())

        def renamed(title: str | None) -> None:
            if title is not None:
                self.rename(summary.id, title)

        question = "Title of this conversation (empty: its first question)"
        self.app.push_screen(TextPromptScreen(question, current), renamed)

    @work(group="conversations-edit")
    async def rename(self, conversation: str, title: str) -> None:
        try:
            await asyncio.to_thread(self.library.rename_conversation, conversation, title)
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        self.load()

    def action_delete(self) -> None:
        summary = self._current()
        if summary is None:
            return
        label = conversation_label(summary, self.titles.get(summary.id, ""))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete(summary.id)

        question = f"Delete this conversation and forget its exchanges?\n\n{label}"
        self.app.push_screen(ConfirmScreen(question), confirmed)

    @work(group="conversations-edit")
    async def delete(self, conversation: str) -> None:
        try:
            await asyncio.to_thread(self.library.remove_conversation, conversation)
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        self.removed.add(conversation)
        self.notify("conversation deleted")
        self.load()
