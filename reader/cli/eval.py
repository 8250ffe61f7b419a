"""`tome eval`: answer a dataset's questions with each strategy and the baselines, score them,
and print a markdown table; the JSON report and the per-question rows go to files."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click

from reader.cli.common import StrategyChoice, echo_json, open_library, settings_from
from reader.core.errors import ConfigError


def _numbers(kind: type, text: str | None) -> list | None:
    if not text:
        return None
    try:
        return [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{text!r} is not a comma-separated list of numbers") from None


def _default_data() -> Path:
    return Path(os.environ.get("TOME_EVAL_DATA", "../shared/data"))


@click.command("eval")
@click.argument("datasets", nargs=-1, required=True)
@click.option(
    "--strategy",
    "strategies",
    multiple=True,
    type=StrategyChoice(),
    help="A strategy or baseline to run (repeatable; default: all of them).",
)
@click.option(
    "--docs", type=click.IntRange(min=1), default=None,
    help="Only the first N documents of each set.",
)  # fmt: skip
@click.option(
    "--limit", type=click.IntRange(min=1), default=None,
    help="Only the first N questions per document.",
)  # fmt: skip
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("tome-eval.json"),
    show_default=True,
    help="The JSON report; per-question rows go beside it (.jsonl) and make reruns resume.",
)
@click.option("--fresh", is_flag=True, help="Forget the rows of an earlier run and start over.")
@click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where dataset names are looked up (default: TOME_EVAL_DATA or ../shared/data).",
)
@click.option("--lengths", default=None, help="niah: haystack lengths in tokens, e.g. 2000,8000.")
@click.option("--depths", default=None, help="niah: needle depths (0-1), e.g. 0.1,0.5,0.9.")
@click.option("--concurrency", type=int, default=1, show_default=True, help="Questions at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    datasets: tuple[str, ...],
    strategies: tuple[str, ...],
    docs: int | None,
    limit: int | None,
    out: Path,
    fresh: bool,
    data: Path | None,
    lengths: str | None,
    depths: str | None,
    concurrency: int,
    as_json: bool,
) -> None:
    """Evaluate tome on DATASETS: quality, sci_fi, legal, literaryqa, niah, or paths to L-Eval /
    LiteraryQA jsonl files or a folder of essays (niah).

    Every question is answered by every strategy and by the baselines `full` (the document from
    its start, truncated to the window) and `bm25` (lexical top-k pages); `rag` is embedding
    retrieval. Reruns with the same --out skip questions already answered."""
    from reader.core.events import FileIngesting, QuestionDone, WorkEvent
    from reader.eval.datasets import load_items
    from reader.eval.report import summarise, to_markdown
    from reader.eval.runner import evaluate
    from reader.library import strategy_names

    settings = settings_from(ctx)
    work = settings.home / "eval" / "documents"
    items = []
    for name in datasets:
        items += load_items(
            name, data or _default_data(), work, docs=docs, limit=limit,
            lengths=_numbers(int, lengths), depths=_numbers(float, depths),
        )  # fmt: skip
    if not items:
        raise ConfigError("the datasets hold no questions (check --docs and --limit)")
    chosen = list(strategies or strategy_names(auto=True))
    rows_path = out.with_suffix(".jsonl")
    if fresh and rows_path.exists():
        rows_path.unlink()
    started = time.perf_counter()
    total = len(items) * len(chosen)

    def progress(event: WorkEvent) -> None:
        if isinstance(event, FileIngesting):
            click.echo(f"ingest {event.path}", err=True)
        elif isinstance(event, QuestionDone) and event.row is not None:
            row = event.row
            mark = row.get("correct", round(row["f1"], 2))
            click.echo(
                f"{row['id']} {row['strategy']}: {mark} ({row['llm_calls']} calls, "
                f"{row['seconds']:.0f} s) {row['answer'][:60]!r}",
                err=True,
            )

    library = open_library(ctx)
    click.echo(f"{len(items)} questions x {len(chosen)} strategies = {total} answers", err=True)
    rows = evaluate(library, items, chosen, rows_path, concurrency=concurrency, on_event=progress)
    summaries = summarise(rows)
    model = library.model_name()
    report = {
        "model": model,
        "context_window": settings.llm.context_window,
        "datasets": list(datasets),
        "strategies": chosen,
        "docs": docs,
        "limit": limit,
        "seconds": round(time.perf_counter() - started, 1),
        "summary": summaries,
        "questions": rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        echo_json({k: v for k, v in report.items() if k != "questions"})
    else:
        click.echo(f"model: {model}\n")
        click.echo(to_markdown(summaries))
        click.echo(f"\nreport: {out}  rows: {rows_path}", err=True)
