"""The bad-input suite: every case is one line on stderr naming the problem, exit code 2, no
traceback, and nothing stored changes. The count of cases is printed at the end of the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from memory.store import MemoryStore
from reader.cli.main import main
from reader.core.settings import load_settings
from tests.fakes import FakeEmbedder

CASES: list[tuple[str, list[str], dict[str, str], str]] = [
    # (name, arguments ({tmp} is a folder of prepared files), environment, what the line says)
    ("add a missing file", ["add", "{tmp}/missing.txt"], {}, "does not exist"),
    ("add an unsupported type", ["add", "{tmp}/notes.xyz"], {}, "unsupported file type"),
    ("add an empty text", ["add", "{tmp}/empty.txt"], {}, "is empty"),
    ("add an empty epub", ["add", "{tmp}/empty.epub"], {}, "empty.epub"),
    ("add an empty pdf", ["add", "{tmp}/empty.pdf"], {}, "empty.pdf"),
    ("add a broken pdf", ["add", "{tmp}/broken.pdf"], {}, "broken.pdf"),
    ("add a broken epub", ["add", "{tmp}/broken.epub"], {}, "broken.epub"),
    ("add a fifo", ["add", "{tmp}/pipe.txt"], {}, "is not a regular file"),
    ("add a folder with nothing to read", ["add", "{tmp}/nothing"], {}, "no supported files"),
    ("estimate a missing file", ["add", "--estimate", "{tmp}/missing.txt"], {}, "no such file"),
    ("inspect a missing file", ["inspect", "{tmp}/missing.txt"], {}, "no such file"),
    ("inspect an unsupported type", ["inspect", "{tmp}/notes.xyz"], {}, "unsupported"),
    ("ask with no question", ["ask", "doc"], {}, "then the question"),
    ("ask nothing", ["ask"], {}, "Missing argument"),
    ("ask an unknown document", ["ask", "nope", "What?"], {}, "no document matches 'nope'"),
    ("ask an unknown strategy", ["ask", "nope", "Q?", "--strategy", "x"], {}, "'x' is not one"),
    ("ask about a file never added", ["ask", "{tmp}/missing.txt", "Q?"], {}, "no document"),
    ("show an unknown document", ["show", "nope"], {}, "no document matches"),
    ("remove an unknown document", ["rm", "nope"], {}, "no document matches"),
    ("history of an unknown document", ["history", "nope"], {}, "no document matches"),
    ("chat about an unknown document", ["chat", "nope"], {}, "no document matches"),
    ("batch a missing file", ["batch", "{tmp}/q.jsonl", "--out", "{tmp}/a.jsonl"], {}, "not exist"),
    ("batch a folder", ["batch", "{tmp}/nothing", "--out", "{tmp}/a.jsonl"], {}, "is a directory"),
    ("batch into its input", ["batch", "{tmp}/in.jsonl", "--out", "{tmp}/in.jsonl"], {}, "output"),
    ("batch into a device", ["batch", "{tmp}/in.jsonl", "--out", "/dev/full"], {}, "not a regular"),
    ("batch without --out", ["batch", "{tmp}/in.jsonl"], {}, "Missing option '--out'"),
    ("batch a shard 0/2", ["batch", "{tmp}/in.jsonl", "--out", "o", "--shard", "0/2"], {}, "K/N"),
    ("batch a shard x", ["batch", "{tmp}/in.jsonl", "--out", "o", "--shard", "x"], {}, "K/N"),
    (
        "batch concurrency 0",
        ["batch", "{tmp}/in.jsonl", "--out", "o", "--concurrency", "0"],
        {},
        "0 is not in the range",
    ),
    ("eval an unknown dataset", ["eval", "nosuchset"], {}, "nosuchset"),
    ("eval --docs 0", ["eval", "quality", "--docs", "0"], {}, "0 is not in the range"),
    ("eval --limit 0", ["eval", "quality", "--limit", "0"], {}, "0 is not in the range"),
    ("eval bad lengths", ["eval", "niah", "--lengths", "abc"], {}, "comma-separated"),
    (
        "eval a judge without a model",
        ["eval", "literaryqa", "--judge-url", "http://127.0.0.1:9/v1"],
        {},
        "judge",
    ),
    ("a missing config file", ["--config", "{tmp}/none.toml", "ls"], {}, "does not exist"),
    ("a config file that is not TOML", ["--config", "{tmp}/bad.toml", "ls"], {}, "not valid TOML"),
    ("an unknown key in the config", ["--config", "{tmp}/typo.toml", "ls"], {}, "did you mean"),
    ("an unknown TOME_ setting", ["ls"], {"TOME_ANSWER__TOPK": "3"}, "answer.top_k"),
    ("a setting of the wrong type", ["ls"], {"TOME_LLM__CONTEXT_WINDOW": "big"}, "context_window"),
    ("a setting out of range", ["ls"], {"TOME_LLM__CONCURRENCY": "0"}, "concurrency"),
    ("unreadable JSON in TOME_LLM", ["ls"], {"TOME_LLM": "{bad"}, "cannot be read"),
    ("TOME_HOME is a file", ["ls"], {"TOME_HOME": "{tmp}/notes.xyz"}, "not a directory"),
    ("an unknown configured strategy", ["ls"], {"TOME_ANSWER__STRATEGY": "nope"}, "nope"),
    ("an unknown --preset", ["--preset", "fsat", "ls"], {}, "did you mean fast?"),
    ("an unknown TOME_PRESET", ["ls"], {"TOME_PRESET": "nope"}, "no preset named 'nope'"),
    (
        "serve to the network without a key",
        ["serve", "--host", "0.0.0.0", "--dry-run"],
        {},
        "--api-key",
    ),
    (
        "serve with too much GPU memory",
        ["serve", "--gpu-memory-utilization", "2", "--dry-run"],
        {},
        "gpu_memory_utilization",
    ),
    ("an unknown command", ["frobnicate"], {}, "No such command"),
    ("an unknown option", ["ls", "--frob"], {}, "No such option"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bad")
    (tmp / "notes.xyz").write_text("some text")
    (tmp / "empty.txt").write_text("")
    (tmp / "empty.epub").write_bytes(b"")
    (tmp / "empty.pdf").write_bytes(b"")
    (tmp / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp / "broken.epub").write_bytes(b"PK\x03\x04 not really a zip")
    os.mkfifo(tmp / "pipe.txt")
    (tmp / "nothing").mkdir()
    (tmp / "in.jsonl").write_text('{"id": "a", "question": "Q?", "documents": ["x"]}\n')
    (tmp / "bad.toml").write_text("[llm\nbase_url = ")
    (tmp / "typo.toml").write_text("[answr]\ntop_k = 3\n")
    return tmp


@pytest.mark.parametrize(("name", "args", "env", "says"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(
    files: Path, tome_home: Path, name: str, args: list[str], env: dict[str, str], says: str
) -> None:
    args = [a.replace("{tmp}", str(files)) for a in args]
    env = {k: v.replace("{tmp}", str(files)) for k, v in env.items()}
    env.setdefault("TOME_BASE_URL", "http://127.0.0.1:9/v1")  # a model is never reached
    result = CliRunner().invoke(main, args, env=env)
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert says in lines[0], lines[0]
    if (tome_home / "chroma").exists():  # nothing half-written: no document was registered
        with MemoryStore(load_settings(home=tome_home), FakeEmbedder()) as store:
            assert store.documents() == []
