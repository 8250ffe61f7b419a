"""The quality-against-cost picture: a point per strategy where its cost and quality put it, with
its interval as a bar, in an SVG that parses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from reader.eval.picture import quality, quality_cost_svg
from reader.eval.report import summarise


def _rows(strategy: str, f1s: list[float], tokens: int) -> list[dict]:
    return [
        {"id": f"q{i}", "dataset": "literaryqa", "kind": "free", "strategy": strategy, "f1": f1,
         "rouge_l": f1, "llm_calls": 1, "prompt_tokens": tokens, "completion_tokens": 10,
         "seconds": 1.0}
        for i, f1 in enumerate(f1s)
    ]  # fmt: skip


def test_each_strategy_is_a_point_at_its_cost_and_quality_with_its_interval() -> None:
    rows = _rows("full", [0.1, 0.3, 0.2, 0.2], 8000) + _rows("lookup", [0.6, 0.8, 0.7, 0.7], 4000)
    svg = quality_cost_svg(summarise(rows), rows, {"full": "baseline", "lookup": "strategy"})
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    points = {
        c.find("s:title", ns).text.split(":")[0]: c for c in root.iter(f"{{{ns['s']}}}circle")
    }
    assert set(points) == {"full", "lookup"}
    full, lookup = (points[k].attrib for k in ("full", "lookup"))
    assert float(lookup["cx"]) < float(full["cx"]), "lookup costs less: further left"
    assert float(lookup["cy"]) < float(full["cy"]), "and scores more: higher up"
    assert "F1 (95 % interval) against cost" in svg
    _, value, low, high = quality(summarise(rows)[1], _rows("lookup", [0.6, 0.8, 0.7, 0.7], 1))
    assert low < value == 0.7 < high
    assert re.search(r'stroke="#888888"', svg) and re.search(r'fill="#1f6feb"', svg)
