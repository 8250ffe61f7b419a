"""One turn of a chat: the user's question or tome's answer (with its strategy and cost)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Collapsible, LoadingIndicator, Static

if TYPE_CHECKING:
    from reader.core.types import Answer
    from tui.widgets.citations import CitedPassage


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def cost_line(answer: Answer) -> str:
    """The line under an answer: what it cost, after a badge when the memory was unfinished."""
    usage = answer.usage
    badge = f"[{answer.memory}] " if answer.memory else ""
    return (
        f"{badge}{answer.strategy} · {plural(usage.calls, 'call')} · {usage.prompt_tokens:,}+"
        f"{usage.completion_tokens:,} tokens · {answer.seconds:.1f} s"
    )


FIELD_CHARS = 60  # a field's value is cut to this many characters
LIST_ITEMS = 6  # a list shows this many items, then how many more


def short(value: Any, width: int = FIELD_CHARS) -> str:
    """A trace value for people: words for scalars, comma-separated lists (nested ones in
    parentheses), `(key=value, …)` for mappings; never a Python repr; cut to `width`."""
    text = _readable(value)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _readable(value: Any, nested: bool = False) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int | str):
        return " ".join(str(value).split())
    if isinstance(value, Mapping):
        pairs = ", ".join(f"{_key(k)}={_readable(v, True)}" for k, v in value.items())
        return f"({pairs})" if pairs else "none"
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        if not items:
            return "none"
        inner = ", ".join(_readable(item, True) for item in items[:LIST_ITEMS])
        if len(items) > LIST_ITEMS:
            inner += f", +{len(items) - LIST_ITEMS} more"
        return f"({inner})" if nested else inner
    return " ".join(str(value).split())


def _key(key: Any) -> str:
    return " ".join(str(key).split())


def trace_lines(trace: list[dict[str, Any]]) -> str:
    """One line per trace step: its name, then its other fields, short."""
    lines = []
    for entry in trace:
        step = short(entry.get("step", "?"))
        rest = " · ".join(f"{_key(k)}={short(v)}" for k, v in entry.items() if k != "step")
        lines.append(f"{step}: {rest}" if rest else step)
    return "\n".join(lines)


STREAM_CURSOR = "▍"


class ChatMessage(Vertical):
    """A question (`role="user"`) or an answer (`role="tome"`); `meta` is the cost line and
    `passages` the answer's citations. A `streaming` answer grows with `append` until the
    finished one replaces it. A finished answer can take the focus: focusing or clicking it posts
    `Selected` (to show its citations); any click on a message, or opening or closing its trace,
    posts `Clicked` (to give the focus back to the question box)."""

    @dataclass
    class Selected(Message):
        """An answer was focused or clicked: its citations are wanted."""

        message: ChatMessage

    @dataclass
    class Clicked(Message):
        """The user clicked a message, or opened or closed its trace."""

        message: ChatMessage

    def __init__(
        self,
        role: str,
        text: str,
        meta: str = "",
        citations: int = 0,
        trace: list[dict[str, Any]] | None = None,
        *,
        passages: list[CitedPassage] | None = None,
        question: str = "",
        streaming: bool = False,
    ) -> None:
        super().__init__(classes=f"message {role}" + (" streaming" if streaming else ""))
        self.role = role
        self.text = text
        self.meta = meta
        self.citations = citations
        self.trace = trace or []
        self.passages = passages or []
        self.question = question
        self.streaming = streaming
        self.can_focus = role == "tome" and not streaming

    @property
    def is_answer(self) -> bool:
        return self.role == "tome" and not self.streaming

    def on_focus(self, event: events.Focus) -> None:
        self.post_message(self.Selected(self))

    def on_click(self, event: events.Click) -> None:
        if self.is_answer:
            self.post_message(self.Selected(self))
        self.post_message(self.Clicked(self))

    @on(Collapsible.Toggled)
    def _trace_toggled(self, event: Collapsible.Toggled) -> None:
        event.stop()
        if self.is_answer:
            self.post_message(self.Selected(self))
        self.post_message(self.Clicked(self))

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
    def from_answer(
        cls, answer: Answer, passages: list[CitedPassage] | None = None, question: str = ""
    ) -> ChatMessage:
        return cls(
            "tome", answer.text, cost_line(answer), len(answer.citations), answer.trace,
            passages=passages, question=question,
        )  # fmt: skip


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
