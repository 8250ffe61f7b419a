"""tome: an agentic reader for documents far longer than a language model's window.

The public API is imported lazily so that `import reader` (and the CLI) stays fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Answer", "Citation", "DocumentHandle", "Library", "Settings", "TomeError", "Usage"]

_LAZY = {
    "Library": "reader.library",
    "DocumentHandle": "reader.library",
    "Settings": "reader.core.settings",
    "TomeError": "reader.core.errors",
    "Answer": "reader.core.types",
    "Citation": "reader.core.types",
    "Usage": "reader.core.types",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reader' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
