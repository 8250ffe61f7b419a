"""Evaluation sets from ../shared/data's formats: L-Eval jsonl (QuALITY multiple choice, sci-fi
true/false, free text such as legal contracts), LiteraryQA books, generated needle haystacks and
the facts suite (planted single and two-hop facts in one long haystack).

L-Eval documents live inside the jsonl; each is written once to a text file in the work
directory so that it is ingested like any other file (and found again on the next run)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from reader.core.errors import ConfigError, DocumentError
from reader.eval import facts, niah
from reader.eval.items import EvalItem, write_document

CHOICE_HINT = "Answer with the letter (A, B, C or D) of the correct option."
BOOLEAN_HINT = "Answer True or False."
NAMES = {
    "quality": "leval/quality.jsonl",
    "sci_fi": "leval/sci_fi.jsonl",
    "legal": "leval/legal_contract_qa.jsonl",
    "literaryqa": "literaryqa/qas.jsonl",
    "niah": "niah/PaulGrahamEssays",
    "facts": "niah/PaulGrahamEssays",
}
_OPTION = re.compile(r"\(([A-D])\)\s*(.*?)(?=\n\s*\([A-D]\)|\Z)", re.DOTALL)
_NUMBERED = re.compile(r"^\s*\d+\.\s*")


def resolve(spec: str, data_dir: Path) -> Path:
    """A dataset name (quality, sci_fi, legal, literaryqa, niah, facts) or a path."""
    path = Path(spec).expanduser()
    if not path.exists() and spec in NAMES:
        path = data_dir / NAMES[spec]
    if not path.exists():
        raise ConfigError(
            f"no dataset {spec!r}: give a path or one of {', '.join(NAMES)} "
            f"(looked in {data_dir}; set --data to the folder holding them)"
        )
    return path


def load_items(
    spec: str,
    data_dir: Path,
    work_dir: Path,
    *,
    docs: int | None = None,
    limit: int | None = None,
    lengths: list[int] | None = None,
    depths: list[float] | None = None,
) -> list[EvalItem]:
    """The questions of a dataset: of its first `docs` documents, the first `limit` each."""
    path = resolve(spec, data_dir)
    if spec == "facts":
        items = facts.suite(path, work_dir, lengths or facts.LENGTHS)
    elif path.is_dir() or spec == "niah":
        items = niah.suite(path, work_dir, lengths or niah.LENGTHS, depths or niah.DEPTHS)
    else:
        records = _read_jsonl(path)
        if records and "qas" in records[0]:
            items = _literaryqa(records, path.parent)
        elif records and "instructions" in records[0]:
            items = _leval(records, path.stem, work_dir)
        else:
            raise DocumentError(f"{path} is neither L-Eval nor LiteraryQA jsonl; check the file")
    return _subset(items, docs, limit)


def _subset(items: list[EvalItem], docs: int | None, limit: int | None) -> list[EvalItem]:
    by_document: dict[Path, list[EvalItem]] = {}
    for item in items:
        by_document.setdefault(item.document, []).append(item)
    chosen = list(by_document.values())[:docs] if docs else list(by_document.values())
    return [item for group in chosen for item in (group[:limit] if limit else group)]


def _read_jsonl(path: Path) -> list[dict]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DocumentError(f"{path} line {number} is not JSON ({exc.msg})") from None
    return records


def _leval(records: list[dict], name: str, work_dir: Path) -> list[EvalItem]:
    items = []
    for d, record in enumerate(records):
        document = write_document(work_dir / f"{name}-{d + 1:02d}.txt", record["input"])
        pairs = zip(record["instructions"], record["outputs"], strict=True)
        for q, (instruction, output) in enumerate(pairs):
            item_id = f"{name}-{d + 1:02d}-{q + 1:02d}"
            items.append(_leval_item(item_id, name, instruction, output, document))
    return items


def _leval_item(item_id: str, name: str, instruction: str, output: str, doc: Path) -> EvalItem:
    options = {m.group(1): " ".join(m.group(2).split()) for m in _OPTION.finditer(instruction)}
    if len(options) == 4:
        question = f"{instruction.strip()}\n\n{CHOICE_HINT}"
        gold = re.match(r"\s*\(?([A-D])\)?", output)
        if not gold:
            raise DocumentError(f"{item_id}: the gold answer {output[:40]!r} names no option")
        return EvalItem(item_id, name, "choice", question, [gold.group(1)], doc, options)
    truth = re.match(r"\s*(True|False)\b", output)
    if truth:  # sci-fi: "True [fact: False]" -- the answer within the story comes first
        question = _NUMBERED.sub("", instruction).strip()
        hint = "" if "true or false" in question.lower() else f" {BOOLEAN_HINT}"
        return EvalItem(item_id, name, "boolean", question + hint, [truth.group(1)], doc)
    return EvalItem(item_id, name, "free", instruction.strip(), [output], doc)


def _literaryqa(records: list[dict], folder: Path) -> list[EvalItem]:
    items = []
    for record in records:
        document = folder / record["text_file"]
        if not document.is_file():
            raise DocumentError(f"{document} (named by the LiteraryQA record) does not exist")
        for q, qa in enumerate(record["qas"]):
            item_id = f"literaryqa-{record['gutenberg_id']}-{q + 1:02d}"
            answers = [a.strip() for a in qa["answers"]]
            title = record.get("title", "")
            question = qa["question"]
            items.append(
                EvalItem(item_id, "literaryqa", "free", question, answers, document, title=title)
            )
    return items
