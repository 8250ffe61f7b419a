"""Helpers shared by the load benchmarks (bench_busy_server.py, bench_shards.py): start and stop
processes (the stub model server, a Chroma server), generate a document and a questions file,
run `tome` with its own data directory, read the stub's /stats.

Not a benchmark itself; the scripts import it from scripts/.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the virtualenv's bin: tome and chroma live there
STUB = ROOT / "scripts" / "stub_model_server.py"

NAMES = ["Adela", "Borin", "Cass", "Dunmore", "Elspeth", "Fenwick", "Greta", "Halloran",
         "Ines", "Jory", "Kestrel", "Lorne", "Maud", "Nolan", "Orla", "Pim"]  # fmt: skip
PLACES = ["mill", "harbour", "chapel", "orchard", "ferry", "granary", "lighthouse", "market",
          "quarry", "bridge", "tannery", "schoolhouse"]  # fmt: skip
THINGS = ["ledger", "lantern", "key", "letter", "compass", "ring", "map", "bell", "coat",
          "knife", "violin", "clock"]  # fmt: skip
VERBS = ["found", "hid", "sold", "mended", "lost", "carried", "buried", "stole", "returned",
         "painted", "weighed", "opened"]  # fmt: skip
MOODS = ["quietly", "at dawn", "in the rain", "without a word", "before supper", "in haste",
         "with great care", "after the storm"]  # fmt: skip
WORDS_PER_PAGE = 720  # about 1000 tokens: one page at tome's default target


# -- processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so `finally` blocks stop the processes started."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """Stop a process this script started (its own process group: it and its children)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@contextmanager
def started(command: list[str], log: Path, **kwargs: Any) -> Iterator[subprocess.Popen]:
    """A background process (in a session of its own, output to `log`), stopped on exit."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs
        )
    try:
        yield process
    finally:
        stop(process)


def wait_for_url(url: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Wait until GET `url` answers; fail with the log's tail when the process dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited ({process.returncode}): {tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s: {tail(log)}")


def tail(path: Path, chars: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


@dataclass
class Stub:
    base_url: str
    process: subprocess.Popen

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base_url}/stats", timeout=10) as response:
            return json.loads(response.read())

    def timeline(self) -> list[tuple[float, float]]:
        with urllib.request.urlopen(f"{self.base_url}/timeline", timeout=30) as response:
            return [tuple(pair) for pair in json.loads(response.read())["intervals"]]

    def reset(self) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.base_url}/stats/reset", b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@contextmanager
def stub_server(work: Path, options: list[str]) -> Iterator[Stub]:
    """scripts/stub_model_server.py on a free port with `options` (--slots, --prefill-tps, …)."""
    port = free_port()
    log = work / "stub.log"
    command = [sys.executable, str(STUB), "--port", str(port), *options]
    with started(command, log) as process:
        base_url = f"http://127.0.0.1:{port}/v1"
        wait_for_url(f"{base_url}/stats", process, log)
        yield Stub(base_url, process)


@contextmanager
def chroma_server(work: Path) -> Iterator[str]:
    """`chroma run` on 127.0.0.1 and a free port, data under `work`; yields its URL."""
    port = free_port()
    log = work / "chroma.log"
    path = work / "chroma-server"
    command = [str(BIN / "chroma"), "run", "--host", "127.0.0.1", "--port", str(port),
               "--path", str(path)]  # fmt: skip
    with started(command, log) as process:
        url = f"http://127.0.0.1:{port}"
        wait_for_url(f"{url}/api/v2/heartbeat", process, log)
        yield url


def in_flight_strip(
    intervals: list[tuple[float, float]], start: float, end: float, buckets: int = 30
) -> list[float]:
    """The mean number of requests in flight in each of `buckets` equal parts of [start, end]."""
    width = max(end - start, 1e-9) / buckets
    strip = [0.0] * buckets
    for began, ended in intervals:
        for k in range(buckets):
            lo, hi = start + k * width, start + (k + 1) * width
            strip[k] += max(0.0, min(hi, ended) - max(lo, began)) / width
    return strip


# -- tome -----------------------------------------------------------------------------------------


def tome_env(home: Path, base_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `tome` run: its own data directory, the stub as the model (never
    the embedded one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOME_")}
    env.update(TOME_HOME=str(home), TOME_BASE_URL=base_url, TOME_MODEL="stub")
    env.update(extra or {})
    return env


@dataclass
class Run:
    seconds: float
    started: float  # time.time() at launch
    ended: float
    returncode: int
    output: dict[str, Any]
    stderr: str
    cpu_seconds: float = 0.0  # user + system time of the tome process


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tome(args: list[str], env: dict[str, str], timeout: float = 600.0) -> Run:
    """Run `tome ARGS --json` to the end; its JSON summary (or {} when it printed none)."""
    began, started_at, cpu = time.perf_counter(), time.time(), children_cpu()
    done = subprocess.run(
        [str(BIN / "tome"), *args, "--json"], env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    try:
        output = json.loads(done.stdout) if done.stdout.strip() else {}
    except json.JSONDecodeError:
        output = {"raw": done.stdout[-1000:]}
    return Run(
        seconds,
        started_at,
        time.time(),
        done.returncode,
        output,
        done.stderr[-3000:],
        children_cpu() - cpu,
    )


def spawn_tome(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`tome ARGS --json` in the background, stdout (the JSON summary) to `log`."""
    with log.open("w") as out:
        return subprocess.Popen(
            [str(BIN / "tome"), *args, "--json"], env=env, stdout=out,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip


# -- inputs ---------------------------------------------------------------------------------------


def sentence(rng: random.Random) -> str:
    who, other = rng.sample(NAMES, 2)
    return (
        f"{who} {rng.choice(VERBS)} the {rng.choice(THINGS)} near the {rng.choice(PLACES)} "
        f"{rng.choice(MOODS)}, and {other} {rng.choice(VERBS)} the {rng.choice(THINGS)}."
    )


def make_document(path: Path, pages: int, seed: int = 0, pages_per_chapter: int = 4) -> Path:
    """A generated story of about `pages` pages (1000 tokens each), in chapters."""
    rng = random.Random(seed)
    parts = [f"THE CHRONICLE OF THE {rng.choice(PLACES).upper()} ({seed})\n"]
    for page in range(pages):
        if page % pages_per_chapter == 0:
            parts.append(f"\nCHAPTER {page // pages_per_chapter + 1}\n")
        words = 0
        paragraph: list[str] = []
        while words < WORDS_PER_PAGE:
            text = sentence(rng)
            paragraph.append(text)
            words += len(text.split())
            if len(paragraph) == 6:
                parts.append(" ".join(paragraph) + "\n")
                paragraph = []
        parts.append(" ".join(paragraph) + "\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def make_questions(path: Path, count: int, document: str, seed: int = 1) -> list[str]:
    """`count` local-fact questions about `document` (an id, title or path); their ids."""
    rng = random.Random(seed)
    ids = []
    with path.open("w", encoding="utf-8") as out:
        for k in range(count):
            qid = f"q{k:04d}"
            question = (
                f"Where did {rng.choice(NAMES)} take the {rng.choice(THINGS)} after the "
                f"{rng.choice(PLACES)}?"
            )
            out.write(json.dumps({"id": qid, "question": question, "documents": [document]}))
            out.write("\n")
            ids.append(qid)
    return ids


def answer_ids(path: Path) -> list[str]:
    """The ids of an answers file, in order, repeats kept."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [str(json.loads(line)["id"]) for line in lines if line.strip()]
