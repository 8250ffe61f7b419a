"""Answer one question about one or more ready documents: recall the conversation, route, run the
strategy's graph, check citations, remember the exchange and report what it cost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from agents import registry
from agents.answer import history
from agents.answer.citations import build_citations
from agents.answer.partial import askable, partial, route_partial
from agents.answer.prompts import is_not_found, shape_answer
from agents.answer.state import AnswerInput
from agents.context import GraphContext
from agents.router import Route, fits, route
from reader.core.errors import ConfigError, NotFoundError
from reader.core.events import AnswerText
from reader.core.types import Answer
from reader.core.usage import metered
from reader.llm.priority import asking

RECURSION_LIMIT = 2000
QUESTION_SHARE = 8  # a question may take at most this fraction of the window: pages need the rest


async def run_graph(
    strategy: str,
    state: AnswerInput,
    ctx: GraphContext,
    on_text: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run a registered strategy's graph; its `AnswerText` events go to `on_text`."""
    app = registry.get(strategy).graph
    config = {"recursion_limit": RECURSION_LIMIT, "max_concurrency": ctx.settings.llm.concurrency}
    final: dict[str, Any] = {}
    async for mode, event in app.astream(
        {**state, "stream": on_text is not None}, config, context=ctx,
        stream_mode=["custom", "values"],
    ):  # fmt: skip
        if mode == "values":
            final = event
        elif on_text is not None and isinstance(event, AnswerText):
            on_text(event.text)
    return final


async def answer_question(
    ctx: GraphContext,
    question: str,
    documents: list[str],
    strategy: str | None = None,
    conversation: str | None = None,
    use_memory: bool = True,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """Answer `question` from `documents`. With `use_memory=False` (evaluation) no earlier
    exchange is recalled into the prompts and this one is not remembered. `on_text` gets the
    answer's text piece by piece while the model writes it."""
    question = " ".join(question.split())
    if not question:
        raise ConfigError("the question is empty; ask something")
    limit = ctx.model.context_window // QUESTION_SHARE
    if (tokens := ctx.model.count_tokens(question)) > limit:
        raise ConfigError(
            f"the question is {tokens:,} tokens, more than the {limit:,} a question may take of "
            f"the model's {ctx.model.context_window:,}-token window; ask a shorter question"
        )
    if not documents:
        raise NotFoundError("no ready documents to ask about; `tome add FILE` first")
    strategy = registry.check(strategy or ctx.settings.answer.strategy)
    store = ctx.store
    documents = list(dict.fromkeys(documents))
    records = [await asyncio.to_thread(askable, store, d) for d in documents]
    building = await asyncio.to_thread(partial, store, records)
    started = time.perf_counter()
    with metered() as meter:
        if use_memory:
            memo = await asyncio.to_thread(
                history.recall, store, question, documents, conversation,
                ctx.settings.answer.related_episodes,
            )  # fmt: skip
        else:
            memo = history.Recall(conversation or "", "", question, 0, 0)
        if strategy == registry.AUTO:
            chosen = route(question, records, ctx.model.context_window)
        else:
            chosen = Route(strategy, "asked for")
        if building is not None:  # lookup and navigate need the finished memory
            chosen = route_partial(chosen, fits(records, ctx.model.context_window))
        state: AnswerInput = {
            "question": question,
            "query": memo.query,
            "history": memo.history,
            "documents": documents,
            "trace": [
                chosen.trace(),
                {
                    "step": "recall",
                    "turns": memo.turns,
                    "related": memo.related,
                    "clipped": memo.clipped,
                },
            ],
        }
        with asking(ctx.settings):  # a builder sharing the embedded server lets this go first
            result = await run_graph(chosen.strategy, state, ctx, on_text)
        text = shape_answer(result.get("answer") or "", question)
        # nothing found: no page supports "does not say"
        evidence = [] if is_not_found(text) else result.get("evidence") or []
        ids = list(dict.fromkeys(p for item in evidence for p in item.pages))
        pages = {p.id: p for p in await asyncio.to_thread(store.pages_by_id, ids)}
        titles = {r.id: r.title for r in records}
        citations, notes = build_citations(evidence, pages, text, question, titles)
    usage = meter.usage
    answer = Answer(
        text=text,
        citations=citations,
        strategy=chosen.strategy,
        trace=[*result.get("trace", []), *notes],
        usage=usage,
        conversation=memo.conversation or None,
        memory=building.note(chosen.strategy) if building else "",
    )
    answer.seconds = round(time.perf_counter() - started, 3)
    answer.trace.append({"step": "done", "wall_seconds": answer.seconds})
    if use_memory:
        await asyncio.to_thread(history.remember, store, question, documents, answer)
    return answer
