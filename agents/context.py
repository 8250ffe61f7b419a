"""What every graph receives through LangGraph's runtime context: never built inside a node."""

from __future__ import annotations

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
