"""The `tome` command: thin click commands over the library API.

A `TomeError` becomes one line on stderr and exit code 2; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import errno
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from reader.cli.ask import ask, chat_command
from reader.cli.batch import batch
from reader.cli.documents import add, inspect_command, list_documents, remove, show
from reader.cli.eval import eval_command
from reader.cli.history import history
from reader.cli.system import doctor, serve
from reader.core.errors import TomeError


class TomeGroup(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Usage errors as one line too: `Error: …; see tome CMD --help`, exit code 2."""
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        try:
            # non-standalone, click returns ctx.exit's code instead of exiting with it
            code = super().main(*args, **{**kwargs, "standalone_mode": False})
            sys.exit(code if isinstance(code, int) else 0)
        except click.exceptions.NoArgsIsHelpError as exc:  # plain `tome`: the help, as usual
            click.echo(exc.format_message())
            sys.exit(0)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "tome"
            click.echo(f"Error: {exc.format_message().rstrip('.')}; see `{where} --help`", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Error: aborted", err=True)
            sys.exit(1)

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
        except OSError as exc:
            if exc.errno != errno.ENOSPC or ctx.params.get("debug"):
                raise
            where = f" writing {exc.filename}" if exc.filename else ""
            click.echo(f"Error: the disk is full{where}; free some space and rerun", err=True)
            ctx.exit(2)


@click.group(cls=TomeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A TOML config file (default: TOME_CONFIG or config.toml in the data directory).",
)
@click.option(
    "--base-url", default=None, metavar="URL",
    help="An OpenAI-compatible server for this command (instead of TOME_BASE_URL).",
)  # fmt: skip
@click.option("-m", "--model", default=None, help="The model name to ask for (TOME_MODEL).")
@click.option(
    "--preset", default=None, metavar="NAME",
    help="Named settings for this command (TOME_PRESET): vllm-7b, fast, thorough, or a "
    "[presets.NAME] table of the config file.",
)  # fmt: skip
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="tome-reader", prog_name="tome")
@click.pass_context
def main(
    ctx: click.Context,
    config: Path | None,
    base_url: str | None,
    model: str | None,
    preset: str | None,
    debug: bool,
) -> None:
    """tome: an agentic reader for documents far longer than a model's window."""
    # An interrupted LangGraph run drops tasks it had scheduled; Python's warning about them is
    # noise to a user, whose one line of error says what happened.
    warnings.filterwarnings(
        "ignore", message="coroutine .* was never awaited", category=RuntimeWarning
    )
    ctx.ensure_object(dict)
    ctx.obj["config"] = config
    ctx.obj["preset"] = preset
    ctx.obj["llm"] = {k: v for k, v in (("base_url", base_url), ("model", model)) if v}
    ctx.obj["debug"] = debug


for command in (
    history,
    inspect_command,
    add,
    list_documents,
    remove,
    show,
    ask,
    chat_command,
    batch,
    eval_command,
    doctor,
    serve,
):
    main.add_command(command)
