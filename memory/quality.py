"""The health of a document's memory, measured without a model (`tome show DOC --quality`).

- coverage: of a parent's children, the share it mentions; a child counts when one of its
  distinctive words (content words in no sibling) appears in the parent. Children with no
  distinctive word cannot be judged and are left out.
- verbatim share: of a parent's word pairs, the share found among its children's word pairs
  (1.0 is a paste; a written summary reuses names and phrases but not whole sentences).
- title-restating gists: gists whose first words restate the document's title.
- copied and extractive nodes: parents that copy an only child, and stand-ins written from the
  start of each child when the model failed. Front and back matter pages carry labels, not
  gists, and are left out of every measure.

Parents with a single child are copies by design and are left out of coverage and verbatim.
"""

from __future__ import annotations

from statistics import mean

from pydantic import BaseModel, Field

from reader.core.types import Node
from reader.core.words import WORD, content_words, word_pairs

TITLE_WINDOW = 12  # words at the start of a gist where a restated title is looked for


class LevelHealth(BaseModel):
    level: int
    nodes: int
    coverage: float | None = None
    verbatim: float | None = None


class MemoryHealth(BaseModel):
    document: str
    title: str
    gists: int
    depth: int
    parents: int = Field(description="parents with two or more children, which are measured")
    coverage: float | None = Field(None, description="mean share of children a parent mentions")
    verbatim: float | None = Field(None, description="mean share of a parent's word pairs copied")
    title_gists: float = Field(0.0, description="share of gists that restate the title")
    copied: int = 0
    extractive: int = 0
    failed_pages: int = 0
    levels: list[LevelHealth] = Field(default_factory=list)


def coverage(parent: str, children: list[str]) -> float | None:
    """The share of `children` that `parent` mentions (None when none can be judged)."""
    words = [content_words(child) for child in children]
    said = content_words(parent)
    judged = mentioned = 0
    for i, own in enumerate(words):
        others = set().union(*(w for j, w in enumerate(words) if j != i))
        distinctive = own - others
        if not distinctive:
            continue
        judged += 1
        mentioned += bool(distinctive & said)
    return mentioned / judged if judged else None


def verbatim_share(parent: str, children: list[str]) -> float:
    """The share of `parent`'s word pairs that occur in any child."""
    pairs = word_pairs(parent)
    if not pairs:
        return 0.0
    known = {pair for child in children for pair in word_pairs(child)}
    return sum(pair in known for pair in pairs) / len(pairs)


def restates_title(gist: str, title: str) -> bool:
    """Does the gist open with the document's title (every content word of it, early on)?"""
    wanted = content_words(title)
    opening = " ".join(WORD.findall(gist)[:TITLE_WINDOW])
    return bool(wanted) and wanted <= content_words(opening)


def measure(nodes: list[Node], document: str, title: str, failed_pages: int = 0) -> MemoryHealth:
    """The health of one document's tree from its nodes (every level)."""
    by_id = {n.id: n for n in nodes}
    gists = [n for n in nodes if n.level == 1 and n.origin != "matter"]
    depth = max((n.level for n in nodes), default=0)
    levels: list[LevelHealth] = []
    all_cover: list[float] = []
    all_verbatim: list[float] = []
    for level in range(2, depth + 1):
        cover: list[float] = []
        verbatim: list[float] = []
        at_level = [n for n in nodes if n.level == level]
        for parent in at_level:
            children = [
                by_id[c].summary
                for c in parent.children
                if c in by_id and by_id[c].origin != "matter"
            ]
            if len(children) < 2:
                continue
            if (c := coverage(parent.summary, children)) is not None:
                cover.append(c)
            verbatim.append(verbatim_share(parent.summary, children))
        levels.append(
            LevelHealth(
                level=level,
                nodes=len(at_level),
                coverage=round(mean(cover), 3) if cover else None,
                verbatim=round(mean(verbatim), 3) if verbatim else None,
            )
        )
        all_cover += cover
        all_verbatim += verbatim
    return MemoryHealth(
        document=document,
        title=title,
        gists=len(gists),
        depth=depth,
        parents=len(all_verbatim),
        coverage=round(mean(all_cover), 3) if all_cover else None,
        verbatim=round(mean(all_verbatim), 3) if all_verbatim else None,
        title_gists=round(mean(restates_title(g.summary, title) for g in gists), 3)
        if gists
        else 0.0,
        copied=sum(n.origin == "copied" for n in nodes),
        extractive=sum(n.origin == "extractive" for n in nodes),
        failed_pages=failed_pages,
        levels=levels,
    )
