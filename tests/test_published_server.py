"""A process finds the data directory's embedded server while that server is busy.

llama_cpp.server answers no endpoint while it generates, so a second tome process that asked
`/v1/models` before reusing the published server timed out behind a builder's gist call and
started a second server beside the first (two models on two cores, each at half speed).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.core.leases import lease_name
from reader.core.settings import load_settings
from reader.llm import embedded, keeper


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port that accepts connections and never replies, as llama_cpp.server does mid-reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_busy_published_server_is_reused_not_started_again(
    tome_home: Path, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    stand_in = subprocess.Popen(["sleep", "60"])  # a living keeper and server
    started: list[str] = []
    monkeypatch.setattr(embedded, "_start_keeper", lambda *a: started.append("keeper"))
    monkeypatch.setattr(embedded, "_server", None)
    try:
        run = tome_home / "run"
        run.mkdir(parents=True)
        published = {"keeper": stand_in.pid, "server": stand_in.pid, "port": busy_port}
        keeper.state_path(run, embedded.server_key(settings)).write_text(json.dumps(published))
        began = time.monotonic()
        server = embedded.ensure_server(settings)
        assert (server.port, server.server_pid) == (busy_port, stand_in.pid)
        assert started == []
        assert time.monotonic() - began < 2, "no waiting on the busy server"
    finally:
        embedded.release_server()
        stand_in.kill()
        stand_in.wait()


def test_a_published_server_whose_process_is_gone_is_not_reused(
    tome_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    gone = subprocess.Popen(["true"])
    gone.wait()
    stand_in = subprocess.Popen(["sleep", "60"])
    monkeypatch.setattr(embedded, "_server", None)
    try:
        run = tome_home / "run"
        run.mkdir(parents=True)
        published = {"keeper": stand_in.pid, "server": gone.pid, "port": 9}
        keeper.state_path(run, embedded.server_key(settings)).write_text(json.dumps(published))
        assert embedded._published(settings, embedded.server_key(settings)) is None
    finally:
        stand_in.kill()
        stand_in.wait()


def test_the_keeper_logs_how_its_server_died(tmp_path: Path) -> None:
    """A server that crashes (SIGSEGV, as llama.cpp did on a CPU it was built wrongly for) leaves
    its exit code in the log the user is pointed to, and the keeper withdraws its port."""
    run, port = tmp_path / "run", _free_port()
    (run / "users").mkdir(parents=True)
    (run / "users" / lease_name(os.getpid())).touch()
    stub = Path(__file__).resolve().parents[1] / "scripts" / "stub_model_server.py"
    keeper_process = subprocess.Popen(
        [sys.executable, "-m", "reader.llm.keeper", str(run), "k", "30", str(port), "--",
         sys.executable, str(stub), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        state = keeper.state_path(run, "k")
        deadline = time.monotonic() + 60
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.1)  # polling the keeper's state file
        server = json.loads(state.read_text())["server"]
        os.kill(server, signal.SIGSEGV)
        output, _ = keeper_process.communicate(timeout=30)
        assert "keeper: the model server exited with code -11" in output
        assert not state.exists()
    finally:
        keeper_process.kill()
        keeper_process.wait()
