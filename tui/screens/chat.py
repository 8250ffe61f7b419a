"""The chat screen: questions and answers about one document, citations beside them.

Model work runs in an async worker; the worker reports through the nested `Started`, `Streamed`
(a piece of the answer as the model writes it), `Complete` and `Failed` messages, and only the
handlers touch the widgets.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from reader.core.errors import TomeError
from reader.library import strategy_names
from tui.export import conversation_markdown, export_path
from tui.widgets.citations import CitationsPanel, CitedPassage
from tui.widgets.message import ChatMessage, Thinking
from tui.widgets.prompt import PromptBar

if TYPE_CHECKING:
    from pathlib import Path

    from reader.core.types import Answer, Citation, Episode
    from reader.library import Library


def cited_passages(library: Library, answer_citations: list[Citation]) -> list[CitedPassage]:
    """Blocking: fetch each cited page and cut the text around the quote."""
    return passages_of(library, [answer_citations])[0]


def passages_of(library: Library, answers: list[list[Citation]]) -> list[list[CitedPassage]]:
    """Blocking: the cited passages of several answers, their pages fetched at once."""
    wanted = list({c.page for citations in answers for c in citations})
    pages = {p.id: p for p in library.store.pages_by_id(wanted)}
    return [
        [CitedPassage.from_page(i, c, pages[c.page]) for i, c in enumerate(citations, 1)
         if c.page in pages]
        for citations in answers
    ]  # fmt: skip


def write_export(library: Library, conversation: str) -> Path:
    """Blocking: write the conversation as Markdown under the data directory; returns the path."""
    episodes = library.conversation(conversation)
    title = library.conversation_titles().get(conversation, "")
    path = export_path(library.settings.ensure_home(), conversation)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(conversation_markdown(conversation, episodes, title), encoding="utf-8")
    return path


class ChatScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "tree", "Tree"),
        Binding("ctrl+r", "conversations", "Conversations"),
        Binding("ctrl+n", "new_conversation", "New chat"),
        Binding("ctrl+x", "cancel", "Cancel answer"),
        # priority: the question box would take ctrl+e (end of line; the End key still does it)
        Binding("ctrl+e", "export", "Export", priority=True),
        Binding("escape", "back", "Back"),
    ]

    @dataclass
    class Started(Message):
        question: str
        strategy: str

    @dataclass
    class Streamed(Message):
        """A piece of the answer's text, as the model writes it."""

        text: str

    @dataclass
    class Complete(Message):
        answer: Answer
        passages: list[CitedPassage]
        question: str = ""

    @dataclass
    class Failed(Message):
        question: str
        error: TomeError

    def __init__(self, doc_id: str, title: str = "") -> None:
        super().__init__()
        self.doc_id = doc_id
        self.doc_title = title or doc_id[:12]
        self.conversation: str | None = None
        self._busy = False
        self._asked: ChatMessage | None = None  # the question being answered
        self._streaming: ChatMessage | None = None  # the answer as it streams in
        self.selected: ChatMessage | None = None  # the answer whose citations are shown

    @property
    def busy(self) -> bool:
        """An answer is being worked out (the footer offers to cancel it only then)."""
        return self._busy

    @busy.setter
    def busy(self, busy: bool) -> None:
        self._busy = busy
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.busy
        return True

    @property
    def library(self) -> Library:
        return self.app.library  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="chat-body"):
            with Vertical(id="chat-main"):
                yield Static(self._status_text(), id="chat-status")
                yield VerticalScroll(id="messages")
                yield PromptBar(
                    strategy_names(), self.library.settings.answer.strategy, id="prompt-bar"
                )
            yield CitationsPanel(id="citations")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.doc_title
        self.query_one(PromptBar).input.focus()

    def _status_text(self) -> str:
        conversation = self.conversation[:12] if self.conversation else "new"
        return f"{self.doc_title} · conversation {conversation}"

    def _refresh_status(self) -> None:
        self.query_one("#chat-status", Static).update(self._status_text())

    # -- asking ---------------------------------------------------------------------------------

    @on(PromptBar.Asked)
    def _asked(self, event: PromptBar.Asked) -> None:
        if not self.busy:
            self.ask(event.question, event.strategy)

    @work(exclusive=True, group="answer")
    async def ask(self, question: str, strategy: str) -> None:
        self.post_message(self.Started(question, strategy))
        try:
            answer = await self.library.aask(
                question,
                [self.doc_id],
                strategy=strategy,
                conversation=self.conversation,
                on_text=lambda text: self.post_message(self.Streamed(text)),
            )
            passages = await asyncio.to_thread(cited_passages, self.library, answer.citations)
        except TomeError as exc:
            self.post_message(self.Failed(question, exc))
            return
        except asyncio.CancelledError:
            self.post_message(self.Failed(question, TomeError("answer cancelled")))
            raise
        except Exception as exc:  # keep the app alive; show what went wrong
            self.post_message(self.Failed(question, TomeError(f"unexpected error: {exc!r}")))
            return
        self.post_message(self.Complete(answer, passages, question))

    def on_chat_screen_started(self, event: Started) -> None:
        self.busy = True
        self.query_one(PromptBar).set_busy(True)
        messages = self.query_one("#messages", VerticalScroll)
        self._asked = ChatMessage("user", event.question)
        messages.mount(self._asked)
        messages.mount(Thinking(event.strategy))
        messages.scroll_end(animate=False)

    def on_chat_screen_streamed(self, event: Streamed) -> None:
        if self._streaming is None:
            self._streaming = ChatMessage("tome", "", streaming=True)
            thinking = self.query(Thinking)
            self.query_one("#messages", VerticalScroll).mount(
                self._streaming, before=thinking.first() if thinking else None
            )
        self._streaming.append(event.text)
        self.query_one("#messages", VerticalScroll).scroll_end(animate=False)

    def _done(self) -> ChatMessage | None:
        """Leave the busy state; returns the streamed answer, if any, for the caller to replace."""
        self.busy = False
        self.query(Thinking).remove()
        self.query_one(PromptBar).set_busy(False)
        streamed, self._streaming = self._streaming, None
        return streamed

    def on_chat_screen_complete(self, event: Complete) -> None:
        streamed = self._done()
        self._asked = None
        self.conversation = event.answer.conversation or self.conversation
        self._refresh_status()
        self.query_one(PromptBar).input.value = ""
        messages = self.query_one("#messages", VerticalScroll)
        # the finished answer (cleaned text, cost, trace) takes the streamed draft's place
        answer = ChatMessage.from_answer(event.answer, event.passages, event.question)
        messages.mount(answer, after=streamed)
        if streamed is not None:
            streamed.remove()
        messages.scroll_end(animate=False)
        self.show_citations_of(answer)

    def on_chat_screen_failed(self, event: Failed) -> None:
        streamed = self._done()
        if streamed is not None:
            streamed.remove()
        if self._asked is not None:
            self._asked.remove()
            self._asked = None
        # the question the user typed stays in the input, so they can retry or edit it
        self.query_one(PromptBar).input.value = event.question
        self.notify(event.error.message, title="Could not answer", severity="error", timeout=8)

    def action_cancel(self) -> None:
        if self.busy:
            self.workers.cancel_group(self, "answer")

    # -- earlier answers ------------------------------------------------------------------------

    def show_citations_of(self, answer: ChatMessage | None) -> None:
        """Show `answer`'s citations (none: the empty panel) and mark it as the one shown."""
        if self.selected is not None:
            self.selected.remove_class("-selected")
        self.selected = answer
        panel = self.query_one(CitationsPanel)
        if answer is None:
            panel.show([])
            return
        answer.add_class("-selected")
        panel.show(answer.passages, answer.question)

    @on(ChatMessage.Selected)
    def _answer_selected(self, event: ChatMessage.Selected) -> None:
        if event.message.is_answer and event.message is not self.selected:
            self.show_citations_of(event.message)

    @on(ChatMessage.Clicked)
    def _message_clicked(self, event: ChatMessage.Clicked) -> None:
        # typing goes on in the question box after a click or an opened trace
        self.query_one(PromptBar).input.focus()

    # -- conversations --------------------------------------------------------------------------

    def action_new_conversation(self) -> None:
        if self.busy:
            return
        self.conversation = None
        self.selected = None
        self.query_one("#messages", VerticalScroll).remove_children()
        self.query_one(CitationsPanel).show([])
        self._refresh_status()

    def action_conversations(self) -> None:
        from tui.screens.conversations import ConversationsScreen

        if self.busy:
            self.notify("wait for the answer first", severity="warning")
            return

        picker = ConversationsScreen(self.doc_id)

        def chosen(conversation: str | None) -> None:
            if self.conversation in picker.removed:
                self.action_new_conversation()
            if conversation:
                self.resume(conversation)

        self.app.push_screen(picker, chosen)

    @work(exclusive=True, group="history")
    async def resume(self, conversation: str) -> None:
        try:
            episodes = await asyncio.to_thread(self.library.conversation, conversation)
            cited = [episode.citations for episode in episodes]
            passages = await asyncio.to_thread(passages_of, self.library, cited)
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        self.show_history(conversation, episodes, passages)

    def show_history(
        self,
        conversation: str,
        episodes: list[Episode],
        passages: list[list[CitedPassage]] | None = None,
    ) -> None:
        self.conversation = conversation
        self.selected = None
        self._refresh_status()
        messages = self.query_one("#messages", VerticalScroll)
        messages.remove_children()
        answers = []
        for i, episode in enumerate(episodes):
            messages.mount(ChatMessage("user", episode.question))
            answer = ChatMessage(
                "tome", episode.answer, "earlier answer", len(episode.citations), episode.trace,
                passages=passages[i] if passages else [], question=episode.question,
            )  # fmt: skip
            answers.append(answer)
            messages.mount(answer)
        messages.scroll_end(animate=False)
        self.show_citations_of(answers[-1] if answers else None)

    # -- export ---------------------------------------------------------------------------------

    def action_export(self) -> None:
        if self.conversation is None:
            self.notify("nothing to export yet: ask a question first", severity="warning")
            return
        self.export(self.conversation)

    @work(exclusive=True, group="export")
    async def export(self, conversation: str) -> None:
        try:
            path = await asyncio.to_thread(write_export, self.library, conversation)
        except TomeError as exc:
            self.notify(exc.message, title="Could not export", severity="error")
            return
        except OSError as exc:
            self.notify(f"{exc.strerror or exc}", title="Could not export", severity="error")
            return
        self.notify(str(path), title="Conversation exported")

    # -- navigation -----------------------------------------------------------------------------

    def action_tree(self) -> None:
        from tui.screens.tree import TreeScreen

        self.app.push_screen(TreeScreen(self.doc_id, self.doc_title))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.action_library()  # type: ignore[attr-defined]
