"""Batch speed-up on 1 and 2 cores, end to end from the command line, in one run.

    python benchmarks/batch_speed.py [--reps N] [--trials K] [--memory]

1. ``drill batch -n N --jobs 1`` and ``--jobs 2`` (default N = 2,000), each in a fresh
   process, with the same ``--chunk`` (the size ``--jobs 2`` would choose), taking turns
   for K trials (default 5), the order reversed every other trial. Both go through the
   same command, the same chunking and the same joining of results; what differs is
   only whether chunks run in the command's own process or in two workers. Reported:
   the median wall time of each and the speed-up (median of per-trial ratios). A
   speed-up above the number of cores would mean the two were not measured alike.
2. With --memory: peak memory (RSS) of ``drill batch`` at n = 1,000 and n = 10,000,
   each in a fresh process (parent and worker peaks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runs.batch import chunk_size  # noqa: E402


def batch_seconds(jobs: int, n: int, chunk: int, root: Path) -> float:
    """Wall time of one ``drill batch`` command, start-up and output included."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(root)}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli", "batch", "-n", str(n), "--jobs",
                        str(jobs), "--chunk", str(chunk), "--out", str(Path(tmp) / "o")],
                       cwd=root, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def peak_memory(n: int, root: Path) -> tuple[float, float]:
    code = (
        "import resource, sys, tempfile; from pathlib import Path\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "from scenarios import load_scenario, resolve_scenario_arg\n"
        "from sim.runs.batch import BatchConfig, run_batch\n"
        "with tempfile.TemporaryDirectory() as t:\n"
        f"    run_batch(load_scenario(resolve_scenario_arg(None)), [], BatchConfig(n={n}, jobs=2,"
        " out=Path(t) / 'o'))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=root).stdout.split()
    return int(out[0]) / 1024, int(out[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="checkout whose code runs (default: this one)")
    args = parser.parse_args()
    root = args.root.resolve()
    chunk = chunk_size(args.reps, 2, 1)
    times: dict[int, list[float]] = {1: [], 2: []}
    for trial in range(args.trials):
        for jobs in ((1, 2) if trial % 2 == 0 else (2, 1)):
            times[jobs].append(batch_seconds(jobs, args.reps, chunk, root))
    one, two = statistics.median(times[1]), statistics.median(times[2])
    ratios = [a / b for a, b in zip(times[1], times[2], strict=True)]
    print(f"drill batch -n {args.reps} --chunk {chunk}, end to end, {args.trials} alternating "
          f"trials (median); {os.cpu_count()} cores")
    print(f"  --jobs 1: {one:7.2f} s  {args.reps / one:8.1f} replications/s")
    print(f"  --jobs 2: {two:7.2f} s  {args.reps / two:8.1f} replications/s")
    print(f"  speed-up: {statistics.median(ratios):.2f}x (median of per-trial ratios; "
          f"range {min(ratios):.2f}-{max(ratios):.2f})")

    if args.memory:
        print("\npeak memory of drill batch (2 workers), MB: parent / largest worker")
        for n in (1_000, 10_000):
            parent, child = peak_memory(n, root)
            print(f"  n = {n:>6,}: {parent:7.1f} / {child:7.1f}")


if __name__ == "__main__":
    main()
