"""One embedded model server per data directory: tome processes share it, and it stops once no
living process uses it, even when the last one was killed with SIGKILL."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from reader.core.leases import process_start

pytestmark = [
    pytest.mark.model,
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None, reason="the local extra is not installed"
    ),
]

# A tome process that takes the model, says which server it got, and waits to be killed.
USER = """
import json, sys
from reader.core.settings import load_settings
from reader.llm.embedded import ensure_server
server = ensure_server(load_settings())
print(json.dumps({"port": server.port, "server": server.server_pid}), flush=True)
sys.stdin.read()
"""


def _user(home: Path) -> tuple[subprocess.Popen[str], dict[str, int]]:
    env = {**os.environ, "TOME_HOME": str(home), "TOME_EMBEDDED__IDLE_TIMEOUT": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", USER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"the user process exited with {process.wait()}"
    return process, json.loads(line)


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process_start(pid) is None:
            return True
        time.sleep(0.2)  # polling another process's exit
    return False


def test_two_processes_share_one_server_that_stops_after_the_last_is_killed(
    tome_home: Path,
) -> None:
    first, got_first = _user(tome_home)
    second, got_second = _user(tome_home)
    try:
        assert got_first == got_second, "the second process reuses the first one's server"
        pattern = f"^[^ ]+ -m reader.llm.llama_server .*{tome_home}"  # the server, not its keeper
        servers = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True)
        assert servers.stdout.split() == [str(got_first["server"])]
        port = got_first["port"]
        assert httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=10).status_code == 200

        first.send_signal(signal.SIGKILL)
        first.wait()
        assert not _wait_gone(got_first["server"], 3), "a user remains, so the server stays"

        second.send_signal(signal.SIGKILL)
        second.wait()
        assert _wait_gone(got_first["server"], 30), "no user left: the keeper stops the server"
        assert not list((tome_home / "run").glob("embedded-*.json"))
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
