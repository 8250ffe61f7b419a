"""How one tree level is grouped into the next: consecutive nodes, by chapter first (at the level
above the gists), then by token budget. Pure functions, so the tree's shape is easy to test."""

from __future__ import annotations

import math
from collections.abc import Callable

from reader.core.types import Node


def node_id(doc_id: str, level: int, ordinal: int) -> str:
    return f"{doc_id}-n{level}-{ordinal:04d}"


def _balanced(nodes: list[Node], sizes: list[int], parts: int) -> list[list[Node]]:
    """Split consecutive nodes into `parts` runs of roughly equal tokens: each node goes to the
    run its middle falls in, by cumulative tokens."""
    parts = max(1, min(parts, len(nodes)))
    total = sum(sizes) or 1
    runs: list[list[Node]] = [[] for _ in range(parts)]
    acc = 0.0
    for node, size in zip(nodes, sizes, strict=True):
        runs[min(parts - 1, int((acc + size / 2) / total * parts))].append(node)
        acc += size
    return [run for run in runs if run]


def plan_groups(
    nodes: list[Node],
    budget: int,
    count: Callable[[str], int],
    by_chapter: bool,
    fanout: int = 4,
) -> list[list[Node]]:
    """Consecutive groups of `nodes`, each to become one parent of at most `fanout` children
    and `budget` tokens; fewer groups than nodes. A small model summarises a few children well
    and pastes the first of many."""
    if len(nodes) <= 1:
        return [nodes]
    sizes = {n.id: count(n.summary) for n in nodes}
    runs: list[list[Node]] = []
    if by_chapter:
        for node in nodes:
            if runs and runs[-1][-1].chapter == node.chapter:
                runs[-1].append(node)
            else:
                runs.append([node])
    else:
        runs = [nodes]
    chunks: list[list[Node]] = []
    for run in runs:
        run_sizes = [sizes[n.id] for n in run]
        parts = max(math.ceil(sum(run_sizes) / budget), math.ceil(len(run) / fanout))
        while True:  # the fewest balanced runs that each fit the budget and the fanout
            split = _balanced(run, run_sizes, parts)
            fits = all(len(s) <= fanout and sum(sizes[n.id] for n in s) <= budget for s in split)
            if parts >= len(run) or fits:
                break
            parts += 1
        chunks.extend(split)
    # Small neighbouring chunks (short chapters) share a parent while they fit the budget.
    groups: list[list[Node]] = []
    for chunk in chunks:
        merged = groups[-1] + chunk if groups else []
        if merged and len(merged) <= fanout and sum(sizes[n.id] for n in merged) <= budget:
            groups[-1].extend(chunk)
        else:
            groups.append(list(chunk))
    if len(groups) >= len(nodes):  # every summary is over budget: pair them to make progress
        groups = [nodes[i : i + 2] for i in range(0, len(nodes), 2)]
    return groups


def parent_for(doc_id: str, level: int, ordinal: int, children: list[Node]) -> Node:
    """The parent node of `children` at `level`, its summary still empty."""
    chapters = {c.chapter for c in children}
    return Node(
        id=node_id(doc_id, level, ordinal),
        document=doc_id,
        level=level,
        ordinal=ordinal,
        summary="",
        children=[c.id for c in children],
        first_page=children[0].first_page,
        last_page=children[-1].last_page,
        chapter=chapters.pop() if len(chapters) == 1 else -1,
    )
