"""Settings: environment, short forms, TOML config, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.errors import ConfigError
from reader.core.settings import load_settings


def test_defaults_and_home_from_env(tome_home: Path) -> None:
    settings = load_settings()
    assert settings.home == tome_home
    assert settings.uses_embedded_model
    assert settings.pages.target_tokens == 1000


def test_short_and_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOME_BASE_URL", "http://gpu:8000/v1")
    monkeypatch.setenv("TOME_MODEL", "qwen-7b")
    monkeypatch.setenv("TOME_LLM__CONCURRENCY", "16")
    monkeypatch.setenv("TOME_PAGES__TARGET_TOKENS", "800")
    settings = load_settings()
    assert settings.llm.base_url == "http://gpu:8000/v1"
    assert settings.llm.model == "qwen-7b"
    assert settings.llm.concurrency == 16
    assert settings.pages.target_tokens == 800
    assert not settings.uses_embedded_model


def test_toml_config_is_read_and_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "tome.toml"
    config.write_text(
        '[llm]\nbase_url = "http://a:1/v1"\ntimeout = 42\n[ingest]\nconcurrency = 7\n'
    )
    monkeypatch.setenv("TOME_LLM__TIMEOUT", "9")
    settings = load_settings(config)
    assert settings.llm.base_url == "http://a:1/v1"
    assert settings.llm.timeout == 9
    assert settings.ingest.concurrency == 7


def test_config_toml_in_the_data_directory_is_found(tome_home: Path) -> None:
    tome_home.mkdir(parents=True)
    (tome_home / "config.toml").write_text("[answer]\ntop_k = 9\n")
    assert load_settings().answer.top_k == 9


def test_bad_values_and_files_give_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[llm\nbase_url=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken)
    monkeypatch.setenv("TOME_LLM__CONCURRENCY", "0")
    with pytest.raises(ConfigError, match=r"llm\.concurrency") as info:
        load_settings()
    assert "\n" not in info.value.message


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"TOME_ANSWER__TOPK": "3"}, "unknown setting answer.topk; did you mean answer.top_k?"),
        ({"TOME_LLM__CONCURENCY": "3"}, "did you mean llm.concurrency?"),
        ({"TOME_LLM__ZZZ": "3"}, "unknown setting llm.zzz ("),
    ],
)
def test_unknown_settings_name_the_key_and_the_closest_one(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert says in caught.value.message


def test_an_unknown_table_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[answr]\ntop_k = 3\n")
    with pytest.raises(ConfigError, match=r"unknown setting answr; did you mean answer\?"):
        load_settings(config)


def test_any_registered_strategy_is_a_valid_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOME_ANSWER__STRATEGY", "bm25")
    assert load_settings().answer.strategy == "bm25"


def test_a_built_in_preset_sets_its_values_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOME_BASE_URL", "http://elsewhere:1/v1")
    monkeypatch.setenv("TOME_ANSWER__TOP_K", "3")
    settings = load_settings(preset="vllm-7b")
    assert settings.llm.base_url == "http://127.0.0.1:8000/v1"
    assert settings.llm.model == "Qwen/Qwen2.5-7B-Instruct"
    assert settings.answer.top_k == 3  # what the preset leaves alone stays
    monkeypatch.setenv("TOME_PRESET", "fast")
    assert load_settings().answer.strategy == "hybrid"


def test_a_config_preset_is_chosen_by_name_and_explicit_values_win(tmp_path: Path) -> None:
    config = tmp_path / "tome.toml"
    config.write_text(
        '[llm]\nmodel = "base"\n'
        '[presets.big]\nllm = { base_url = "http://gpu:8000/v1", model = "qwen-72b" }\n'
        'answer = { strategy = "navigate" }\n'
    )
    assert load_settings(config).llm.model == "base"
    settings = load_settings(config, "big")
    assert (settings.llm.base_url, settings.llm.model) == ("http://gpu:8000/v1", "qwen-72b")
    assert settings.answer.strategy == "navigate"
    assert load_settings(config, "big", llm={"model": "qwen-7b"}).llm.model == "qwen-7b"


def test_an_unknown_preset_or_a_bad_key_in_one_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "tome.toml"
    config.write_text("[presets.big]\nanswer = { topk = 3 }\n")
    with pytest.raises(ConfigError, match=r"no preset named 'fsat'; did you mean fast\?"):
        load_settings(config, "fsat")
    with pytest.raises(ConfigError, match=r"preset 'big': unknown setting answer.topk; did you"):
        load_settings(config, "big")
