"""What the command modules share: settings and the library of the invocation, JSON output, and
the strategy option (its choices come from the registry, loaded only when a value is checked)."""

from __future__ import annotations

import json
import shutil
import textwrap
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from reader.core.settings import Settings
    from reader.library import Library


def settings_from(ctx: click.Context) -> Settings:
    from reader.core.settings import load_settings  # lazily, for a fast CLI start

    root = ctx.find_root()
    if "settings" not in root.obj:
        llm = root.obj.get("llm") or {}
        root.obj["settings"] = load_settings(
            root.obj.get("config"), root.obj.get("preset"), **({"llm": llm} if llm else {})
        )
    return root.obj["settings"]


def open_library(ctx: click.Context) -> Library:
    from reader.library import Library

    root = ctx.find_root()
    if "library" not in root.obj:
        root.obj["library"] = Library(settings_from(ctx))
        ctx.call_on_close(root.obj["library"].close)
    return root.obj["library"]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 page', '2 pages', '1,204 tokens'."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def wrapped(text: str) -> str:
    """`text` wrapped to the terminal's width (80 columns when not a terminal)."""
    width = min(100, shutil.get_terminal_size((80, 24)).columns)
    return "\n".join(textwrap.fill(line, width) if line else "" for line in text.splitlines())


def record_json(record: Any) -> dict[str, Any]:
    """A document record for JSON output: times as ISO-8601."""
    from reader.export import iso

    data = record.model_dump()
    data["created"] = iso(record.created)
    return data


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def complete_documents(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of a DOC argument: the ids and titles of the documents in memory."""
    from reader.core.errors import TomeError
    from reader.core.settings import load_settings
    from reader.library import Library

    try:
        records = Library(load_settings()).documents()
    except TomeError:
        return []
    folded = incomplete.casefold()
    return [
        CompletionItem(r.id[:12], help=r.title)
        for r in records
        if r.id.startswith(incomplete) or folded in r.title.casefold()
    ]


class StrategyChoice(click.Choice):
    """`auto` and every registered strategy and baseline; the registry (which compiles the
    graphs) is imported the first time the choices are needed, not at CLI start."""

    def __init__(self, with_auto: bool = True) -> None:
        super().__init__([])
        self.with_auto = with_auto

    @property
    def choices(self) -> list[str]:  # type: ignore[override]
        from reader.library import strategy_names

        return strategy_names(auto=self.with_auto)

    @choices.setter
    def choices(self, value: Any) -> None:
        pass
