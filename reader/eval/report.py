"""Summaries of evaluation rows per dataset and strategy: accuracy with its Wilson interval,
free-text F1, ROUGE-L, reference containment, answer length and judge score, the facts suite's
found and found-and-cited rates (by kind), the mean cost of a question, and each strategy's
paired-bootstrap F1 difference from each baseline; as markdown tables."""

from __future__ import annotations

from statistics import mean
from typing import Any

from agents.registry import AUTO, names
from reader.eval.metrics import paired_bootstrap, wilson

RESAMPLES = 2000
SEED = 13


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["strategy"]), []).append(row)
    return [
        _summary(dataset, strategy, groups[dataset, strategy])
        for dataset, strategy in sorted(groups, key=_order)
    ]


def _order(key: tuple[str, str]) -> tuple[str, int, str]:
    order_of = {name: i for i, name in enumerate(names(auto=True))}
    dataset, strategy = key
    return (dataset, order_of.get(strategy, len(order_of)), strategy)


def _rate(successes: int, n: int) -> dict[str, Any]:
    low, high = wilson(successes, n)
    return {"rate": round(successes / n, 3) if n else 0.0, "ci95": [round(low, 3), round(high, 3)]}


def _summary(dataset: str, strategy: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "dataset": dataset,
        "strategy": strategy,
        "questions": len(rows),
        "errors": sum(1 for r in rows if r.get("error")),
        "f1": round(mean(r["f1"] for r in rows), 3),
        "rouge_l": round(mean(r["rouge_l"] for r in rows), 3),
        "llm_calls": round(mean(r["llm_calls"] for r in rows), 2),
        "prompt_tokens": round(mean(r["prompt_tokens"] for r in rows)),
        "completion_tokens": round(mean(r["completion_tokens"] for r in rows)),
        "seconds": round(mean(r["seconds"] for r in rows), 1),
    }
    scored = [r for r in rows if "correct" in r]
    if scored:
        right = sum(1 for r in scored if r["correct"])
        low, high = wilson(right, len(scored))
        summary.update(
            correct=right,
            accuracy=round(right / len(scored), 3),
            ci95=[round(low, 3), round(high, 3)],
        )
    free = [r for r in rows if "contains" in r]
    if free:
        summary["contains"] = round(sum(1 for r in free if r["contains"]) / len(free), 3)
        summary["answer_words"] = round(mean(r.get("answer_words", 0) for r in free), 1)
    judged = [r["judge_score"] for r in rows if "judge_score" in r]
    if judged:
        summary.update(judge=round(mean(judged), 2), judged=len(judged))
    planted = [r for r in rows if "found" in r]
    if planted:
        summary.update(_facts(planted))
    if strategy == AUTO:
        routed: dict[str, int] = {}
        for r in rows:
            routed[r.get("routed", "?")] = routed.get(r.get("routed", "?"), 0) + 1
        summary["routed"] = routed
    return summary


def _facts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Found and found-and-cited rates with Wilson intervals, overall and per kind."""

    def rates(group: list[dict[str, Any]]) -> dict[str, Any]:
        found = sum(1 for r in group if r["found"])
        cited = sum(1 for r in group if r.get("found_and_cited"))
        return {
            "questions": len(group),
            "found": _rate(found, len(group)),
            "found_and_cited": _rate(cited, len(group)),
        }

    kinds = sorted({r["kind"] for r in rows})
    return {
        **rates(rows),
        "pages_read": round(mean(r.get("pages_read", 0) for r in rows), 1),
        "by_kind": {kind: rates([r for r in rows if r["kind"] == kind]) for kind in kinds},
    }


def differences(
    rows: list[dict[str, Any]], *, resamples: int = RESAMPLES, seed: int = SEED
) -> list[dict[str, Any]]:
    """For each free-text dataset, each strategy's mean F1 minus each baseline's, on the questions
    both answered (paired by question id), with the paired bootstrap's 95 % interval."""
    baselines = names(kind="baseline")
    scores: dict[tuple[str, str], dict[str, float]] = {}
    for row in rows:
        if row.get("kind") == "free":
            scores.setdefault((row["dataset"], row["strategy"]), {})[row["id"]] = row["f1"]
    found = []
    for dataset, strategy in sorted(scores, key=_order):
        if strategy in baselines:
            continue
        mine = scores[dataset, strategy]
        for baseline in baselines:
            theirs = scores.get((dataset, baseline), {})
            common = [i for i in mine if i in theirs]
            if not common:
                continue
            diff, low, high = paired_bootstrap(
                [mine[i] for i in common], [theirs[i] for i in common],
                resamples=resamples, seed=seed,
            )  # fmt: skip
            found.append({
                "dataset": dataset, "strategy": strategy, "baseline": baseline,
                "questions": len(common), "f1_difference": round(diff, 3),
                "ci95": [round(low, 3), round(high, 3)],
            })  # fmt: skip
    return found


def _interval(rate: dict[str, Any]) -> str:
    return f"{rate['rate']:.0%} ({rate['ci95'][0]:.0%}–{rate['ci95'][1]:.0%})"


def to_markdown(
    summaries: list[dict[str, Any]], f1_differences: list[dict[str, Any]] | None = None
) -> str:
    """The main table; then, where the rows have them, the free-text, facts and F1-difference
    tables."""
    lines = [
        "| dataset | strategy | n | accuracy (95% CI) | F1 | ROUGE-L | calls | prompt tok | "
        "completion tok | s/question |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        accuracy = (
            f"{s['accuracy']:.0%} ({s['ci95'][0]:.0%}–{s['ci95'][1]:.0%})"
            if "accuracy" in s
            else "–"
        )
        strategy = s["strategy"]
        if s.get("routed"):
            strategy += " → " + ", ".join(f"{k} {v}" for k, v in sorted(s["routed"].items()))
        if s["errors"]:
            strategy += f" ({s['errors']} errors)"
        lines.append(
            f"| {s['dataset']} | {strategy} | {s['questions']} | {accuracy} | {s['f1']:.3f} | "
            f"{s['rouge_l']:.3f} | {s['llm_calls']:.1f} | {s['prompt_tokens']:,} | "
            f"{s['completion_tokens']:,} | {s['seconds']:.1f} |"
        )
    free = [s for s in summaries if "contains" in s]
    if free:
        lines += [
            "",
            "| dataset | strategy | n | F1 | ROUGE-L | contains a reference | words | judge (n) |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for s in free:
            judge = f"{s['judge']:.2f} ({s['judged']})" if "judge" in s else "–"
            lines.append(
                f"| {s['dataset']} | {s['strategy']} | {s['questions']} | {s['f1']:.3f} | "
                f"{s['rouge_l']:.3f} | {s['contains']:.0%} | {s['answer_words']:.1f} | {judge} |"
            )
    facts = [s for s in summaries if "found" in s]
    if facts:
        lines += [
            "",
            "| dataset | strategy | n | found (95% CI) | found and cited (95% CI) | "
            "fact: found / cited | two-hop: found / cited | pages read |",
            "|---|---|---:|---|---|---|---|---:|",
        ]
        for s in facts:
            kinds = [
                f"{k['found']['rate']:.0%} / {k['found_and_cited']['rate']:.0%}"
                if (k := s["by_kind"].get(kind))
                else "–"
                for kind in ("fact", "two-hop")
            ]
            lines.append(
                f"| {s['dataset']} | {s['strategy']} | {s['questions']} | "
                f"{_interval(s['found'])} | {_interval(s['found_and_cited'])} | "
                f"{kinds[0]} | {kinds[1]} | {s['pages_read']:.1f} |"
            )
    if f1_differences:
        lines += [
            "",
            "| dataset | strategy | − baseline | n | F1 difference (95% CI, paired bootstrap) |",
            "|---|---|---|---:|---|",
        ]
        for d in f1_differences:
            lines.append(
                f"| {d['dataset']} | {d['strategy']} | {d['baseline']} | {d['questions']} | "
                f"{d['f1_difference']:+.3f} ({d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f}) |"
            )
    return "\n".join(lines)
