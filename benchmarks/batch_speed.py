"""Batch figures, side by side in one run.

    python benchmarks/batch_speed.py [--reps N] [--memory]

1. Replications per second of the default scenario on 1 and on 2 worker processes,
   and the speed-up.
2. The engine's SimPy events per second against a bare SimPy model doing comparable
   work: the same number of actor processes with inboxes (Stores) and desks
   (Resources), messages passed with sampled latencies, lognormal work times drawn
   from per-decision named streams, and one record appended per domain event; what
   the bare model leaves out is what the engine adds (working hours and time zones,
   frameworks, TLP, expectations, metrics-ready event records).
3. With --memory: peak memory (RSS) of `drill batch` at n = 1,000 and n = 10,000, each
   in a fresh process (parent and worker peaks).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bare_simpy import bare_rate, engine_rate  # noqa: E402

from scenarios import load_scenario, resolve_scenario_arg  # noqa: E402
from sim.runs.batch import BatchConfig, run_batch  # noqa: E402


def reps_per_second(jobs: int, n: int) -> float:
    loaded = load_scenario(resolve_scenario_arg(None))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_batch(loaded, [], BatchConfig(n=n, seed=1, jobs=jobs, out=Path(tmp) / "o"))
        return n / (time.perf_counter() - t0)


def peak_memory(n: int) -> tuple[float, float]:
    code = (
        "import resource, sys, tempfile; from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from scenarios import load_scenario, resolve_scenario_arg\n"
        "from sim.runs.batch import BatchConfig, run_batch\n"
        "with tempfile.TemporaryDirectory() as t:\n"
        f"    run_batch(load_scenario(resolve_scenario_arg(None)), [], BatchConfig(n={n}, jobs=2,"
        " out=Path(t) / 'o'))\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]) / 1024, int(out[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()

    one = reps_per_second(1, args.reps)
    two = reps_per_second(2, args.reps)
    print(f"replications of the default scenario (n = {args.reps})")
    print(f"  1 core : {one:8.1f} replications/s")
    print(f"  2 cores: {two:8.1f} replications/s   speed-up {two / one:.2f}x")

    runs = max(50, args.reps // 4)
    # alternate the two, three times, and keep each one's best: less at the mercy of noise
    engine_best = bare_best = 0.0
    for _ in range(3):
        events, domain, t_engine = engine_rate(runs)
        bare, t_bare = bare_rate(events)
        engine_best = max(engine_best, events / t_engine)
        bare_best = max(bare_best, bare / t_bare)
    print(f"\nSimPy events/s ({runs} runs of the default scenario, {domain / runs:.0f} "
          "domain events a run; best of 3 alternating trials)")
    print(f"  drill engine : {engine_best:10,.0f}")
    print(f"  bare SimPy   : {bare_best:10,.0f}")
    print(f"  engine / bare: {engine_best / bare_best:.0%}")

    if args.memory:
        print("\npeak memory of drill batch (2 workers), MB: parent / largest worker")
        for n in (1_000, 10_000):
            parent, child = peak_memory(n)
            print(f"  n = {n:>6,}: {parent:7.1f} / {child:7.1f}")


if __name__ == "__main__":
    main()
