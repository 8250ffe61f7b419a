"""One `Settings` for the whole program, built once and passed down.

Sources, strongest first: keyword arguments, environment variables (`TOME_` prefix, `__` between
nested names, plus the short forms `TOME_BASE_URL`, `TOME_API_KEY`, `TOME_MODEL`), a TOML config
file (`--config`, `TOME_CONFIG`, or `config.toml` in the data directory; read by pydantic-settings'
own TOML source), then the defaults.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from reader.core.errors import ConfigError


def default_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "tome"


class LLMSettings(BaseModel):
    """The chat model endpoint. With no `base_url`, tome starts the embedded local model."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    api_key: str = "not-needed"
    model: str | None = Field(None, description="model name; the embedded model's when unset")
    context_window: int = Field(8192, ge=1024, description="tokens the model can attend to")
    max_output_tokens: int = Field(512, ge=16)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    concurrency: int = Field(2, ge=1, description="model calls in flight at once")
    timeout: float = Field(300.0, gt=0, description="seconds for one model call")
    retries: int = Field(3, ge=0, description="retries on connection errors, 429 and 5xx")
    structured_output: Literal["auto", "json_schema", "json_object"] = "auto"


class EmbeddedModelSettings(BaseModel):
    """The llama.cpp server tome starts on 127.0.0.1 when no `base_url` is set."""

    model_config = ConfigDict(extra="forbid")

    model: Literal["qwen2.5-coder-0.5b", "smollm2-135m"] = "qwen2.5-coder-0.5b"
    n_ctx: int = Field(8192, ge=1024)
    threads: int | None = Field(None, description="CPU threads; all cores when unset")
    startup_timeout: float = Field(180.0, gt=0)
    idle_timeout: float = Field(
        30.0, ge=0, description="seconds the shared server outlives the last process using it"
    )
    # llama.cpp keeps the states of several prompt prefixes (reader/llm/llama_server.py counts
    # their real size): a repeat lookup question on a 112k-token book at 0.67x the first's
    # latency instead of 1.13x, navigate 0.40x; the server peaked at 2.1 GB RSS instead of 1.2
    # (scripts/bench_first_answer.py --repeat, docs/eval.md).
    cache_bytes: int = Field(
        512 * 2**20, ge=0, description="llama.cpp's RAM cache of prompt prefixes (bytes); 0: none"
    )


class VLLMSettings(BaseModel):
    """Flags for `tome serve`, which launches vLLM on a GPU host."""

    model_config = ConfigDict(extra="forbid")

    model: str = "Qwen/Qwen2.5-7B-Instruct"
    host: str = "127.0.0.1"
    port: int = 8000
    max_model_len: int = 32768
    gpu_memory_utilization: float = Field(0.90, gt=0, le=1)
    tensor_parallel_size: int = Field(1, ge=1)
    enable_prefix_caching: bool = True
    api_key: str | None = Field(
        None, description="required by clients when set; needed to bind beyond loopback"
    )
    startup_timeout: float = Field(900.0, gt=0)
    extra_args: list[str] = Field(default_factory=list)


class PageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_tokens: int = Field(1000, ge=50)
    max_tokens: int = Field(1400, ge=60)
    min_chapter_tokens: int = Field(
        150, ge=0, description="a chapter smaller than this may share a page with its neighbour"
    )
    encoding: str = "cl100k_base"

    @model_validator(mode="after")
    def _max_covers_target(self) -> PageSettings:
        if self.max_tokens < self.target_tokens:
            raise ValueError("pages.max_tokens must be at least pages.target_tokens")
        return self


class EmbeddingSettings(BaseModel):
    """Local ONNX MiniLM by default; an OpenAI-compatible /v1/embeddings endpoint when set."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    api_key: str = "not-needed"
    model: str | None = None
    batch_size: int = Field(32, ge=1)


class MemorySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chroma_url: str | None = Field(
        None, description="a Chroma server (`chroma run`); local when unset"
    )
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)


class IngestSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concurrency: int = Field(2, ge=1, description="pages summarised at once")
    gist_max_tokens: int = Field(160, ge=16)
    # Off for the embedded 0.5B model: on the 32k facts document it listed 1 of 14 planted
    # sentences, mostly copying a page's first sentences (docs/eval.md); the element graph
    # then has each sentence of the text as a fact. On in the vllm-7b preset.
    facts: bool = Field(
        False,
        description="the gist's call also lists the page's atomic facts (the element graph's); "
        "`tome add` on a document added without them reads its pages for them, resumably",
    )
    facts_max_tokens: int = Field(110, ge=16, description="completion tokens for the facts")

    @property
    def gist_reply_tokens(self) -> int:
        """Completion tokens of a gist's call: its summary, and its facts when it lists them."""
        return self.gist_max_tokens + (self.facts_max_tokens if self.facts else 0)

    summary_max_tokens: int = Field(220, ge=16)
    group_tokens: int = Field(1500, ge=20, description="gist tokens summarised into one parent")
    fanout: int = Field(4, ge=2, description="children summarised into one parent, at most")
    retries: int = Field(2, ge=0, description="retries of one page when the model's answer is bad")
    # Measured on both LiteraryQA books: the judge rejected nearly every parent and the warmer
    # retries came back pasted too (3 calls a parent, 37 of the Portrait's minutes), while the
    # extractive fallback already keeps every child in the parent.
    summary_retries: int = Field(
        0, ge=0, description="retries of one parent summary the coverage/paste judge rejects"
    )


class AnswerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(
        "auto", description="auto, or a registered strategy or baseline (`tome ask --help`)"
    )
    top_k: int = Field(4, ge=1)
    max_pages_read: int = Field(3, ge=1)
    note_max_tokens: int = Field(300, ge=32)
    answer_max_tokens: int = Field(
        160,
        ge=16,
        description="tokens an answer call may write: the answer is cut to 40 words and its "
        "quote is one sentence, so a longer reply is decoding thrown away",
    )
    max_calls: int = Field(6, ge=2, description="model calls navigate may make per question")
    overview_parts: int = Field(
        48,
        ge=0,
        description="navigate: the root lists the widest tree level of at most this many nodes "
        "(the same listing for every question); 0 lists the root's own children",
    )
    clues: bool = Field(
        False, description="lookup and navigate: the upper tree writes clues for retrieval first"
    )
    related_episodes: int = Field(
        1, ge=0, description="past exchanges of other conversations recalled into the prompts"
    )


_SHORT_ENV = {"TOME_BASE_URL": "base_url", "TOME_API_KEY": "api_key", "TOME_MODEL": "model"}


class _ShortEnvSource(PydanticBaseSettingsSource):
    """`TOME_BASE_URL`, `TOME_API_KEY` and `TOME_MODEL` set `llm.*` directly."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        llm = {key: os.environ[env] for env, key in _SHORT_ENV.items() if os.environ.get(env)}
        return {"llm": llm} if llm else {}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TOME_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    home: Path = Field(default_factory=default_home, description="data directory (TOME_HOME)")
    llm: LLMSettings = Field(default_factory=LLMSettings)
    embedded: EmbeddedModelSettings = Field(default_factory=EmbeddedModelSettings)
    vllm: VLLMSettings = Field(default_factory=VLLMSettings)
    pages: PageSettings = Field(default_factory=PageSettings)
    memory: MemorySettings = Field(default_factory=MemorySettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    presets: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="named sets of settings chosen per command with --preset (TOME_PRESET)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _ShortEnvSource(settings_cls),
            env_settings,
            TomlConfigSettingsSource(settings_cls),
        )

    def ensure_home(self) -> Path:
        """The data directory, created private to the user (it holds documents and questions);
        a ConfigError naming TOME_HOME when it is a file or cannot be created."""
        home = self.home
        if home.exists() and not home.is_dir():
            raise ConfigError(f"the data directory {home} is not a directory; set TOME_HOME to one")
        try:
            home.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"the data directory {home} cannot be created ({exc.strerror or exc}); set "
                "TOME_HOME to a writable directory"
            ) from exc
        return home

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def chroma_dir(self) -> Path:
        return self.home / "chroma"

    @property
    def uses_embedded_model(self) -> bool:
        return not self.llm.base_url


def _config_file() -> Path:
    if env := os.environ.get("TOME_CONFIG"):
        return Path(env).expanduser()
    home = Path(os.environ["TOME_HOME"]).expanduser() if os.environ.get("TOME_HOME") else None
    return (home or default_home()) / "config.toml"


# Built in, as paper-qa's named settings are; a `[presets.NAME]` table in the config file adds
# more or replaces one of these.
PRESETS: dict[str, dict[str, Any]] = {
    "vllm-7b": {
        "llm": {
            "base_url": "http://127.0.0.1:8000/v1",
            "model": "Qwen/Qwen2.5-7B-Instruct",
            "context_window": 32768,
            "concurrency": 16,
        },
        "ingest": {"facts": True},
    },
    "fast": {"answer": {"strategy": "hybrid"}},
    "thorough": {"answer": {"strategy": "navigate"}},
}


def load_settings(
    config: Path | None = None, preset: str | None = None, **overrides: Any
) -> Settings:
    """Build the one Settings object; `config` names a TOML file that must exist. `preset` (or
    TOME_PRESET) applies a named preset over the environment and the config file; `overrides`
    win over everything."""
    settings = _load(config, overrides)
    name = preset or os.environ.get("TOME_PRESET")
    if not name:
        return settings
    presets = {**PRESETS, **settings.presets}
    if name not in presets:
        close = difflib.get_close_matches(name, list(presets), n=1, cutoff=0.5)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(
            f"no preset named {name!r}; {hint}the presets are {', '.join(sorted(presets))} "
            "(add one as a [presets.NAME] table in the config file)"
        )
    try:
        return _load(config, _merged(presets[name], overrides))
    except ConfigError as exc:
        raise ConfigError(f"preset {name!r}: {exc.message}") from exc


def _merged(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`base` with `top`'s values over it, nested tables merged key by key."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _load(config: Path | None, overrides: dict[str, Any]) -> Settings:
    if config is not None:
        config = Path(config).expanduser()
        if not config.is_file():
            raise ConfigError(f"config file {config} does not exist; pass an existing TOML file")
    path = config or _config_file()
    # pydantic-settings' TOML source reads `toml_file` from the class's config: a subclass per
    # file keeps the path out of module state.
    bound = type("Settings", (Settings,), {"model_config": {**Settings.model_config,
                                                             "toml_file": path}})  # fmt: skip
    try:
        return bound(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML ({exc}); fix it") from exc
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read ({exc.strerror}); fix it") from exc
    except SettingsError as exc:  # e.g. TOME_LLM='{bad json'
        raise ConfigError(
            f"a TOME_ environment variable cannot be read ({exc}); fix or unset it"
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise ConfigError(
                f"unknown setting {where}{_closest(first['loc'])} (check the TOME_ environment "
                "variables and the config file)"
            ) from exc
        raise ConfigError(
            f"setting {where}: {first['msg']} "
            "(check the TOME_ environment variables and the config file)"
        ) from exc


def _closest(loc: tuple) -> str:
    """'; did you mean answer.top_k?' for a misspelt key, or '' when nothing is close."""
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return ""
        model = annotation
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f"; did you mean {'.'.join([*map(str, loc[:-1]), close[0]])}?" if close else ""
