"""What ingestion makes of a small model's replies: stock openings dropped, numbered lines
joined in order, skipped parts filled from their child."""

from __future__ import annotations

from agents.ingest.prompts import (
    clean_summary,
    drop_title_opening,
    joined_lines,
    reduce_messages,
)

CHILDREN = [
    "Ichabod Crane teaches the village school. He boards with the farmers.",
    "Katrina Van Tassel hosts a party. Brom Bones is there.",
    "The Headless Horseman chases Ichabod over the bridge.",
]


def test_stock_openings_are_dropped() -> None:
    assert clean_summary("On this page, Ichabod arrives.") == "Ichabod arrives."
    assert clean_summary("The passage describes how the\nschool  works.") == "The school works."
    assert clean_summary("This page tells us that Brom boasts.") == "Brom boasts."
    assert clean_summary("Ichabod teaches.") == "Ichabod teaches."


def test_numbered_lines_become_one_summary_in_order_and_gaps_are_filled() -> None:
    reply = "1. Crane teaches and lodges with farmers\n3) The Horseman chases him to the bridge."
    assert joined_lines(reply, CHILDREN) == (
        "Crane teaches and lodges with farmers. Katrina Van Tassel hosts a party. "
        "The Horseman chases him to the bridge."
    )
    assert joined_lines("Part 2: On this page, Brom is there.", CHILDREN).split(". ")[1] == (
        "Brom is there"
    )
    assert joined_lines("A plain summary of it all.", CHILDREN) == "A plain summary of it all."


def test_the_reduce_prompt_asks_for_one_numbered_line_per_part() -> None:
    prompt = reduce_messages("", 3, 5, CHILDREN, 110)[-1]["content"]
    assert "Part 1: Ichabod" in prompt and "Part 3: The Headless" in prompt
    assert "exactly 3 lines numbered 1 to 3" in prompt and "at most 36 words" in prompt


def test_part_labels_of_a_reduce_reply_are_dropped() -> None:
    reply = "In Part 1, Katrina sings. In Part 2, Ichabod rides home. Part 3: Brom laughs."
    assert clean_summary(reply) == "Katrina sings. Ichabod rides home. Brom laughs."
    assert clean_summary("Parts 1-2, the school opens.") == "The school opens."
    assert clean_summary("He kept part 2 of the map.") == "He kept part 2 of the map."


def test_an_opening_that_restates_the_title_is_cut() -> None:
    title = "The Legend of Sleepy Hollow"
    assert (
        drop_title_opening(
            "The Legend of Sleepy Hollow is a story about a teacher who comes to town.", title
        )
        == "A teacher who comes to town."
    )
    assert (
        drop_title_opening(
            "In 'The Legend of Sleepy Hollow', Ichabod arrives at the school.", title
        )
        == "Ichabod arrives at the school."
    )
    assert (
        drop_title_opening(
            'The story "The Legend of Sleepy Hollow" describes how Brom scares Ichabod away.', title
        )
        == "Brom scares Ichabod away."
    )
    kept = [
        "Ichabod Crane arrives in Sleepy Hollow to teach the children.",  # names the place
        "The legend of Sleepy Hollow is a place near the Tappan Zee.",  # not an opening to cut
        "The Legend of Sleepy Hollow tells of it.",  # too little would be left
    ]
    assert [drop_title_opening(text, title) for text in kept] == kept
