"""Quality against cost per strategy, as an SVG written beside an evaluation report: one panel per
dataset, a point per strategy at (mean prompt tokens per question, quality), with a vertical bar
for the quality's 95 % interval. Quality is accuracy (Wilson interval), the facts suite's found-and-
cited rate (Wilson), or mean F1 (normal interval of the mean). Plain SVG, no plotting library."""

from __future__ import annotations

from math import sqrt
from statistics import mean, pstdev
from typing import Any
from xml.sax.saxutils import escape

WIDTH, PANEL, MARGIN = 560, 260, 56
COLOURS = {"baseline": "#888888", "strategy": "#1f6feb", "auto": "#d1242f"}


def quality(summary: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[str, float, float, float]:
    """(what is measured, value, low, high) for one dataset and strategy."""
    if "accuracy" in summary:
        low, high = summary["ci95"]
        return "accuracy", summary["accuracy"], low, high
    if "found_and_cited" in summary:
        cited = summary["found_and_cited"]
        return "found and cited", cited["rate"], *cited["ci95"]
    f1s = [r["f1"] for r in rows]
    half = 1.96 * pstdev(f1s) / sqrt(len(f1s)) if len(f1s) > 1 else 0.0
    value = mean(f1s) if f1s else 0.0
    return "F1", value, max(0.0, value - half), min(1.0, value + half)


def quality_cost_svg(
    summaries: list[dict[str, Any]], rows: list[dict[str, Any]], kinds: dict[str, str]
) -> str:
    """The picture for `summaries` (reader.eval.report.summarise) of `rows`; `kinds` maps a
    strategy to "baseline" or "strategy" (auto is its own colour)."""
    datasets = list(dict.fromkeys(s["dataset"] for s in summaries))
    height = PANEL * max(1, len(datasets))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
    ]
    for index, dataset in enumerate(datasets):
        parts += _panel(dataset, [s for s in summaries if s["dataset"] == dataset], rows, kinds,
                        index * PANEL)  # fmt: skip
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(
    dataset: str,
    summaries: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    kinds: dict[str, str],
    top: int,
) -> list[str]:
    left, right, bottom = MARGIN, WIDTH - 20, top + PANEL - 36
    upper = top + 28
    costs = [s["prompt_tokens"] for s in summaries]
    most = max([*costs, 1]) * 1.1

    def x(cost: float) -> float:
        return left + (right - left) * cost / most

    def y(value: float) -> float:
        return bottom - (bottom - upper) * value

    measured = ""
    out = [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="black"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{left}" y2="{upper}" stroke="black"/>',
        f'<text x="{(left + right) / 2}" y="{bottom + 28}" text-anchor="middle">prompt tokens '
        "per question</text>",
    ]
    for tick in (0.0, 0.5, 1.0):
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4}" text-anchor="end">{tick:g}</text>')
    for tick in (0, most / 2 / 1.1, most / 1.1):
        out.append(f'<text x="{x(tick)}" y="{bottom + 14}" text-anchor="middle">{tick:,.0f}</text>')
    for summary in summaries:
        strategy = summary["strategy"]
        mine = [r for r in rows if r["dataset"] == dataset and r["strategy"] == strategy]
        measured, value, low, high = quality(summary, mine)
        colour = COLOURS["auto"] if strategy == "auto" else COLOURS[kinds.get(strategy, "strategy")]
        cx = x(summary["prompt_tokens"])
        out += [
            f'<line x1="{cx:.1f}" y1="{y(low):.1f}" x2="{cx:.1f}" y2="{y(high):.1f}" '
            f'stroke="{colour}" stroke-width="1.5"/>',
            f'<circle cx="{cx:.1f}" cy="{y(value):.1f}" r="4" fill="{colour}">'
            f"<title>{escape(strategy)}: {value:.3f} [{low:.3f}, {high:.3f}], "
            f"{summary['llm_calls']} calls</title></circle>",
            f'<text x="{cx + 6:.1f}" y="{y(value) - 6:.1f}" fill="{colour}">{escape(strategy)}'
            "</text>",
        ]
    out.insert(0, f'<text x="{left}" y="{top + 16}" font-weight="bold">{escape(dataset)}: '
                  f"{measured} (95 % interval) against cost</text>")  # fmt: skip
    return out
