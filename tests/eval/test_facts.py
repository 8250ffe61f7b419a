"""The facts suite: planted sentences at sentence boundaries and depths, spans that match the
text the loader reads, two-hop pairs far apart, and answers not to be found in the essays."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.documents import load_document
from reader.eval.datasets import load_items
from reader.eval.facts import FACTS, PAIRS, plant_all, planted_sentences
from reader.eval.metrics import contains_reference, normalize

HAYSTACK = [f"Sentence number {i} is plain filler." for i in range(100)]


def test_plant_all_puts_each_sentence_at_its_depth_and_boundary() -> None:
    planted = [(0.0, "First planted."), (0.5, "Middle planted!"), (1.0, "Last planted?")]
    text, spans = plant_all(HAYSTACK, planted)
    assert set(spans) == {s for _, s in planted}
    for _, sentence in planted:
        start, end = spans[sentence]
        assert text[start:end] == sentence
        assert start == 0 or (text[start - 1] in " \n" and text[:start].rstrip()[-1] in ".!?")
        assert text[end] in " \n"
    assert spans["First planted."][0] == 0
    assert text.rstrip().endswith("Last planted?")
    middle = spans["Middle planted!"][0] / len(text)
    assert 0.45 < middle < 0.55
    # the haystack is all still there, in order, with the planted sentences in between
    rest = text
    for sentence in reversed(planted):
        rest = rest.replace(sentence[1], "")
    assert " ".join(rest.split()) == " ".join(HAYSTACK)


def test_two_sentences_at_one_depth_both_keep_their_spans() -> None:
    text, spans = plant_all(HAYSTACK[:3], [(0.5, "One."), (0.5, "Two.")])
    assert all(text[a:b] == s for s, (a, b) in spans.items())
    assert spans["One."][1] < spans["Two."][0]


@pytest.fixture(scope="module")
def suite_items(tmp_path_factory: pytest.TempPathFactory) -> list:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"evaluation data not found at {SHARED_DATA}")
    work = tmp_path_factory.mktemp("facts")
    return load_items("facts", SHARED_DATA, work, lengths=[32000])


def test_one_document_holds_every_question(suite_items: list) -> None:
    assert len(suite_items) == len(FACTS) + len(PAIRS)
    assert len({item.document for item in suite_items}) == 1
    assert [item.kind for item in suite_items[:4]] == ["fact", "two-hop", "fact", "two-hop"]
    assert {item.dataset for item in suite_items} == {"facts-32000"}
    assert suite_items[0].document.name == "facts-32000.txt"
    assert {len(i.spans) for i in suite_items if i.kind == "fact"} == {1}
    assert {len(i.spans) for i in suite_items if i.kind == "two-hop"} == {2}


def test_spans_match_the_text_the_loader_reads(suite_items: list) -> None:
    text = load_document(suite_items[0].document).text  # normalised, as ingestion sees it
    planted = {sentence for _, sentence in planted_sentences()}
    for item in suite_items:
        for start, end in item.spans:
            assert text[start:end] in planted
            before = text[:start].rstrip()
            assert before[-1] in ".!?\"')" and text[start - 1] in " \n"
            assert text[end] in " \n"
    by_id = {item.id: item for item in suite_items}
    first = by_id["facts-32000-two-hop-1"]
    assert [text[a:b] for a, b in first.spans] == [PAIRS[0].first, PAIRS[0].second]


def test_depths_are_spread_and_two_hops_far_apart(suite_items: list) -> None:
    length = len(suite_items[0].document.read_text(encoding="utf-8"))
    singles = [i.spans[0][0] / length for i in suite_items if i.kind == "fact"]
    assert min(singles) < 0.15 and max(singles) > 0.85
    for item, fact in zip([i for i in suite_items if i.kind == "fact"], FACTS, strict=True):
        assert abs(item.spans[0][0] / length - fact.depth) < 0.05  # depth counts sentences
    for item in (i for i in suite_items if i.kind == "two-hop"):
        (a, _), (b, _) = item.spans
        assert abs(a - b) > 0.4 * length


def test_answers_cannot_be_read_off_the_question_or_the_essays(shared_data: Path) -> None:
    essays = " ".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((shared_data / "niah" / "PaulGrahamEssays").glob("*.txt"))
    )
    for fact in FACTS:
        assert contains_reference(fact.sentence, fact.references)
        assert not contains_reference(fact.question, fact.references)
        assert not contains_reference(essays, fact.references)
    for pair in PAIRS:
        assert contains_reference(pair.second, pair.references)
        for text in (pair.first, pair.question, essays):
            assert not contains_reference(text, pair.references)
        # the question names the first sentence's subject, not the bridge to the answer
        bridge = set(normalize(pair.first)) & set(normalize(pair.second))
        assert bridge - set(normalize(pair.question))


def test_the_document_is_written_once(tmp_path: Path, shared_data: Path) -> None:
    first = load_items("facts", shared_data, tmp_path, lengths=[2000])
    stamp = first[0].document.stat().st_mtime_ns
    again = load_items("facts", shared_data, tmp_path, lengths=[2000], limit=2)
    assert again[0].document.stat().st_mtime_ns == stamp
    assert [i.id for i in again] == ["facts-2000-fact-1", "facts-2000-two-hop-1"]
    assert [i.spans for i in again] == [i.spans for i in first[:2]]
