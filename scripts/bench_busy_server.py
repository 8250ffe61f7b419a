"""Benchmark how busy tome keeps a model server: `tome batch` and `tome add` against a stub
server with 16 slots that takes prompt/P + completion/D seconds per request.

    .venv/bin/python scripts/bench_busy_server.py [--questions 320] [--add-pages 48]
        [--slots 16] [--prefill-tps 5000] [--decode-tps 60] [--batch-concurrency N]
        [--client-concurrency N] [--stub-embeddings] [--only batch|add]

It starts scripts/stub_model_server.py (--slots, --prefill-tps, --decode-tps) on 127.0.0.1,
generates a small document (--batch-pages pages; added first, not measured) and a file of
--questions local-fact questions about it, and runs, each with its own TOME_HOME and
TOME_LLM__CONCURRENCY = --client-concurrency (default: slots) and TOME_INGEST__CONCURRENCY = slots:
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
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import (
    Run,
    Stub,
    exit_on_sigterm,
    in_flight_strip,
    make_document,
    make_questions,
    stub_server,
    tome,
    tome_env,
)

STEADY = "steady (all slots first to last busy)"


@dataclass
class Busy:
    """One run as the stub saw it."""

    name: str
    run: Run
    stats: dict[str, Any]
    slots: int
    timeline: list[tuple[float, float]]
    detail: str = ""
    extra: list[str] = field(default_factory=list)

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
            (STEADY, full_last - full_first),
            ("tail (all slots last busy to last reply)", s["last_end"] - full_last),
            ("exit (last reply to process exit)", run.ended - s["last_end"]),
        ]

    def report(self) -> None:
        s, run, slots = self.stats, self.run, self.slots
        full, span = self.busy(slots), max(self.span, 1e-9)
        print(f"\n== {self.name}: {self.detail}")
        if run.returncode != 0:
            print(f"   exit code {run.returncode}: {run.stderr[-600:]}")
        served = f"{s['served']}, max in flight {s['max_in_flight']}"
        print(f"   requests served       {served}, max queued {s['max_queued']}")
        ideal = f"{s['work_seconds']:.1f} s of work / {slots}"
        ratio = run.seconds / self.ideal
        print(f"   wall / ideal          {run.seconds:.1f} / {self.ideal:.1f} s = {ratio:.2f}")
        print(f"                         (ideal = {ideal}); span / ideal {span / self.ideal:.2f}")
        print(f"   at {slots} in flight       {full:.1f} s = {full / run.seconds:.1%} of wall,")
        print(f"                         {full / span:.1%} of the span ({span:.1f} s, first "
              "request to last reply)")  # fmt: skip
        cpu = run.cpu_seconds
        per = 1000 * cpu / max(1, s["served"])
        print(f"   tome's CPU time       {cpu:.1f} s = {cpu / run.seconds:.0%} of wall, "
              f"{per:.0f} ms a request")  # fmt: skip
        print(f"   mean in flight        {self.mean_in_flight(run.seconds):.1f} over wall, "
              f"{self.mean_in_flight(span):.1f} over the span")  # fmt: skip
        for line in self.extra:
            print(f"   {line}")
        self.report_phases()
        if s["embedding_requests"]:
            texts = s["embedding_inputs"]
            print(f"   embedding requests    {s['embedding_requests']} ({texts} texts)")

    def report_phases(self) -> None:
        s, run, full = self.stats, self.run, self.busy(self.slots)
        for phase, seconds in self.phases():
            print(f"   {phase:<42} {seconds:6.1f} s")
        steady = dict(self.phases()).get(STEADY, 0.0)
        if steady:
            print(f"   share at {self.slots} in the steady phase: {full / steady:.1%}")
        busy = sorted(((int(k), v) for k, v in s["busy_seconds"].items()), reverse=True)
        hist = ", ".join(f"{n}: {sec:.1f}" for n, sec in busy if sec >= 0.05)
        print(f"   seconds by in-flight  {hist}")
        strip = in_flight_strip(self.timeline, run.started, run.ended)
        print(f"   in flight, launch to exit, {run.seconds / len(strip):.1f} s a column:")
        print("   " + " ".join(f"{v:2.0f}" for v in strip))


def per_question(answers: Path) -> list[str]:
    """Each answer's seconds against its LLM seconds (from the answers file): the rest is tome's
    own time per question, when a question's worker has no call in flight."""
    records = [json.loads(line) for line in answers.read_text().splitlines() if line.strip()]
    if not records:
        return []
    seconds = sum(r["seconds"] for r in records) / len(records)
    llm = sum(r["llm_seconds"] for r in records) / len(records)
    return [
        f"a question            {seconds:.2f} s, in model calls {llm:.2f} s, "
        f"the rest {seconds - llm:.2f} s ({(seconds - llm) / seconds:.0%}; waiting for the",
        "                      client's slot counts in the rest)",
    ]


def measure(name: str, stub: Stub, args: list[str], env: dict[str, str], slots: int) -> Busy:
    stub.reset()
    run = tome(args, env)
    return Busy(name, run, stub.stats(), slots, stub.timeline())


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
    result.extra = per_question(work / "answers.jsonl")
    out = result.run.output
    calls = result.stats["served"]
    result.detail = (
        f"{out.get('answered')} of {opts.questions} questions answered over a "
        f"{opts.batch_pages}-page document, {calls / max(1, opts.questions):.2f} calls each, "
        f"batch concurrency {opts.batch_concurrency or 2 * (opts.client_concurrency or opts.slots)}"
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
    parser.add_argument(
        "--batch-concurrency", type=int, default=None, help="tome batch --concurrency (default: "
        "tome's, twice llm.concurrency, which is --slots)",
    )  # fmt: skip
    parser.add_argument(
        "--stub-embeddings", action="store_true",
        help="embed with the stub's /v1/embeddings, not the local MiniLM",
    )  # fmt: skip
    parser.add_argument(
        "--client-concurrency", type=int, default=None, help="TOME_LLM__CONCURRENCY, the calls "
        "tome keeps in flight (default --slots; above it, the server holds a queue of its own)",
    )  # fmt: skip
    parser.add_argument("--only", choices=["batch", "add"], default=None)
    opts = parser.parse_args()
    exit_on_sigterm()

    work = Path(tempfile.mkdtemp(prefix="tome-bench-busy-"))
    rates = ["--slots", str(opts.slots), "--prefill-tps", str(opts.prefill_tps),
             "--decode-tps", str(opts.decode_tps)]  # fmt: skip
    print(f"stub: {' '.join(rates)}; work in {work}")
    with stub_server(work, rates) as stub:
        calls = opts.client_concurrency or opts.slots
        print(f"tome's calls in flight (llm.concurrency): {calls}")
        extra = {"TOME_LLM__CONCURRENCY": str(calls),
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
