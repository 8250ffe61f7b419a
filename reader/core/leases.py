"""Leases: files that say a living process is doing something, named PID-START[-anything], where
START is the process's start time, so that a pid reused by another process does not count. A lease
left behind by a killed process is stale and removed when next looked at."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


def process_start(pid: int) -> str | None:
    """The start time of process `pid` (clock ticks since boot), or None when it is not running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def lease_name(pid: int) -> str:
    return f"{pid}-{process_start(pid) or 0}"


def live_leases(folder: Path) -> list[Path]:
    """The leases in `folder` whose process still runs; stale ones are removed."""
    alive = []
    for lease in folder.glob("*-*") if folder.is_dir() else []:
        pid, start = lease.name.split("-")[:2]
        if pid.isdigit() and process_start(int(pid)) == start:
            alive.append(lease)
        else:
            lease.unlink(missing_ok=True)
    return alive


def holders(folder: Path) -> list[int]:
    """The pids holding a live lease in `folder`."""
    return [int(lease.name.split("-")[0]) for lease in live_leases(folder)]


@contextlib.contextmanager
def held(folder: Path) -> Iterator[Path]:
    """A lease of this process in `folder` while the block runs."""
    folder.mkdir(parents=True, exist_ok=True)
    lease = folder / f"{lease_name(os.getpid())}-{uuid.uuid4().hex[:8]}"
    lease.touch()
    try:
        yield lease
    finally:
        lease.unlink(missing_ok=True)
