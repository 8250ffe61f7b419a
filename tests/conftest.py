from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def tome_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory and no endpoint from the caller's environment."""
    home = tmp_path / "tome-home"
    monkeypatch.setenv("TOME_HOME", str(home))
    for name in ("TOME_BASE_URL", "TOME_API_KEY", "TOME_MODEL", "TOME_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The bad-input suite's count (issue: at least 40 cases, each one line and exit code 2)."""
    cases = [
        r
        for r in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
        if r.nodeid.startswith("tests/test_bad_input.py") and r.when == "call"
    ]
    if cases:
        passed = sum(r.passed for r in cases)
        terminalreporter.write_line(
            f"bad-input suite: {passed} of {len(cases)} cases one line, exit 2"
        )
