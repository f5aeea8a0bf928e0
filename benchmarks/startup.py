"""Start-up time of `drill` commands against importing their libraries, in one run.

    python benchmarks/startup.py [--trials N] [--root DIR]

Each trial runs, one after the other in fresh processes, ``python -c "import simpy,
pydantic, yaml"`` (the floor: what any command that reads a scenario must import) and
then ``drill --help``, ``drill run --help``, ``drill validate acid-botnet`` and
``drill run``; the order is reversed every other trial. Reported: the median wall time
of each, and its ratio to the floor. ``--root`` runs the code of another checkout (for a
before/after comparison on the same machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS: dict[str, list[str]] = {
    "import simpy, pydantic, yaml": ["-c", "import simpy, pydantic, yaml"],
    "drill --help": ["-m", "sim.cli", "--help"],
    "drill run --help": ["-m", "sim.cli", "run", "--help"],
    "drill validate acid-botnet": ["-m", "sim.cli", "validate", "acid-botnet"],
    "drill run": ["-m", "sim.cli", "run"],
}


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="checkout whose code runs (default: this one)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.root.resolve())}
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for argv in COMMANDS.values():  # warm the file cache and the bytecode
        timed(argv, env, args.root)
    for trial in range(args.trials):
        order = list(COMMANDS) if trial % 2 == 0 else list(reversed(COMMANDS))
        for name in order:
            times[name].append(timed(COMMANDS[name], env, args.root))
    floor = statistics.median(times["import simpy, pydantic, yaml"])
    print(f"{args.root}: median of {args.trials} alternating trials")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:30}{m * 1000:8.0f} ms {m / floor:6.2f}x")


if __name__ == "__main__":
    main()
