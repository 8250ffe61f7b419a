"""Assembling and verifying the embedded model's GGUF from its PyPI parts."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from reader.core.errors import ModelNotInstalledError
from reader.core.settings import load_settings
from reader.llm import embedded as local_model
from reader.llm.embedded import EmbeddedModel, model_path


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Path], bytes]:
    """Two importable packages holding the halves of a small file (stand-ins for the parts)."""
    site = tmp_path / "site"
    payload = b"GGUF" + bytes(range(256)) * 64
    halves = [payload[: len(payload) // 2], payload[len(payload) // 2 :]]
    files = []
    for i, half in enumerate(halves, start=1):
        package = site / f"tome_test_part{i}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        files.append(package / "data" / f"part0{i}.bin")
        files[-1].write_bytes(half)
    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop("tome_test_part1", None)
    sys.modules.pop("tome_test_part2", None)
    return files, payload


def _install(monkeypatch: pytest.MonkeyPatch, sha256: str) -> None:
    model = EmbeddedModel(
        name="qwen2.5-coder-0.5b",
        filename="test.gguf",
        sha256=sha256,
        parts=(("tome_test_part1", "data/part01.bin"), ("tome_test_part2", "data/part02.bin")),
    )
    monkeypatch.setitem(local_model.MODELS, "qwen2.5-coder-0.5b", model)


def test_parts_are_concatenated_in_order_and_verified(
    fake_parts: tuple[list[Path], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, payload = fake_parts
    _install(monkeypatch, hashlib.sha256(payload).hexdigest())
    settings = load_settings()
    path = model_path(settings)
    assert path.read_bytes() == payload
    assert path.with_suffix(".verified").is_file()
    assert model_path(settings) == path  # second call trusts the stamp
    assert local_model.is_verified(settings)


def test_a_tampered_part_is_refused_and_nothing_is_left_behind(
    fake_parts: tuple[list[Path], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    files, payload = fake_parts
    _install(monkeypatch, hashlib.sha256(payload).hexdigest())
    files[1].write_bytes(b"x" + files[1].read_bytes()[1:])
    settings = load_settings()
    with pytest.raises(ModelNotInstalledError, match="sha256"):
        model_path(settings)
    assert list(settings.models_dir.iterdir()) == []


def test_a_missing_part_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    model = EmbeddedModel("qwen2.5-coder-0.5b", "x.gguf", "0" * 64, (("no_such_pkg_xyz", "a"),))
    monkeypatch.setitem(local_model.MODELS, "qwen2.5-coder-0.5b", model)
    with pytest.raises(ModelNotInstalledError, match="no-such-pkg-xyz"):
        model_path(load_settings())
