"""Check `tome batch --shard K/N` across two workers that share one Chroma server and one model.

    .venv/bin/python scripts/bench_shards.py [--questions 120] [--pages 6] [--race]
        [--slots 16] [--prefill-tps 5000] [--decode-tps 60]

It starts a Chroma server (`chroma run --host 127.0.0.1 --port <free> --path <tmp>`) and
scripts/stub_model_server.py on 127.0.0.1, generates a document and a questions file naming it
by path, and runs two workers at once, each with its own TOME_HOME (as on two machines) and
TOME_MEMORY__CHROMA_URL set to the server:
    tome batch questions.jsonl --out answers-1.jsonl --shard 1/2
    tome batch questions.jsonl --out answers-2.jsonl --shard 2/2
By default the document is added once first (`tome add` from a third home); with --race it is
not, and both workers meet the path at the same moment and add it (docs/vllm.md allows both).
It prints each worker's counts and checks that the union of the two outputs holds every question
id exactly once (target: no id missing, none twice); exit code 1 when not. Every process it
started is stopped, also on failure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadkit import (
    answer_ids,
    chroma_server,
    exit_on_sigterm,
    make_document,
    make_questions,
    spawn_tome,
    stop,
    stub_server,
    tome,
    tome_env,
)

WORKERS = 2


def run_workers(
    questions: Path, work: Path, envs: list[dict[str, str]], timeout: float
) -> list[tuple[int, dict, str, float]]:
    """Both shards at once; (exit code, JSON summary, stderr tail, seconds) of each."""
    began = time.perf_counter()
    procs = []
    try:
        for k, env in enumerate(envs, 1):
            out = work / f"answers-{k}.jsonl"
            args = ["batch", str(questions), "--out", str(out), "--shard", f"{k}/{WORKERS}"]
            procs.append(spawn_tome([*args, "--quiet"], env, work / f"worker-{k}.json"))
        results = []
        for k, proc in enumerate(procs, 1):
            _, err = proc.communicate(timeout=max(1.0, timeout - (time.perf_counter() - began)))
            text = (work / f"worker-{k}.json").read_text()
            summary = json.loads(text) if text.strip() else {}
            results.append((proc.returncode, summary, err[-1500:], time.perf_counter() - began))
        return results
    finally:
        for proc in procs:
            stop(proc)


def check_union(ids: list[str], outputs: list[list[str]]) -> tuple[bool, list[str]]:
    """Every id exactly once across the outputs; the lines to print."""
    counts = Counter(i for out in outputs for i in out)
    missing = [i for i in ids if i not in counts]
    twice = sorted(i for i, n in counts.items() if n > 1)
    unknown = sorted(set(counts) - set(ids))
    lines = [f"questions {len(ids)}"]
    lines += [f"worker {k}: {len(out)} answers" for k, out in enumerate(outputs, 1)]
    lines += [
        f"union: {len(counts)} distinct ids; missing {len(missing)}, more than once "
        f"{len(twice)}, not in the questions {len(unknown)}"
    ]
    if missing or twice or unknown:
        lines.append(f"e.g. missing {missing[:5]}, twice {twice[:5]}, unknown {unknown[:5]}")
    return not (missing or twice or unknown), lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", type=int, default=120)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--race", action="store_true", help="both workers add the document")
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--prefill-tps", type=float, default=5000.0)
    parser.add_argument("--decode-tps", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the workers")
    opts = parser.parse_args()
    exit_on_sigterm()

    work = Path(tempfile.mkdtemp(prefix="tome-bench-shards-"))
    rates = ["--slots", str(opts.slots), "--prefill-tps", str(opts.prefill_tps),
             "--decode-tps", str(opts.decode_tps)]  # fmt: skip
    print(f"work in {work}; stub {' '.join(rates)}")
    with chroma_server(work) as chroma_url, stub_server(work, rates) as stub:
        print(f"chroma server {chroma_url}, stub {stub.base_url}")
        per_worker = str(max(1, opts.slots // WORKERS))
        extra = {"TOME_MEMORY__CHROMA_URL": chroma_url, "TOME_LLM__CONCURRENCY": per_worker,
                 "TOME_INGEST__CONCURRENCY": per_worker}  # fmt: skip
        homes = [work / f"home-{k}" for k in range(WORKERS + 1)]
        for home in homes:  # with a Chroma URL nothing else creates TOME_HOME, and `tome add`
            home.mkdir()  # then fails at its very end writing speeds.json (reported upstream)
        doc = make_document(work / "shared-doc.txt", opts.pages, seed=3)
        questions = work / "questions.jsonl"
        ids = make_questions(questions, opts.questions, str(doc))
        if not opts.race:
            added = tome(["add", str(doc)], tome_env(homes[0], stub.base_url, extra))
            if added.returncode != 0:
                print(f"tome add failed: {added.stderr}")
                return 1
            print(f"added {added.output.get('id')} once first ({added.output.get('pages')} pages)")
        envs = [tome_env(home, stub.base_url, extra) for home in homes[1:]]
        try:
            results = run_workers(questions, work, envs, opts.timeout)
        except subprocess.TimeoutExpired:
            print(f"the workers did not finish within {opts.timeout:g} s (stopped)")
            return 1
        stats = stub.stats()
    for k, (code, summary, err, seconds) in enumerate(results, 1):
        keep = ("answered", "skipped", "other_shard", "failed", "malformed", "ingested")
        shown = {key: summary.get(key) for key in keep}
        print(f"worker {k}: exit {code} after {seconds:.1f} s, {shown}")
        if code != 0:
            print(f"  stderr: {err}")
    print(f"model requests: {stats['served']} (max in flight {stats['max_in_flight']})")
    ok, lines = check_union(ids, [answer_ids(work / f"answers-{k}.jsonl") for k in (1, 2)])
    print("\n".join(lines))
    ok = ok and all(code == 0 for code, *_ in results)
    print("shard union check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
