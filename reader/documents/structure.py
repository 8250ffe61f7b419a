"""Chapter detection: headings in plain text, and chapters built from headings of any format."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.core.types import Chapter

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    "|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty"
)
_ORDINALS = (
    "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth"
    "|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|last"
)
_NUM = (
    rf"(?:\d{{1,4}}(?:\.\d{{1,3}})*|[ivxlcdm]+|the\s+(?:{_ORDINALS})"
    rf"|(?:(?:twenty|thirty|forty|fifty)[- ])?(?:{_NUMBER_WORDS})|{_ORDINALS})"
)
_KEYWORD = re.compile(
    r"(?P<kw>chapter|book|part|volume|vol\.|section|canto|act|stave|letter|chap\.)"
    r"\s+(?P<num>" + _NUM + r")(?![\w'’])(?P<rest>.*)",
    re.IGNORECASE,
)
# What may follow "Chapter 3": nothing, a full stop, or ". A Title" / ": A Title" / " — A Title".
_REST = re.compile(r"\s*[.:—–-]?\s*|\s*[.:—–-]\s+\S.*")
_NUMERAL = re.compile(r"(?P<num>[IVXLC]+)\.?")
_SPECIAL = re.compile(
    r"(?P<kw>preface|prologue|epilogue|postscript|introduction|foreword|afterword|appendix"
    r"|conclusion)\.?",
    re.IGNORECASE,
)
# Cheap first pass over the whole text: lines that could be headings.
_CANDIDATE = re.compile(
    r"^(?:(?:chapter|book|part|volume|vol\.|section|canto|act|stave|letter|chap\.)\s[^\n]{1,80}"
    r"|[IVXLC]{1,8}\.?"
    r"|(?:preface|prologue|epilogue|postscript|introduction|foreword|afterword|appendix"
    r"|conclusion)\.?)$",
    re.IGNORECASE | re.MULTILINE,
)
_TOP_LEVEL = {"book", "part", "volume", "vol."}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_NO_BODY_CHARS = 120  # between two headings, less text than this means "nothing between them"
_FRONT_MATTER_CHARS = 1000  # text before the first heading shorter than this joins chapter one


@dataclass(frozen=True)
class Heading:
    start: int
    end: int
    title: str
    level: int = 1
    kind: str = "heading"


def roman_value(s: str) -> int | None:
    s = s.lower()
    if not s or any(c not in _ROMAN for c in s):
        return None
    total = 0
    for i, c in enumerate(s):
        v = _ROMAN[c]
        total += -v if i + 1 < len(s) and _ROMAN[s[i + 1]] > v else v
    return total if _to_roman(total) == s else None


def _to_roman(n: int) -> str:
    out = []
    for v, r in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= v:
            out.append(r)
            n -= v
    return "".join(out)


def _classify(line: str) -> tuple[str, int, int | None] | None:
    """(kind, level, number) for a heading line, or None."""
    if not line[0].isupper():
        return None
    if m := _KEYWORD.fullmatch(line):
        rest = m.group("rest")
        if not (_REST.fullmatch(rest) or rest.isupper() or _titleish(rest)):
            return None
        kw = m.group("kw").lower()
        level = 1 if kw in _TOP_LEVEL else 2
        return ("chapter" if kw in ("chap.", "chapter") else kw), level, None
    if m := _NUMERAL.fullmatch(line):
        value = roman_value(m.group("num"))
        return None if value is None else ("numeral", 2, value)
    if (m := _SPECIAL.fullmatch(line)) and (line.isupper() or line.istitle()):
        return m.group("kw").lower(), 2, None
    return None


def _bare_keyword(line: str) -> bool:
    """ "CHAPTER IV" or "Part Two." with nothing after the number: a heading even when the text
    follows on the next line without a blank line."""
    m = _KEYWORD.fullmatch(line)
    return bool(m) and m.group("rest").strip() in ("", ".")


def _titleish(line: str) -> bool:
    words = [w for w in line.split() if len(w) > 3]
    return (
        bool(words) and len(line) <= 70 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)
    )


def _subtitle(text: str, pos: int) -> tuple[int, str] | None:
    """A one-line subtitle right after a heading line that ends at `pos`, e.g. "THE SCHOOL"."""
    sep = 2 if text.startswith("\n\n", pos) else 1
    if not text.startswith("\n", pos) or text.startswith("\n\n\n", pos):
        return None
    start = pos + sep
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    line = text[start:end]
    if not line or len(line) > 70:
        return None
    if not (end == len(text) or text.startswith("\n\n", end) or line.isupper()):
        return None
    if line[0] in "\"'“‘—–-(_[" or _CANDIDATE.fullmatch(line):
        return None
    if not (line.isupper() or _titleish(line)):
        return None
    return end, line


def detect_headings(text: str) -> list[Heading]:
    """Headings in normalised plain text: "CHAPTER I", "Chapter 12", "BOOK II", "PART ONE",
    "CHAPTER THE FIRST", "PREFACE", and bare roman numerals, each alone on its line after a blank
    line and before one (or before a one-line subtitle). Tables of contents are dropped."""
    found: list[Heading] = []
    numbers: dict[int, int] = {}
    for m in _CANDIDATE.finditer(text):
        start, end = m.span()
        line = m.group()
        # "CHAPTER 7" in capitals is a heading even when the text around it has no blank lines
        loud = line.isupper() and _bare_keyword(line)
        if start > 0 and not text.startswith("\n\n", start - 2) and not loud:
            continue
        info = _classify(line)
        if info is None:
            continue
        kind, level, number = info
        title = m.group()
        sub = _subtitle(text, end)
        if sub is not None:
            end, subtitle = sub
            title = f"{title} {subtitle}" if title[-1] in ".:" else f"{title}: {subtitle}"
        elif not (end == len(text) or text.startswith("\n\n", end) or _bare_keyword(title)):
            continue
        if number is not None:
            numbers[start] = number
        found.append(Heading(start, end, title, level, kind))
    found = _drop_tables_of_contents(text, found)
    return _check_numerals(found, numbers)


def _key(title: str) -> str:
    return re.sub(r"[\W_]+", " ", title).strip().lower()


def _no_body(text: str, a: Heading, b: Heading) -> bool:
    gap = text[a.end : b.start]
    if a.kind == b.kind == "heading":  # marked-up headings: only an empty section is "no body"
        return not gap.strip()
    return len(gap) - gap.count(" ") - gap.count("\n") < _NO_BODY_CHARS


def _drop_tables_of_contents(text: str, headings: list[Heading]) -> list[Heading]:
    """Drop tables of contents. Headings with no body between neighbours form a run (a title
    that repeats one already in the run starts a new run: the contents end there). Dropped: a run
    of three or more that repeats a kind (chapters back to back), a run whose titles all recur
    later, and any heading with no body after it whose title recurs later."""
    keys = [_key(h.title) for h in headings]
    later: list[set[str]] = [set() for _ in headings]
    for i in range(len(headings) - 2, -1, -1):
        later[i] = later[i + 1] | {keys[i + 1]}
    runs: list[list[int]] = []
    for i, h in enumerate(headings):
        run = runs[-1] if runs else None
        if run and _no_body(text, headings[run[-1]], h) and keys[i] not in {keys[k] for k in run}:
            run.append(i)
        else:
            runs.append([i])
    kept: list[Heading] = []
    for run in runs:
        kinds = [headings[i].kind for i in run]
        if len(run) >= 3 and len(set(kinds)) < len(kinds):
            continue
        if len(run) > 1 and all(keys[i] in later[i] for i in run):
            continue
        for i in run:
            empty = i + 1 < len(headings) and _no_body(text, headings[i], headings[i + 1])
            if not (empty and keys[i] in later[i]):
                kept.append(headings[i])
    return kept


def _check_numerals(headings: list[Heading], numbers: dict[int, int]) -> list[Heading]:
    """Bare roman numerals count only as a numbered sequence (I, II, III..., restarting at I)."""
    accepted: set[int] = set()
    last = 0
    for h in headings:
        if h.kind != "numeral":
            continue
        value = numbers[h.start]
        if value == 1 or value == last + 1:
            accepted.add(h.start)
            last = value
    if len(accepted) < 2:
        accepted.clear()
    return [h for h in headings if h.kind != "numeral" or h.start in accepted]


def _merge_empty(text: str, headings: list[Heading]) -> list[Heading]:
    """A heading with nothing under it before a heading of another kind ("BOOK I" then "CHAPTER
    I") becomes part of the next heading's title."""
    out: list[Heading] = []
    for h in headings:
        prev = out[-1] if out else None
        if prev and (
            prev.start == h.start
            or (_no_body(text, prev, h) and (prev.kind != h.kind or h.kind == "heading"))
        ):
            prev = out.pop()
            title = prev.title if _key(prev.title) == _key(h.title) else f"{prev.title} — {h.title}"
            h = Heading(prev.start, h.end, title, min(prev.level, h.level), h.kind)
        out.append(h)
    return out


def split_title(headings: list[Heading]) -> tuple[str | None, list[Heading]]:
    """A lone top-level heading that comes first (a web page's or a markdown file's `# Title`) is
    the document's title, not a chapter."""
    tops = [h for h in headings if h.level == min(h.level for h in headings)] if headings else []
    if len(tops) == 1 and len(headings) > 1 and headings[0] is tops[0]:
        return headings[0].title, headings[1:]
    return None, headings


def build_chapters(text: str, headings: list[Heading], title: str) -> list[Chapter]:
    """Chapters covering all of `text`, one per heading. Text before the first heading becomes
    its own chapter when substantial, otherwise it joins the first chapter."""
    headings = _merge_empty(text, sorted(headings, key=lambda h: (h.start, h.level)))
    if not headings:
        return [Chapter(title=title, start=0, end=len(text), level=1)]
    top = min(h.level for h in headings)
    chapters: list[Chapter] = []
    front = text[: headings[0].start].strip()
    for i, h in enumerate(headings):
        end = headings[i + 1].start if i + 1 < len(headings) else len(text)
        chapters.append(Chapter(title=h.title, start=h.start, end=end, level=h.level - top + 1))
    if len(front) >= _FRONT_MATTER_CHARS:
        # Text before the first heading that outweighs the first chapter is the main body
        # (a story followed by a headed postscript), not a preface.
        first = chapters[0]
        name = title if len(front) > first.end - first.start else "Front matter"
        chapters.insert(0, Chapter(title=name, start=0, end=first.start, level=1))
    else:
        chapters[0] = chapters[0].model_copy(update={"start": 0})
    return chapters
