"""Parsing structured replies forgivingly: fences, prose, and replies cut off by max_tokens."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from reader.llm.structured import close_truncated, extract_json, parse_reply


class Reply(BaseModel):
    answer: str
    page: int
    quote: str


def test_fenced_and_surrounded_json() -> None:
    assert extract_json('```json\n{"a": 1}\n```') == {"a": 1}
    assert extract_json('Sure! {"a": [1, 2]} Hope this helps') == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"answer": "Brom", "page": 2, "quote": "He rode off into the',
            {"answer": "Brom", "page": 2, "quote": "He rode off into the"},
        ),
        ('{"answer": "Brom", "page": 2, "quo', {"answer": "Brom", "page": 2}),
        ('{"answer": "Brom", "page": ', {"answer": "Brom"}),
        ('{"answer": "Brom", "page": 2,', {"answer": "Brom", "page": 2}),
        ('{"a": [1, 2, {"b": "x\\', {"a": [1, 2, {"b": "x"}]}),
        ('{"a": "say \\"hi', {"a": 'say "hi'}),
    ],
)
def test_a_reply_cut_off_mid_value_is_closed(text: str, expected: dict) -> None:
    assert extract_json(text) == expected


def test_a_cut_off_answer_with_its_fields_validates() -> None:
    reply = parse_reply('{"answer": "Brom Bones", "page": 3, "quote": "a pumpkin lay', Reply)
    assert reply == Reply(answer="Brom Bones", page=3, quote="a pumpkin lay")
    with pytest.raises(ValueError, match="quote"):
        parse_reply('{"answer": "Brom Bones", "page": 3, "quo', Reply)


def test_complete_or_hopeless_text_is_not_closed() -> None:
    assert close_truncated('{"a": 1}') == []
    assert close_truncated("no json here") == []
    with pytest.raises(ValueError, match="no JSON object"):
        extract_json("no json here")
