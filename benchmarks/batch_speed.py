"""Batch speed-up on 1 and 2 cores, end to end from the command line, in one run.

    python benchmarks/batch_speed.py [--reps N] [--trials K] [--memory]

1. ``drill batch -n N --jobs 1`` and ``--jobs 2`` (default N = 2,000), each in a fresh
   process, with the same ``--chunk`` (the size ``--jobs 2`` would choose), taking turns
   for K trials (default 5), the order reversed every other trial. Both go through the
   same command, the same chunking, the same pool of worker processes and the same
   joining of results in the command's own process; what differs is only the number of
   workers, one or two. Reported:
   the median wall time of each and the speed-up (median of per-trial ratios). A
   speed-up above the number of cores would mean the two were not measured alike: the
   script says so for any trial above it. Each command runs once, untimed, before the
   trials (with a smaller -n), so that neither pays for cold caches.
   Also reported: the CPU seconds of each command (its own process and its workers),
   which say what speed-up the work allows when the machine is busy with other work,
   and the load average.
2. With --memory: peak memory (RSS) of a batch at n = 1,000 and n = 10,000, each run
   with two workers in a fresh process by ``run_batch`` (what ``drill batch`` calls),
   without the command line around it (parent and worker peaks).
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


_PROBE = (
    "import resource, sys\n"
    "from sim.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "finally:\n"
    "    s, c = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
    "    print(s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime, file=sys.stderr)\n"
)


def _env(root: Path) -> dict[str, str]:
    """The environment of a timed command: ``root``'s code, with its bytecode cached as an
    installed package has it (with PYTHONDONTWRITEBYTECODE, every command would time
    compiling the sources the untimed first run did not cache)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(root)
    return env


def batch_seconds(jobs: int, n: int, chunk: int, root: Path) -> tuple[float, float, float]:
    """Wall time of one ``drill batch`` command, start-up and output included, and the
    CPU seconds of the command's own process and of its workers.

    The command runs through ``sim.cli.main`` as ``python -m sim.cli`` does; the probe
    around it only reads the CPU times when it is done.
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(root)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _PROBE, "batch", "-n", str(n), "--jobs",
                               str(jobs), "--chunk", str(chunk), "--out", str(Path(tmp) / "o")],
                              cwd=root, env=env, check=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        own, workers = (float(x) for x in done.stderr.split()[-2:])
        return wall, own, workers


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


def root_chunk_size(root: Path, n: int) -> int:
    """The chunk size ``drill batch --jobs 2`` would choose in the code of ``root``."""
    code = f"from sim.runs.batch import chunk_size; print(chunk_size({n}, 2, 1))"
    done = subprocess.run([sys.executable, "-c", code], cwd=root, check=True, text=True,
                          capture_output=True, env=_env(root))
    return int(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="checkout whose code runs (default: this one)")
    args = parser.parse_args()
    root = args.root.resolve()
    chunk = root_chunk_size(root, args.reps)
    times: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    # untimed, once each: the file cache, the bytecode and the holiday cache are then as
    # a second run finds them, for whichever command goes first
    for jobs in (1, 2):
        batch_seconds(jobs, min(args.reps, 100), chunk, root)
    load_before = os.getloadavg()[0]
    for trial in range(args.trials):
        for jobs in ((1, 2) if trial % 2 == 0 else (2, 1)):
            wall, own, workers = batch_seconds(jobs, args.reps, chunk, root)
            times[jobs].append(wall)
            cpu[jobs].append((own, workers))
    one, two = statistics.median(times[1]), statistics.median(times[2])
    ratios = [a / b for a, b in zip(times[1], times[2], strict=True)]
    print(f"drill batch -n {args.reps} --chunk {chunk}, end to end, {args.trials} alternating "
          f"trials (median); {os.cpu_count()} cores; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after (other work on the machine slows --jobs 2 most)")
    print(f"  --jobs 1: {one:7.2f} s  {args.reps / one:8.1f} replications/s")
    print(f"  --jobs 2: {two:7.2f} s  {args.reps / two:8.1f} replications/s")
    print(f"  speed-up: {statistics.median(ratios):.2f}x (median of per-trial ratios; "
          f"range {min(ratios):.2f}-{max(ratios):.2f})")
    cores = os.cpu_count() or 1
    above = [r for r in ratios if r > cores]
    if above:
        # no honest measurement gives more than one speed-up per core: the machine's load
        # or speed changed between the two commands of these trials
        print(f"  warning: {len(above)} trial{'s' if len(above) != 1 else ''} above {cores}x "
              f"({', '.join(f'{r:.2f}x' for r in above)}): the two commands of "
              f"{'those trials' if len(above) != 1 else 'that trial'} did not run on a machine "
              "alike; read the median, and run again on a quieter machine")
    own1 = statistics.median(o + w for o, w in cpu[1])
    own2 = statistics.median(o for o, _ in cpu[2])
    work2 = statistics.median(w for _, w in cpu[2])
    print(f"  CPU seconds: --jobs 1 {own1:.2f} in all; --jobs 2 {own2:.2f} in the command's own "
          f"process + {work2:.2f} in its workers")
    print(f"  speed-up those CPU times allow on 2 otherwise idle cores: at most "
          f"{own1 / ((own2 + work2) / 2):.2f}x (all of it spread evenly); "
          f"{own1 / (own2 + work2 / 2):.2f}x if the command's own work were all serial")

    if args.memory:
        print("\npeak memory of drill batch (2 workers), MB: parent / largest worker")
        for n in (1_000, 10_000):
            parent, child = peak_memory(n, root)
            print(f"  n = {n:>6,}: {parent:7.1f} / {child:7.1f}")


if __name__ == "__main__":
    main()
