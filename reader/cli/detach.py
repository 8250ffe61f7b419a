"""`tome add --detach`: one background builder per file, and a return as soon as each file's
pages are stored, so the document can be asked at once (from retrieval, until its memory is
built). A builder is `tome add -q FILE` in its own session, logging to the data directory; it
resumes like any add, so a killed builder is finished by the next `tome add`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reader.cli.common import echo_json
from reader.core.errors import DocumentError, NotFoundError
from reader.library import Library

if TYPE_CHECKING:
    from memory.records import DocumentRecord

REGISTER_TIMEOUT = 600.0  # seconds to wait for a file's pages to be stored (embedding included)


def _command_prefix() -> list[str]:
    """The global options this command was run with (`--base-url`, `--preset`...), for the
    builders: everything before the `add` word."""
    args = sys.argv[1:]
    return args[: args.index("add")] if "add" in args else []


def build_in_background(library: Library, paths: list[Path], as_json: bool) -> None:
    from agents.ingest.runner import file_document_id

    logs = library.settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    started = []
    for path in paths:
        if not path.is_file():
            raise DocumentError(f"{path} is not a file; check the path")
        doc_id = file_document_id(path)
        log = logs / f"add-{doc_id[:12]}.log"
        command = [sys.executable, "-m", "reader", *_command_prefix(), "add", "-q", str(path)]
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        started.append((path, doc_id, process, log))
    rows = []
    for path, doc_id, process, log in started:
        record = _wait_registered(library, doc_id, process, log, path)
        rows.append({"id": record.id, "title": record.title, "pages": record.pages,
                     "status": record.status, "pid": process.pid, "log": str(log)})  # fmt: skip
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        if row["status"] == "ready":
            click.echo(f"{row['id']}  {row['title']}: already in memory")
            continue
        click.echo(
            f"{row['id']}  {row['title']}: {row['pages']} pages stored; its memory is being "
            f"built in the background (pid {row['pid']}, log {row['log']}).\n"
            f"  Ask it now (answers come from retrieval until the memory is built): "
            f'tome ask {row["id"][:12]} "…"; `tome ls` shows the progress.'
        )


def _wait_registered(
    library: Library, doc_id: str, process: subprocess.Popen[bytes], log: Path, path: Path
) -> DocumentRecord:
    deadline = time.monotonic() + REGISTER_TIMEOUT
    while time.monotonic() < deadline:
        try:
            return library.document(doc_id).record
        except NotFoundError:
            pass
        if process.poll() is not None:
            last = (log.read_text(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise DocumentError(f"the background add of {path} stopped: {last}")
        time.sleep(0.2)  # polling another process's progress through the store
    raise DocumentError(
        f"{path}: its pages were not stored within {REGISTER_TIMEOUT:g} s; the builder goes on "
        f"(pid {process.pid}, log {log}); `tome ls` shows when it is there"
    )
