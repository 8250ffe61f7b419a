"""How one tree level is grouped into the next: consecutive nodes, by chapter first (at the level
above the gists), then by token budget. Pure functions, so the tree's shape is easy to test."""

from __future__ import annotations

import math
from collections.abc import Callable

from reader.core.types import Node


def node_id(doc_id: str, level: int, ordinal: int) -> str:
    return f"{doc_id}-n{level}-{ordinal:04d}"


def _balanced(nodes: list[Node], sizes: list[int], parts: int) -> list[list[Node]]:
    """Split consecutive nodes into `parts` runs of roughly equal tokens."""
    parts = max(1, min(parts, len(nodes)))
    target = sum(sizes) / parts
    runs: list[list[Node]] = [[]]
    acc = 0.0
    for i, (node, size) in enumerate(zip(nodes, sizes, strict=True)):
        left_nodes = len(nodes) - i
        left_runs = parts - len(runs)
        if runs[-1] and left_runs > 0 and (acc + size / 2 > target or left_nodes <= left_runs):
            runs.append([])
            acc = 0.0
        runs[-1].append(node)
        acc += size
    return runs


def plan_groups(
    nodes: list[Node], budget: int, count: Callable[[str], int], by_chapter: bool
) -> list[list[Node]]:
    """Consecutive groups of `nodes`, each to become one parent; fewer groups than nodes."""
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
        parts = math.ceil(sum(run_sizes) / budget)
        while True:  # the fewest balanced runs that each fit the budget
            split = _balanced(run, run_sizes, parts)
            if parts >= len(run) or all(sum(sizes[n.id] for n in s) <= budget for s in split):
                break
            parts += 1
        chunks.extend(split)
    # Small neighbouring chunks (short chapters) share a parent while they fit the budget.
    groups: list[list[Node]] = []
    for chunk in chunks:
        if groups and sum(sizes[n.id] for n in groups[-1] + chunk) <= budget:
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
