"""The keeper of a data directory's embedded model server: one llama.cpp server shared by every
tome process that uses the same data directory and model settings.

Each tome process that needs the model leaves a *lease* (a file named after its pid and the pid's
start time) in `run/users/`. The keeper is a small detached process that starts the server as its
child, publishes the server's port in `run/embedded-KEY.json` once it answers, and stops it when
no lease has belonged to a living process for `idle` seconds; so a `kill -9` of the last user
still stops the server, a little later. Killing the keeper kills the server with it
(PR_SET_PDEATHSIG). Run as `python -m reader.llm.keeper RUN_DIR KEY IDLE PORT -- COMMAND...`.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from reader.core.leases import live_leases

POLL = 0.5  # seconds between the keeper's checks of its leases and its server


def state_path(run: Path, key: str) -> Path:
    return run / f"embedded-{key}.json"


def _die_with_parent() -> None:  # in the server child, between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _ready(port: int, server: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline and server.poll() is None:
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"http://127.0.0.1:{port}/v1/models").status_code == 200:
                    return True
            time.sleep(0.2)  # polling a child's port
    return False


def keep(run: Path, key: str, idle: float, port: int, command: list[str]) -> int:
    users = run / "users"
    state = state_path(run, key)
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    stop = False

    def on_term(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    try:
        if not _ready(port, server, float(os.environ.get("TOME_KEEPER_STARTUP", "180"))):
            return 1
        partial = state.with_suffix(".part")
        partial.write_text(json.dumps({"keeper": os.getpid(), "server": server.pid, "port": port}))
        partial.replace(state)
        last_used = time.monotonic()
        while not stop and server.poll() is None:
            if live_leases(users):
                last_used = time.monotonic()
            elif time.monotonic() - last_used >= idle:
                break
            time.sleep(POLL)
        if server.returncode is not None and not stop:  # in the server's log, for the user
            print(f"keeper: the model server exited with code {server.returncode}", flush=True)
        return 0
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(state.read_text()).get("keeper") == os.getpid():
                state.unlink()
        if server.poll() is None:
            server.kill()  # uvicorn would finish generating first on SIGTERM; nothing to save
            server.wait(timeout=10)


def main(argv: list[str]) -> int:
    run, key, idle, port, dash, *command = argv
    if dash != "--" or not command:
        print("usage: python -m reader.llm.keeper RUN_DIR KEY IDLE PORT -- COMMAND...")
        return 2
    return keep(Path(run), key, float(idle), int(port), command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
