"""The summary-tree browser: a Tree widget whose nodes load their children when expanded;
selecting a node shows its summary, selecting a page shows its text."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree
from textual.widgets.tree import TreeNode

from reader.core.errors import TomeError
from reader.core.types import Node, Page
from reader.library import DocumentHandle

if TYPE_CHECKING:
    from reader.library import Library

LABEL_CHARS = 60


def label_for(item: Node | Page) -> Text:
    if isinstance(item, Page):
        head = f"page {item.ordinal + 1}"
        words = " ".join(item.text[:200].split())
    else:
        pages = (
            f"p{item.first_page + 1}"
            if item.first_page == item.last_page
            else (f"p{item.first_page + 1}-{item.last_page + 1}")
        )
        head = f"L{item.level} {pages}"
        words = " ".join(item.summary.split())
    label = Text(head, style="bold")
    label.append(" " + words[:LABEL_CHARS] + ("…" if len(words) > LABEL_CHARS else ""))
    return label


class TreeScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, doc_id: str, title: str = "") -> None:
        super().__init__()
        self.doc_id = doc_id
        self.doc_title = title or doc_id[:12]

    @property
    def library(self) -> Library:
        return self.app.library  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="tree-body"):
            yield Tree[Node | Page]("loading…", id="summary-tree")
            with VerticalScroll(id="tree-detail"):
                yield Static("Select a node to read its summary, or a page to read it.",
                             id="detail")  # fmt: skip
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = f"{self.doc_title} · summary tree"
        self.load_root()

    @work(exclusive=True, group="tree-root")
    async def load_root(self) -> None:
        try:
            root = await asyncio.to_thread(DocumentHandle(self.library, self.doc_id).root)
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        tree = self.query_one(Tree)
        tree.root.set_label(label_for(root))
        tree.root.data = root
        tree.root.allow_expand = True
        tree.focus()

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if node.data is not None and not node.children:
            self.load_children(node)

    @work(group="tree-children")
    async def load_children(self, node: TreeNode) -> None:
        try:
            children = await asyncio.to_thread(
                DocumentHandle(self.library, self.doc_id).children, node.data.id
            )
        except TomeError as exc:
            self.notify(exc.message, severity="error")
            return
        if node.children:  # loaded meanwhile
            return
        for child in children:
            node.add(label_for(child), data=child, allow_expand=isinstance(child, Node))

    @on(Tree.NodeHighlighted)
    @on(Tree.NodeSelected)
    def _show(self, event: Tree.NodeHighlighted | Tree.NodeSelected) -> None:
        item = event.node.data
        if item is None:
            return
        if isinstance(item, Page):
            text = Text(f"Page {item.ordinal + 1} · {item.tokens} tokens\n\n", style="bold")
            text.append(item.text)
        else:
            pages = f"pages {item.first_page + 1}-{item.last_page + 1}"
            text = Text(f"Level {item.level} · {pages}\n\n", style="bold")
            text.append(item.summary)
        self.query_one("#detail", Static).update(text)
        self.query_one("#tree-detail", VerticalScroll).scroll_home(animate=False)
