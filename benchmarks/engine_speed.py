"""The engine's cost per default drill, in yardstick events, measured in one run.

    python benchmarks/engine_speed.py [--runs N] [--trials K] [--baseline REF]

The yardstick is the plain SimPy model of ``benchmarks/yardstick.py`` (ten teams,
stores, desks, timeouts and one ``random.Random``). Each of K trials (default 7) times
the yardstick for a fixed stretch of simulated time, then N drills of the default
scenario (seeds 0..N-1, default 100), the order reversed every other trial. A trial's
figure is the drill's mean wall time times the yardstick's events per second in that
same trial: what one drill costs, counted in plain SimPy events. Within a trial the
yardstick and the engines take turns in slices (ten drills each), so that a machine
whose load changes weighs on all of them alike; each slice starts after a full, untimed
garbage collection, so that none pays for the garbage another left (the yardstick runs with
the collector on, as plain SimPy does; an engine pauses it during a drill, as it always
does, and pays the collection put off when the drill is over). Reported: the median
and the range over trials, with SimPy and domain events per drill. The figure does not
depend on the machine's speed, only on how much work the engine does per drill.

With ``--baseline REF`` (a tag, a branch, HEAD~5, a commit sha), the engine of that
ref (its sim/ and scenarios/, taken with git archive; see benchmarks/baseline.py)
runs in the same trials, in turn with the others, and is reported the same way, with
the ratio baseline/current of the cost (above 1: the current engine is cheaper).

The current engine is also timed as a batch runs it (``Engine(words=False)``: the same
drill, event for event, with its messages' subject and text left unwritten), in the
same trials; the first row, the whole drill, is the figure the aim refers to.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import yardstick
from baseline import load_engine_at, resolve_commit

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Engine

#: simulated minutes of the yardstick per trial (about as long as a hundred drills)
YARDSTICK_MINUTES = 40_000
#: drills of each engine between two slices of the yardstick
CHUNK = 10


def timed_drills(engine: Callable[..., Any], loaded: Any, runs: int,
                 context: Callable[[], AbstractContextManager[Any]] = nullcontext,
                 first: int = 0) -> tuple[float, int, int]:
    """(seconds, SimPy events, domain events) for ``runs`` drills, seeds first..first+runs-1."""
    domain = simpy_events = 0
    with context():
        t0 = time.perf_counter()
        for seed in range(first, first + runs):
            e = engine(loaded, seed=seed)
            domain += len(e.run())
            # processed, as the yardstick counts them: scheduled less those left queued
            simpy_events += next(e.env._eid) - len(e.env._queue)
        elapsed = time.perf_counter() - t0
    return elapsed, simpy_events, domain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100,
                        help=f"drills per trial, a multiple of {CHUNK} (default 100)")
    parser.add_argument("--trials", type=int, default=7, help="alternating trials (default 7)")
    parser.add_argument("--baseline", metavar="REF",
                        help="also time the engine of this git ref (tag, branch, HEAD~5, sha)")
    args = parser.parse_args()
    if args.runs < CHUNK or args.runs % CHUNK:
        parser.error(f"--runs must be a multiple of {CHUNK} (the drills go in slices of "
                     f"{CHUNK}, taking turns with the yardstick)")
    if args.baseline:
        try:
            resolve_commit(args.baseline)
        except ValueError as e:
            parser.error(str(e))
    with ExitStack() as stack:
        default = load_scenario(resolve_scenario_arg(None))
        engines: dict[str, tuple[Callable[..., Any], Any, Callable[[], Any]]] = {
            "current": (Engine, default, nullcontext),
            # the same drill as a batch runs it: its messages unwritten (the same events)
            "timings": (partial(Engine, words=False), default, nullcontext)}
        labels = {"current": "current engine",
                  "timings": "  as a batch runs it"}
        if args.baseline:
            old = stack.enter_context(load_engine_at(args.baseline))
            with old.active():
                old_loaded = old.load_scenario(old.resolve_scenario_arg(None))
            engines["baseline"] = (old.Engine, old_loaded, old.active)
            labels["baseline"] = f"{args.baseline} ({old.commit[:10]})"
        for engine, loaded, context in engines.values():  # warm up: imports, caches
            timed_drills(engine, loaded, 2, context)
        costs: dict[str, list[float]] = {name: [] for name in engines}
        per_drill: dict[str, tuple[float, float]] = {}
        rates: list[float] = []
        chunks = max(1, args.runs // CHUNK)
        for trial in range(args.trials):
            # fine-grained alternation: a slice of yardstick, then a few drills of each
            # engine, and again, so that both see the same load on a busy machine
            walls = dict.fromkeys(engines, 0.0)
            counts = {name: [0, 0] for name in engines}
            y_events = 0
            y_wall = 0.0
            gc.collect()
            for k in range(chunks):
                order = ["yardstick", *engines]
                if (trial + k) % 2:
                    order.reverse()
                for name in order:
                    # no slice pays for the garbage another left (each engine pauses the
                    # collector differently): a full collection, untimed, before each
                    gc.collect()
                    if name == "yardstick":
                        events, wall = yardstick.run(trial * chunks + k,
                                                     YARDSTICK_MINUTES / chunks)
                        y_events += events
                        y_wall += wall
                    else:
                        engine, loaded, context = engines[name]
                        wall, simpy_events, domain = timed_drills(
                            engine, loaded, CHUNK, context, first=k * CHUNK)
                        walls[name] += wall
                        counts[name][0] += simpy_events
                        counts[name][1] += domain
            rates.append(y_events / y_wall)
            for name, wall in walls.items():
                costs[name].append(wall / (chunks * CHUNK) * rates[-1])
                per_drill[name] = (counts[name][0] / (chunks * CHUNK),
                                   counts[name][1] / (chunks * CHUNK))
    print(f"default scenario: {args.trials} alternating trials of {args.runs} drills "
          f"(seeds 0..{args.runs - 1}) and the yardstick ({YARDSTICK_MINUTES:,} simulated min)")
    print(f"yardstick: {statistics.median(rates):,.0f} plain-SimPy events/s (median)")
    print(f"{'':30}{'cost/drill':>12}{'range':>18}{'SimPy ev':>10}{'domain ev':>11}")
    for name, label in labels.items():
        c = costs[name]
        print(f"{label:30}{statistics.median(c):>12,.0f}{min(c):>9,.0f}-{max(c):<8,.0f}"
              f"{per_drill[name][0]:>10,.0f}{per_drill[name][1]:>11,.0f}")
    print("cost/drill: one drill's wall time in yardstick (plain SimPy) events, median of trials")
    print("as a batch runs it: Engine(words=False), the same run with its messages unwritten")
    print("the yardstick runs with the garbage collector on, as plain SimPy does; an engine "
          "pauses it\nduring a drill, as it always does, and pays the collection it put off "
          "once the drill is over")
    if "baseline" in costs:
        ratios = [b / c for b, c in zip(costs["baseline"], costs["current"], strict=True)]
        print(f"baseline/current cost: {statistics.median(ratios):.2f}x "
              f"(median of per-trial ratios; above 1: the current engine is cheaper)")


if __name__ == "__main__":
    main()
