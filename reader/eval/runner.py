"""Run every question with every strategy and score it; rows are appended to a jsonl file as they
finish, so an interrupted run resumes where it stopped.

Questions run document by document and strategy by strategy, in order: a server with a prompt
cache (llama.cpp, vLLM's prefix caching) then reuses the document prefix that full-context calls
share. `auto` is not run again when the strategy it routes to has already answered the question
in this run: at temperature 0 the answer would be the same, so its row is copied.

Every row records the pages the strategy read (`pages_read`, see `metrics.pages_read`) and the
[start, end) of each citation (`cited_spans`); facts-suite rows add whether a citation overlaps a
planted sentence. With a `Judge`, LiteraryQA rows get its `judge_score`; rows answered by an
earlier run without one are graded (and appended again: the later line wins) before answering."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.registry import AUTO
from agents.router import route
from memory.records import DocumentRecord
from reader.core.errors import ModelError, TomeError
from reader.core.events import FileIngesting, QuestionDone, WorkEvent
from reader.core.jsonl import LogAppender, repair_log
from reader.core.jsonl import read_log as read_rows
from reader.eval.items import PLANTED_KINDS, EvalItem
from reader.eval.judge import Judge, JudgeError
from reader.eval.metrics import citation_scores, pages_read, score

if TYPE_CHECKING:
    from reader.core.types import Answer
    from reader.library import Library

EventCallback = Callable[[WorkEvent], None]


async def aevaluate(
    library: Library,
    items: list[EvalItem],
    strategies: list[str],
    rows_path: Path,
    *,
    concurrency: int = 1,
    on_event: EventCallback | None = None,
    judge: Judge | None = None,
) -> list[dict[str, Any]]:
    """Answer and score each item with each strategy (and grade it, with a judge); return all
    rows for these items."""
    rows_path.parent.mkdir(parents=True, exist_ok=True)
    repair_log(rows_path)
    done = {(r["id"], r["strategy"]): r for r in read_rows(rows_path)}
    emit = on_event or (lambda event: None)
    doc_ids: dict[Path, str] = {}
    for path in dict.fromkeys(item.document for item in items):
        emit(FileIngesting(str(path)))
        doc_ids[path] = (await library.aingest(path)).id
    window = (await library.amodel()).context_window
    gate = asyncio.Semaphore(max(1, concurrency))

    async def answer(item: EvalItem, strategy: str) -> dict[str, Any]:
        async with gate:
            doc_id = doc_ids[item.document]
            started = time.perf_counter()
            try:
                result = await library.aask(
                    item.question, [doc_id], strategy=strategy, remember=False
                )
            except ModelError:
                raise  # the server is down or misconfigured: stop, the rows so far are kept
            except TomeError as exc:
                row = _row(item, doc_id, strategy, "", time.perf_counter() - started)
                row["error"] = exc.message
                row.update(_reading(item, row, None, doc_id))
            else:
                row = _row(item, doc_id, strategy, result.text, time.perf_counter() - started)
                row.update(
                    llm_calls=result.usage.calls,
                    prompt_tokens=result.usage.prompt_tokens,
                    completion_tokens=result.usage.completion_tokens,
                    routed=result.strategy if strategy == AUTO else None,
                    cited_pages=[c.page for c in result.citations],
                )
                row.update(_reading(item, row, result, doc_id))
            row = {k: v for k, v in row.items() if v is not None}
            if judge is not None and judge.judges(item) and "error" not in row:
                try:
                    row = await _graded(judge, item, row)
                except JudgeError:
                    log.write(row)  # the answer is kept; a rerun grades it
                    raise
            log.write(row)
            done[item.id, strategy] = row
            emit(QuestionDone(item.id, ok="error" not in row, strategy=strategy, row=row))
            return row

    async def regrade(grader: Judge, item: EvalItem, row: dict[str, Any]) -> None:
        async with gate:
            graded = await _graded(grader, item, row)
            log.write(graded)
            done[item.id, row["strategy"]] = graded

    log = LogAppender(rows_path)
    try:
        if judge is not None:
            ungraded = [
                (item, row)
                for item in items
                for s in strategies
                if judge.judges(item)
                and (row := done.get((item.id, s))) is not None
                and not {"error", "judge_score", "judge_error"} & row.keys()
            ]
            await asyncio.gather(*(regrade(judge, item, row) for item, row in ungraded))
        for path, doc_id in doc_ids.items():
            group = [item for item in items if item.document == path]
            record = await asyncio.to_thread(library.store.get_document, doc_id)
            for strategy in strategies:
                todo = []
                for item in (i for i in group if (i.id, strategy) not in done):
                    reused = strategy == AUTO and _routed_row(item, record, window, done)
                    if reused:
                        log.write(reused)
                        done[item.id, AUTO] = reused
                    else:
                        todo.append(item)
                await asyncio.gather(*(answer(item, strategy) for item in todo))
    finally:
        log.close()
        if judge is not None:
            await judge.aclose()
    return [done[item.id, s] for item in items for s in strategies if (item.id, s) in done]


def _reading(
    item: EvalItem, row: dict[str, Any], result: Answer | None, doc_id: str
) -> dict[str, Any]:
    """What the strategy read and cited: pages read, citation spans in the document, and for
    the facts suite whether a citation overlaps a planted sentence."""
    citations = [c for c in result.citations if c.document == doc_id] if result else []
    spans = [[c.start, c.end] for c in citations]
    reading: dict[str, Any] = {
        "pages_read": pages_read(result.trace, row.get("cited_pages", [])) if result else 0,
        "cited_spans": spans,
    }
    if item.kind in PLANTED_KINDS:
        reading.update(citation_scores(item, row["found"], spans))
    return reading


async def _graded(judge: Judge, item: EvalItem, row: dict[str, Any]) -> dict[str, Any]:
    verdict = await judge.grade(item, row["answer"])
    graded = {**row, "judge_feedback": verdict.feedback}
    if verdict.score is None:
        graded["judge_error"] = "no [RESULT] 1-5 in the judge's reply"
    else:
        graded["judge_score"] = verdict.score
    return graded


def _routed_row(
    item: EvalItem,
    record: DocumentRecord,
    context_window: int,
    done: dict[tuple[str, str], dict[str, Any]],
) -> dict[str, Any] | None:
    """`auto`'s row copied from the strategy it routes to, when that one answered already."""
    routed = route(item.question, [record], context_window)
    answered = done.get((item.id, routed.strategy))
    if answered is None or answered.get("error"):
        return None
    return {**answered, "strategy": AUTO, "routed": routed.strategy, "reused": True}


def _planted(item: EvalItem) -> dict[str, Any]:
    if not item.spans:
        return {}
    return {"spans": [list(span) for span in item.spans], "depths": item.depths}


def _row(item: EvalItem, doc_id: str, strategy: str, answer: str, seconds: float) -> dict[str, Any]:
    return {
        "id": item.id,
        "dataset": item.dataset,
        "kind": item.kind,
        "document": doc_id,
        "strategy": strategy,
        "question": item.question,
        "answer": answer,
        "references": item.references,
        **_planted(item),
        **score(item, answer),
        "llm_calls": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "seconds": round(seconds, 2),
    }


def evaluate(
    library: Library,
    items: list[EvalItem],
    strategies: list[str],
    rows_path: Path,
    *,
    concurrency: int = 1,
    on_event: EventCallback | None = None,
    judge: Judge | None = None,
) -> list[dict[str, Any]]:
    """The sync `aevaluate`, on the library's event loop."""
    return library.run(
        aevaluate(library, items, strategies, Path(rows_path), concurrency=concurrency,
                  on_event=on_event, judge=judge)
    )  # fmt: skip
