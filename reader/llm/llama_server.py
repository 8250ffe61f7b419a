"""llama-cpp-python's OpenAI-compatible server, with a prompt-prefix cache whose size is real.

Run as `python -m reader.llm.llama_server ARGS...` with `llama_cpp.server`'s arguments. With
`--cache true --cache_type ram`, llama-cpp-python keeps the state of each finished prompt so that
a later prompt sharing its prefix skips that prefix's prefill. Each saved state also copies the
model's logits buffer (n_batch x vocabulary floats: 311 MB for Qwen2.5 at n_batch 512) that
`--cache_size` does not count, so a 512 MiB cache grew the server to 8.7 GB. With
`--logits_all false` (as tome runs it) those logits are never read back: every prompt, cached or
not, evaluates at least its last token again before sampling. `PrefixCache` keeps one row in
their place, so a cached prefix costs its KV bytes (about 12 KB a token for Qwen2.5-0.5B) and the
cache stays within its size.
"""

from __future__ import annotations

import faulthandler
import sys
from collections.abc import Sequence
from typing import Any

import llama_cpp
from llama_cpp.llama_cache import LlamaRAMCache


def _slim(state: Any) -> Any:
    """`state` without its copy of the logits buffer (one row is kept: `load_state` broadcasts
    it into the rows it overwrites)."""
    if getattr(state, "scores", None) is not None and len(state.scores) > 1:
        state.scores = state.scores[-1:].copy()
    return state


class PrefixCache(LlamaRAMCache):
    """llama-cpp-python's RAM cache, holding slim states; `cache_size` counts what they hold."""

    @property
    def cache_size(self) -> int:
        return sum(
            s.llama_state_size + s.scores.nbytes + s.input_ids.nbytes
            for s in self.cache_state.values()
        )

    def __setitem__(self, key: Sequence[int], value: Any) -> None:
        super().__setitem__(key, _slim(value))


def main() -> None:
    faulthandler.enable()  # a crash in llama.cpp leaves its Python stack in the server's log
    llama_cpp.LlamaRAMCache = PrefixCache  # what llama_cpp.server builds for --cache_type ram
    from llama_cpp.server.__main__ import main as serve

    serve()


if __name__ == "__main__":
    sys.argv[0] = "llama_server"
    main()
