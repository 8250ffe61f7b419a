"""Asking a document whose memory is still being built.

A document can be asked as soon as its pages and passages are stored: the retrieval strategies
need nothing more. Strategies that walk the gists or the tree (`lookup`, `navigate`) need the
finished memory, so until it is finished a question goes to hybrid retrieval instead (or reads the
document whole when it fits), and the answer says how much of the memory existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents import registry
from agents.router import Route
from memory.records import DocumentRecord
from memory.store import MemoryStore
from reader.core.errors import NotReadyError

NEEDS_MEMORY = {registry.LOOKUP.name, registry.NAVIGATE.name, registry.AUTO}


@dataclass(frozen=True)
class Partial:
    """How much of the memory of the documents being asked is built."""

    pages: int
    gisted: int

    @property
    def share(self) -> float:
        return self.gisted / self.pages if self.pages else 1.0

    def note(self, strategy: str) -> str:
        return (
            f"memory {int(100 * self.share)} % built ({self.gisted} of {self.pages} pages "
            f"summarised); answered with {strategy}"
        )


def askable(store: MemoryStore, doc_id: str) -> DocumentRecord:
    """The document's record when it can be asked: ready, or with its pages stored."""
    record = store.get_document(doc_id)
    if record.status == "removing":
        raise NotReadyError(f"document {record.title!r} is being removed; finish with `tome rm`")
    return record


def partial(store: MemoryStore, records: list[DocumentRecord]) -> Partial | None:
    """None when every document's memory is finished."""
    building = [r for r in records if r.status != "ready"]
    if not building:
        return None
    pages = sum(r.pages for r in records)
    gisted = sum(r.pages for r in records if r.status == "ready")
    gisted += sum(len(store.nodes(r.id, 1)) for r in building)
    return Partial(pages, gisted)


def route_partial(chosen: Route, fits: bool) -> Route:
    """The route for a question when the memory is not finished."""
    if chosen.strategy not in NEEDS_MEMORY:
        return chosen
    if fits:
        return Route(registry.WHOLE.name, "the memory is still being built; the documents fit")
    return Route(
        registry.HYBRID.name,
        f"the memory is still being built, which {chosen.strategy} needs: retrieval instead",
    )
