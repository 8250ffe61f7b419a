"""Front and back matter: found in real layouts, kept out of gists and retrieval for content
questions, and reachable for questions about the book itself."""

from __future__ import annotations

from pathlib import Path

from reader.core.settings import load_settings
from reader.documents import load_document, paginate
from reader.documents.matter import front_matter_end
from tests.agents.test_ingest import make_library
from tests.fake_chat import FakeChatModel, FakeRequest

FRONT = """THE SILENT HARBOUR

by Agnes Morrow

ALSO BY AGNES MORROW
The Lantern Keeper
Salt and Iron
Winter Tides

HOLLOWAY & GRANT, PUBLISHERS
114 Fenwick Street, Boston

Copyright 1931 by Holloway & Grant. All rights reserved.
Printed in the United States of America.

Transcriber's Note: This e-text was prepared from the first edition of 1931. Obvious
printer's errors have been corrected silently; the author's spelling is kept as printed,
including her older forms of some place names along the northern coast of the county.

CONTENTS
I. The Fog
II. The Ship
III. The Return
"""

STORY = "\n\n".join(
    f"CHAPTER {n}\n\n"
    + " ".join(
        f"Mara walked to the harbour base number {n}{i} where the old boats were kept and "
        f"the keeper counted lanterns until the fog lifted over the grey water."
        for i in range(12)
    )
    for n in ("I", "II", "III")
)


def test_the_front_matter_ends_where_the_prose_begins() -> None:
    text = FRONT + "\n" + STORY
    end = front_matter_end(text)
    assert text[:end].rstrip().endswith("III. The Return")
    assert front_matter_end("Once upon a time there was a harbour town with a lighthouse.") == 0
    prose = (
        "THE QUANTUM JUMP\nBy ROBERT WICKS\nCaptain Brandon was a pioneer who explored far space."
    )
    assert front_matter_end(prose) == 0  # a title and a byline alone are not worth a page


def test_a_book_gets_a_front_matter_page_that_is_labelled_not_summarised(tmp_path: Path) -> None:
    path = tmp_path / "harbour.txt"
    path.write_text(FRONT + "\n" + STORY, encoding="utf-8")
    settings = load_settings(pages={"target_tokens": 100, "max_tokens": 140})
    pages = paginate(load_document(path), settings.pages)
    front = [p for p in pages if p.matter]
    assert front == pages[: len(front)] and {p.matter for p in front} == {"front"}
    assert "Copyright 1931" in "".join(p.text for p in front)
    assert not any("Mara walked" in p.text for p in front)

    def responder(request: FakeRequest) -> str:
        prompt = request.messages[-1]["content"]
        assert "Fenwick Street" not in prompt  # front matter never reaches a gist or summary
        return "Mara counts lanterns at the harbour while the fog lifts."

    model = FakeChatModel(responder=responder)
    library = make_library(tmp_path, model)
    report = library.ingest(path)
    store = library.store
    labels = [g for g in store.nodes(report.id, 1) if g.origin == "matter"]
    assert [g.first_page for g in labels] == [p.ordinal for p in front]
    assert all(g.summary.startswith("Front matter") for g in labels)
    where = "Where is the publisher's office on Fenwick Street?"
    assert all(not h.page.matter for h in store.search_hybrid(where, k=3))
    assert 0 in [h.page.ordinal for h in store.search_hybrid(where, k=3, include_matter=True)]
