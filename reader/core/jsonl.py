"""Append-only JSONL logs of records keyed by "id" (batch answers, evaluation rows) that survive
a `kill -9`: each record is one `os.write` of a whole line plus fsync, and on restart a torn
last line is dropped so that the next record starts on a line of its own."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from reader.core.errors import OutputError


def _record(line: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "id" in data else None


def repair_log(path: Path) -> None:
    """Drop a torn last line: one without a newline, or one that is not a record with an id.
    An OutputError when `path` exists and is not a regular file (a log is read back whole)."""
    if not path.exists():
        return
    if not path.is_file():
        raise OutputError(
            f"{path} is not a regular file; name a file for the answers (it is appended to, and "
            "read back when the run is resumed)"
        )
    data = path.read_bytes()
    lines = data.split(b"\n")
    keep = len(data) - len(lines[-1])  # bytes up to the last newline
    if len(lines) > 1 and _record(lines[-2]) is None:
        keep -= len(lines[-2]) + 1
    if keep < len(data):
        os.truncate(path, keep)


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records of the complete lines, in order; other lines are skipped."""
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")[:-1]
    return [record for line in lines if (record := _record(line)) is not None]


class LogAppender:
    """Appends one JSON line per `write`: a single `os.write` of the whole line, then fsync."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        written = os.write(self.fd, data)
        while written < len(data):  # a short write is rare; a torn line is repaired on rerun
            written += os.write(self.fd, data[written:])
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)
