"""The list of past conversations: one line each, its title (or first question), when and how
long."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from memory.records import ConversationSummary


def conversation_label(summary: ConversationSummary, title: str = "") -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.last_time))
    turns = f"{summary.count} turn{'s' * (summary.count != 1)}"
    name = title or " ".join(summary.first_question.split())
    return f"{when} · {turns} · {name[:70]}"


class ConversationList(OptionList):
    """Past conversations, newest first; the option ids are the conversation ids."""

    def show(self, summaries: list[ConversationSummary], titles: dict[str, str]) -> None:
        """List `summaries` (with the titles given to some), keeping the highlight on the same
        conversation where it is still there."""
        kept = self.current
        self.clear_options()
        if not summaries:
            self.add_option(Option("No conversations yet.", disabled=True))
            return
        self.add_options(
            Option(conversation_label(s, titles.get(s.id, "")), id=s.id) for s in summaries
        )
        ids = [s.id for s in summaries]
        self.highlighted = ids.index(kept) if kept in ids else 0

    @property
    def current(self) -> str | None:
        """The id of the highlighted conversation, if any."""
        if self.highlighted is None or self.option_count == 0:
            return None
        option = self.get_option_at_index(self.highlighted)
        return None if option.disabled else option.id
