"""`tome eval`: answer a dataset's questions with each strategy and the baselines, score them
(and grade free-text answers with an LLM judge when one is given), and print markdown tables;
the JSON report and the per-question rows go to files."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reader.cli.common import StrategyChoice, echo_json, open_library, settings_from
from reader.core.errors import ConfigError, Interrupted

if TYPE_CHECKING:
    from reader.eval.judge import Judge


def _numbers(kind: type, text: str | None) -> list | None:
    if not text:
        return None
    try:
        return [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{text!r} is not a comma-separated list of numbers") from None


def _judge(url: str | None, model: str | None, api_key: str | None) -> Judge | None:
    """The judge the options name, or None without --judge-url."""
    if not url:
        if model:
            raise ConfigError("--judge-model needs --judge-url, the judge's server")
        return None
    if not model:
        raise ConfigError("--judge-url needs --judge-model, the judge's model name on that server")
    from reader.eval.judge import Judge

    return Judge(url, model, api_key)


def _default_data() -> Path:
    """TOME_EVAL_DATA, else the `shared/data` beside this checkout (not the working directory)."""
    beside = Path(__file__).resolve().parents[3] / "shared" / "data"
    return Path(os.environ.get("TOME_EVAL_DATA") or beside)


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
    default=None,
    help="The JSON report (default: reports/eval-DATASETS.json in the data directory); "
    "per-question rows go beside it (.jsonl) and make reruns resume.",
)
@click.option("--fresh", is_flag=True, help="Forget the rows of an earlier run and start over.")
@click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where dataset names are looked up (default: TOME_EVAL_DATA, or the shared/data "
    "folder beside this checkout).",
)
@click.option(
    "--lengths", default=None,
    help="niah, facts: haystack lengths in tokens, e.g. 2000,8000 (facts: 32000,128000).",
)  # fmt: skip
@click.option("--depths", default=None, help="niah: needle depths (0-1), e.g. 0.1,0.5,0.9.")
@click.option(
    "--judge-url", default=None,
    help="An OpenAI-compatible server whose model grades LiteraryQA answers 1-5 (Prometheus).",
)  # fmt: skip
@click.option("--judge-model", default=None, help="The judge's model name on that server.")
@click.option(
    "--judge-api-key", envvar="TOME_JUDGE_API_KEY", default=None,
    help="The judge server's API key (or TOME_JUDGE_API_KEY).",
)  # fmt: skip
@click.option("--concurrency", type=int, default=1, show_default=True, help="Questions at once.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def eval_command(
    ctx: click.Context,
    datasets: tuple[str, ...],
    strategies: tuple[str, ...],
    docs: int | None,
    limit: int | None,
    out: Path | None,
    fresh: bool,
    data: Path | None,
    lengths: str | None,
    depths: str | None,
    judge_url: str | None,
    judge_model: str | None,
    judge_api_key: str | None,
    concurrency: int,
    as_json: bool,
) -> None:
    """Evaluate tome on DATASETS: quality, sci_fi, legal, literaryqa, niah, facts, or paths to
    L-Eval / LiteraryQA jsonl files or a folder of essays (niah).

    Every question is answered by every strategy and by the baselines `full` (the document from
    its start, truncated to the window) and `bm25` (lexical top-k pages); `rag` is embedding
    retrieval. Reruns with the same --out skip questions already answered (and, with a judge,
    grade the answers that have no grade yet)."""
    from reader.core.events import FileIngesting, QuestionDone, WorkEvent
    from reader.eval.datasets import load_items
    from reader.eval.picture import quality_cost_svg
    from reader.eval.report import differences, summarise, to_markdown
    from reader.eval.runner import evaluate
    from reader.library import strategy_names

    judge = _judge(judge_url, judge_model, judge_api_key)
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
    if out is None:
        name = "-".join(Path(d).stem for d in datasets)
        out = settings.ensure_home() / "reports" / f"eval-{name}.json"
    rows_path = out.with_suffix(".jsonl")
    if fresh and rows_path.exists():
        rows_path.unlink()
    started = time.perf_counter()
    total = len(items) * len(chosen)

    answered = 0

    def progress(event: WorkEvent) -> None:
        nonlocal answered
        answered += isinstance(event, QuestionDone)
        if isinstance(event, FileIngesting):
            click.echo(f"ingest {event.path}", err=True)
        elif isinstance(event, QuestionDone) and event.row is not None:
            row = event.row
            mark = row.get("correct", row.get("found", round(row["f1"], 2)))
            if "judge_score" in row:
                mark = f"{mark}, judge {row['judge_score']}"
            click.echo(
                f"{row['id']} {row['strategy']}: {mark} ({row['llm_calls']} calls, "
                f"{row['seconds']:.0f} s) {row['answer'][:60]!r}",
                err=True,
            )

    library = open_library(ctx)
    click.echo(f"{len(items)} questions x {len(chosen)} strategies = {total} answers", err=True)
    try:
        rows = evaluate(
            library, items, chosen, rows_path, concurrency=concurrency, on_event=progress,
            judge=judge,
        )  # fmt: skip
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; rerun the same `tome eval` command to finish: {answered} answers "
            f"were added to {rows_path} this run (of {total})"
        ) from None
    summaries = summarise(rows)
    f1_differences = differences(rows)
    model = library.model_name()
    report = {
        "model": model,
        "context_window": settings.llm.context_window,
        "datasets": list(datasets),
        "strategies": chosen,
        "docs": docs,
        "limit": limit,
        "judge": {"url": judge.base_url, "model": judge.model} if judge else None,
        "seconds": round(time.perf_counter() - started, 1),
        "summary": summaries,
        "f1_differences": f1_differences,
        "questions": rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    picture = out.with_suffix(".svg")  # quality against cost per strategy, beside the report
    baselines = set(strategy_names(auto=False, kind="baseline"))
    kinds = {name: "baseline" if name in baselines else "strategy" for name in chosen}
    picture.write_text(quality_cost_svg(summaries, rows, kinds), encoding="utf-8")
    if as_json:
        echo_json({k: v for k, v in report.items() if k != "questions"})
    else:
        click.echo(f"model: {model}\n")
        click.echo(to_markdown(summaries, f1_differences))
        click.echo(f"\nreport: {out}  rows: {rows_path}  picture: {picture}", err=True)
