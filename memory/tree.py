"""Navigating a document's summary tree: the root, children in order, parents, pages under a node.

Level 0 are the pages, level 1 the gists (one per page: `first_page == last_page`), higher levels
summarise consecutive children, and the single node at the top level is the root. Ids may name a
node or a page wherever that makes sense (a page's parent is its gist; a page has no children).
"""

from __future__ import annotations

from typing import Any

from memory.store import MemoryStore
from reader.core.errors import NotFoundError
from reader.core.types import Node, Page

PAGE_PREVIEW_CHARS = 200


class Tree:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def _lookup(self, item_id: str) -> Node | Page:
        try:
            return self.store.get_node(item_id)
        except NotFoundError:
            pass
        try:
            return self.store.get_page(item_id)
        except NotFoundError:
            raise NotFoundError(
                f"no tree node or page with id {item_id!r} in library {self.store.library!r}"
            ) from None

    def root(self, doc_id: str) -> Node:
        """The single node at the document's highest level."""
        nodes = self.store.nodes(doc_id)
        if not nodes:
            raise NotFoundError(
                f"document {doc_id[:12]} has no summary tree yet; ingest it (`tome add`) first"
            )
        top = max(node.level for node in nodes)
        roots = [node for node in nodes if node.level == top]
        if len(roots) != 1:
            raise NotFoundError(
                f"the summary tree of document {doc_id[:12]} is incomplete: {len(roots)} nodes at "
                f"its top level {top} and no single root; finish its ingestion"
            )
        return roots[0]

    def children(self, node_id: str) -> list[Node | Page]:
        """Children in order: the pages under a gist, the nodes under a summary; none for a page."""
        item = self._lookup(node_id)
        if isinstance(item, Page):
            return []
        if item.level <= 1:
            return list(self.store.pages(item.document, item.first_page, item.last_page))
        if item.children:
            return list(self.store.get_nodes(item.children))
        below = self.store.nodes(item.document, level=item.level - 1)
        return [node for node in below if node.parent == item.id]

    def parent(self, node_id: str) -> Node | None:
        """The node above (a page's gist); None for the root or a page without a gist."""
        item = self._lookup(node_id)
        if isinstance(item, Page):
            gists = self.store.nodes(item.document, level=1)
            covering = [g for g in gists if g.first_page <= item.ordinal <= g.last_page]
            return covering[0] if covering else None
        return self.store.get_node(item.parent) if item.parent else None

    def pages_under(self, node_id: str) -> list[Page]:
        """The pages a node covers, in order (a page id gives that page)."""
        item = self._lookup(node_id)
        if isinstance(item, Page):
            return [item]
        return self.store.pages(item.document, item.first_page, item.last_page)

    def neighbours(self, page_id: str, before: int = 1, after: int = 1) -> list[Page]:
        """Up to `before` pages before and `after` pages after a page, in order, without it."""
        page = self.store.get_page(page_id)
        nearby = self.store.pages(
            page.document, max(0, page.ordinal - max(0, before)), page.ordinal + max(0, after)
        )
        return [p for p in nearby if p.id != page.id]

    def to_json(self, doc_id: str, max_level_down_to_pages: bool = True) -> dict[str, Any]:
        """The tree as nested `{"id", "level", "summary", "first_page", "last_page", "children"}`;
        with `max_level_down_to_pages` the gists hold their pages (level 0, summary = the first
        ~200 characters of the text)."""
        root = self.root(doc_id)
        nodes = {node.id: node for node in self.store.nodes(doc_id)}
        by_parent: dict[str, list[Node]] = {}
        for node in nodes.values():
            if node.parent:
                by_parent.setdefault(node.parent, []).append(node)
        pages = {p.ordinal: p for p in self.store.pages(doc_id)} if max_level_down_to_pages else {}

        def page_json(page: Page) -> dict[str, Any]:
            preview = " ".join(page.text[: PAGE_PREVIEW_CHARS * 2].split())[:PAGE_PREVIEW_CHARS]
            return {
                "id": page.id,
                "level": 0,
                "summary": preview,
                "first_page": page.ordinal,
                "last_page": page.ordinal,
                "children": [],
            }

        def node_json(node: Node) -> dict[str, Any]:
            if node.level <= 1:
                span = range(node.first_page, node.last_page + 1)
                children = [page_json(pages[o]) for o in span if o in pages]
            elif node.children:
                children = [node_json(nodes[c]) for c in node.children if c in nodes]
            else:
                below = sorted(by_parent.get(node.id, []), key=lambda n: n.ordinal)
                children = [node_json(child) for child in below]
            return {
                "id": node.id,
                "level": node.level,
                "summary": node.summary,
                "first_page": node.first_page,
                "last_page": node.last_page,
                "children": children,
            }

        return node_json(root)
