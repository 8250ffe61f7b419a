"""Atomic facts: listed in the gist's own call, checked against the page, stored with the gist in
Chroma, joined into the element graph; and the resumable upgrade that gives them to a document
added before gists carried them. Graph logic with the fake model, real Chroma and LangGraph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agents.ingest import prompts
from memory import elements
from memory.passages import Passage
from reader.core.settings import load_settings
from reader.library import Library
from tests.agents.test_ingest import PAGE_RE
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.fakes import FakeEmbedder

TOWN = [
    "Marta Quell walked to the harbour at dawn. She keeps the brass key in the blue box.",
    "The bakery stood on the corner. The blue box is hidden in the attic above the bakery.",
    "Ferro the ferryman rowed across Lake Orrin. He counted the gulls on the water.",
]


def write_town(path: Path) -> Path:
    path.write_text("\n\n".join(TOWN * 4), encoding="utf-8")
    return path


def gist_with_facts(request: FakeRequest) -> str:
    """Facts first, as GIST_FACTS asks: one copied from the page, one invented."""
    prompt = request.messages[-1]["content"]
    number = PAGE_RE.search(prompt)
    facts_only = "Write only the facts" in prompt
    fact = "Marta Quell keeps the brass key in the blue box."
    invented = "Zebulon Thrace sells violins in Paris."
    listed = f"Facts:\n- {fact}\n- {invented}\n"
    if facts_only:
        return listed
    if number:
        return f"{listed}Summary:\nPeople stroll by the harbour and the bakery."
    return "1. People walk about the town.\n2. The bakery keeps its secrets."


def library_with(tmp_path: Path, model: FakeChatModel, facts: bool) -> Library:
    settings = load_settings(
        pages={"target_tokens": 50, "max_tokens": 70, "min_chapter_tokens": 0},
        ingest={"group_tokens": 60, "concurrency": 1, "facts": facts},
    )
    library = Library(settings, model=model)
    from memory.store import MemoryStore

    library._store = MemoryStore(settings, FakeEmbedder())
    return library


def test_split_gist_reads_facts_first_summary_first_and_no_facts() -> None:
    reply = "Facts:\n- Ann has a cat\n2) Bo is tall today\nSummary: Ann and Bo meet."
    summary, facts = prompts.split_gist(reply)
    assert summary == "Ann and Bo meet."
    assert facts == ["Ann has a cat.", "Bo is tall today."]
    summary, facts = prompts.split_gist("Ann and Bo meet.\n**Facts:**\n1. Ann has a cat.")
    assert (summary, facts) == ("Ann and Bo meet.", ["Ann has a cat."])
    assert prompts.split_gist("Ann and Bo meet at noon.") == ("Ann and Bo meet at noon.", [])
    # all facts, no summary: the facts stand in, so the page does not fail
    summary, facts = prompts.split_gist("Facts:\n- Ann has a cat.\n- Bo is tall today.")
    assert summary == "Ann has a cat. Bo is tall today." and len(facts) == 2


def test_fact_lines_drop_labels_repeats_and_paragraphs() -> None:
    loop = "Frederick Forsyth, Frederick Forsyth, Frederick Forsyth, Frederick Forsyth."
    lines = f"- Ann\n- Ann has a cat.\n- Ann has a cat.\n- {loop}\n- " + " ".join(["w"] * 50)
    assert prompts.fact_lines(lines) == ["Ann has a cat."]


def test_grounded_facts_keep_only_what_the_page_says() -> None:
    page = "Marta Quell keeps the brass key in the blue box by the window."
    kept = prompts.grounded_facts(
        ["Marta Quell keeps the brass key in the blue box.", "Zebulon Thrace sells violins."],
        page,
    )
    assert kept == ["Marta Quell keeps the brass key in the blue box."]


def test_the_gist_call_stores_its_grounded_facts_with_the_gist(tmp_path: Path) -> None:
    model = FakeChatModel(responder=gist_with_facts)
    library = library_with(tmp_path, model, facts=True)
    report = library.ingest(write_town(tmp_path / "town.txt"))
    gists = library.store.nodes(report.id, 1)
    pages = {p.id: p for p in library.store.pages(report.id)}
    assert report.llm_calls == len(model.requests)  # no call beyond the gists and the tree
    assert len([r for r in model.requests if PAGE_RE.search(r.messages[-1]["content"])]) == len(
        pages
    )
    fact = "Marta Quell keeps the brass key in the blue box."
    for gist in gists:
        text = pages[gist.children[0]].text
        assert gist.summary == "People stroll by the harbour and the bakery."  # summary part
        # the invented fact is never kept; the copied one only where its page says it
        assert gist.facts == ([fact] if "Marta Quell" in text and "brass key" in text else [])
    assert any(g.facts for g in gists)


def test_a_document_added_without_facts_is_upgraded_and_stays_ready(tmp_path: Path) -> None:
    model = FakeChatModel(responder=gist_with_facts)
    path = write_town(tmp_path / "town.txt")
    report = library_with(tmp_path, model, facts=False).ingest(path)
    upgrader = library_with(tmp_path, model, facts=True)
    assert all(g.facts is None for g in upgrader.store.nodes(report.id, 1))
    model.requests.clear()
    seen_status: list[str] = []

    def watching(request: FakeRequest) -> str:
        seen_status.append(upgrader.store.get_document(report.id).status)
        return gist_with_facts(request)

    model.responder = watching
    again = upgrader.ingest(path)
    assert again.upgraded and not again.skipped
    prompts_sent = [r.messages[-1]["content"] for r in model.requests]
    assert len(prompts_sent) == report.pages  # one facts call a page; no gist or tree call
    assert all("Write only the facts" in p for p in prompts_sent)
    assert set(seen_status) == {"ready"}  # askable throughout
    fresh = library_with(tmp_path, FakeChatModel(responder=gist_with_facts), facts=True)
    gists = fresh.store.nodes(report.id, 1)
    assert all(g.facts is not None for g in gists) and any(g.facts for g in gists)
    record = fresh.store.get_document(report.id)
    assert record.stats["llm_calls"] == report.llm_calls  # the build's figures are kept
    assert record.stats["facts_upgrade"]["llm_calls"] == report.pages
    assert fresh.ingest(path).skipped  # nothing left to upgrade


def test_an_interrupted_upgrade_resumes_with_the_pages_left(tmp_path: Path) -> None:
    model = FakeChatModel(responder=gist_with_facts)
    path = write_town(tmp_path / "town.txt")
    report = library_with(tmp_path, model, facts=False).ingest(path)
    calls = 0

    def crashing(request: FakeRequest) -> str:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("simulated crash")
        return gist_with_facts(request)

    model.responder = crashing
    upgrader = library_with(tmp_path, model, facts=True)
    with pytest.raises(RuntimeError, match="simulated crash"):
        upgrader.ingest(path)
    assert upgrader.store.get_document(report.id).status == "ready"  # still askable
    done = [g for g in upgrader.store.nodes(report.id, 1) if g.facts is not None]
    assert len(done) == 2
    model.requests.clear()
    model.responder = gist_with_facts
    library_with(tmp_path, model, facts=True).ingest(path)
    asked = {int(PAGE_RE.search(r.messages[-1]["content"]).group(1)) - 1 for r in model.requests}
    assert asked == set(range(report.pages)) - {g.ordinal for g in done}


def passage(page: str, index: int, text: str) -> Passage:
    return Passage(page, "doc", int(page[1:]), index, 0, len(text), text)


def test_model_facts_join_their_passage_and_link_it_by_the_names_they_add() -> None:
    passages = [
        passage("p0", 0, "The harbour was cold. Gulls circled the masts all morning."),
        passage("p0", 1, "He hid the copper compass under the floorboards of the shed."),
        passage("p1", 0, "Tobias Wren sailed at noon with the tide."),
    ]
    noted = {"p0": ["Tobias Wren hid the copper compass under the shed floorboards."]}
    graph = elements.build(passages, noted)
    assert graph.notes == [[], noted["p0"], []]  # the passage sharing most words
    assert 1 in graph.holders["tobias wren"] and 2 in graph.holders["tobias wren"]
    first = elements.facts(graph, 1)[0]
    assert first.origin == "model" and "tobias wren" in first.elements
    about = {(f.passage, f.origin) for f in elements.facts_about(graph, "tobias wren")}
    assert about == {(1, "model"), (2, "text")}
    assert re.search("compass", elements.facts(graph, 1)[1].text)  # the sentence stays too


def test_tome_add_says_it_upgraded_rather_than_built(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reader.cli.main import main

    model = FakeChatModel(responder=gist_with_facts)
    path = write_town(tmp_path / "town.txt")
    library_with(tmp_path, model, facts=False).ingest(path)
    upgrader = library_with(tmp_path, model, facts=True)
    added = CliRunner().invoke(main, ["add", str(path)], obj={"library": upgrader})
    assert added.exit_code == 0, added.output
    assert "upgraded: atomic facts for its" in added.output and "tree depth" not in added.output
    again = CliRunner().invoke(main, ["add", str(path)], obj={"library": upgrader})
    assert "already in memory" in again.output
