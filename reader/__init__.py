"""tome: an agentic reader for documents far longer than a language model's window.

The public API is imported lazily so that `import reader` (and the CLI) stays fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from typing import Any

__all__ = [
    "Answer",
    "Citation",
    "DocumentHandle",
    "Library",
    "Settings",
    "TomeError",
    "Usage",
    "__version__",
]

_LAZY = {
    "Library": "reader.library",
    "DocumentHandle": "reader.library",
    "Settings": "reader.core.settings",
    "TomeError": "reader.core.errors",
    "Answer": "reader.core.types",
    "Citation": "reader.core.types",
    "Usage": "reader.core.types",
}


try:
    __version__ = _version("tome-reader")
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reader' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
