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
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from reader.errors import DocumentError, TomeError
from reader.settings import Settings, load_settings

if TYPE_CHECKING:
    from agents.context import GraphContext
    from agents.ingest.runner import IngestReport
    from memory.records import DocumentRecord
    from memory.store import MemoryStore
    from reader.batch import BatchReport
    from reader.eval.items import EvalItem
    from reader.llm import ChatModel
    from reader.types import Answer

T = TypeVar("T")
ProgressCallback = Callable[[dict[str, Any]], None]


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
        self.name = library
        self._store: MemoryStore | None = None
        self._fixed_model = model
        self._models: dict[int, ChatModel] = {}
        self._runner: asyncio.Runner | None = None

    # -- plumbing -------------------------------------------------------------------------------

    @property
    def store(self) -> MemoryStore:
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
            from reader.llm import open_chat_model

            self._models[key] = await asyncio.to_thread(open_chat_model, self.settings)
        return self._models[key]

    async def acontext(self) -> GraphContext:
        from agents.context import GraphContext

        model = await self.amodel()
        store = await asyncio.to_thread(lambda: self.store)
        return GraphContext(model=model, store=store, settings=self.settings)

    def _run(self, coro: Awaitable[T]) -> T:
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
        report = await self.aingest(path, on_event)
        return DocumentHandle(self, report.id)

    def add(self, path: str | Path, on_event: ProgressCallback | None = None) -> DocumentHandle:
        return self._run(self.aadd(path, on_event))

    def ingest(self, path: str | Path, on_event: ProgressCallback | None = None) -> IngestReport:
        return self._run(self.aingest(path, on_event))

    def documents(self) -> list[DocumentRecord]:
        return self.store.documents()

    def document(self, ref: str | Path) -> DocumentHandle:
        """A document by id, unique id prefix, title, or the path of a file already added."""
        return DocumentHandle(self, self.resolve(ref))

    def resolve(self, ref: str | Path) -> str:
        candidate = Path(ref).expanduser()
        if candidate.is_file():
            from agents.ingest.runner import file_document_id

            return self.store.get_document(file_document_id(candidate)).id
        return self.store.resolve(str(ref)).id

    # -- questions ------------------------------------------------------------------------------

    async def aask(
        self,
        question: str,
        documents: list[str | Path] | None = None,
        strategy: str | None = None,
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer `question` from `documents` (ids, prefixes, titles or paths; all ready documents
        when None) with a strategy (`auto` by default), continuing `conversation` when given.
        `on_text` gets the answer's text piece by piece while the model writes it."""
        from agents.answer.runner import answer_question

        if documents is None:
            ids = await asyncio.to_thread(self.store.search_scope, None)
        else:
            ids = [await asyncio.to_thread(self.resolve, ref) for ref in documents]
        ctx = await self.acontext()
        if on_text is not None:
            ctx = dataclasses.replace(ctx, on_answer_text=on_text)
        return await answer_question(
            ctx, question, ids, strategy=strategy, conversation=conversation
        )

    def ask(
        self,
        question: str,
        documents: list[str | Path] | None = None,
        strategy: str | None = None,
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        return self._run(self.aask(question, documents, strategy, conversation, on_text=on_text))

    async def abatch(
        self,
        questions_path: str | Path,
        out_path: str | Path,
        *,
        strategy: str | None = None,
        concurrency: int | None = None,
        on_event: ProgressCallback | None = None,
    ) -> BatchReport:
        """Answer every question of a JSONL file (`{"id", "question", "documents"}` a line),
        appending one JSON answer a line to `out_path` as each finishes; ids already there are
        skipped, files not yet in memory are ingested first. See `reader.batch`."""
        from reader.batch import run_batch

        return await run_batch(
            self, Path(questions_path), Path(out_path), strategy=strategy,
            concurrency=concurrency, on_event=on_event,
        )  # fmt: skip

    def batch(
        self,
        questions_path: str | Path,
        out_path: str | Path,
        *,
        strategy: str | None = None,
        concurrency: int | None = None,
        on_event: ProgressCallback | None = None,
    ) -> BatchReport:
        return self._run(
            self.abatch(questions_path, out_path, strategy=strategy, concurrency=concurrency,
                        on_event=on_event)
        )  # fmt: skip

    async def aevaluate(
        self,
        items: list[EvalItem],
        strategies: list[str],
        rows_path: str | Path,
        *,
        concurrency: int = 1,
        on_event: ProgressCallback | None = None,
    ) -> list[dict[str, Any]]:
        """Answer and score evaluation items with each strategy (see `reader.eval`); rows are
        appended to `rows_path` as they finish and reruns skip those already there."""
        from reader.eval.runner import run_eval

        return await run_eval(
            self, items, strategies, Path(rows_path), concurrency=concurrency, on_event=on_event
        )

    def evaluate(
        self,
        items: list[EvalItem],
        strategies: list[str],
        rows_path: str | Path,
        *,
        concurrency: int = 1,
        on_event: ProgressCallback | None = None,
    ) -> list[dict[str, Any]]:
        return self._run(
            self.aevaluate(items, strategies, rows_path, concurrency=concurrency, on_event=on_event)
        )

    def model_name(self) -> str:
        """The name of the model answering (asking the server when none is configured)."""
        model = self._run(self.amodel())
        return getattr(model, "model", None) or type(model).__name__

    def remove(self, ref: str | Path) -> str:
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
        return self.library.store.get_document(self.id)

    async def aask(
        self,
        question: str,
        strategy: str | None = "auto",
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        return await self.library.aask(question, [self.id], strategy, conversation, on_text=on_text)

    def ask(
        self,
        question: str,
        strategy: str | None = "auto",
        conversation: str | None = None,
        *,
        on_text: Callable[[str], None] | None = None,
    ) -> Answer:
        return self.library.ask(question, [self.id], strategy, conversation, on_text=on_text)

    def tree(self) -> dict[str, Any]:
        from memory.tree import Tree

        return Tree(self.library.store).to_json(self.id)

    def __repr__(self) -> str:
        return f"DocumentHandle({self.id!r})"
