"""tome: an agentic reader for documents far longer than a language model's window.

The public API is imported lazily so that `import reader` (and the CLI) stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Answer", "Citation", "DocumentHandle", "Library", "Settings", "TomeError", "Usage"]

_LAZY = {
    "Library": "reader.api",
    "DocumentHandle": "reader.api",
    "Settings": "reader.settings",
    "TomeError": "reader.errors",
    "Answer": "reader.types",
    "Citation": "reader.types",
    "Usage": "reader.types",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reader' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
