"""Episodic memory: past questions and answers, by conversation, searchable by meaning.

Episodes live in the store's `{library}-episodes` collection; removing a document removes the
episodes about it alone (see `MemoryStore.remove_document`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from memory.chroma import Chroma, where_all
from memory.records import (
    ConversationSummary,
    check_id,
    episode_from,
    episode_metadata,
    episode_text,
)
from reader.core.errors import NotFoundError
from reader.core.types import Episode

Embed = Callable[[list[str]], list[list[float]]]


class EpisodicMemory:
    """The episodes of one store; built once by the store (`store.episodes`) with its Chroma,
    its embedder (`embed` for writes, which records the embedder; `embed_query` for searches)
    and its check that a document exists."""

    def __init__(
        self,
        chroma: Chroma,
        embed: Embed,
        embed_query: Embed,
        require_document: Callable[[str], object],
    ) -> None:
        self.chroma = chroma
        self.embed = embed
        self.embed_query = embed_query
        self.require_document = require_document

    @property
    def _collection(self) -> Any:
        return self.chroma["episodes"]

    def add(self, episode: Episode) -> None:
        """Remember an exchange (upsert: the same id replaces it). Its documents must exist."""
        check_id(episode.id, "episode")
        check_id(episode.conversation, "conversation")
        for doc_id in episode.documents:
            self.require_document(doc_id)
        text = episode_text(episode)
        self.chroma.upsert(
            "episodes", [episode.id], self.embed([text]), [episode_metadata(episode)], [text]
        )
        self.chroma.bump_generation()

    def get(self, episode_id: str) -> Episode:
        found = self._collection.get(ids=[check_id(episode_id, "episode")], include=["metadatas"])
        if not found["ids"]:
            raise NotFoundError(f"no remembered exchange with id {episode_id!r}")
        return episode_from(found["ids"][0], dict(found["metadatas"][0]))

    def conversation(self, conversation_id: str) -> list[Episode]:
        """The exchanges of a conversation, oldest first."""
        check_id(conversation_id, "conversation")
        found = self._collection.get(where={"conversation": conversation_id}, include=["metadatas"])
        if not found["ids"]:
            raise NotFoundError(
                f"no conversation with id {conversation_id!r}; `tome history` lists past "
                "questions with their conversations"
            )
        episodes = [
            episode_from(episode_id, dict(meta))
            for episode_id, meta in zip(found["ids"], found["metadatas"], strict=True)
        ]
        return sorted(episodes, key=lambda episode: (episode.time, episode.id))

    def recent(
        self, documents: list[str] | None = None, contains: str = "", limit: int = 20
    ) -> list[Episode]:
        """Past exchanges, newest first: about any of `documents` when given, with `contains`
        (case-insensitive) in the question or the answer when given."""
        found = self._collection.get(include=["metadatas"])
        wanted = set(documents or [])
        needle = contains.casefold()
        episodes = [
            episode_from(episode_id, dict(meta))
            for episode_id, meta in zip(found["ids"], found["metadatas"], strict=True)
        ]
        kept = [
            e
            for e in episodes
            if (not wanted or wanted & set(e.documents))
            and (not needle or needle in e.question.casefold() or needle in e.answer.casefold())
        ]
        return sorted(kept, key=lambda e: (e.time, e.id), reverse=True)[:limit]

    def conversations(self) -> list[ConversationSummary]:
        """One summary per conversation, the most recent first."""
        found = self._collection.get(include=["metadatas"])
        grouped: dict[str, list[dict[str, Any]]] = {}
        for meta in found["metadatas"]:
            grouped.setdefault(meta["conversation"], []).append(dict(meta))
        summaries = []
        for conversation_id, metas in grouped.items():
            metas.sort(key=lambda meta: meta["time"])
            documents = dict.fromkeys(d for meta in metas for d in meta.get("documents") or [])
            summaries.append(
                ConversationSummary(
                    id=conversation_id,
                    first_question=metas[0]["question"],
                    count=len(metas),
                    last_time=metas[-1]["time"],
                    documents=list(documents),
                )
            )
        return sorted(summaries, key=lambda summary: summary.last_time, reverse=True)

    def _conversation_ids(self, conversation_id: str) -> list[str]:
        check_id(conversation_id, "conversation")
        ids = self.chroma.ids_where("episodes", {"conversation": conversation_id})
        if not ids:
            raise NotFoundError(
                f"no conversation with id {conversation_id!r}; `tome history` lists past "
                "questions with their conversations"
            )
        return ids

    def rename(self, conversation_id: str, title: str) -> None:
        """Give a conversation a title (kept as `title` in the metadata of its exchanges); an
        empty title clears it."""
        ids = self._conversation_ids(conversation_id)
        title = " ".join(title.split())
        self._collection.update(ids=ids, metadatas=[{"title": title} for _ in ids])
        self.chroma.bump_generation()

    def titles(self) -> dict[str, str]:
        """The title of each conversation that has one (`rename`), by conversation id."""
        found = self._collection.get(include=["metadatas"])
        titled: dict[str, tuple[float, str]] = {}
        for meta in found["metadatas"]:
            title = meta.get("title") or ""
            seen = titled.get(meta["conversation"])
            if title and (seen is None or meta["time"] >= seen[0]):
                titled[meta["conversation"]] = (meta["time"], title)
        return {conversation: title for conversation, (_, title) in titled.items()}

    def remove_conversation(self, conversation_id: str) -> int:
        """Forget every exchange of a conversation; returns how many there were."""
        ids = self._conversation_ids(conversation_id)
        self.chroma.delete_ids("episodes", ids)
        self.chroma.bump_generation()
        return len(ids)

    def search(
        self,
        query: str,
        documents: list[str] | None = None,
        k: int = 3,
        exclude_conversation: str | None = None,
    ) -> list[Episode]:
        """Past exchanges nearest to `query`, about any of `documents` when given."""
        return [
            episode for episode, _ in self.search_scored(query, documents, k, exclude_conversation)
        ]

    def search_scored(
        self,
        query: str,
        documents: list[str] | None = None,
        k: int = 3,
        exclude_conversation: str | None = None,
    ) -> list[tuple[Episode, float]]:
        """Like `search`, with each episode's cosine similarity to `query` (best first)."""
        for doc_id in documents or []:
            self.require_document(doc_id)
        total = self._collection.count()
        if k <= 0 or total == 0 or documents == []:
            return []
        doc_clause: dict[str, Any] | None = None
        if documents is not None:
            contains = [{"documents": {"$contains": d}} for d in dict.fromkeys(documents)]
            doc_clause = contains[0] if len(contains) == 1 else {"$or": contains}
        skip = {"conversation": {"$ne": exclude_conversation}} if exclude_conversation else None
        found = self.chroma.query(
            "episodes",
            self.embed_query([query])[0],
            min(k, total),
            where_all(doc_clause, skip),
        )
        return [
            (episode_from(episode_id, dict(meta)), 1.0 - distance)
            for episode_id, meta, distance in zip(
                found["ids"][0], found["metadatas"][0], found["distances"][0], strict=True
            )
        ]
