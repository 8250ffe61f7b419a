"""The store across processes: what one process writes another reads, also while it writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from memory.store import MemoryStore
from reader.core.settings import Settings
from reader.core.types import Episode, Node
from tests.fakes import FakeEmbedder
from tests.memory.helpers import make_document

REPO = Path(__file__).resolve().parents[2]

PRELUDE = """
import json, sys, time
from memory.episodic import EpisodicMemory
from memory.store import MemoryStore
from reader.core.settings import load_settings
from reader.core.types import Episode, Node
from tests.fakes import FakeEmbedder
from tests.memory.helpers import make_document
store = MemoryStore(load_settings(), FakeEmbedder())
"""

WRITE_ONE = """
doc, pages = make_document("proc01", "Written Elsewhere", [
    "The lighthouse keeper trimmed the wick every evening.",
    "Fog rolled over the rocks and the foghorn sounded.",
])
store.add_document(doc, pages)
store.put_nodes([Node(id="proc01-g0", document="proc01", level=1, ordinal=0,
                      summary="keeper trims the wick", first_page=0, last_page=0)])
store.set_status("proc01", "ready", {"gists": 1})
store.episodes.add(Episode(id="ep1", conversation="c1", documents=["proc01"],
                                  question="Who trims the wick?", answer="The keeper."))
print("written")
"""

READ_ONE = """
hit = store.search_pages("foghorn fog rocks", k=1)[0]
print(json.dumps({
    "documents": [d.id for d in store.documents(include_unready=False)],
    "pages": [p.id for p in store.pages("here01")],
    "hit": hit.page.id,
    "conversation": [e.question for e in store.episodes.conversation("c9")],
}))
"""


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PRELUDE) + textwrap.dedent(code)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_python(code: str, **extra_env: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra_env}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PRELUDE) + textwrap.dedent(code)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_written_in_a_subprocess_read_here(settings: Settings) -> None:
    with MemoryStore(settings, FakeEmbedder()) as store:
        # use the store (and so load Chroma's in-memory indexes) before the other process writes
        doc, pages = make_document("here00", "Here", ["A quiet harbour town."])
        store.add_document(doc, pages)
        store.put_nodes(
            [
                Node(
                    id="here00-g0",
                    document="here00",
                    level=1,
                    ordinal=0,
                    summary="a town",
                    first_page=0,
                    last_page=0,
                )
            ]
        )
        store.set_status("here00", "ready")
        store.episodes.add(
            Episode(id="ep0", conversation="c0", documents=["here00"], question="q", answer="a")
        )
        assert store.search_pages("harbour", k=1)[0].page.id == "here00-p0"
        assert store.search_nodes("town", k=1)[0].node.id == "here00-g0"
        assert len(store.episodes.search("q")) == 1
        result = run_python(WRITE_ONE)
        assert result.returncode == 0, result.stderr
        assert [d.id for d in store.documents(include_unready=False)] == ["here00", "proc01"]
        assert store.get_document("proc01").stats == {"gists": 1}
        assert len(store.pages("proc01")) == 2
        assert store.search_pages("foghorn fog rocks", k=1)[0].page.id == "proc01-p1"
        assert store.search_nodes("keeper wick", k=1)[0].node.id == "proc01-g0"
        found = store.episodes.search("who trims the wick", documents=["proc01"])
        assert [e.id for e in found] == ["ep1"]
    with MemoryStore(settings, FakeEmbedder()) as fresh:
        assert fresh.search_pages("foghorn fog rocks", k=1)[0].page.id == "proc01-p1"


def test_written_here_read_in_a_subprocess(settings: Settings) -> None:
    with MemoryStore(settings, FakeEmbedder()) as store:
        doc, pages = make_document(
            "here01", "Written Here", ["A quiet harbour town.", "Fog rolled over the rocks."]
        )
        store.add_document(doc, pages)
        store.set_status("here01", "ready")
        store.episodes.add(
            Episode(id="e1", conversation="c9", documents=["here01"], question="q1", answer="a")
        )
        result = run_python(READ_ONE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "documents": ["here01"],
        "pages": ["here01-p0", "here01-p1"],
        "hit": "here01-p1",
        "conversation": ["q1"],
    }


BATCHES = 6

# The writer waits, after each batch, until the reader has seen it ready (a file in SYNC), so the
# reader certainly sees every partial state, one more document at a time.
WRITER = f"""
import pathlib, os
sync = pathlib.Path(os.environ["SYNC"])
for i in range({BATCHES}):
    doc_id = f"batch{{i:02d}}"
    texts = [f"zebra{{i}} grazes on the plain number {{i}} page {{p}}" for p in range(3)]
    doc, pages = make_document(doc_id, f"Batch {{i}}", texts)
    store.add_document(doc, pages)
    store.put_nodes([Node(id=f"{{doc_id}}-g{{p}}", document=doc_id, level=1, ordinal=p,
                          summary=texts[p], first_page=p, last_page=p) for p in range(3)])
    store.set_status(doc_id, "ready", {{"batch": i}})
    deadline = time.monotonic() + 30
    while not (sync / f"seen{{i}}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # polling for the reader's acknowledgement, with a deadline
print("writer done")
"""

READER = f"""
import pathlib, os
sync = pathlib.Path(os.environ["SYNC"])
deadline = time.monotonic() + 45
polls, counts = 0, set()
while time.monotonic() < deadline:
    polls += 1
    ready = store.documents(include_unready=False)
    counts.add(len(ready))
    for record in ready:  # a ready document is always complete
        assert len(store.pages(record.id)) == 3, record.id
        assert len(store.nodes(record.id, level=1)) == 3, record.id
    hits = store.search_pages("zebra grazes on the plain", k=4)
    ready_ids = {{record.id for record in store.documents(include_unready=False)}}
    for hit in hits:  # documents only become ready here, so this set covers the search's
        assert hit.page.document in ready_ids, hit.page.document
    if ready:
        newest = max(ready_ids)
        hits = store.search_pages("zebra grazes", documents=[newest], k=3)
        assert {{h.page.document for h in hits}} == {{newest}} and len(hits) == 3, hits
    for seen in range(len(ready)):
        (sync / f"seen{{seen}}").touch()
    if len(ready) == {BATCHES}:
        break
final = sorted(record.id for record in store.documents(include_unready=False))
print(json.dumps({{"final": final, "polls": polls, "counts": sorted(counts)}}))
"""


def test_reader_process_while_writer_process_writes(settings: Settings) -> None:
    MemoryStore(settings, FakeEmbedder()).close()  # create the store before both start
    sync = settings.home / "sync"
    sync.mkdir()
    reader = start_python(READER, SYNC=str(sync))
    writer = start_python(WRITER, SYNC=str(sync))
    writer_out, writer_err = writer.communicate(timeout=60)
    reader_out, reader_err = reader.communicate(timeout=60)
    assert writer.returncode == 0, writer_err
    assert reader.returncode == 0, reader_err
    assert "writer done" in writer_out
    seen = json.loads(reader_out.strip().splitlines()[-1])
    expected = [f"batch{i:02d}" for i in range(BATCHES)]
    assert seen["final"] == expected
    # the reader saw the store part-written, each ready document complete (asserted there)
    assert set(range(1, BATCHES)) <= set(seen["counts"]), seen["counts"]
    with MemoryStore(settings, FakeEmbedder()) as store:
        assert [d.id for d in store.documents(include_unready=False)] == expected
        assert store.chroma["pages"].count() == 3 * BATCHES
        assert store.chroma["nodes"].count() == 3 * BATCHES


def test_processes_opening_a_new_store_at_once(settings: Settings) -> None:
    openers = [start_python("print(len(store.documents()))") for _ in range(4)]
    results = [(*opener.communicate(timeout=60), opener.returncode) for opener in openers]
    for out, err, code in results:
        assert code == 0, err
        assert out.strip() == "0"
