"""Opening Chroma: the client (local or server), the collections of a library, batching, refresh.

Chroma's embedded client keeps each collection's vector index in memory and does not notice what
another process writes. Every write therefore stamps a fresh `generation` token in `tome-meta`;
before a vector query the store compares the token with the one it last saw and, when another
process wrote since, reopens the client (cheap) so the index is reloaded from disk.
"""

from __future__ import annotations

import errno
import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reader.core.errors import StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: opening is not serialised
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 1
META = "tome-meta"
KINDS = ("documents", "pages", "passages", "nodes", "episodes")
GENERATION = "generation"
LOCK_RETRIES = 12
_LIBRARY = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,60}[A-Za-z0-9])?$")


def check_library(library: str) -> str:
    if not _LIBRARY.match(library) or ".." in library:
        raise StoreError(
            f"library name {library!r} is not valid; use letters, digits, '.', '_' or '-' "
            "(starting and ending with a letter or digit, at most 62 characters)"
        )
    return library


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of a Chroma server URL such as `http://localhost:8000`."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(
            f"memory.chroma_url {url!r} is not an http(s) URL; use e.g. http://localhost:8000"
        )
    ssl = parts.scheme == "https"
    try:
        port = parts.port or (443 if ssl else 8000)
    except ValueError as exc:
        raise StoreError(f"memory.chroma_url {url!r} has an invalid port") from exc
    return parts.hostname, port, ssl


def open_client(path: Path, url: str | None) -> Any:
    """A Chroma client, telemetry off: HttpClient for `url`, else PersistentClient at `path`."""
    try:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
    except ImportError as exc:  # pragma: no cover - chromadb is a hard dependency
        raise StoreError(
            "the chromadb package is not installed; run `pip install chromadb`"
        ) from exc
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        host, port, ssl = parse_url(url)
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:  # connection errors come in many types
            raise StoreError(
                f"cannot reach the Chroma server at {url} ({type(exc).__name__}: {exc}); start it "
                "(`chroma run`) or unset memory.chroma_url to use the local store"
            ) from exc
        return client
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        raise StoreError(
            f"cannot open the memory store at {path} ({type(exc).__name__}: {exc}); check the "
            "directory's permissions, or move it aside if it is corrupt"
        ) from exc


@contextmanager
def open_lock(path: Path | None) -> Iterator[None]:
    """Serialise opening a local store across processes: Chroma's first open creates the SQLite
    schema, and two processes doing that at once fail ("database is locked", "no tenant")."""
    if path is None or fcntl is None:
        yield
        return
    path.mkdir(parents=True, exist_ok=True)
    with (path / ".tome-open.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def get_collection(client: Any, name: str) -> Any:
    """Get or create a cosine collection that never embeds by itself: tome passes every vector,
    and `embedding_function=None` keeps Chroma from loading (or downloading) its default model."""
    return client.get_or_create_collection(
        name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )


def chunks(count: int, size: int) -> Iterator[slice]:
    for first in range(0, count, size):
        yield slice(first, first + size)


class Chroma:
    """The client and collections of one library, reopened when another process has written."""

    def __init__(self, path: Path, url: str | None, library: str) -> None:
        self.path = path
        self.url = url
        self.library = check_library(library)
        self.where = url or str(path)
        self._generation: str | None = None
        # One lock for every call: a reopen must never pull the client from under another thread.
        self.lock = threading.RLock()
        self._open()

    def _open(self) -> None:
        """Open, retrying while another process holds SQLite's lock (creating the same store)."""
        delay = 0.05
        for attempt in range(LOCK_RETRIES):
            try:
                self._open_once()
                return
            except StoreError as exc:
                if attempt == LOCK_RETRIES - 1 or "database is locked" not in str(exc):
                    raise
                if getattr(self, "client", None) is not None:
                    self.close()
            time.sleep(delay)  # back-off, not synchronisation: the other opener finishes alone
            delay = min(delay * 2, 0.5)

    def _open_once(self) -> None:
        self.client = None
        with open_lock(None if self.url else self.path):
            self._open_collections()

    def _open_collections(self) -> None:
        self.client = open_client(self.path, self.url)
        try:
            self.meta = get_collection(self.client, META)
            self._check_schema()
            self.collections = {
                kind: get_collection(self.client, f"{self.library}-{kind}") for kind in KINDS
            }
            limit = int(self.client.get_max_batch_size())
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"cannot open the collections of library {self.library!r} in the store at "
                f"{self.where} ({type(exc).__name__}: {exc})"
            ) from exc
        self.batch = max(1, min(limit if limit > 0 else 1000, 1000))
        self._generation = self.read_generation()

    def _check_schema(self) -> None:
        meta = self.get_meta("schema")
        if meta is None:
            self.put_meta("schema", {"version": SCHEMA_VERSION})
        elif meta.get("version") != SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.where} has schema version {meta.get('version')}, this tome "
                f"expects {SCHEMA_VERSION}; use the tome version that wrote it, or move the store "
                "aside and add the documents again"
            )

    def __getitem__(self, kind: str) -> Any:
        return _Locked(self, kind)

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close is not None and not self.url:
            close()

    # -- meta records ---------------------------------------------------------------------------
    def get_meta(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.meta.get(ids=[key], include=["metadatas"])
        return dict(found["metadatas"][0]) if found["ids"] else None

    def put_meta(self, key: str, values: dict[str, Any]) -> None:
        with self.lock, translated(self.where):
            self.meta.upsert(ids=[key], embeddings=[[1.0]], metadatas=[values], documents=[key])

    def read_generation(self) -> str | None:
        meta = self.get_meta(GENERATION)
        return str(meta["token"]) if meta else None

    def bump_generation(self) -> None:
        """Called after every write: other processes see a new token and reload their indexes."""
        token = uuid.uuid4().hex
        self.put_meta(GENERATION, {"token": token})
        self._generation = token

    def refresh_if_stale(self) -> None:
        """Reopen the embedded client when another process wrote since we last looked."""
        if self.url:
            return  # a server has one index; nothing is cached here
        with self.lock:
            if self.read_generation() != self._generation:
                self.reopen()

    def reopen(self) -> None:
        with self.lock:
            self.close()
            self._open()

    def query(
        self, kind: str, vector: list[float], n_results: int, where: dict[str, Any] | None
    ) -> Any:
        """A vector query that tolerates another process's writes: refresh when the generation
        moved, and reopen once more if the in-memory index still lacks records it is asked for."""
        include = ["metadatas", "documents", "distances"]
        with self.lock:
            self.refresh_if_stale()
            try:
                return self.collections[kind].query(
                    query_embeddings=[vector], n_results=n_results, where=where, include=include
                )
            except Exception:
                if self.url:
                    raise
            self.reopen()
            return self.collections[kind].query(
                query_embeddings=[vector], n_results=n_results, where=where, include=include
            )

    # -- batched writes -------------------------------------------------------------------------
    def upsert(
        self,
        kind: str,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        metadatas: Sequence[dict[str, Any]],
        documents: Sequence[str],
    ) -> None:
        collection = self[kind]
        for part in chunks(len(ids), self.batch):
            collection.upsert(
                ids=list(ids[part]),
                embeddings=[list(vector) for vector in embeddings[part]],
                metadatas=list(metadatas[part]),
                documents=list(documents[part]),
            )

    def delete_ids(self, kind: str, ids: Sequence[str]) -> None:
        collection = self[kind]
        for part in chunks(len(ids), self.batch):
            collection.delete(ids=list(ids[part]))

    def ids_where(self, kind: str, where: dict[str, Any]) -> list[str]:
        return list(self[kind].get(where=where, include=[])["ids"])


@contextmanager
def translated(where: str) -> Iterator[None]:
    """A write that fails because the disk is full (SQLite's "database or disk is full", or
    ENOSPC) becomes one line; other errors pass unchanged."""
    try:
        yield
    except Exception as exc:
        full = isinstance(exc, OSError) and exc.errno == errno.ENOSPC
        if not (full or "database or disk is full" in str(exc)):
            raise
        raise StoreError(
            f"the disk holding the memory store at {where} is full; free some space (or set "
            "TOME_HOME to another disk) and run the command again: what was stored before is kept"
        ) from exc


class _Locked:
    """A collection seen through the store's lock, always the current one after a reopen."""

    def __init__(self, chroma: Chroma, kind: str) -> None:
        self._chroma = chroma
        self._kind = kind

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            with self._chroma.lock, translated(self._chroma.where):
                return getattr(self._chroma.collections[self._kind], name)(*args, **kwargs)

        return call


def where_all(*clauses: dict[str, Any] | None) -> dict[str, Any] | None:
    """Chroma's `$and` wants at least two clauses; this takes any number (None ignored)."""
    present = [clause for clause in clauses if clause]
    if not present:
        return None
    return present[0] if len(present) == 1 else {"$and": present}


def where_in(field: str, values: list[str]) -> dict[str, Any]:
    return {field: {"$in": list(values)}}
