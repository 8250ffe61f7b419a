"""Graph (GraphReader): explore the element graph (memory/elements.py) with a notebook. The walk
starts from the facts (sentences) that name the question's key elements; each step the model reads
the facts on show and the names and things they mention, writes a note, and picks one to look up
next, whose facts are shown at the next step; it stops when the notes answer the question, at
MAX_HOPS steps, or at the call budget (`answer.max_calls`). The answer is written from the
passages the walk read, with the notebook beside them, and cites their pages. The facts are
the atomic facts the model listed for each page in its gist's call, and the document's own
sentences that name a key element; the notebook is in the trace.
At most MAX_HOPS + 1 calls.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents.answer.pages import answer_from_pages, cut, pages_in_order, structured_or_none, words
from agents.answer.prompts import is_not_found
from agents.answer.questions import is_about_the_book
from agents.answer.state import answering_graph
from agents.context import GraphContext
from agents.graphreader import prompts
from agents.graphreader.state import ExploreState
from memory import elements
from memory.elements import ElementGraph, Fact
from reader.core.types import Evidence
from reader.core.words import content_words

MAX_HOPS = 3  # explore steps (model calls) before the answer
FACTS = 6  # facts on show at a step
LEADS = 6  # names and things offered to look up next
ANSWER_PASSAGES = 4  # passages the answer is written from
NOTE_WORDS = 25


def _graphs(ctx: GraphContext, state: ExploreState) -> dict[str, ElementGraph]:
    matter = is_about_the_book(state["question"])
    return {d: ctx.store.element_graph(d, matter) for d in state["documents"]}


def _shown(document: str, graph: ElementGraph, fact: Fact) -> dict[str, Any]:
    passage = graph.passages[fact.passage]
    return {
        "document": document, "passage": fact.passage, "page": passage.page,
        "ordinal": passage.ordinal, "text": fact.text, "elements": sorted(fact.elements),
    }  # fmt: skip


def _leads(
    graphs: dict[str, ElementGraph],
    facts: list[dict[str, Any]],
    avoid: set[str],
    seen: set[tuple[str, int]],
) -> list[str]:
    """Elements the facts name that lead to passages not yet read (`seen`: document and passage
    index): names of two words first, then the rarest."""
    seen = seen | {(f["document"], f["passage"]) for f in facts}
    found: dict[str, int] = {}
    for fact in facts:
        graph = graphs[fact["document"]]
        for element in fact["elements"]:
            if element in avoid or element in found or any(w in avoid for w in element.split()):
                continue
            if any((fact["document"], i) not in seen for i in graph.holders[element]):
                found[element] = len(graph.holders[element])
    return sorted(found, key=lambda e: (-len(e.split()), found[e], e))[:LEADS]


def _ranked(
    graphs: dict[str, ElementGraph], candidates: list[tuple[str, Fact]], weights: dict[str, float]
) -> list[dict[str, Any]]:
    """The best FACTS of `candidates` by the weight of the wanted elements each names, each
    sentence once, in document order among equals."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for doc, fact in candidates:
        if (doc, fact.text) not in seen:
            seen.add((doc, fact.text))
            unique.append((doc, fact))
    best = sorted(unique, key=lambda item: -sum(weights.get(e, 0.0) for e in item[1].elements))
    return [_shown(doc, graphs[doc], fact) for doc, fact in best[:FACTS]]


def _question_weights(graphs: dict[str, ElementGraph], question: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for graph in graphs.values():
        weights.update(elements.question_elements(graph, question))
    return weights


def _avoided(names: set[str]) -> set[str]:
    """Names that are no lead: those given, and each of their words."""
    return names | {w for name in names for w in name.split()}


async def start(state: ExploreState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """The facts that name the question's key elements (no model call)."""
    ctx = runtime.context
    graphs = await asyncio.to_thread(_graphs, ctx, state)
    weights = _question_weights(graphs, state["question"])
    candidates = [
        (doc, f)
        for doc, graph in graphs.items()
        for e in weights
        for f in elements.facts_about(graph, e)
    ]
    facts = _ranked(graphs, candidates, weights)
    leads = _leads(graphs, facts, _avoided(set(weights)), set())
    trace = {"step": "start", "elements": sorted(weights, key=lambda e: -weights[e])[:8],
             "facts": [f["ordinal"] + 1 for f in facts], "leads": leads}  # fmt: skip
    return {"facts": facts, "leads": leads, "explored": [], "notebook": [], "calls": 0,
            "done": not facts, "trace": [trace]}  # fmt: skip


async def explore(state: ExploreState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    """One model call: a note on the facts on show, and the lead to follow."""
    ctx = runtime.context
    facts, leads = state.get("facts", []), state.get("leads", [])
    notebook, explored = list(state.get("notebook", [])), list(state.get("explored", []))
    shown = [f"[page {f['ordinal'] + 1}] {f['text']}" for f in facts]
    notes = [n["note"] for n in notebook if n["note"]]
    messages = prompts.explore_messages(
        state["question"], shown, leads, notes, state.get("history", "")
    )
    reply, _ = await structured_or_none(ctx, messages, prompts.ExploreReply, 80)
    calls = state.get("calls", 0) + 1
    note = words(reply.note, NOTE_WORDS) if reply else ""
    useful = bool(note) and not is_not_found(note) and note.lower().strip(" .") != "nothing"
    here = explored[-1] if explored else "the question"
    read = [{k: f[k] for k in ("document", "passage", "page", "text")} for f in facts]
    notebook.append({"element": here, "note": note if useful else "", "facts": read})
    choice = reply.next if reply else 0
    budget = min(MAX_HOPS, ctx.settings.answer.max_calls - 1)
    lead = leads[choice - 1] if 1 <= choice <= len(leads) and calls < budget else None
    entry = {"step": "explore", "at": here, "facts": [f["ordinal"] + 1 for f in facts],
             "note": note, "next": lead}  # fmt: skip
    if lead is None:
        return {"notebook": notebook, "calls": calls, "done": True, "trace": [entry]}
    graphs = await asyncio.to_thread(_graphs, ctx, state)
    explored.append(lead)
    # the lead's facts, those naming the question's words first
    weights = {lead: 2.0, **_question_weights(graphs, state["question"])}
    seen = {(f["document"], f["passage"]) for step in notebook for f in step["facts"]}
    candidates = [
        (doc, f)
        for doc, graph in graphs.items()
        for f in elements.facts_about(graph, lead)
        if (doc, f.passage) not in seen
    ]
    new = _ranked(graphs, candidates, weights)
    avoid = _avoided(set(weights)) | set(explored)
    return {"facts": new, "leads": _leads(graphs, new, avoid, seen), "explored": explored,
            "notebook": notebook, "calls": calls, "done": not new, "trace": [entry]}  # fmt: skip


def after_explore(state: ExploreState) -> str:
    return "answer" if state.get("done") else "explore"


def _read(notebook: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """The passages to answer from: each step's best fact, then the other facts of the steps
    that noted something, each passage once, at most ANSWER_PASSAGES."""

    def key(fact: dict[str, Any]) -> tuple[str, int, str]:
        return fact["document"], fact["passage"], fact["page"]

    ordered = [key(step["facts"][0]) for step in notebook if step["facts"]]
    ordered += [key(f) for step in notebook if step["note"] for f in step["facts"]]
    return list(dict.fromkeys(ordered))[:ANSWER_PASSAGES]


def _facts_used(
    notebook: list[dict[str, Any]], chosen: list[tuple[str, int, str]], answer: str
) -> list[Evidence]:
    """A two-hop answer rests on two facts: each fact read for the answer that shares at least
    two content words with it is cited too, not only the page the model named."""
    wanted = content_words(answer)
    read = {(doc, index) for doc, index, _ in chosen}
    return [
        Evidence(pages=[fact["page"]], quote=fact["text"])
        for step in notebook
        for fact in step["facts"]
        if (fact["document"], fact["passage"]) in read
        and len(content_words(fact["text"]) & wanted) >= 2
    ]


async def answer(state: ExploreState, runtime: Runtime[GraphContext]) -> dict[str, Any]:
    ctx = runtime.context
    notebook = state.get("notebook", [])
    chosen = _read(notebook)
    if not chosen:  # no key element of the question is in the graph: the hybrid search's pages
        hits = await asyncio.to_thread(
            ctx.store.search_hybrid, state["question"], state["documents"], 2,
            is_about_the_book(state["question"]),
        )  # fmt: skip
        pages = [h.page for h in hits]
        entry_extra: dict[str, Any] = {"filled": True}
    else:
        graphs = await asyncio.to_thread(_graphs, ctx, state)
        found = {p.id: p for p in await pages_in_order(ctx, [c[2] for c in chosen])}
        spans: dict[str, tuple[int, int]] = {}
        for doc, index, page_id in chosen:
            passage = graphs[doc].passages[index]
            lo, hi = spans.get(page_id, (passage.start, passage.end))
            spans[page_id] = (min(lo, passage.start), max(hi, passage.end))
        pages = [cut(found[p], *spans[p]) for p in spans if p in found]
        entry_extra = {}
    notes = [f"{n['element']}: {n['note']}" for n in notebook if n["note"]]
    text, evidence, entry = await answer_from_pages(ctx, state, pages, notes=notes)
    if chosen and not is_not_found(text):
        evidence = [*evidence, *_facts_used(notebook, chosen, text)]
    book = {"step": "notebook", "notes": notes, "explored": state.get("explored", [])}
    return {"answer": text, "evidence": evidence, "trace": [book, {**entry, **entry_extra}]}


def build_graph() -> StateGraph:
    graph = answering_graph(ExploreState)
    graph.add_node("start", start)
    graph.add_node("explore", explore)
    graph.add_node("answer", answer)
    graph.add_edge(START, "start")
    graph.add_conditional_edges("start", after_explore, ["explore", "answer"])
    graph.add_conditional_edges("explore", after_explore, ["explore", "answer"])
    graph.add_edge("answer", END)
    return graph


graph = build_graph().compile()
