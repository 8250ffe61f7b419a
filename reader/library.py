"""The library API: `Library` and `DocumentHandle`, sync and async.

    from reader import Library
    lib = Library()
    doc = lib.add("book.epub")
    answer = doc.ask("Who is the narrator?")

Sync methods run on one event loop owned by the Library (so the model client's connections are
reused); inside a running event loop use the `a`-prefixed coroutines instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from reader.core.errors import DocumentError, NotFoundError, TomeError
from reader.core.settings import AnswerSettings, Settings, load_settings

if TYPE_CHECKING:
    from agents.context import GraphContext
    from agents.ingest.estimate import Estimate
    from agents.ingest.runner import IngestReport
    from memory.quality import MemoryHealth
    from memory.records import ConversationSummary, DocumentRecord
    from memory.store import MemoryStore
    from reader.core.types import Answer, Episode, Node, Page, StrategyName
    from reader.llm.client import ChatModel

T = TypeVar("T")
ProgressCallback = Callable[[dict[str, Any]], None]


def strategy_names(*, auto: bool = True, kind: str | None = None) -> list[str]:
    """The names `strategy=` accepts: every registered strategy and baseline (or those of one
    `kind`: "strategy", "baseline"), and `auto`."""
    from agents.registry import names

    return names(auto=auto, kind=kind)


def check_strategy(name: str) -> str:
    """`name` if it is `auto` or a registered strategy, else a ConfigError listing them."""
    from agents.registry import check

    return check(name)


class Library:
    """A set of documents in one memory store, and the model that reads them."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        library: str = "default",
        model: ChatModel | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        if self.settings.answer.strategy != AnswerSettings.model_fields["strategy"].default:
            check_strategy(self.settings.answer.strategy)  # the registry loads only when needed
        self.name = library
        self._store: MemoryStore | None = None
        self._fixed_model = model
        self._models: dict[int, ChatModel] = {}
        self._opening: dict[int, asyncio.Lock] = {}
        self._runner: asyncio.Runner | None = None

    # -- plumbing -------------------------------------------------------------------------------

    @property
    def store(self) -> MemoryStore:
        """The memory store of this library, opened on first use."""
        if self._store is None:
            from memory.embeddings import make_embedder
            from memory.store import MemoryStore

            embedder = make_embedder(self.settings.memory.embedding)
            self._store = MemoryStore(self.settings, embedder, library=self.name)
        return self._store

    async def amodel(self) -> ChatModel:
        """The chat model for the running event loop (an async client is bound to its loop)."""
        if self._fixed_model is not None:
            return self._fixed_model
        key = id(asyncio.get_running_loop())
        if key not in self._models:
            # One client per loop even when many first callers arrive at once: each client has
            # its own concurrency bound, so a second one would break `llm.concurrency`.
            lock = self._opening.setdefault(key, asyncio.Lock())
            async with lock:
                if key not in self._models:
                    from reader.llm.client import open_chat_model

                    self._models[key] = await asyncio.to_thread(open_chat_model, self.settings)
        return self._models[key]

    async def acontext(self) -> GraphContext:
        """What the graphs run with: the model, the store and the settings."""
        from agents.context import GraphContext

        model = await self.amodel()
        store = await asyncio.to_thread(lambda: self.store)
        return GraphContext(model=model, store=store, settings=self.settings)

    def run(self, coro: Awaitable[T]) -> T:
        """Run `coro` on the Library's own event loop: how every sync method (and the sync
        functions of `reader.batch` and `reader.eval`) is built on its async twin."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise TomeError(
                "the sync Library API was called inside a running event loop; await the "
                "async method instead (aadd, aask, ...)"
            )
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coro)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        """Close the model client opened on the running event loop (the async `close`)."""
        model = self._models.pop(id(asyncio.get_running_loop()), None)
        closer = getattr(model, "aclose", None)
        if closer is not None:
            await closer()

    def close(self) -> None:
        """Close the model clients and the Library's event loop (also on `with` exit)."""
        if self._runner is not None:
            for model in self._models.values():
                closer = getattr(model, "aclose", None)
                if closer is not None:
                    self._runner.run(closer())
            self._runner.close()
            self._runner = None
        self._models.clear()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- documents ------------------------------------------------------------------------------

    async def aingest(
        self, path: str | Path, on_event: ProgressCallback | None = None
    ) -> IngestReport:
        """Ingest one file (resuming an interrupted run) and report what it cost."""
        from agents.ingest.runner import ingest_file

        source = Path(path).expanduser()
        if not source.exists():
            raise DocumentError(f"{source} does not exist; check the path")
        return await ingest_file(source, await self.acontext(), on_event)

    async def aadd(
        self, path: str | Path, on_event: ProgressCallback | None = None
    ) -> DocumentHandle:
        """Ingest one file (resuming an interrupted run) and return its handle."""
        report = await self.aingest(path, on_event)
        return DocumentHandle(self, report.id)

    def add(self, path: str | Path, on_event: ProgressCallback | None = None) -> DocumentHandle:
        """The sync `aadd`."""
        return self.run(self.aadd(path, on_event))

    def ingest(self, path: str | Path, on_event: ProgressCallback | None = None) -> IngestReport:
        """The sync `aingest`."""
        return self.run(self.aingest(path, on_event))

    def estimate(self, path: str | Path) -> Estimate:
        """What adding the file would cost (pages, calls, tokens, time), without a model call."""
        from agents.ingest.estimate import estimate
        from reader.documents import load_document, paginate

        return estimate(paginate(load_document(path), self.settings.pages), self.settings)

    def levels_built(self, ref: str | Path) -> dict[int, int]:
        """Nodes stored per tree level (1: gists) of a document, to show how far its build got."""
        return self.store.level_counts(self.resolve(ref))

    def documents(self) -> list[DocumentRecord]:
        """Every document in memory, ready or not, oldest first."""
        return self.store.documents()

    def document(self, ref: str | Path) -> DocumentHandle:
        """A document by id, unique id prefix, title, or the path of a file already added."""
        return DocumentHandle(self, self.resolve(ref))

    def resolve(self, ref: str | Path) -> str:
        """The id of a document named by id, unique id prefix, title or added file's path."""
        candidate = Path(ref).expanduser()
        if candidate.is_file():
            doc_id = self.added(candidate)
            if doc_id is None:
                raise NotFoundError(
                    f"{candidate} is not in memory yet; `tome add {candidate}` first"
                )
            return doc_id
        return self.store.resolve(str(ref)).id

    def is_ready(self, path: str | Path) -> bool:
        """Is the file's document in memory and ready to be asked?"""
        doc_id = self.added(path)
        return doc_id is not None and self.store.get_document(doc_id).ready

    def added(self, path: str | Path) -> str | None:
        """The id of the file's document when it is in memory (in any state), else None."""
        from agents.ingest.runner import file_document_id

        doc_id = file_document_id(Path(path).expanduser())
        try:
            return self.store.get_document(doc_id).id if doc_id else None
        except NotFoundError:
            return None

    # -- questions ------------------------------------------------------------------------------

    async def aask(
        self,
        question: str,
        documents: list[str | Path] | None = None,
        strategy: StrategyName | None = None,
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
        remember: bool = True,
    ) -> Answer:
        """Answer `question` from `documents` (ids, prefixes, titles or paths; all ready documents
        when None) with a strategy (`answer.strategy` by default), continuing `conversation` when
        given. `on_text` gets the answer's text piece by piece while the model writes it. With
        `remember=False` (evaluation) no earlier exchange is recalled and this one is not kept."""
        from agents.answer.runner import answer_question

        if documents is None:
            ids = await asyncio.to_thread(self.store.search_scope, None)
        else:
            ids = [await asyncio.to_thread(self.resolve, ref) for ref in documents]
        return await answer_question(
            await self.acontext(), question, ids, strategy=strategy, conversation=conversation,
            use_memory=remember, on_text=on_text,
        )  # fmt: skip

    def ask(
        self,
        question: str,
        documents: list[str | Path] | None = None,
        strategy: StrategyName | None = None,
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
        remember: bool = True,
    ) -> Answer:
        """The sync `aask`."""
        return self.run(
            self.aask(question, documents, strategy, conversation, on_text=on_text,
                      remember=remember)
        )  # fmt: skip

    def conversations(self) -> list[ConversationSummary]:
        """Past conversations, newest first."""
        return self.store.episodes.conversations()

    def history(
        self, documents: list[str | Path] | None = None, contains: str = "", limit: int = 20
    ) -> list[Episode]:
        """Past questions and answers, newest first, about `documents` (refs) when given and
        containing `contains` when given."""
        ids = None if documents is None else [self.resolve(ref) for ref in documents]
        return self.store.episodes.recent(ids, contains, limit)

    def last_conversation(self, documents: list[str | Path]) -> str | None:
        """The conversation of the newest exchange about all of `documents`, if any."""
        ids = {self.resolve(ref) for ref in documents}
        for episode in self.store.episodes.recent(list(ids), limit=10_000):
            if ids <= set(episode.documents):
                return episode.conversation
        return None

    def conversation(self, conversation_id: str) -> list[Episode]:
        """The exchanges of one conversation, oldest first."""
        return self.store.episodes.conversation(conversation_id)

    def conversation_titles(self) -> dict[str, str]:
        """The titles given to conversations (`rename_conversation`), by conversation id."""
        return self.store.episodes.titles()

    def rename_conversation(self, conversation_id: str, title: str) -> None:
        """Give a conversation a title; an empty title clears it."""
        self.store.episodes.rename(conversation_id, title)

    def remove_conversation(self, conversation_id: str) -> int:
        """Forget a conversation's exchanges; returns how many there were."""
        return self.store.episodes.remove_conversation(conversation_id)

    @staticmethod
    def supported_formats() -> dict[str, str]:
        """The file suffixes `add` reads (lower case, with the dot), each with its format."""
        from reader.documents import FORMATS

        return dict(FORMATS)

    def model_name(self) -> str:
        """The name of the model answering (asking the server when none is configured)."""
        model = self.run(self.amodel())
        return getattr(model, "model", None) or type(model).__name__

    def remove(self, ref: str | Path) -> str:
        """Remove a document and everything remembered of it; returns its id."""
        doc_id = self.resolve(ref)
        self.store.remove_document(doc_id)
        return doc_id


class DocumentHandle:
    """One document of a library."""

    def __init__(self, library: Library, doc_id: str) -> None:
        self.library = library
        self.id = doc_id

    @property
    def record(self) -> DocumentRecord:
        """The document's record: title, status, pages, tokens, stats."""
        return self.library.store.get_document(self.id)

    async def aask(
        self,
        question: str,
        strategy: StrategyName | None = None,
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer a question about this document (see `Library.aask`)."""
        return await self.library.aask(question, [self.id], strategy, conversation, on_text=on_text)

    def ask(
        self,
        question: str,
        strategy: StrategyName | None = None,
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """The sync `aask`."""
        return self.library.ask(question, [self.id], strategy, conversation, on_text=on_text)

    def tree(self) -> dict[str, Any]:
        """The whole summary tree as nested dicts, down to the pages."""
        from memory.tree import Tree

        return Tree(self.library.store).to_json(self.id)

    def health(self) -> MemoryHealth:
        """How well the memory summarises the document (see `memory.quality`)."""
        from memory.quality import measure

        store = self.library.store
        record = store.get_document(self.id)
        failed = len(record.stats.get("failures") or [])
        return measure(store.nodes(self.id), self.id, record.title, failed)

    def root(self) -> Node:
        """The root of the summary tree."""
        from memory.tree import Tree

        return Tree(self.library.store).root(self.id)

    def children(self, node_id: str) -> list[Node | Page]:
        """A tree node's children: nodes, or the page under a gist."""
        from memory.tree import Tree

        return Tree(self.library.store).children(node_id)

    def __repr__(self) -> str:
        return f"DocumentHandle({self.id!r})"
