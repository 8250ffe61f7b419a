"""The memory-health measures on trees whose answer is known."""

from __future__ import annotations

import json

from click.testing import CliRunner

from memory.quality import coverage, measure, restates_title, verbatim_share
from reader.cli.main import main
from reader.core.types import Node
from tests.agents.test_answer_fixtures import add_document, make_library
from tests.fake_chat import FakeChatModel

CHILDREN = [
    "Ichabod Crane teaches the village school and boards with farmers.",
    "Katrina Van Tassel hosts a harvest party at her father's farm.",
    "Brom Bones tells the ghost story of the Headless Horseman.",
]


def node(id: str, level: int, summary: str, children: list[str] = (), origin: str = "model"):
    return Node(id=id, document="d", level=level, ordinal=0, summary=summary,
                children=list(children), first_page=0, last_page=0, origin=origin)  # fmt: skip


def test_a_pasted_first_child_covers_a_third_and_is_all_verbatim() -> None:
    pasted = CHILDREN[0]
    assert coverage(pasted, CHILDREN) == 1 / 3
    assert verbatim_share(pasted, CHILDREN) == 1.0


def test_a_written_summary_covers_every_child_in_its_own_words() -> None:
    written = (
        "The schoolmaster Crane courts Katrina at a party, and Brom frightens him with a "
        "tale of the Horseman."
    )
    assert coverage(written, CHILDREN) == 1.0
    assert verbatim_share(written, CHILDREN) < 0.3


def test_title_restating_gists_are_counted() -> None:
    title = "The Legend of Sleepy Hollow"
    assert restates_title("The Legend of Sleepy Hollow is a story about a teacher.", title)
    assert restates_title("In 'The Legend of Sleepy Hollow', Ichabod arrives.", title)
    assert not restates_title("Ichabod Crane arrives in Sleepy Hollow to teach.", title)


def test_measure_reports_levels_copies_and_extractive_stand_ins() -> None:
    gists = [node(f"g{i}", 1, text) for i, text in enumerate(CHILDREN)]
    gists.append(node("g3", 1, "The Legend of Sleepy Hollow is told by a traveller."))
    parents = [
        node("p0", 2, CHILDREN[0], ["g0", "g1", "g2"]),
        node("p1", 2, gists[3].summary, ["g3"], origin="copied"),
        node("root", 3, "x", ["p0", "p1"], origin="extractive"),
    ]
    health = measure(gists + parents, "d", "The Legend of Sleepy Hollow", failed_pages=1)
    assert (health.gists, health.depth, health.parents) == (4, 3, 2)
    assert health.levels[0].coverage == round(1 / 3, 3) and health.levels[0].verbatim == 1.0
    assert health.title_gists == 0.25
    assert (health.copied, health.extractive, health.failed_pages) == (1, 1, 1)


def test_show_quality_prints_the_health_and_json_has_it() -> None:
    library = make_library(FakeChatModel())
    doc = add_document(library, [f"Page {i}: " + text for i, text in enumerate(CHILDREN * 3)])
    runner = CliRunner()
    shown = runner.invoke(main, ["show", doc[:8], "--quality"], obj={"library": library})
    assert shown.exit_code == 0, shown.output
    assert "parents mention" in shown.output and "gists restating the title" in shown.output
    data = runner.invoke(main, ["show", doc[:8], "--quality", "--tree", "--json"],
                         obj={"library": library})  # fmt: skip
    assert data.exit_code == 0, data.output
    parsed = json.loads(data.output)
    assert parsed["id"] == doc and parsed["quality"]["gists"] == 9 and parsed["tree"]["children"]


def test_the_tree_exports_as_mermaid_and_dot() -> None:
    library = make_library(FakeChatModel())
    doc = add_document(library, [f"Page {i}: " + text for i, text in enumerate(CHILDREN * 3)])
    runner = CliRunner()
    mermaid = runner.invoke(main, ["show", doc[:8], "--tree", "--format", "mermaid"],
                            obj={"library": library}).output  # fmt: skip
    assert mermaid.startswith("flowchart TD\n") and mermaid.count(" --> ") >= 9
    dot = runner.invoke(main, ["show", doc[:8], "--tree", "--format", "dot"],
                        obj={"library": library}).output  # fmt: skip
    assert dot.startswith("digraph tree {") and dot.count(" -> ") == mermaid.count(" --> ")
    assert dot.rstrip().endswith("}")
