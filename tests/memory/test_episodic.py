from __future__ import annotations

import pytest

from memory.episodic import EpisodicMemory
from memory.store import MemoryStore
from reader.core.errors import NotFoundError
from reader.core.types import Citation, Episode
from tests.memory.helpers import make_document


@pytest.fixture
def memory(store: MemoryStore) -> EpisodicMemory:
    for doc_id, title in (("birds01", "Birds"), ("ships01", "Ships")):
        doc, pages = make_document(doc_id, title, [f"All about {title.lower()}."])
        store.add_document(doc, pages)
        store.set_status(doc_id, "ready")
    return store.episodes


def episode(
    episode_id: str, conversation: str, docs: list[str], question: str, t: float
) -> Episode:
    return Episode(
        id=episode_id,
        conversation=conversation,
        documents=docs,
        question=question,
        answer=f"answer to {question}",
        time=t,
    )


def test_round_trip_and_conversation_order(memory: EpisodicMemory) -> None:
    full = Episode(
        id="e1",
        conversation="c1",
        documents=["birds01"],
        question="Which bird hunts at night?",
        answer="The owl.",
        citations=[Citation(document="birds01", page="birds01-p0", start=0, end=5, quote="All a")],
        trace=[{"step": "lookup", "pages": ["birds01-p0"]}],
        notes="found on the first page",
        time=100.0,
    )
    memory.add(episode("e3", "c1", ["birds01"], "third", 300.0))
    memory.add(full)
    memory.add(episode("e2", "c1", ["birds01"], "second", 200.0))
    memory.add(episode("x1", "c2", ["ships01"], "other", 150.0))
    assert memory.get("e1") == full
    assert [e.id for e in memory.conversation("c1")] == ["e1", "e2", "e3"]
    assert memory.conversation("c1")[0] == full
    summaries = memory.conversations()
    assert [(s.id, s.first_question, s.count, s.last_time) for s in summaries] == [
        ("c1", "Which bird hunts at night?", 3, 300.0),
        ("c2", "other", 1, 150.0),
    ]
    assert summaries[0].documents == ["birds01"]


def test_search_filters(memory: EpisodicMemory) -> None:
    memory.add(episode("e1", "c1", ["birds01"], "where do swallows nest", 1.0))
    memory.add(episode("e2", "c2", ["ships01"], "where do schooners sail", 2.0))
    memory.add(episode("e3", "c3", ["birds01", "ships01"], "where do swallows nest", 3.0))
    memory.add(episode("e4", "c4", [], "where do swallows nest", 4.0))
    assert {e.id for e in memory.search("swallows nest", k=10)} == {"e1", "e2", "e3", "e4"}
    assert {e.id for e in memory.search("swallows", documents=["birds01"], k=10)} == {"e1", "e3"}
    both = memory.search("x", documents=["birds01", "ships01"], k=10)
    assert {e.id for e in both} == {"e1", "e2", "e3"}
    found = memory.search("swallows nest", documents=["birds01"], k=10, exclude_conversation="c1")
    assert [e.id for e in found] == ["e3"]
    assert len(memory.search("swallows", k=2)) == 2
    assert memory.search("swallows", documents=[]) == []


def test_unknown_ids(memory: EpisodicMemory) -> None:
    with pytest.raises(NotFoundError):
        memory.conversation("nope")
    with pytest.raises(NotFoundError):
        memory.get("nope")
    with pytest.raises(NotFoundError):
        memory.add(episode("e1", "c1", ["nope"], "q", 1.0))
    with pytest.raises(NotFoundError):
        memory.search("q", documents=["nope"])
    assert memory.search("anything") == []
    assert memory.conversations() == []


def test_search_scored_orders_by_similarity(memory: EpisodicMemory) -> None:
    memory.add(episode("e1", "c1", ["birds01"], "where do swallows nest", 1.0))
    memory.add(episode("e2", "c2", ["ships01"], "how fast do schooners sail", 2.0))
    scored = memory.search_scored("where do swallows nest", k=2)
    assert [e.id for e, _ in scored] == ["e1", "e2"]
    assert scored[0][1] > scored[1][1] and scored[0][1] > 0.9
