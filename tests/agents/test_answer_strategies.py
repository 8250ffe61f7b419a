"""Navigate, lookup, chain and mapreduce graph logic with the fake model (real LangGraph and
Chroma, fake embedder)."""

from __future__ import annotations

from agents.answer.prompts import AnswerReply
from agents.chain.prompts import ManagerReply
from agents.lookup.prompts import PageChoice
from agents.mapreduce.prompts import MapReply, ReduceReply
from agents.navigate.prompts import Choice, PageReply
from reader.library import Library
from tests.agents.test_answer_fixtures import add_document, make_library, numbered
from tests.fake_chat import FakeChatModel, FakeRequest

FILLER = [
    "The harbour was quiet at dawn and Mara counted the boats twice before the bell.",
    "The train left at noon for the mountains, carrying Tomas and three crates of books.",
    "Night fell over the valley; the wolves sang and nobody in the village slept.",
    "The weather report promised rain all week, and the river rose over the old road.",
]
NEEDLE = "In the bakery Grandma Ada kept her secret: the lemon cake needs cardamom from Zanzibar."
QUESTION = "What does Grandma Ada put in her lemon cake?"


def pages_with_needle(count: int, at: int) -> list[str]:
    pages = [f"Page {i + 1}. {FILLER[i % len(FILLER)]}" for i in range(count)]
    pages[at] = f"Page {at + 1}. {NEEDLE}"
    return pages


def holding(request: FakeRequest, word: str) -> int:
    return next((n for n, text in numbered(request).items() if word in text), 0)


def test_navigate_descends_backtracks_reads_the_page_and_answers() -> None:
    def responder(request: FakeRequest) -> object:
        if request.schema is Choice:
            if "the whole document" in request.prompt:
                return Choice(choice=1)  # a wrong branch first: pages 1-4 hold nothing
            return Choice(choice=holding(request, "cardamom"))
        assert request.schema is PageReply
        if "cardamom" in request.prompt:
            return PageReply(
                answer="Cardamom from Zanzibar.",
                quote="the lemon cake needs cardamom from Zanzibar.",
            )
        return PageReply(answer="Sugar and flour.", quote="invented")  # not on the page: a miss

    model = FakeChatModel(responder=responder)
    library = make_library(model, overview_parts=0)  # the root offers its own children
    doc = add_document(library, pages_with_needle(16, at=9), fanout=4)  # 16 → 4 → root
    answer = library.ask(QUESTION, [doc], strategy="navigate")
    steps = [t["step"] for t in answer.trace]
    assert "backtrack" in steps and steps.count("choose") == 3 and steps.count("read") == 1
    assert "Cardamom" in answer.text and answer.usage.calls == len(model.requests) == 4
    page = library.store.get_page(answer.citations[0].page)
    assert page.ordinal == 9 and "cardamom" in answer.citations[0].quote
    # the retrieval-ranked branch is named after the listing; the working memory travels along
    root_prompt = model.requests[0].prompt
    assert "A search matched part" in root_prompt and "Notes so far" in model.requests[1].prompt
    assert root_prompt.index("</summary>") < root_prompt.index("A search matched")


def test_navigate_starts_from_the_widest_level_that_fits_one_listing() -> None:
    """64 pages, fanout 4: 64 gists, 16 sections, 4 parts, the root. With 16 nodes allowed, the
    root lists the 16 sections (the same listing for every question) and the walk goes section,
    gist, page: three calls instead of four."""

    def responder(request: FakeRequest) -> object:
        if request.schema is Choice:
            return Choice(choice=holding(request, "Grandma"))
        if "cardamom" in request.prompt:
            return PageReply(
                answer="Cardamom.", quote="the lemon cake needs cardamom from Zanzibar."
            )
        return PageReply(answer="not found", quote="")

    model = FakeChatModel(responder=responder)
    library = make_library(model, overview_parts=16)
    doc = add_document(library, pages_with_needle(64, at=41), fanout=4)
    answer = library.ask(QUESTION, [doc], strategy="navigate")
    first = model.requests[0].prompt
    assert "the whole document" in first and first.count("<summary number=") == 16
    assert 'pages="41-44"' in first, "the section holding page 42 is offered at the root"
    assert [r.schema for r in model.requests] == [Choice, Choice, PageReply]
    assert model.requests[1].prompt.count("<summary number=") == 4, "the section's gists"
    assert library.store.get_page(answer.citations[0].page).ordinal == 41


def test_navigate_gives_up_within_its_call_budget() -> None:
    model = FakeChatModel(
        responder=lambda r: (
            Choice(choice=1) if r.schema is Choice else PageReply(answer="not found", quote="")
        )
    )
    library = make_library(model, max_calls=4)
    doc = add_document(library, pages_with_needle(16, at=9), fanout=2)
    answer = library.ask(QUESTION, [doc], strategy="navigate")
    assert answer.usage.calls <= 4 and "does not say" in answer.text and not answer.citations


def test_lookup_reads_the_pages_it_picks_from_the_gists() -> None:
    def responder(request: FakeRequest) -> object:
        if request.schema is PageChoice:
            return PageChoice(pages=[holding(request, "cardamom"), 2, 99])
        assert request.schema is AnswerReply
        return AnswerReply(
            answer="Cardamom.",
            page=holding(request, "cardamom"),
            quote="the lemon cake needs cardamom from Zanzibar",
        )

    model = FakeChatModel(responder=responder)
    library = make_library(model)
    gists = [f"Gist {i + 1}: " + FILLER[i % 4] for i in range(12)]
    gists[6] = "Gist 7: Ada's bakery and the cardamom in her lemon cake."
    doc = add_document(library, pages_with_needle(12, at=6), gists=gists)
    answer = library.ask(QUESTION, [doc], strategy="lookup")
    pick, read = model.requests
    assert len(numbered(pick)) == 12  # every gist shown, numbered by page
    read_pages = numbered(read)
    # the model's picks and retrieval's best pages, in turn, up to max_pages_read (3)
    assert len(read_pages) == 3 and "cardamom" in read_pages[1] and "Page 2." in read_pages[2]
    chosen = next(t for t in answer.trace if t["step"] == "pick")
    assert chosen["model"] == [7, 2] and chosen["chosen"][:2] == [7, 2]
    assert library.store.get_page(answer.citations[0].page).ordinal == 6


def test_chain_passes_the_note_from_worker_to_worker() -> None:
    def responder(request: FakeRequest) -> object:
        if request.schema is ManagerReply:
            return ManagerReply(answer="Ada bakes a cardamom cake.", page=0)
        numbers = sorted(numbered(request))
        return f"NOTE after pages {numbers[0]}-{numbers[-1]}: cardamom seen (p. 4)."

    model = FakeChatModel(responder=responder, context_window=1024)
    library = make_library(model)
    long_pages = [(text + " ") * 12 for text in pages_with_needle(6, at=3)]  # ~250 tokens each
    doc = add_document(library, long_pages)
    answer = library.ask("Summarise the whole story.", [doc], strategy="chain")
    workers = [r for r in model.requests if r.schema is None]
    assert len(workers) >= 2 and model.requests[-1].schema is ManagerReply
    first_note = "NOTE after pages 1-"
    assert first_note not in workers[0].prompt and first_note in workers[1].prompt
    assert "NOTE after pages" in model.requests[-1].prompt
    assert answer.text.startswith("Ada bakes") and answer.strategy == "chain"
    assert library.store.get_page(answer.citations[0].page).ordinal == 3


def map_reply(request: FakeRequest) -> object:
    text = request.prompt
    if "cardamom" in text:
        page = holding(request, "cardamom")
        return MapReply(
            answer="Cardamom",
            page=page,
            quote="invented words that are nowhere",
            confidence=5,
        )
    if "wolves" in text:
        return MapReply(answer="Cinnamon", page=1, quote="", confidence=2)
    return MapReply(answer="no information", page=0, quote="", confidence=0)


def test_mapreduce_high_confidence_wins_and_no_information_is_dropped() -> None:
    model = FakeChatModel(responder=map_reply, context_window=1024)
    library = make_library(model)
    pages = [(text + " ") * 12 for text in pages_with_needle(6, at=4)]
    pages[2] = "Night fell; the wolves sang. " * 30
    doc = add_document(library, pages)
    answer = library.ask(QUESTION, [doc], strategy="mapreduce")
    reduce = next(t for t in answer.trace if t["step"] == "reduce")
    assert answer.text == "Cardamom" and reduce["dropped"] >= 1 and reduce["top"] == 1
    assert all(r.schema is MapReply for r in model.requests)  # a single best: no reduce call
    assert library.store.get_page(answer.citations[0].page).ordinal == 4
    assert any("dropped_quote" in t for t in answer.trace)  # the invented quote was not kept


def two_claims(
    cardamom: tuple[str, int], wolves: tuple[str, int], resolved: ReduceReply | None = None
) -> tuple[Library, FakeChatModel, str]:
    """A 6-page book whose cardamom and wolves pages' maps claim `(answer, confidence)`, the
    rest "no information"; the resolving call, if any, replies `resolved`."""

    def responder(request: FakeRequest) -> object:
        if request.schema is ReduceReply:
            assert resolved is not None, "no resolving call expected"
            return resolved
        for word, (said, confidence) in (("cardamom", cardamom), ("wolves", wolves)):
            if word in request.prompt:
                return MapReply(answer=said, page=1, quote="", confidence=confidence)
        return MapReply(answer="no information", page=0, quote="", confidence=0)

    model = FakeChatModel(responder=responder, context_window=1024)
    library = make_library(model)
    doc = add_document(library, [(t + " ") * 12 for t in pages_with_needle(6, at=4)])
    return library, model, doc


def test_mapreduce_resolves_results_tied_at_the_top_that_disagree() -> None:
    resolved = ReduceReply(answer="Cardamom and cloves", source=1)
    library, model, doc = two_claims(("Cardamom", 4), ("Cloves", 4), resolved)
    answer = library.ask(QUESTION, [doc], strategy="mapreduce")
    assert answer.text == "Cardamom and cloves" and model.requests[-1].schema is ReduceReply
    assert "Cardamom" in model.requests[-1].prompt and "Cloves" in model.requests[-1].prompt


def test_mapreduce_rereads_the_disputed_pages_side_by_side_when_near_answers_conflict() -> None:
    """LongAgent: a less confident answer that disagrees is not outvoted by confidence alone."""
    resolved = ReduceReply(answer="Cardamom from Zanzibar.", source=2)
    library, model, doc = two_claims(("Cardamom", 3), ("Cloves", 4), resolved)
    answer = library.ask(QUESTION, [doc], strategy="mapreduce")
    resolve = model.requests[-1]
    assert resolve.schema is ReduceReply
    assert resolve.prompt.count("<page number=") == 2, "the two disputed pages, side by side"
    assert "lemon cake needs cardamom" in resolve.prompt and "wolves sang" in resolve.prompt
    assert answer.text == "Cardamom from Zanzibar."
    assert library.store.get_page(answer.citations[0].page).ordinal == 4, "the page it chose"
    reduce = next(t for t in answer.trace if t["step"] == "reduce")
    assert [c[2] for c in reduce["conflict"]] == ["Cloves", "Cardamom"]


def test_mapreduce_answers_that_agree_need_no_resolving_call() -> None:
    library, model, doc = two_claims(("Cardamom", 4), ("cardamom, as always", 4))
    answer = library.ask(QUESTION, [doc], strategy="mapreduce")
    assert all(r.schema is MapReply for r in model.requests)
    assert "ardamom" in answer.text and len(answer.citations) >= 1


def test_mapreduce_a_disagreeing_answer_far_below_the_best_is_no_conflict() -> None:
    library, model, doc = two_claims(("Cardamom", 4), ("Cloves", 2))
    answer = library.ask(QUESTION, [doc], strategy="mapreduce")
    assert all(r.schema is MapReply for r in model.requests)
    assert answer.text == "Cardamom"
