"""Episodic memory for answering: earlier turns of the conversation and related past exchanges go
into the prompts (bounded in tokens); each new exchange is remembered as an Episode."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from memory.store import MemoryStore
from reader.core.types import Answer, Episode

TURNS = 3  # earlier turns of the conversation shown
TURN_TOKENS = 120  # per turn
RELATED_MIN_SCORE = 0.6


@dataclass
class Recall:
    conversation: str
    history: str  # for the prompts; empty when there is nothing to recall
    query: str  # the retrieval query
    turns: int
    related: int
    clipped: int = 0  # earlier questions and answers cut to fit the prompt (the trace says so)


def _clip(text: str, max_words: int) -> str:
    words = text.split()
    return " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")


def recall(
    store: MemoryStore,
    question: str,
    documents: list[str],
    conversation: str | None,
    related_k: int = 1,
) -> Recall:
    """What to remember for `question`: earlier turns of `conversation` and related episodes."""
    memory = store.episodes
    conversation_id = conversation or uuid.uuid4().hex
    earlier: list[Episode] = []
    if conversation:  # an unknown id is an error (from the memory), not a new conversation
        earlier = memory.conversation(conversation)[-TURNS:]
    words = int(TURN_TOKENS * 0.7)
    lines = [f"Q: {_clip(e.question, words // 3)}\nA: {_clip(e.answer, words)}" for e in earlier]
    related = [
        episode
        for episode, score in memory.search_scored(
            question, documents, k=related_k, exclude_conversation=conversation_id
        )
        if score >= RELATED_MIN_SCORE
    ]
    blocks = []
    if lines:
        blocks.append("Earlier in this conversation:\n" + "\n".join(lines))
    if related:
        past = [f"Q: {_clip(e.question, 25)}\nA: {_clip(e.answer, 50)}" for e in related]
        blocks.append(
            "A related earlier exchange (check it against the pages):\n" + "\n".join(past)
        )
    query = question
    if earlier:
        last = earlier[-1]
        query = f"{_clip(last.question, 30)} {_clip(last.answer, 40)} {question}"
    texts = [(e.question, words // 3) for e in earlier] + [(e.answer, words) for e in earlier]
    texts += [(e.question, 25) for e in related] + [(e.answer, 50) for e in related]
    clipped = sum(len(text.split()) > limit for text, limit in texts)
    return Recall(conversation_id, "\n\n".join(blocks), query, len(earlier), len(related), clipped)


def remember(store: MemoryStore, question: str, documents: list[str], answer: Answer) -> None:
    assert answer.conversation is not None
    store.episodes.add(
        Episode(
            id=uuid.uuid4().hex,
            conversation=answer.conversation,
            documents=documents,
            question=question,
            answer=answer.text,
            citations=answer.citations,
            trace=answer.trace,
            notes=answer.strategy,
        )
    )
