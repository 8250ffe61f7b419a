"""Ingestion graph logic with a fake chat model, real LangGraph, real Chroma, real SQLite."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from agents.ingest.grouping import plan_groups
from agents.ingest.runner import IngestFailedError
from reader.core.errors import ModelError, NotReadyError
from reader.core.settings import load_settings
from reader.core.types import Node
from reader.library import Library
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.fakes import FakeEmbedder

PAGE_RE = re.compile(r"Page (\d+) of (\d+)")
WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
]


def write_book(path: Path, chapters: int, paragraphs_per_chapter: int) -> Path:
    parts = []
    for c in range(chapters):
        parts.append(f"CHAPTER {c + 1}\n")
        for p in range(paragraphs_per_chapter):
            body = " ".join(WORDS[(c + p + i) % len(WORDS)] for i in range(60))
            parts.append(f"Paragraph {c}.{p}: {body}.\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def responder(request: FakeRequest) -> str:
    prompt = request.messages[-1]["content"]
    if match := PAGE_RE.search(prompt):
        return f"Gist of page {match.group(1)}: someone did something important there."
    return "Summary of several pages: events unfold in order across the chapters."


def make_library(
    tmp_path: Path, model: FakeChatModel, group_tokens: int = 60, concurrency: int = 3
) -> Library:
    settings = load_settings(
        pages={"target_tokens": 100, "max_tokens": 140, "min_chapter_tokens": 0},
        ingest={"group_tokens": group_tokens, "concurrency": concurrency},
    )
    library = Library(settings, model=model)
    library._store = None  # built lazily below with the fake embedder
    from memory.store import MemoryStore

    library._store = MemoryStore(settings, FakeEmbedder())
    return library


def gist_requests(model: FakeChatModel) -> list[int]:
    pages = []
    for r in model.requests:
        if match := PAGE_RE.search(r.messages[-1]["content"]):
            pages.append(int(match.group(1)))
    return sorted(pages)


def test_every_page_gets_one_gist_and_the_tree_has_one_root(tmp_path: Path) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    report = library.ingest(write_book(tmp_path / "book.txt", chapters=3, paragraphs_per_chapter=4))
    store = library.store
    pages = store.pages(report.id)
    gists = store.nodes(report.id, 1)
    assert report.pages == len(pages) >= 9
    assert gist_requests(model) == list(range(1, len(pages) + 1))
    assert [g.first_page for g in gists] == [p.ordinal for p in pages]
    top = store.nodes(report.id, report.depth)
    assert len(top) == 1 and report.depth >= 3
    assert store.nodes(report.id, report.depth + 1) == []
    # every non-root node points at a parent that lists it, in order
    for level in range(1, report.depth):
        for node in store.nodes(report.id, level):
            parent = store.get_node(node.parent)
            assert node.id in parent.children
            assert parent.first_page <= node.first_page <= node.last_page <= parent.last_page
    assert store.get_document(report.id).status == "ready"
    assert report.llm_calls == len(model.requests)
    assert report.prompt_tokens > 0 and report.completion_tokens > 0


def test_level_two_groups_never_mix_chapters_that_do_not_fit(tmp_path: Path) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model, group_tokens=60)
    report = library.ingest(write_book(tmp_path / "book.txt", chapters=3, paragraphs_per_chapter=4))
    for node in library.store.nodes(report.id, 2):
        chapters = {library.store.get_node(c).chapter for c in node.children}
        assert len(chapters) == 1


def test_single_page_document_is_its_own_root(tmp_path: Path) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    path = tmp_path / "note.txt"
    path.write_text("A short note about the harbour at dawn, where Mara waits for the ship.\n")
    report = library.ingest(path)
    assert (report.pages, report.depth, len(model.requests)) == (1, 1, 1)
    assert library.store.nodes(report.id, 1)[0].parent is None


def test_same_bytes_again_is_a_no_op(tmp_path: Path) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    path = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=3)
    library.ingest(path)
    calls = len(model.requests)
    again = library.ingest(path)
    assert again.skipped and len(model.requests) == calls


def test_bad_pages_fail_then_a_rerun_retries_only_them(tmp_path: Path) -> None:
    def flaky(request: FakeRequest) -> str:
        match = PAGE_RE.search(request.messages[-1]["content"])
        if match and match.group(1) == "3":
            return "I'm sorry, I cannot help with that."
        return responder(request)

    model = FakeChatModel(responder=flaky)
    library = make_library(tmp_path, model)
    path = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=3)
    with pytest.raises(IngestFailedError, match=r"page 3: the model refused"):
        library.ingest(path)
    doc_id = library.store.documents()[0].id
    assert library.store.get_document(doc_id).status == "failed"
    assert library.store.search_pages("alpha", k=2) == []  # not ready: invisible to questions
    retries = load_settings().ingest.retries
    assert gist_requests(model).count(3) == retries + 1

    model.requests.clear()
    model.responder = responder
    report = library.ingest(path)
    assert gist_requests(model) == [3]
    assert library.store.get_document(report.id).status == "ready"


def test_a_crash_mid_map_resumes_without_redoing_finished_gists(tmp_path: Path) -> None:
    def crashing(request: FakeRequest) -> str:
        match = PAGE_RE.search(request.messages[-1]["content"])
        if match and match.group(1) == "4":
            raise RuntimeError("simulated crash")
        return responder(request)

    model = FakeChatModel(responder=crashing)
    # one page at a time, so pages 1-3 are certainly stored before page 4 crashes
    library = make_library(tmp_path, model, concurrency=1)
    path = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=3)
    with pytest.raises(RuntimeError, match="simulated crash"):
        library.ingest(path)
    doc_id = library.store.documents()[0].id
    done_before = {g.first_page + 1 for g in library.store.nodes(doc_id, 1)}
    assert done_before and 4 not in done_before  # some pages finished before the crash
    model.requests.clear()
    model.responder = responder
    report = library.ingest(path)
    redone = set(gist_requests(model))
    assert 4 in redone and not (redone & done_before)
    assert len(library.store.nodes(report.id, 1)) == report.pages


SPAN_RE = re.compile(r"Summaries of \d+ consecutive parts, pages (\d+)-(\d+)")


def summary_requests(model: FakeChatModel) -> list[tuple[int, int]]:
    spans = []
    for r in model.requests:
        if match := SPAN_RE.search(r.messages[-1]["content"]):
            spans.append((int(match.group(1)), int(match.group(2))))
    return spans


def test_a_crash_in_the_tree_phase_resumes_without_redoing_gists_or_summaries(
    tmp_path: Path,
) -> None:
    crashed: list[tuple[int, int]] = []

    def crashing(request: FakeRequest) -> str:
        prompt = request.messages[-1]["content"]
        match = SPAN_RE.search(prompt)
        if match and crashed == [] and summary_requests(model)[:-1]:
            crashed.append((int(match.group(1)), int(match.group(2))))
            raise RuntimeError("simulated crash in the tree")  # the second summary of the run
        return responder(request)

    model = FakeChatModel(responder=crashing)
    library = make_library(tmp_path, model, group_tokens=30, concurrency=1)
    path = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=4)
    with pytest.raises(RuntimeError, match="simulated crash in the tree"):
        library.ingest(path)
    doc_id = library.store.documents()[0].id
    record = library.store.get_document(doc_id)
    assert record.status == "failed" and "simulated crash in the tree" in record.stats["error"]
    stored = {(n.first_page + 1, n.last_page + 1) for n in library.store.nodes(doc_id, 2)}
    assert stored and crashed[0] not in stored  # one summary finished, the crashing one did not
    model.requests.clear()
    model.responder = responder
    report = library.ingest(path)
    assert gist_requests(model) == []  # every gist was stored before the tree began
    redone = set(summary_requests(model))
    assert crashed[0] in redone and not (redone & stored)
    assert library.store.get_document(report.id).status == "ready"
    assert len(library.store.nodes(report.id, report.depth)) == 1


def test_ready_is_written_once_by_the_runner(tmp_path: Path, monkeypatch) -> None:
    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    statuses: list[str] = []
    original = library.store.set_status

    def recording(doc_id: str, status: str, stats: dict | None = None) -> None:
        statuses.append(status)
        original(doc_id, status, stats)

    monkeypatch.setattr(library.store, "set_status", recording)
    report = library.ingest(write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=3))
    assert statuses.count("ready") == 1
    assert library.store.get_document(report.id).stats["llm_calls"] == report.llm_calls


def test_plan_groups_odd_counts_and_progress() -> None:
    def nodes(n: int, chapter_of=lambda i: 0) -> list[Node]:
        return [
            Node(id=f"n{i}", document="d", level=1, ordinal=i, summary="word " * 10,
                 first_page=i, last_page=i, chapter=chapter_of(i))
            for i in range(n)
        ]  # fmt: skip

    count = lambda text: len(text.split())  # noqa: E731
    assert plan_groups(nodes(1), 100, count, by_chapter=True) == [nodes(1)]
    groups = plan_groups(nodes(5), 25, count, by_chapter=False)
    assert [len(g) for g in groups] in ([2, 2, 1], [2, 1, 2], [1, 2, 2])
    # over-budget summaries still shrink the level (pairs), so the loop always ends
    assert [len(g) for g in plan_groups(nodes(5), 5, count, by_chapter=False)] == [2, 2, 1]
    chaptered = plan_groups(nodes(6, lambda i: i // 3), 25, count, by_chapter=True)
    assert all(len({n.chapter for n in g}) == 1 for g in chaptered)
    flat = [n.id for g in chaptered for n in g]
    assert flat == [f"n{i}" for i in range(6)]
    # however large the budget, a parent gets at most `fanout` children
    wide = plan_groups(nodes(10), 10_000, count, by_chapter=False, fanout=3)
    assert [len(g) for g in wide] in ([3, 3, 2, 2], [2, 3, 2, 3], [3, 2, 3, 2], [2, 2, 3, 3])
    assert [n.id for g in wide for n in g] == [f"n{i}" for i in range(10)]


def test_a_model_error_marks_the_document_failed_with_the_reason(tmp_path: Path) -> None:
    def down(request: FakeRequest) -> str:
        raise ModelError("the model server at http://127.0.0.1:9/v1 answered HTTP 500")

    library = make_library(tmp_path, FakeChatModel(responder=down))
    path = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=3)
    with pytest.raises(ModelError):
        library.ingest(path)
    record = library.store.documents()[0]
    assert record.status == "failed" and "HTTP 500" in record.stats["error"]
    with pytest.raises(NotReadyError, match=r"last add failed \(the model server.*`tome add "):
        library.store.require_ready(record.id)


class HangingModel(FakeChatModel):
    """A fake whose call for page 2 never returns (until cancelled); `hung` is set then."""

    def __init__(self) -> None:
        super().__init__(responder=responder)
        self.hung = asyncio.Event()

    async def complete(self, messages: list[dict[str, str]], **kwargs: Any) -> str:
        match = PAGE_RE.search(messages[-1]["content"])
        if match and match.group(1) == "2":
            self.hung.set()
            await asyncio.Event().wait()
        return await super().complete(messages, **kwargs)


def test_an_interrupted_add_says_so_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    """Ctrl-C in `tome add` cancels the running ingestion (asyncio.Runner turns SIGINT into a
    cancellation); the document then says it was interrupted, and a rerun finishes it."""
    model = HangingModel()
    library = make_library(tmp_path, model, concurrency=1)
    path = write_book(tmp_path / "book.txt", chapters=1, paragraphs_per_chapter=3)

    async def interrupt() -> None:
        task = asyncio.create_task(library.aingest(path))
        await model.hung.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    library.run(interrupt())
    record = library.store.documents()[0]
    assert record.status == "interrupted"
    with pytest.raises(NotReadyError, match="interrupted; run `tome add"):
        library.store.require_ready(record.id)
    rerun = make_library(tmp_path, FakeChatModel(responder=responder), concurrency=1)
    assert rerun.ingest(path).pages == record.pages
    assert rerun.store.get_document(record.id).status == "ready"


HOLD_LEASE = """
from pathlib import Path
from reader.core.leases import held
with held(Path({folder!r})):
    print("held", flush=True)
    input()
"""


def test_a_second_add_while_another_process_builds_says_so_and_does_no_work(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    from agents.ingest.runner import file_document_id

    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    book = write_book(tmp_path / "book.txt", chapters=2, paragraphs_per_chapter=2)
    folder = library.store.builders(file_document_id(book))
    code = HOLD_LEASE.format(folder=str(folder))
    holder = subprocess.Popen(  # another tome process building the same document
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(
            NotReadyError, match=rf"being added by another tome process \(pid {holder.pid}\)"
        ):
            library.ingest(book)
        assert model.requests == []
    finally:
        holder.kill()
        holder.wait()
    report = library.ingest(book)  # the other builder is gone: this one does the work
    assert report.pages >= 2 and library.store.get_document(report.id).status == "ready"


def test_progress_starts_before_the_pages_exist(tmp_path: Path) -> None:
    from reader.core.events import IngestStarted, Preparing

    library = make_library(tmp_path, FakeChatModel(responder=responder))
    events: list[object] = []
    library.ingest(write_book(tmp_path / "book.txt", 2, 2), on_event=events.append)
    steps = [e.step for e in events if isinstance(e, Preparing)]
    assert steps == ["reading", "paginating", "storing"]
    first_started = next(i for i, e in enumerate(events) if isinstance(e, IngestStarted))
    assert first_started == 3, "the three steps come before the pages are counted"


def test_the_first_gist_does_not_wait_for_the_passage_embeddings(tmp_path: Path) -> None:
    """The passages are embedded beside the gists: an embedder that will not finish before the
    model has been asked for a gist would hang an ingest that embedded first."""
    import threading

    asked = threading.Event()

    def gisting(request: FakeRequest) -> str:
        asked.set()
        return responder(request)

    class WaitsForTheModel(FakeEmbedder):
        def embed(self, texts: list[str]) -> list[list[float]]:
            if len(texts) > 1 or texts[0] != "book":  # passages, not the title
                assert asked.wait(20), "the passages were embedded before any gist was asked"
            return super().embed(texts)

    model = FakeChatModel(responder=gisting)
    library = make_library(tmp_path, model)
    from memory.store import MemoryStore

    library._store = MemoryStore(library.settings, WaitsForTheModel())
    report = library.ingest(write_book(tmp_path / "book.txt", 2, 2))
    store = library.store
    assert store.passages_embedded(report.id) and store.get_document(report.id).status == "ready"
    hits = store.search_pages("alpha beta", [report.id], k=2)
    assert hits and all(h.page.document == report.id for h in hits)
