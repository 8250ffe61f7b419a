"""`tome batch`: answer a JSONL file of questions into a JSONL file of answers, resumably."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reader.cli.common import StrategyChoice, echo_json, open_library
from reader.core.errors import Interrupted


@click.command()
@click.argument("questions", type=click.Path(path_type=Path))
@click.option(
    "--out", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="JSONL file the answers are appended to; ids already in it are skipped (resume).",
)  # fmt: skip
@click.option(
    "--strategy",
    type=StrategyChoice(),
    default=None,
    help="Strategy for lines that name none (default: answer.strategy, auto).",
)
@click.option(
    "--concurrency", type=click.IntRange(min=1), default=None,
    help="Questions answered at once (default: twice llm.concurrency, which caps model calls).",
)  # fmt: skip
@click.option("--quiet", is_flag=True, help="No progress bar (problems are still reported).")
@click.option(
    "--shard", default=None, metavar="K/N", callback=lambda ctx, param, value: _shard(value),
    help="Answer only shard K of N (by a stable hash of each id): N workers, one file.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def batch(
    ctx: click.Context, questions: Path, out: Path, strategy: str | None,
    concurrency: int | None, quiet: bool, shard: tuple[int, int] | None, as_json: bool,
) -> None:  # fmt: skip
    """Answer every question of QUESTIONS (JSONL: {"id", "question", "documents": [DOC...]}
    a line) into --out, one JSON answer a line. Files named as documents are added first.

    Exit code 0 when every question was answered (now or by an earlier run), 1 when some lines
    were malformed or failed (reported on stderr; failed ones are retried by a rerun)."""
    from reader.batch import batch as run_batch
    from reader.cli.progress import BatchProgress

    library = open_library(ctx)
    with BatchProgress(enabled=not quiet and sys.stderr.isatty()) as progress:
        try:
            report = run_batch(
                library, questions, out, strategy=strategy, concurrency=concurrency,
                on_event=progress, shard=shard,
            )  # fmt: skip
        except KeyboardInterrupt:
            raise Interrupted(
                f"interrupted; rerun `tome batch {questions} --out {out}` to finish: "
                f"{progress.answered} of {progress.total} questions answered this run"
            ) from None
    if as_json:
        echo_json(report.to_json())
    else:
        click.echo(report.summary())
    ctx.exit(report.exit_code)


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    k, _, n = value.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise click.BadParameter(f"{value!r} is not K/N with 1 <= K <= N (for example 2/4)")
    return int(k), int(n)
