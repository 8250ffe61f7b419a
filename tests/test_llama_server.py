"""The embedded server's prompt-prefix cache: states without their logits copy, a real size."""

from __future__ import annotations

import numpy as np
import pytest

llama_cpp = pytest.importorskip("llama_cpp")

from reader.llm.llama_server import PrefixCache  # noqa: E402

VOCAB = 1000
BATCH = 64


def state(tokens: list[int], kv_bytes: int) -> object:
    """A state as `Llama.save_state` returns it with logits_all off: a batch of logit rows."""
    return llama_cpp.llama.LlamaState(
        input_ids=np.array(tokens, dtype=np.intc),
        scores=np.ones((BATCH, VOCAB), dtype=np.single),
        n_tokens=len(tokens),
        llama_state=b"\0" * kv_bytes,
        llama_state_size=kv_bytes,
        seed=0,
    )


def test_a_cached_state_keeps_one_logits_row_and_is_counted_whole() -> None:
    cache = PrefixCache(capacity_bytes=10**9)
    cache[[1, 2, 3]] = state([1, 2, 3], kv_bytes=5000)
    kept = cache[[1, 2, 3, 4]]  # the longest cached prefix of a longer prompt
    assert kept.scores.shape == (1, VOCAB)
    assert cache.cache_size == 5000 + VOCAB * 4 + 3 * 4


def test_the_cache_evicts_the_oldest_prefix_when_full() -> None:
    one = 5000 + VOCAB * 4 + 2 * 4
    cache = PrefixCache(capacity_bytes=2 * one)
    for first in (1, 2, 3):
        cache[[first, 0]] = state([first, 0], kv_bytes=5000)
    assert [k[0] for k in cache.cache_state] == [2, 3]
    assert cache.cache_size <= 2 * one


def test_a_slim_state_loads_into_a_model_sized_logits_buffer() -> None:
    """`Llama.load_state` assigns the state's rows into its own n_batch rows: one row broadcasts."""
    cache = PrefixCache(capacity_bytes=10**9)
    cache[list(range(100))] = state(list(range(100)), kv_bytes=10)
    buffer = np.zeros((BATCH, VOCAB), dtype=np.single)
    loaded = cache[list(range(100))]
    buffer[: loaded.n_tokens, :] = loaded.scores.copy()  # what load_state does
    assert buffer.shape == (BATCH, VOCAB)
