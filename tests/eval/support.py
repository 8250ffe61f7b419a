"""Shared by the eval tests: a Library over a fake chat model and the fake embedder, and a fake
reader for the facts suite that answers from the pages it is shown."""

from __future__ import annotations

import json
import re

from memory.store import MemoryStore
from reader.core.settings import load_settings
from reader.eval.facts import FACTS, PAIRS
from reader.library import Library
from tests.fake_chat import FakeChatModel, FakeRequest
from tests.fakes import FakeEmbedder

ANSWER_PROMPT = "Answer the question using only the pages above"
_PAGE = re.compile(r'<page number="(\d+)"[^>]*>\n(.*?)\n</page>', re.S)


def library_with(model: FakeChatModel) -> Library:
    settings = load_settings()
    library = Library(settings, model=model)
    library._store = MemoryStore(settings, FakeEmbedder())
    return library


def facts_reader(request: FakeRequest) -> str:
    """Answers a facts question when the sentence holding its answer (for two hops: the first
    one) is on a page shown, quoting that sentence; otherwise says the document does not say.
    Any other request (gists, summaries) gets a fixed line."""
    prompt = request.messages[-1]["content"]
    if ANSWER_PROMPT not in prompt:
        return "Essays about startups, and some odd facts."
    asked = prompt.split("Question: ", 1)[1].split("\n", 1)[0]
    wanted = [(f.question, f.sentence, f.references[0]) for f in FACTS]
    wanted += [(p.question, p.first, p.references[0]) for p in PAIRS]
    for question, sentence, answer in wanted:
        if question != asked:
            continue
        for number, text in _PAGE.findall(prompt):
            if sentence in " ".join(text.split()):
                return json.dumps({"answer": answer, "page": int(number), "quote": sentence})
    return json.dumps({"answer": "The document does not say.", "page": 0, "quote": ""})
