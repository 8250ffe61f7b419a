"""What every graph receives through LangGraph's runtime context: never built inside a node."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.llm import ChatModel
from reader.settings import Settings

if TYPE_CHECKING:
    from memory.store import MemoryStore


@dataclass
class GraphContext:
    model: ChatModel
    store: MemoryStore
    settings: Settings
    # Gets the final answer's text piece by piece as the model writes it (a UI shows it live);
    # the finished Answer still carries the whole, cleaned-up text.
    on_answer_text: Callable[[str], None] | None = None
