"""Batch question answering: a JSONL file of questions in, a JSONL file of answers out.

Each input line is `{"id", "question", "documents": [refs], "strategy"?}`; a ref is an id, a
unique id prefix, a title or a file path (as `Library.resolve`; relative paths from the current
directory). Files not yet in memory are ingested first, once each. Answers are appended to the
output as they finish, one whole line per write, fsynced, so a rerun after a crash or `kill -9`
skips the ids already there and drops a torn last line. Blank input lines are ignored.

Batch answers are not remembered as conversations (they would fill the chat's list with
one-question conversations); the output file is their record.

A malformed line (or a repeated id) and a question that fails (its document does not resolve or
ingest, or answering raises a `TomeError`) are reported and skipped; failed questions are not
written, so a rerun retries them. `BatchReport.exit_code` is 0 when every question was answered
or was already done, else 1.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.ingest.runner import file_document_id
from reader.core.errors import ConfigError, DocumentError, NotFoundError, TomeError
from reader.core.events import AnsweringStarted, FileIngesting, Problem, QuestionDone, WorkEvent
from reader.core.jsonl import LogAppender, read_log, repair_log

if TYPE_CHECKING:
    from reader.core.types import Answer
    from reader.library import Library

EventCallback = Callable[[WorkEvent], None]


class MalformedLine(ValueError):
    """An input line that is not a question; its message names the problem."""


@dataclass
class Question:
    line: int
    id: str | int
    question: str
    documents: list[str]
    strategy: str | None = None

    @property
    def key(self) -> str:
        return str(self.id)

    @property
    def label(self) -> str:
        return f"line {self.line} (id {self.id})"


@dataclass
class BatchReport:
    """What a batch run did. `problems` holds one line per malformed or failed input line."""

    answered: int = 0
    skipped: int = 0  # already in the output
    other_shard: int = 0  # left to the other workers (--shard K/N)
    malformed: int = 0
    failed: int = 0
    ingested: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""

    @property
    def ok(self) -> bool:
        return not (self.malformed or self.failed)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def summary(self) -> str:
        others = f", {self.other_shard} left to other shards" if self.other_shard else ""
        return (
            f"answered {self.answered}, skipped {self.skipped} (already done){others}, "
            f"malformed {self.malformed}, failed {self.failed} in {self.seconds:.1f} s; "
            f"answers in {self.output}"
        )


# -- input ----------------------------------------------------------------------------------------


def parse_question(line: int, text: str) -> Question:
    """One input line as a question; raises `MalformedLine` naming what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedLine(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise MalformedLine("not a JSON object")
    qid = data.get("id")
    if isinstance(qid, bool) or not isinstance(qid, str | int) or not str(qid).strip():
        raise MalformedLine('"id" is missing or empty (a string or an integer)')
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise MalformedLine('"question" is missing or empty')
    docs = data.get("documents")
    if (
        not isinstance(docs, list)
        or not docs
        or not all(isinstance(d, str) and d.strip() for d in docs)
    ):
        raise MalformedLine('"documents" must be a non-empty list of strings (ids, titles, paths)')
    strategy = data.get("strategy")
    if strategy is not None and not isinstance(strategy, str):
        raise MalformedLine('"strategy" must be a string')
    return Question(line, qid, question, [d.strip() for d in docs], strategy or None)


def read_questions(path: Path) -> Iterator[tuple[int, Question | str]]:
    """(line number, question or the problem with that line) for every non-blank line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield number, "not UTF-8 text"
                continue
            if not text.strip():
                continue
            try:
                yield number, parse_question(number, text)
            except MalformedLine as exc:
                yield number, str(exc)


# -- output ---------------------------------------------------------------------------------------


def repair_output(path: Path) -> set[str]:
    """Drop a torn last line (no newline, or not a JSON answer) and return the ids answered."""
    repair_log(path)
    return {str(record["id"]) for record in read_log(path)}


def answer_record(q: Question, ids: list[str], answer: Answer) -> dict[str, Any]:
    """The output line of one answer: its citations and what it cost."""
    citations = [c.model_dump() for c in answer.citations]
    usage = answer.usage
    return {
        "id": q.id,
        "answer": answer.text,
        "citations": citations,
        "strategy": answer.strategy,
        "documents": ids,
        "llm_calls": usage.calls,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "seconds": answer.seconds,
        "llm_seconds": round(usage.seconds, 3),
    }


# -- the run --------------------------------------------------------------------------------------


class _Run:
    """One batch run: its report, its event callback and the problems it meets."""

    def __init__(self, library: Library, out_path: Path, on_event: EventCallback | None) -> None:
        self.library = library
        self.report = BatchReport(output=str(out_path))
        self.on_event = on_event

    def emit(self, event: WorkEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def problem(self, kind: str, message: str) -> None:
        """Count a `malformed` or `failed` line and report it."""
        setattr(self.report, kind, getattr(self.report, kind) + 1)
        self.report.problems.append(message)
        self.emit(Problem(kind, message))

    def select(
        self, path: Path, done: set[str], shard: tuple[int, int] | None = None
    ) -> list[Question]:
        """The well-formed questions of this shard not answered yet; the rest are reported or
        counted."""
        first_line: dict[str, int] = {}
        todo = []
        for number, item in read_questions(path):
            if isinstance(item, str):
                self.problem("malformed", f"line {number}: {item}")
            elif item.key in first_line:
                self.problem("malformed", f"{item.label}: duplicate id (first on line "
                             f"{first_line[item.key]}); skipped")  # fmt: skip
            else:
                first_line[item.key] = number
                if shard is not None and not in_shard(item.key, *shard):
                    self.report.other_shard += 1
                elif item.key in done:
                    self.report.skipped += 1
                else:
                    todo.append(item)
        return todo

    def lookup(self, ref: str) -> tuple[str, Path | None]:
        """A ref's document id, and the file to ingest first when it is a path not yet ready."""
        path = Path(ref).expanduser()
        if not path.is_file():
            return self.library.store.resolve(ref).id, None
        doc_id = file_document_id(path)
        try:
            if doc_id and self.library.store.get_document(doc_id).ready:
                return doc_id, None
        except NotFoundError:
            pass
        return doc_id or str(path.resolve()), path

    async def resolve(self, refs: list[str]) -> tuple[dict[str, str], dict[str, str]]:
        """Every ref's document id (ingesting files once each), and the refs that failed."""
        ids: dict[str, str] = {}
        errors: dict[str, str] = {}
        files: dict[str, tuple[Path, list[str]]] = {}  # one ingestion per document
        for ref in refs:
            try:
                doc_id, path = await asyncio.to_thread(self.lookup, ref)
            except TomeError as exc:
                errors[ref] = exc.message
                continue
            if path is None:
                ids[ref] = doc_id
            else:
                files.setdefault(doc_id, (path, []))[1].append(ref)
        for path, waiting in files.values():
            try:
                doc_id = await self.ingest(path)
            except TomeError as exc:
                errors.update((ref, f"ingestion failed: {exc.message}") for ref in waiting)
            else:
                ids.update((ref, doc_id) for ref in waiting)
        return ids, errors

    async def ingest(self, path: Path) -> str:
        self.emit(FileIngesting(str(path)))
        error = None
        try:
            report = await self.library.aingest(
                path, lambda event: self.emit(FileIngesting(str(path), event))
            )
        except TomeError as exc:
            error = exc.message
            raise
        finally:
            self.emit(FileIngesting(str(path), finished=True, error=error))
        self.report.ingested.append(report.id)
        return report.id

    async def answer_all(
        self, jobs: list[tuple[Question, list[str]]], out_path: Path, strategy: str | None,
        limit: int,
    ) -> None:  # fmt: skip
        self.emit(AnsweringStarted(len(jobs)))
        pending = iter(jobs)
        writer = LogAppender(out_path)
        lock = asyncio.Lock()

        async def worker() -> None:
            for q, ids in pending:
                try:
                    answer = await self.library.aask(
                        q.question, ids, q.strategy or strategy, remember=False
                    )
                    record = answer_record(q, ids, answer)
                except TomeError as exc:
                    self.problem("failed", f"{q.label}: {exc.message}")
                    self.emit(QuestionDone(q.id, ok=False, line=q.line))
                    continue
                async with lock:
                    await asyncio.to_thread(writer.write, record)
                self.report.answered += 1
                self.emit(QuestionDone(q.id, ok=True, line=q.line))

        await _run_workers(worker, min(limit, len(jobs)), writer)


async def _run_workers(worker: Callable[[], Any], count: int, writer: LogAppender) -> None:
    """Run `count` workers to the end; on an unexpected error cancel the rest, then close."""
    tasks = [asyncio.create_task(worker()) for _ in range(count)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        writer.close()


def in_shard(key: str, k: int, n: int) -> bool:
    """Is the question `key` shard K of N's? A stable hash of the id, the same on every machine,
    so N workers given the same file answer each question exactly once."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:16], 16) % n == k - 1


async def abatch(
    library: Library,
    questions_path: Path,
    out_path: Path,
    *,
    strategy: str | None = None,
    concurrency: int | None = None,
    on_event: EventCallback | None = None,
    shard: tuple[int, int] | None = None,
) -> BatchReport:
    """Answer the questions of `questions_path` into `out_path` (only shard K of N's with
    `shard=(K, N)`); see the module docstring."""
    started = time.perf_counter()
    questions_path, out_path = questions_path.expanduser(), out_path.expanduser()
    if questions_path.is_dir():
        raise DocumentError(f"{questions_path} is a directory; pass a JSONL file of questions")
    if not questions_path.is_file():
        raise DocumentError(f"{questions_path} does not exist; check the path")
    if out_path.exists() and out_path.resolve() == questions_path.resolve():
        raise ConfigError("the output file is the questions file; write the answers elsewhere")
    # Twice the model's concurrency by default: a question spends part of its time outside
    # model calls (retrieval, citations, the write), and its slot would idle meanwhile.
    limit = concurrency or 2 * library.settings.llm.concurrency
    if limit < 1:
        raise ConfigError(f"concurrency must be at least 1, not {limit}")
    run = _Run(library, out_path, on_event)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    done = await asyncio.to_thread(repair_output, out_path)
    if shard is not None and not 1 <= shard[0] <= shard[1]:
        raise ConfigError(f"shard {shard[0]}/{shard[1]} does not exist; use K/N with 1 <= K <= N")
    todo = await asyncio.to_thread(run.select, questions_path, done, shard)
    refs = list(dict.fromkeys(ref for q in todo for ref in q.documents))
    ids, errors = await run.resolve(refs)
    jobs = []
    for q in todo:
        bad = next((ref for ref in q.documents if ref in errors), None)
        if bad is not None:
            run.problem("failed", f"{q.label}: document {bad!r}: {errors[bad]}")
        else:
            jobs.append((q, list(dict.fromkeys(ids[ref] for ref in q.documents))))
    await run.answer_all(jobs, out_path, strategy, limit)
    run.report.seconds = round(time.perf_counter() - started, 3)
    return run.report


def batch(
    library: Library,
    questions_path: Path,
    out_path: Path,
    *,
    strategy: str | None = None,
    concurrency: int | None = None,
    on_event: EventCallback | None = None,
    shard: tuple[int, int] | None = None,
) -> BatchReport:
    """The sync `abatch`, on the library's event loop."""
    return library.run(
        abatch(library, Path(questions_path), Path(out_path), strategy=strategy,
               concurrency=concurrency, on_event=on_event, shard=shard)
    )  # fmt: skip
