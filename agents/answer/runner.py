"""Answer one question about one or more ready documents: recall the conversation, route, run the
strategy's graph, check citations, remember the exchange and report what it cost."""

from __future__ import annotations

import asyncio
import importlib
import time
from dataclasses import replace
from typing import Any

from agents.answer import history
from agents.answer.citations import build_citations
from agents.answer.pages import answer_from_pages
from agents.answer.prompts import NOT_FOUND
from agents.context import GraphContext
from agents.router import BASELINES, STRATEGIES, Route, route
from reader.errors import ConfigError, NotFoundError
from reader.types import Answer
from reader.usage import metered

RECURSION_LIMIT = 2000


def build_graph(strategy: str) -> Any:
    """The compiled graph of a strategy (`agents.<strategy>.graph.build_graph`)."""
    module = importlib.import_module(f"agents.{strategy}.graph")
    return module.build_graph().compile()


async def _run(strategy: str, state: dict[str, Any], ctx: GraphContext) -> dict[str, Any]:
    app = build_graph(strategy)
    config = {"recursion_limit": RECURSION_LIMIT, "max_concurrency": ctx.settings.llm.concurrency}
    return await app.ainvoke(state, config=config, context=ctx)


async def _navigate_each(state: dict[str, Any], ctx: GraphContext) -> dict[str, Any]:
    """MemWalker walks one tree: walk each document's, then answer from the pages they found."""
    walker = replace(ctx, on_answer_text=None)  # only the combined answer is streamed
    results = await asyncio.gather(
        *(_run("navigate", {**state, "documents": [d]}, walker) for d in state["documents"])
    )
    trace = [
        {**entry, "document": doc_id[:12]}
        for doc_id, result in zip(state["documents"], results, strict=True)
        for entry in result.get("trace", [])
    ]
    found = [p for r in results for p in (r.get("evidence") or [{}])[0].get("pages", [])[:1]]
    pages = await asyncio.to_thread(ctx.store.pages_by_id, found)
    text, evidence, entry = await answer_from_pages(
        ctx, state["question"], pages, state.get("history", "")
    )
    return {"answer": text, "evidence": evidence, "trace": [*trace, {**entry, "combine": True}]}


async def answer_question(
    ctx: GraphContext,
    question: str,
    documents: list[str],
    strategy: str | None = None,
    conversation: str | None = None,
    use_memory: bool = True,
) -> Answer:
    """Answer `question` from `documents`. With `use_memory=False` (evaluation) no earlier
    exchange is recalled into the prompts and this one is not remembered."""
    question = " ".join(question.split())
    if not question:
        raise ConfigError("the question is empty; ask something")
    if not documents:
        raise NotFoundError("no ready documents to ask about; `tome add FILE` first")
    strategy = strategy or ctx.settings.answer.strategy
    if strategy != "auto" and strategy not in STRATEGIES + BASELINES:
        raise ConfigError(
            f"unknown strategy {strategy!r}; use one of auto, {', '.join(STRATEGIES)} "
            f"(or a baseline: {', '.join(BASELINES)})"
        )
    store = ctx.store
    documents = list(dict.fromkeys(documents))
    records = [await asyncio.to_thread(store.require_ready, d) for d in documents]
    started = time.perf_counter()
    with metered() as meter:
        if use_memory:
            memo = await asyncio.to_thread(
                history.recall, store, question, documents, conversation,
                ctx.settings.answer.related_episodes,
            )  # fmt: skip
        else:
            memo = history.Recall(conversation or "", "", question, 0, 0)
        if strategy == "auto":
            chosen = route(question, records, ctx.model.context_window)
        else:
            chosen = Route(strategy, "asked for")
        state: dict[str, Any] = {
            "question": question,
            "query": memo.query,
            "history": memo.history,
            "documents": documents,
            "trace": [
                chosen.trace(),
                {"step": "recall", "turns": memo.turns, "related": memo.related},
            ],
            **chosen.state,
        }
        if chosen.strategy == "navigate" and len(documents) > 1:
            result = await _navigate_each(state, ctx)
            result["trace"] = state["trace"] + result["trace"]
        else:
            result = await _run(chosen.strategy, state, ctx)
        text = result.get("answer") or ""
        evidence = result.get("evidence") or []
        if NOT_FOUND.lower().rstrip(".") in text.lower():
            evidence = []  # nothing found: no page supports "does not say"
        ids = list(dict.fromkeys(p for item in evidence for p in item.get("pages", [])))
        pages = {p.id: p for p in await asyncio.to_thread(store.pages_by_id, ids)}
        citations, notes = build_citations(evidence, pages, text, question)
    usage = meter.usage
    answer = Answer(
        text=text,
        citations=citations,
        strategy=chosen.strategy,
        trace=[*result.get("trace", []), *notes],
        usage=usage,
        conversation=memo.conversation or None,
    )
    answer.trace.append({"step": "done", "wall_seconds": round(time.perf_counter() - started, 3)})
    if use_memory:
        await asyncio.to_thread(history.remember, store, question, documents, answer)
    return answer
