"""Benchmark how busy tome keeps a model server: `tome batch` and `tome add` against a stub
server with 16 slots that takes prompt/P + completion/D seconds per request.

    .venv/bin/python scripts/bench_busy_server.py [--questions 320] [--add-pages 48]
        [--slots 16] [--prefill-tps 5000] [--decode-tps 60] [--batch-concurrency N]
        [--stub-embeddings] [--only batch|add]

It starts scripts/stub_model_server.py (--slots, --prefill-tps, --decode-tps) on 127.0.0.1,
generates a small document (--batch-pages pages; added first, not measured) and a file of
--questions local-fact questions about it, and runs, each with its own TOME_HOME and
TOME_LLM__CONCURRENCY = TOME_INGEST__CONCURRENCY = slots:
  batch   `tome batch questions.jsonl --out answers.jsonl` (--concurrency N when given)
  add     `tome add` of a generated document of --add-pages pages
For each it prints, from the stub's /stats read before and after the run:
  share of the run's wall time with all slots busy   (target for batch ≥ 90 %)
  wall time / ideal, ideal = total work ÷ slots       (target for batch ≤ 1.15)
and where the rest went: start-up before the first request, the ramp to full, the steady state
between the first and last moment all slots were busy, the tail after, the exit after the last
reply; and the time-weighted mean number of requests in flight.

Embeddings are tome's default (the local ONNX MiniLM, on this machine's CPUs); with
--stub-embeddings the stub serves /v1/embeddings too (a hash vector, at once), as a GPU host's
embedding server would, so the CPU cost of embedding is out of the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import Run, Stub, make_document, make_questions, stub_server, tome, tome_env


@dataclass
class Busy:
    """One run as the stub saw it."""

    name: str
    run: Run
    stats: dict[str, Any]
    slots: int
    detail: str = ""

    def busy(self, n: int) -> float:
        return float(self.stats["busy_seconds"].get(str(n), 0.0))

    @property
    def ideal(self) -> float:
        return self.stats["work_seconds"] / self.slots

    @property
    def span(self) -> float:
        first, last = self.stats["first_start"], self.stats["last_end"]
        return (last - first) if first and last else 0.0

    def mean_in_flight(self, seconds: float) -> float:
        total = sum(int(n) * s for n, s in self.stats["busy_seconds"].items())
        return total / seconds if seconds else 0.0

    def phases(self) -> list[tuple[str, float]]:
        """(phase, seconds): start-up, ramp, steady, tail, exit."""
        s, run = self.stats, self.run
        if not s["first_start"]:
            return [("no requests", run.seconds)]
        full_first = s["full_first"] or s["last_end"]
        full_last = s["full_last"] or full_first
        return [
            ("start-up (launch to first request)", s["first_start"] - run.started),
            ("ramp (first request to all slots busy)", full_first - s["first_start"]),
            ("steady (all slots first to last busy)", full_last - full_first),
            ("tail (all slots last busy to last reply)", s["last_end"] - full_last),
            ("exit (last reply to process exit)", run.ended - s["last_end"]),
        ]

    def report(self) -> None:
        s, run, full = self.stats, self.run, self.busy(self.slots)
        print(f"\n== {self.name}: {self.detail}")
        if run.returncode != 0:
            print(f"   exit code {run.returncode}: {run.stderr[-600:]}")
        print(f"   requests served       {s['served']}, max in flight {s['max_in_flight']}, "
              f"max queued {s['max_queued']}")  # fmt: skip
        print(f"   wall / ideal          {run.seconds:.1f} s / {self.ideal:.1f} s = "
              f"{run.seconds / self.ideal:.2f}  (ideal = {s['work_seconds']:.1f} s of work "
              f"/ {self.slots})")  # fmt: skip
        print(f"   at {self.slots} in flight       {full:.1f} s = {full / run.seconds:.1%} of wall, "
              f"{full / max(self.span, 1e-9):.1%} of the span first request to last reply "
              f"({self.span:.1f} s)")  # fmt: skip
        print(f"   tome's CPU time       {run.cpu_seconds:.1f} s = {run.cpu_seconds / run.seconds:.0%}"
              f" of wall, {1000 * run.cpu_seconds / max(1, s['served']):.0f} ms a request")  # fmt: skip
        print(f"   mean in flight        {self.mean_in_flight(run.seconds):.1f} over wall, "
              f"{self.mean_in_flight(self.span):.1f} over the span")  # fmt: skip
        steady = dict(self.phases()).get("steady (all slots first to last busy)", 0.0)
        for phase, seconds in self.phases():
            print(f"   {phase:<42} {seconds:6.1f} s")
        if steady:
            print(f"   share at {self.slots} in the steady phase: {full / steady:.1%}")
        hist = ", ".join(
            f"{n}: {sec:.1f}" for n, sec in sorted(
                ((int(k), v) for k, v in s["busy_seconds"].items()), reverse=True
            ) if sec >= 0.05
        )  # fmt: skip
        print(f"   seconds by in-flight  {hist}")


def measure(name: str, stub: Stub, args: list[str], env: dict[str, str], slots: int) -> Busy:
    stub.reset()
    run = tome(args, env)
    return Busy(name, run, stub.stats(), slots)


def bench_batch(opts: argparse.Namespace, stub: Stub, work: Path, extra: dict[str, str]) -> Busy:
    home = work / "batch-home"
    env = tome_env(home, stub.base_url, extra)
    doc = make_document(work / "batch-doc.txt", opts.batch_pages, seed=1)
    added = tome(["add", str(doc)], env)
    if added.returncode != 0:
        raise SystemExit(f"tome add (the batch's document) failed: {added.stderr}")
    doc_id = added.output["id"]
    questions = work / "questions.jsonl"
    make_questions(questions, opts.questions, doc_id)
    args = ["batch", str(questions), "--out", str(work / "answers.jsonl"), "--quiet"]
    if opts.batch_concurrency:
        args += ["--concurrency", str(opts.batch_concurrency)]
    result = measure("tome batch", stub, args, env, opts.slots)
    out = result.run.output
    calls = result.stats["served"]
    result.detail = (
        f"{out.get('answered')} of {opts.questions} questions answered over a "
        f"{opts.batch_pages}-page document, {calls / max(1, opts.questions):.2f} calls each, "
        f"batch concurrency {opts.batch_concurrency or opts.slots}"
    )
    return result


def bench_add(opts: argparse.Namespace, stub: Stub, work: Path, extra: dict[str, str]) -> Busy:
    env = tome_env(work / "add-home", stub.base_url, extra)
    doc = make_document(work / "add-doc.txt", opts.add_pages, seed=2)
    result = measure("tome add", stub, ["add", str(doc)], env, opts.slots)
    out = result.run.output
    result.detail = (
        f"{out.get('pages')} pages, depth {out.get('depth')}, {out.get('llm_calls')} calls"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=320)
    parser.add_argument("--batch-pages", type=int, default=10)
    parser.add_argument("--add-pages", type=int, default=48)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--prefill-tps", type=float, default=5000.0)
    parser.add_argument("--decode-tps", type=float, default=60.0)
    parser.add_argument("--batch-concurrency", type=int, default=None,
                        help="tome batch --concurrency (default: llm.concurrency = slots)")  # fmt: skip
    parser.add_argument("--stub-embeddings", action="store_true",
                        help="embed with the stub's /v1/embeddings, not the local MiniLM")  # fmt: skip
    parser.add_argument("--only", choices=["batch", "add"], default=None)
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tome-bench-busy-"))
    rates = ["--slots", str(opts.slots), "--prefill-tps", str(opts.prefill_tps),
             "--decode-tps", str(opts.decode_tps)]  # fmt: skip
    print(f"stub: {' '.join(rates)}; work in {work}")
    with stub_server(work, rates) as stub:
        extra = {"TOME_LLM__CONCURRENCY": str(opts.slots),
                 "TOME_INGEST__CONCURRENCY": str(opts.slots)}  # fmt: skip
        if opts.stub_embeddings:
            extra.update(TOME_MEMORY__EMBEDDING__BASE_URL=stub.base_url,
                         TOME_MEMORY__EMBEDDING__MODEL="stub-embedding")  # fmt: skip
        print(f"embeddings: {'the stub' if opts.stub_embeddings else 'local ONNX MiniLM'}")
        results = []
        if opts.only in (None, "batch"):
            results.append(bench_batch(opts, stub, work, extra))
        if opts.only in (None, "add"):
            results.append(bench_add(opts, stub, work, extra))
    for result in results:
        result.report()
    print("\ntargets (batch): >= 90 % of wall at all slots busy, wall/ideal <= 1.15")


if __name__ == "__main__":
    main()
