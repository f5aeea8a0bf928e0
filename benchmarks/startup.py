"""Start-up time of `drill` commands against importing their libraries, in one run.

    python benchmarks/startup.py [--trials N] [--root DIR] [--baseline DIR]

Each trial runs, one after the other in fresh processes, ``python -c "import simpy,
pydantic, yaml"`` (the floor: what any command that reads a scenario must import),
pydantic's ``BaseModel`` imported (the rest of pydantic, which the floor's lazy import
leaves unloaded: what any pydantic model costs before the project defines one), the
scenario models alone (imported and their validators built, no file read: the least any
command that reads a scenario pays past the floor, with the libraries it uses), and
then ``drill --help``, ``drill run --help``, ``drill validate acid-botnet`` and
``drill run``; the order is reversed every other trial. Reported: the median wall time
of each, and its ratio to the floor. ``--root`` runs the code of another checkout;
``--baseline`` runs the drill commands of a second checkout in the same trials, taking
turns with the first (a before/after comparison in one run).

Run it with the interpreter of a new virtual environment where the project is
installed (``python -m venv v && v/bin/pip install -e . && v/bin/python
benchmarks/startup.py``). An interpreter whose start-up does more (a ``.pth`` file of
its site-packages that imports modules, as some managed machines have) makes the floor
slower, and every ratio lower with it: the first row, the interpreter alone, shows
what start-up costs before any import.

Public holidays are looked up once and cached (see ``sim/engine/calendars.py``); every
command is run once before the trials, so ``drill run`` is timed with the cache as a
second run finds it, and with the sources' bytecode cached (``PYTHONDONTWRITEBYTECODE``
is dropped for the commands timed), as an installed package has it.
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

#: the floor, against which every other row is given as a ratio
FLOOR = "import simpy, pydantic, yaml"

COMMANDS: dict[str, list[str]] = {
    # the interpreter's own start-up, site-packages' .pth files included
    "the interpreter alone (-c pass)": ["-c", "pass"],
    FLOOR: ["-c", "import simpy, pydantic, yaml"],
    # what pydantic's models cost before any of the project's is defined: the rest of
    # pydantic, which the floor's lazy ``import pydantic`` leaves unloaded (the part of
    # a command's start-up that no change to the project's own code can take away)
    "pydantic's BaseModel imported": ["-c", "import os; os.environ["
                                      "'PYDANTIC_DISABLE_PLUGINS'] = '__all__'; import "
                                      "simpy, yaml; from pydantic import BaseModel"],
    # what the scenario models alone cost, before any file is read: importing the rest
    # of pydantic, creating the model classes and building their validators (without
    # pydantic's search for plugins, as the drill command has it)
    "scenario models, built": ["-c", "import os; os.environ['PYDANTIC_DISABLE_PLUGINS'] = "
                               "'__all__'; from scenarios.loader import build_models; "
                               "build_models()"],
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
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout whose drill commands run in the same trials")
    args = parser.parse_args()
    roots = {"": args.root.resolve()}
    if args.baseline is not None:
        roots["baseline: "] = args.baseline.resolve()
    runs: dict[str, tuple[list[str], dict[str, str], Path]] = {}
    for label, root in roots.items():
        # bytecode is cached as an installed package has it (pip compiles on install):
        # with PYTHONDONTWRITEBYTECODE every trial would time compiling the sources
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = str(root)
        for name, argv in COMMANDS.items():
            if label and argv[0] != "-m":
                continue  # the floor is the same for both
            runs[label + name] = (argv, env, root)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():  # warm the file cache, the bytecode and the holiday cache
        timed(*run)
    for trial in range(args.trials):
        order = list(runs) if trial % 2 == 0 else list(reversed(runs))
        for name in order:
            times[name].append(timed(*runs[name]))
    floor = statistics.median(times[FLOOR])
    against = f" and baseline {roots['baseline: ']}" if args.baseline is not None else ""
    print(f"{roots['']}{against}: median of {args.trials} alternating trials")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:40}{m * 1000:8.0f} ms {m / floor:6.2f}x")


if __name__ == "__main__":
    main()
