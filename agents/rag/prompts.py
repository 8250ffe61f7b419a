"""RAG needs no prompt of its own: it answers with the shared prompt of `agents.answer.prompts`."""

from agents.answer.prompts import answer_messages

__all__ = ["answer_messages"]
