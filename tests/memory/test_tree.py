from __future__ import annotations

import pytest

from memory.store import MemoryStore
from memory.tree import Tree
from reader.core.errors import NotFoundError
from reader.core.types import Node, Page
from tests.memory.helpers import make_document

TEXTS = [f"Page {i} text. " + "word " * 60 for i in range(5)]


def build(store: MemoryStore, with_children_lists: bool = True) -> list[Page]:
    """5 pages; gists g0..g4; s0 covers g0-g2, s1 covers g3-g4; the root r covers s0 and s1."""
    doc, pages = make_document("doc1", "Doc", TEXTS)
    store.add_document(doc, pages)
    parent_of = {0: "s0", 1: "s0", 2: "s0", 3: "s1", 4: "s1"}
    nodes = [
        Node(
            id=f"g{i}",
            document="doc1",
            level=1,
            ordinal=i,
            summary=f"gist {i}",
            parent=parent_of[i],
            first_page=i,
            last_page=i,
        )
        for i in range(5)
    ]
    nodes += [
        Node(
            id="s0",
            document="doc1",
            level=2,
            ordinal=0,
            summary="first part",
            parent="r",
            children=["g0", "g1", "g2"] if with_children_lists else [],
            first_page=0,
            last_page=2,
        ),
        Node(
            id="s1",
            document="doc1",
            level=2,
            ordinal=1,
            summary="second part",
            parent="r",
            children=["g3", "g4"] if with_children_lists else [],
            first_page=3,
            last_page=4,
        ),
        Node(
            id="r",
            document="doc1",
            level=3,
            ordinal=0,
            summary="the whole",
            parent=None,
            children=["s0", "s1"] if with_children_lists else [],
            first_page=0,
            last_page=4,
        ),
    ]
    store.put_nodes(nodes[::-1])  # order of writing must not matter
    store.set_status("doc1", "ready")
    return pages


def ids(items: list) -> list[str]:  # type: ignore[type-arg]
    return [item.id for item in items]


@pytest.mark.parametrize("with_children_lists", [True, False])
def test_navigation(store: MemoryStore, with_children_lists: bool) -> None:
    pages = build(store, with_children_lists)
    tree = Tree(store)
    assert tree.root("doc1").id == "r"
    assert ids(tree.children("r")) == ["s0", "s1"]
    assert ids(tree.children("s0")) == ["g0", "g1", "g2"]
    assert tree.children("g1") == [pages[1]]
    assert tree.children(pages[1].id) == []
    assert tree.parent("g1").id == "s0"  # type: ignore[union-attr]
    assert tree.parent("s1").id == "r"  # type: ignore[union-attr]
    assert tree.parent("r") is None
    assert tree.parent(pages[3].id).id == "g3"  # type: ignore[union-attr]
    assert tree.pages_under("s1") == pages[3:]
    assert tree.pages_under("r") == pages
    assert tree.pages_under("g2") == [pages[2]]
    assert tree.pages_under(pages[2].id) == [pages[2]]


def test_neighbours_at_the_edges(store: MemoryStore) -> None:
    pages = build(store)
    tree = Tree(store)
    assert tree.neighbours(pages[0].id) == [pages[1]]
    assert tree.neighbours(pages[4].id) == [pages[3]]
    assert tree.neighbours(pages[2].id) == [pages[1], pages[3]]
    assert tree.neighbours(pages[4].id, before=2, after=3) == pages[2:4]
    assert tree.neighbours(pages[1].id, before=5, after=0) == [pages[0]]
    assert tree.neighbours(pages[2].id, before=0, after=0) == []


def test_to_json(store: MemoryStore) -> None:
    pages = build(store)
    data = Tree(store).to_json("doc1")
    assert (data["id"], data["level"], data["summary"]) == ("r", 3, "the whole")
    assert [child["id"] for child in data["children"]] == ["s0", "s1"]
    s1 = data["children"][1]
    assert [g["id"] for g in s1["children"]] == ["g3", "g4"]
    page4 = s1["children"][1]["children"]
    assert page4 == [
        {
            "id": pages[4].id,
            "level": 0,
            "summary": pages[4].text[:200].strip(),
            "first_page": 4,
            "last_page": 4,
            "children": [],
        }
    ]
    shallow = Tree(store).to_json("doc1", max_level_down_to_pages=False)
    assert shallow["children"][0]["children"][0]["children"] == []


def test_missing_or_incomplete_trees(store: MemoryStore) -> None:
    doc, pages = make_document("bare", "Bare", TEXTS[:2])
    store.add_document(doc, pages)
    tree = Tree(store)
    with pytest.raises(NotFoundError, match="no summary tree"):
        tree.root("bare")
    store.put_nodes(
        [
            Node(
                id=f"bg{i}",
                document="bare",
                level=1,
                ordinal=i,
                summary="g",
                first_page=i,
                last_page=i,
            )
            for i in range(2)
        ]
    )
    with pytest.raises(NotFoundError, match="incomplete"):
        tree.root("bare")
    with pytest.raises(NotFoundError):
        tree.root("nope")
    for call in (tree.children, tree.parent, tree.pages_under, tree.neighbours):
        with pytest.raises(NotFoundError):
            call("nope")
