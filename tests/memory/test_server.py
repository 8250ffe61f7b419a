"""The store against a Chroma server (`chroma run`), when the chroma CLI is installed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from memory.store import MemoryStore
from memory.tree import Tree
from reader.core.settings import Settings
from tests.fakes import FakeEmbedder
from tests.memory.helpers import make_document


def _chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.is_file() else shutil.which("chroma")


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    cli = _chroma_cli()
    if cli is None:
        pytest.skip("the chroma CLI is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            cli,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.skip("chroma run did not start")
            time.sleep(0.1)  # polling a server's readiness, bounded by the deadline
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_store_on_a_chroma_server(settings: Settings, chroma_url: str) -> None:
    remote = settings.model_copy(
        update={"memory": settings.memory.model_copy(update={"chroma_url": chroma_url})}
    )
    with MemoryStore(remote, FakeEmbedder()) as store:
        doc, pages = make_document("srv01", "Served", ["alpha beta", "delta epsilon", "zeta eta"])
        assert store.add_document(doc, pages) is True
        assert store.add_document(doc, pages) is False
        store.set_status("srv01", "ready")
        assert store.search_pages("delta epsilon", k=1)[0].page.id == "srv01-p1"
        assert Tree(store).neighbours("srv01-p1") == [pages[0], pages[2]]
        assert not settings.chroma_dir.exists()  # nothing local was written
    with MemoryStore(remote, FakeEmbedder()) as again:
        assert [d.id for d in again.documents()] == ["srv01"]
        again.remove_document("srv01")
        assert again.documents() == []
