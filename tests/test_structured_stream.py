"""JsonFieldStream: one string field of a JSON reply, decoded while the reply streams in."""

from __future__ import annotations

import itertools
import json

import pytest

from reader.llm.structured import JsonFieldStream

TRICKY = 'He said "hi" \\ back/slash\nnew line\ttab é ß 😀 \u2028 end'


def feed_in_pieces(raw: str, cuts: list[int], field: str = "answer") -> tuple[str, list[str]]:
    stream = JsonFieldStream(field)
    bounds = [0, *cuts, len(raw)]
    pieces = [stream.feed(raw[a:b]) for a, b in itertools.pairwise(bounds)]
    assert stream.text == "".join(pieces)
    return stream.text, pieces


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_every_single_split_position_decodes_the_same(ensure_ascii: bool) -> None:
    raw = json.dumps({"page": 3, "answer": TRICKY, "quote": "x"}, ensure_ascii=ensure_ascii)
    for cut in range(len(raw) + 1):
        text, _ = feed_in_pieces(raw, [cut])
        assert text == TRICKY, cut


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 13])
def test_fixed_size_chunks_decode_the_same(size: int) -> None:
    raw = json.dumps({"answer": TRICKY, "page": 1})
    text, _ = feed_in_pieces(raw, list(range(size, len(raw), size)))
    assert text == TRICKY


def test_every_pair_of_split_positions_around_escapes() -> None:
    raw = '{"answer": "a\\"b\\\\c\\nd\\u00e9\\ud83d\\ude00e"}'
    expected = json.loads(raw)["answer"]
    for first in range(len(raw) + 1):
        for second in range(first, len(raw) + 1):
            text, _ = feed_in_pieces(raw, [first, second])
            assert text == expected, (first, second)


def test_characters_arrive_as_soon_as_they_are_complete() -> None:
    stream = JsonFieldStream("answer")
    assert stream.feed('{"page": 1, "ans') == ""
    assert stream.feed('wer": "The la') == "The la"
    assert stream.feed("mp \\") == "mp "
    assert stream.feed('"') == '"'
    assert stream.feed("\\u00") == ""
    assert stream.feed('e9", "quote": "not this"}') == "é"
    assert stream.text == 'The lamp "é' and stream.done


def test_field_order_and_other_fields_do_not_matter() -> None:
    raw = json.dumps(
        {
            "quote": "answer",  # a value equal to the field's name is not a key
            "nested": {"answer": "inner, ignored", "list": ["answer", {"answer": "deep"}]},
            "flags": [1, 2.5, True, None],
            "answer": "the real one",
            "page": 7,
        }
    )
    assert feed_in_pieces(raw, [])[0] == "the real one"


def test_only_the_first_occurrence_counts_and_nothing_after_the_object() -> None:
    raw = '{"answer": "first", "answer": "second"} {"answer": "later"}'
    stream = JsonFieldStream("answer")
    assert stream.feed(raw) == "first" and stream.done


def test_prose_and_code_fences_before_the_object_are_skipped() -> None:
    raw = 'Sure! Here it is:\n```json\n{"answer": "fenced", "page": 2}\n```'
    assert feed_in_pieces(raw, [5, 20, 30])[0] == "fenced"


def test_a_non_string_or_missing_field_yields_nothing() -> None:
    assert feed_in_pieces('{"answer": 42, "page": "answer"}', [])[0] == ""
    assert feed_in_pieces('{"answer": null}', [])[0] == ""
    assert feed_in_pieces('{"page": 1, "quote": "q"}', [])[0] == ""
    assert feed_in_pieces('["answer", "x"]', [])[0] == ""


def test_another_field_can_be_followed() -> None:
    raw = json.dumps({"answer": "a", "quote": "the quoted sentence"})
    assert feed_in_pieces(raw, [17], field="quote")[0] == "the quoted sentence"


def test_keys_with_escapes_are_decoded_before_comparing() -> None:
    assert feed_in_pieces('{"ans\\u0077er": "escaped key"}', [6])[0] == "escaped key"


def test_an_empty_answer_yields_nothing_and_finishes() -> None:
    stream = JsonFieldStream("answer")
    assert stream.feed('{"answer": "", "page": 1}') == "" and stream.done


def test_lone_surrogates_become_replacement_characters() -> None:
    raw = '{"answer": "a\\ud83db\\ude00c\\ud83d"}'
    assert feed_in_pieces(raw, [14])[0] == "a\ufffdb\ufffdc\ufffd"


def test_an_unfinished_reply_keeps_what_arrived() -> None:
    stream = JsonFieldStream("answer")
    stream.feed('{"answer": "cut off mid')
    assert stream.text == "cut off mid" and not stream.done
