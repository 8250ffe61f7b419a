"""`tome ask` and `tome chat`: questions on the command line and in the terminal UI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reader.cli.common import (
    StrategyChoice,
    complete_documents,
    count,
    echo_json,
    open_library,
    wrapped,
)
from reader.cli.progress import ingest_showing_progress
from reader.export import answer_markdown


@click.command("chat")
@click.argument("document", required=False, shell_complete=complete_documents)
@click.pass_context
def chat_command(ctx: click.Context, document: str | None) -> None:
    """Open the terminal UI: a chat about DOCUMENT (id, prefix, title or path), else the library."""
    from tui.app import TomeApp

    library = open_library(ctx)
    handle = library.document(document) if document else None
    title = handle.record.title if handle is not None else ""
    TomeApp(library, handle, title=title).run()


@click.command()
@click.argument("args", nargs=-1, required=True, shell_complete=complete_documents)
@click.option(
    "--strategy",
    type=StrategyChoice(),
    default=None,
    help="How to read (default: answer.strategy, auto); full and bm25 are baselines.",
)
@click.option(
    "--conversation", default=None, help="Continue this conversation (its id; `tome history`)."
)
@click.option(
    "-c", "--continue", "resume", is_flag=True,
    help="Continue the last conversation about these documents.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print answer, citations and cost as JSON.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="markdown: the answer with numbered citations.")  # fmt: skip
@click.pass_context
def ask(
    ctx: click.Context, args: tuple[str, ...], strategy: str | None, conversation: str | None,
    resume: bool, as_json: bool, fmt: str,
) -> None:  # fmt: skip
    """Ask a question: tome ask DOC [DOC...] "QUESTION" (DOC: id, id prefix, title or path;
    QUESTION `-` reads it from standard input)."""
    if len(args) < 2:
        raise click.UsageError('give one or more documents, then the question: tome ask DOC "Q"')
    *documents, question = args
    if question == "-":
        question = sys.stdin.read()
    library = open_library(ctx)
    for ref in documents:  # a file never added is added first, as batch does
        path = Path(ref).expanduser()
        if path.is_file() and not library.is_ready(path):
            ingest_showing_progress(library, path)
    if resume and conversation is None:
        conversation = library.last_conversation(list(documents))
    streamed: list[str] = []

    def show(piece: str) -> None:  # the answer as the model writes it, on a terminal
        streamed.append(piece)
        click.echo(piece, nl=False)

    live = not as_json and fmt == "text" and sys.stdout.isatty()
    answer = library.ask(
        question, list(documents), strategy=strategy, conversation=conversation,
        on_text=show if live else None,
    )  # fmt: skip
    cited = [c.model_dump() for c in answer.citations]
    usage = answer.usage
    if as_json:
        echo_json(
            {
                "answer": answer.text,
                "strategy": answer.strategy,
                "conversation": answer.conversation,
                "citations": cited,
                "trace": answer.trace,
                "llm_calls": usage.calls,
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cached_tokens": usage.cached_tokens,
                "seconds": answer.seconds,
                "llm_seconds": round(usage.seconds, 3),
                "memory": answer.memory,
            }
        )
        return
    if fmt == "markdown":
        click.echo(answer_markdown(question, answer.text, answer.citations), nl=False)
        return
    if not streamed:
        click.echo(wrapped(answer.text))
    elif " ".join("".join(streamed).split()) != answer.text:
        click.echo(f"\n{wrapped(answer.text)}")  # the streamed draft was repaired or replaced
    else:
        click.echo("")
    if cited:
        click.echo("")
    for i, c in enumerate(cited, 1):
        quote = " ".join(c["quote"].split())
        where = f"{c['title']}, page {c['page_number']} ({c['start']}-{c['end']})"
        click.echo(f"[{i}] {where}: “{quote}”")
    if answer.memory:
        click.echo(f"\n{answer.memory}")
    cached = f" ({usage.cached_tokens:,} cached)" if usage.cached_tokens else ""
    click.echo(
        f"\nstrategy {answer.strategy} · {count(usage.calls, 'LLM call')} · "
        f"{usage.prompt_tokens:,} prompt{cached}"
        f" + {usage.completion_tokens:,} completion tokens · {answer.seconds:.1f} s · conversation"
        f" {answer.conversation}"
    )
