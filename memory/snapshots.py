"""What a question reads again and again, kept in the process: a document's pages and its element
graph (fixed once the pages are all stored) and the tree of a `ready` document (fixed until it is
removed). Keyed by the document id and its `created` and `revised` stamps, so a document removed
and added again, or upgraded, here or by another process sharing the Chroma server, is read
afresh. Loading them from Chroma was most of tome's own CPU time per question in a batch
(scripts/bench_busy_server.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
KEEP = 48  # lists kept: the pages, element graph and tree of 16 documents


class Snapshots:
    """An LRU of immutable per-document lists."""

    def __init__(self, keep: int = KEEP) -> None:
        self._kept: OrderedDict[tuple[str, str, Any, Any], list[Any]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def get(
        self,
        kind: str,
        doc_id: str,
        meta: dict[str, Any],
        load: Callable[[], list[T]],
        complete: Callable[[list[T]], bool],
    ) -> list[T]:
        """The `kind` list of the document: kept, or `load()`ed and kept when `complete`."""
        key = (kind, doc_id, meta.get("created"), meta.get("revised"))
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        items = load()
        if complete(items):
            with self._lock:
                self._kept[key] = items
                while len(self._kept) > self._keep:
                    self._kept.popitem(last=False)
        return items

    def forget(self, doc_id: str, kinds: tuple[str, ...] | None = None) -> None:
        """Drop the document's lists (only those of `kinds`, when given)."""
        with self._lock:
            for key in [k for k in self._kept if k[1] == doc_id and (not kinds or k[0] in kinds)]:
                del self._kept[key]
