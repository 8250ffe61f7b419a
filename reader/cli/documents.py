"""`tome inspect`, `add`, `ls`, `rm` and `show`: reading files and the documents in memory."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reader.cli.common import (
    complete_documents,
    count,
    echo_json,
    open_library,
    record_json,
    settings_from,
)
from reader.core.errors import DocumentError

if TYPE_CHECKING:
    from agents.ingest.estimate import Estimate
    from memory.quality import MemoryHealth
    from memory.records import DocumentRecord


@click.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the structure and pages as JSON.")
@click.option("--text", "with_text", is_flag=True, help="With --json, include each page's text.")
@click.pass_context
def inspect_command(ctx: click.Context, file: Path, as_json: bool, with_text: bool) -> None:
    """Show how FILE is read: title, chapters and pages. Calls no model."""
    from reader.core.tokens import encoding
    from reader.documents import load_document, paginate

    settings = settings_from(ctx).pages
    document = load_document(file)
    pages = paginate(document, settings)
    enc = encoding(settings.encoding)
    chapters = []
    for i, ch in enumerate(document.chapters):
        chapters.append(
            {
                "title": ch.title,
                "start": ch.start,
                "end": ch.end,
                "pages": sum(1 for p in pages if p.chapter == i),
                "tokens": len(enc.encode_ordinary(document.text[ch.start : ch.end])),
            }
        )
    tokens = sum(p.tokens for p in pages)
    if as_json:
        fields = ["id", "chapter", "ordinal", "start", "end", "tokens"]
        if with_text:
            fields.append("text")
        echo_json(
            {
                "title": document.title,
                "author": document.author,
                "format": document.format,
                "tokens": tokens,
                "chapters": chapters,
                "pages": [{f: getattr(p, f) for f in fields} for p in pages],
            }
        )
        return
    click.echo(f"{document.title}" + (f" by {document.author}" if document.author else ""))
    click.echo(
        f"format {document.format}, {count(tokens, 'token')}, {count(len(pages), 'page')}, "
        f"id {document.id}"
    )
    for i, ch in enumerate(chapters):
        click.echo(
            f"  {i + 1:>3}. {ch['title']} ({count(ch['pages'], 'page')}, "
            f"{count(ch['tokens'], 'token')})"
        )


def _from_stdin(ctx: click.Context, title: str | None) -> Path:
    """Standard input saved as a text file in the data directory, named by its title."""
    data = click.get_binary_stream("stdin").read()
    name = re.sub(r"[^\w.-]+", "_", (title or "stdin").strip()).strip("._")[:80] or "stdin"
    inbox = settings_from(ctx).ensure_home() / "inbox"
    inbox.mkdir(exist_ok=True)
    path = inbox / f"{name}.txt"
    path.write_bytes(data)
    return path


def expand(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; a folder stands for every supported file in it (not recursing)."""
    from reader.documents import FORMATS

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FORMATS)
            if not found:
                raise DocumentError(
                    f"{path}: no supported files in this folder ({', '.join(sorted(FORMATS))})"
                )
            files += found
        else:
            files.append(path)
    return files


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print each document's id.")
@click.option("--title", default=None, help="With FILE `-`: the title of the text read from stdin.")
@click.option(
    "--estimate", "only_estimate", is_flag=True,
    help="Print what adding would cost (pages, calls, tokens, time) and add nothing.",
)  # fmt: skip
@click.option(
    "--detach", is_flag=True,
    help="Build the memory in the background: return once the pages are stored (askable).",
)  # fmt: skip
@click.pass_context
def add(
    ctx: click.Context, files: tuple[Path, ...], as_json: bool, quiet: bool, title: str | None,
    only_estimate: bool, detach: bool,
) -> None:  # fmt: skip
    """Read FILES into memory: pages, gists and a summary tree (resumes if interrupted). A
    folder adds every supported file in it; `-` reads a text from standard input. A document
    can be asked as soon as its pages are stored; until its memory is built, answers come from
    retrieval and say so."""
    from reader.cli.progress import ingest_showing_progress

    library = open_library(ctx)
    paths = expand(tuple(_from_stdin(ctx, title) if f == Path("-") else f for f in files))
    if detach and not only_estimate:
        from reader.cli.detach import build_in_background

        build_in_background(library, paths, as_json)
        return
    for path in paths:
        if only_estimate:
            _print_estimate(path, library.estimate(path), as_json)
            continue
        if as_json:
            report = library.ingest(path)
            keys = ("id", "pages", "gists", "depth", "llm_calls", "prompt_tokens",
                    "completion_tokens", "llm_seconds", "wall_seconds")  # fmt: skip
            click.echo(json.dumps({k: getattr(report, k) for k in keys}))
            continue
        if quiet:
            click.echo(library.ingest(path).id)
            continue
        report = ingest_showing_progress(library, path)
        if report.skipped:
            click.echo(f"{path}: already in memory as {report.id} ({count(report.pages, 'page')})")
            continue
        built = (
            f"  upgraded: atomic facts for its {count(report.gists, 'gist')} (it stayed askable)"
            if report.upgraded
            else f"  pages {report.pages}, gists {report.gists}, tree depth {report.depth}"
        )
        click.echo(
            f"{report.id}  {report.title}\n{built}\n"
            f"  LLM calls {report.llm_calls}, prompt tokens {report.prompt_tokens:,}, "
            f"completion tokens {report.completion_tokens:,}\n"
            f"  LLM seconds {report.llm_seconds:.1f}, wall seconds {report.wall_seconds:.1f}"
        )


@click.command(name="ls")
@click.option("--json", "as_json", is_flag=True, help="Print the documents as a JSON list.")
@click.pass_context
def list_documents(ctx: click.Context, as_json: bool) -> None:
    """List the documents in memory with their status and stats (and, for one still being
    built, how far it got: pages summarised and tree levels)."""
    library = open_library(ctx)
    records = library.documents()
    built = {r.id: library.levels_built(r.id) for r in records if r.status != "ready"}
    if as_json:
        echo_json([{**record_json(r), **progress_json(r, built.get(r.id))} for r in records])
        return
    if not records:
        click.echo("No documents yet: `tome add FILE`.")
    for r in records:
        click.echo(
            f"{r.id}  {r.status:<11} {count(r.pages, 'page'):>11} {count(r.tokens, 'token'):>14}"
            f"  {r.title}{progress_line(r, built.get(r.id))}"
        )


def progress_json(record: DocumentRecord, levels: dict[int, int] | None) -> dict[str, Any]:
    if levels is None:
        return {}
    return {"progress": {"pages_gisted": levels.get(1, 0), "levels_built": max(levels, default=0)}}


def progress_line(record: DocumentRecord, levels: dict[int, int] | None) -> str:
    """'  (12 of 34 pages summarised, tree levels 1-2)' for a document not ready."""
    if levels is None:
        return ""
    done = f"{levels.get(1, 0)} of {record.pages} pages summarised"
    return f"  ({done}, tree levels 1-{max(levels)})" if len(levels) > 1 else f"  ({done})"


@click.command(name="rm")
@click.argument("documents", nargs=-1, required=True, shell_complete=complete_documents)
@click.option("--json", "as_json", is_flag=True, help="Print the removed ids as a JSON list.")
@click.pass_context
def remove(ctx: click.Context, documents: tuple[str, ...], as_json: bool) -> None:
    """Remove DOCUMENTS (id, id prefix, title or path) and everything remembered of them."""
    library = open_library(ctx)
    removed = []
    for ref in documents:
        removed.append(library.remove(ref))
        if not as_json:
            click.echo(f"removed {removed[-1]}")
    if as_json:
        echo_json(removed)


@click.command()
@click.argument("document", shell_complete=complete_documents)
@click.option("--tree", "show_tree", is_flag=True, help="Show the summary tree.")
@click.option(
    "--quality", "show_quality", is_flag=True,
    help="Show the memory's health: coverage and verbatim share of parents, title-restating "
    "gists, copied and extractive nodes, failed pages.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "mermaid", "dot"]), default="text",
    show_default=True, help="With --tree: the tree as a Mermaid flowchart or a Graphviz graph.",
)  # fmt: skip
@click.pass_context
def show(
    ctx: click.Context, document: str, show_tree: bool, show_quality: bool, as_json: bool,
    fmt: str,
) -> None:  # fmt: skip
    """Show a document's record, with --tree its summary tree down to pages, with --quality how
    well that tree summarises the document."""
    handle = open_library(ctx).document(document)
    record = handle.record
    if show_tree and fmt != "text":
        from reader.export import tree_dot, tree_mermaid

        click.echo((tree_mermaid if fmt == "mermaid" else tree_dot)(handle.tree()), nl=False)
        return
    if as_json:
        data: dict[str, Any] = record_json(record)
        if show_tree:
            data["tree"] = handle.tree()
        if show_quality:
            data["quality"] = handle.health().model_dump()
        echo_json(data)
        return
    click.echo(f"{record.id}  {record.title} ({record.status})")
    click.echo(
        f"  {count(record.pages, 'page')}, {count(record.tokens, 'token')}, source {record.source}"
    )
    if show_quality:
        _print_health(handle.health())
    if show_tree:
        _print_tree(handle.tree(), 0)


def _print_estimate(path: Path, cost: Estimate, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"file": str(path), **cost.model_dump()}))
        return
    when = "unknown" if cost.seconds is None else f"about {cost.seconds / 60:.0f} min"
    click.echo(
        f"{path}: {count(cost.pages, 'page')}, {count(cost.tokens, 'token')}; about "
        f"{count(cost.calls, 'model call')}, {cost.prompt_tokens:,} prompt + "
        f"{cost.completion_tokens:,} completion tokens; time {when} ({cost.basis})"
    )


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _print_health(health: MemoryHealth) -> None:
    click.echo(
        f"  memory: {health.gists} gists, depth {health.depth}, {health.parents} parents measured"
    )
    click.echo(
        f"  parents mention {_share(health.coverage)} of their children, "
        f"{_share(health.verbatim)} of their word pairs copied"
    )
    for level in health.levels:
        click.echo(
            f"    L{level.level}: {level.nodes} nodes, coverage {_share(level.coverage)}, "
            f"verbatim {_share(level.verbatim)}"
        )
    click.echo(
        f"  gists restating the title {_share(health.title_gists)}; copied {health.copied}, "
        f"extractive {health.extractive}, failed pages {health.failed_pages}"
    )


def _print_tree(node: dict[str, Any], depth: int) -> None:
    summary = " ".join(node["summary"].split())
    label = "page" if node["level"] == 0 else f"L{node['level']}"
    click.echo(f"{'  ' * depth}{label} {node['id']}: {summary[:100]}")
    for child in node.get("children", []):
        _print_tree(child, depth + 1)
