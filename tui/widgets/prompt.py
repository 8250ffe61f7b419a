"""The prompt bar: a strategy selector and the question input. Posts `PromptBar.Asked`."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select


class PromptBar(Horizontal):
    class Asked(Message):
        """The user submitted a question (the input keeps its text until the answer arrives)."""

        def __init__(self, question: str, strategy: str) -> None:
            super().__init__()
            self.question = question
            self.strategy = strategy

    def __init__(self, strategies: list[str], default: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.strategies = strategies
        self.default = default

    def compose(self) -> ComposeResult:
        options = [(s, s) for s in self.strategies]
        yield Select(options, value=self.default, allow_blank=False, id="strategy")
        # coming back to the box (after a click elsewhere) must not select the draft: typing
        # would replace it
        yield Input(
            placeholder="Ask a question about the document…", id="prompt", select_on_focus=False
        )

    @property
    def input(self) -> Input:
        return self.query_one("#prompt", Input)

    @property
    def strategy(self) -> str:
        return str(self.query_one("#strategy", Select).value)

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        question = event.value.strip()
        if question:
            self.post_message(self.Asked(question, self.strategy))

    def set_busy(self, busy: bool) -> None:
        self.input.disabled = busy
        self.query_one("#strategy", Select).disabled = busy
        if not busy:
            self.input.focus()
