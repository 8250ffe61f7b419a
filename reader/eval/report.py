"""Summaries of evaluation rows per dataset and strategy: accuracy with its Wilson interval,
free-text F1 and ROUGE-L, and the mean cost of a question; as a markdown table."""

from __future__ import annotations

from statistics import mean
from typing import Any

from agents.registry import AUTO, names
from reader.eval.metrics import wilson


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["dataset"], row["strategy"]), []).append(row)

    order_of = {name: i for i, name in enumerate(names(auto=True))}

    def order(key: tuple[str, str]) -> tuple[str, int, str]:
        dataset, strategy = key
        return (dataset, order_of.get(strategy, len(order_of)), strategy)

    return [
        _summary(dataset, strategy, groups[dataset, strategy])
        for dataset, strategy in sorted(groups, key=order)
    ]


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
    if strategy == AUTO:
        routed: dict[str, int] = {}
        for r in rows:
            routed[r.get("routed", "?")] = routed.get(r.get("routed", "?"), 0) + 1
        summary["routed"] = routed
    return summary


def to_markdown(summaries: list[dict[str, Any]]) -> str:
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
    return "\n".join(lines)
