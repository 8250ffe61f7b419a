"""What every graph receives through LangGraph's runtime context: never built inside a node."""

from __future__ import annotations

from dataclasses import dataclass

from memory.store import MemoryStore
from reader.core.settings import Settings
from reader.llm.client import ChatModel


@dataclass
class GraphContext:
    model: ChatModel
    store: MemoryStore
    settings: Settings
