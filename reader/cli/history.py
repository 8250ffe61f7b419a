"""`tome history`: past questions and answers from episodic memory, newest first."""

from __future__ import annotations

import click

from reader.cli.common import complete_documents, echo_json, open_library
from reader.export import answer_markdown, iso


@click.command()
@click.argument("documents", nargs=-1, shell_complete=complete_documents)
@click.option(
    "-s", "--search", default="", help="Only exchanges whose question or answer has this."
)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many exchanges to show.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the exchanges as a JSON list.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="markdown: each answer with numbered citations.")  # fmt: skip
@click.pass_context
def history(
    ctx: click.Context, documents: tuple[str, ...], search: str, limit: int, as_json: bool,
    fmt: str,
) -> None:  # fmt: skip
    """List past questions and answers, newest first, about DOCUMENTS (id, prefix, title or path)
    when given. Continue one with `tome ask --conversation ID` (or `tome ask -c DOC`)."""
    library = open_library(ctx)
    episodes = library.history(list(documents) or None, search, limit)
    if as_json:
        echo_json(
            [
                {
                    "time": iso(e.time), "conversation": e.conversation, "question": e.question,
                    "answer": e.answer, "strategy": e.notes, "documents": e.documents,
                    "citations": [c.model_dump() for c in e.citations],
                }
                for e in episodes
            ]
        )  # fmt: skip
        return
    if not episodes:
        click.echo('Nothing asked yet: `tome ask DOC "QUESTION"`.')
        return
    for e in episodes:
        if fmt == "markdown":
            click.echo(answer_markdown(e.question, e.answer, e.citations, e.time))
        else:
            click.echo(f"{iso(e.time)}  conversation {e.conversation}")
            click.echo(f"  Q: {' '.join(e.question.split())}")
            click.echo(f"  A: {' '.join(e.answer.split())}\n")
