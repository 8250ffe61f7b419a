"""Run every question with every strategy and score it; rows are appended to a jsonl file as they
finish, so an interrupted run resumes where it stopped.

Questions run document by document and strategy by strategy, in order: a server with a prompt
cache (llama.cpp, vLLM's prefix caching) then reuses the document prefix that full-context calls
share. `auto` is not run again when the strategy it routes to has already answered the question
in this run: at temperature 0 the answer would be the same, so its row is copied."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reader.errors import ModelError, TomeError
from reader.eval.items import EvalItem
from reader.eval.metrics import score

if TYPE_CHECKING:
    from reader.api import Library

EventCallback = Callable[[dict[str, Any]], None]


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows already written; a partial last line (a killed run) is ignored."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def _append(path: Path, row: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _repair(path: Path) -> None:
    """Drop a partial last line so that the next row starts on a line of its own."""
    if path.exists():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            path.write_bytes(data[: data.rfind(b"\n") + 1])


async def run_eval(
    library: Library,
    items: list[EvalItem],
    strategies: list[str],
    rows_path: Path,
    *,
    concurrency: int = 1,
    on_event: EventCallback | None = None,
) -> list[dict[str, Any]]:
    """Answer and score each item with each strategy; return all rows for these items."""
    from agents.answer.runner import answer_question
    from agents.router import route

    rows_path.parent.mkdir(parents=True, exist_ok=True)
    _repair(rows_path)
    done = {(r["id"], r["strategy"]): r for r in read_rows(rows_path)}
    emit = on_event or (lambda event: None)
    doc_ids: dict[Path, str] = {}
    for path in dict.fromkeys(item.document for item in items):
        emit({"event": "ingest", "document": str(path)})
        doc_ids[path] = (await library.aingest(path)).id
    ctx = await library.acontext()
    gate = asyncio.Semaphore(max(1, concurrency))

    async def answer(item: EvalItem, strategy: str) -> dict[str, Any]:
        async with gate:
            doc_id = doc_ids[item.document]
            started = time.perf_counter()
            try:
                result = await answer_question(
                    ctx, item.question, [doc_id], strategy=strategy, use_memory=False
                )
            except ModelError:
                raise  # the server is down or misconfigured: stop, the rows so far are kept
            except TomeError as exc:
                row = _row(item, doc_id, strategy, "", time.perf_counter() - started)
                row["error"] = exc.message
            else:
                row = _row(item, doc_id, strategy, result.text, time.perf_counter() - started)
                row.update(
                    llm_calls=result.usage.calls,
                    prompt_tokens=result.usage.prompt_tokens,
                    completion_tokens=result.usage.completion_tokens,
                    routed=result.strategy if strategy == "auto" else None,
                    cited_pages=[c.page for c in result.citations],
                )
            row = {k: v for k, v in row.items() if v is not None}
            _append(rows_path, row)
            done[item.id, strategy] = row
            emit({"event": "answered", "id": item.id, "strategy": strategy, "row": row})
            return row

    documents = list(dict.fromkeys(item.document for item in items))
    for path in documents:
        group = [item for item in items if item.document == path]
        record = await asyncio.to_thread(library.store.get_document, doc_ids[path])
        for strategy in strategies:
            todo = []
            for item in group:
                if (item.id, strategy) in done:
                    continue
                if strategy == "auto":
                    routed = route(item.question, [record], ctx.model.context_window)
                    chosen = routed.strategy
                    same = not routed.state  # rag reading the whole document is not plain rag
                    if (
                        same
                        and (item.id, chosen) in done
                        and not done[item.id, chosen].get("error")
                    ):
                        row = {**done[item.id, chosen], "strategy": "auto", "routed": chosen}
                        row["reused"] = True
                        _append(rows_path, row)
                        done[item.id, "auto"] = row
                        continue
                todo.append(item)
            await asyncio.gather(*(answer(item, strategy) for item in todo))
    return [done[item.id, s] for item in items for s in strategies if (item.id, s) in done]


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
        **score(item, answer),
        "llm_calls": 0,
        "prompt_tokens": 0,
        "completion_tokens": 0,
        "seconds": round(seconds, 2),
    }
