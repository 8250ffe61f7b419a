"""One turn of a chat: the user's question or tome's answer (with its strategy and cost)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, LoadingIndicator, Static

if TYPE_CHECKING:
    from reader.core.types import Answer


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def cost_line(answer: Answer) -> str:
    usage = answer.usage
    return (
        f"{answer.strategy} · {plural(usage.calls, 'call')} · {usage.prompt_tokens:,}+"
        f"{usage.completion_tokens:,} tokens · {answer.seconds:.1f} s"
    )


def trace_lines(trace: list[dict[str, Any]]) -> str:
    """One line per trace step: its name, then its other fields, short."""
    lines = []
    for entry in trace:
        step = entry.get("step", "?")
        rest = " ".join(f"{k}={str(v)[:60]}" for k, v in entry.items() if k != "step")
        lines.append(f"{step}: {rest}" if rest else str(step))
    return "\n".join(lines)


STREAM_CURSOR = "▍"


class ChatMessage(Vertical):
    """A question (`role="user"`) or an answer (`role="tome"`); `meta` is the cost line. A
    `streaming` answer grows with `append` until the finished one replaces it."""

    def __init__(
        self,
        role: str,
        text: str,
        meta: str = "",
        citations: int = 0,
        trace: list[dict[str, Any]] | None = None,
        *,
        streaming: bool = False,
    ) -> None:
        super().__init__(classes=f"message {role}" + (" streaming" if streaming else ""))
        self.role = role
        self.text = text
        self.meta = meta
        self.citations = citations
        self.trace = trace or []
        self.streaming = streaming

    def _body(self) -> Text:
        body = Text(self.text)
        if self.streaming:
            body.append(STREAM_CURSOR, style="blink")
        return body

    def append(self, text: str) -> None:
        self.text += text
        # before the first compose there is no body yet: compose will show the text
        for body in self.query(".body").results(Static):
            body.update(self._body())

    def compose(self) -> ComposeResult:
        label = "you" if self.role == "user" else "tome"
        yield Static(Text(label, style="bold"), classes="role")
        yield Static(self._body(), classes="body")
        if self.meta:
            cited = f" · {plural(self.citations, 'citation')}"
            yield Static(Text(self.meta + (cited if self.citations else "")), classes="meta")
        if self.trace:
            with Collapsible(title=f"trace ({len(self.trace)} steps)", classes="trace"):
                yield Static(Text(trace_lines(self.trace)), classes="trace-text")

    @classmethod
    def from_answer(cls, answer: Answer) -> ChatMessage:
        return cls("tome", answer.text, cost_line(answer), len(answer.citations), answer.trace)


class Thinking(Vertical):
    """Shown while an answer is being worked out: a spinner and the seconds elapsed."""

    def __init__(self, strategy: str) -> None:
        super().__init__(classes="message thinking")
        self.strategy = strategy
        self.seconds = 0

    def compose(self) -> ComposeResult:
        yield Static(self._label(), classes="role")
        yield LoadingIndicator()

    def _label(self) -> Text:
        return Text(f"thinking… ({self.strategy}, {self.seconds} s)", style="italic")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        self.seconds += 1
        self.query_one(".role", Static).update(self._label())
