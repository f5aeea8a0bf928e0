"""Engine speed against bare SimPy, and optionally against an earlier release, in one run.

    python benchmarks/engine_speed.py [--runs N] [--baseline REF [--trials K]]

Runs the default scenario N times (seeds 0..N-1) and reports SimPy events per second
and wall time; then runs the bare SimPy model of benchmarks/bare_simpy.py (comparable
work without the engine's domain logic) for the same number of SimPy events, and
reports the same figures. Compare the ratio, not the absolute times: they depend on
the machine.

With --baseline REF (a tag, a branch, HEAD~5, a commit sha), the engine of that ref
(its sim/ and scenarios/, taken with git archive; see benchmarks/baseline.py) also runs
in the same process. Each engine loads the default scenario with its own loader, once,
outside the timed region. K alternating trials (default 5) each time N drills of both
engines on seeds 0..N-1, the current engine first in even trials and the baseline first
in odd ones. Reported per engine: drills/s (best and median over trials) and domain
events per drill; then the ratio current/baseline of drills/s, as the median of the
per-trial ratios and as the ratio of the bests. Above 1.0 the current engine is faster.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_simpy import bare_rate, engine_rate
from baseline import load_engine_at, resolve_commit

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Engine


def timed_drills(engine: Callable[..., Any], loaded: Any, runs: int,
                 context: Callable[[], AbstractContextManager[Any]] = nullcontext) -> tuple[float, int]:
    """(seconds, domain events) for ``runs`` drills, seeds 0..runs-1, inside ``context()``."""
    gc.collect()
    domain = 0
    with context():
        t0 = time.perf_counter()
        for seed in range(runs):
            domain += len(engine(loaded, seed=seed).run())
        elapsed = time.perf_counter() - t0
    return elapsed, domain


def compare_with(ref: str, runs: int, trials: int) -> None:
    """Alternating trials of the current engine and the engine of ``ref``; prints the figures."""
    with load_engine_at(ref) as old:
        current_loaded = load_scenario(resolve_scenario_arg(None))
        with old.active():
            old_loaded = old.load_scenario(old.resolve_scenario_arg(None))
        engines: dict[str, tuple[Callable[..., Any], Any, Callable[[], AbstractContextManager[Any]]]] = {
            "current": (Engine, current_loaded, nullcontext),
            "baseline": (old.Engine, old_loaded, old.active),
        }
        rates: dict[str, list[float]] = {name: [] for name in engines}
        domain: dict[str, int] = {}
        for trial in range(trials):
            order = list(engines) if trial % 2 == 0 else list(reversed(engines))
            for name in order:
                engine, loaded, context = engines[name]
                elapsed, events = timed_drills(engine, loaded, runs, context)
                rates[name].append(runs / elapsed)
                domain[name] = events
    ratios = [c / b for c, b in zip(rates["current"], rates["baseline"], strict=True)]
    labels = {"current": "current engine", "baseline": f"{ref} ({old.commit[:10]})"}
    print()
    print(f"against {ref}: {trials} alternating trials of {runs} drills each (seeds 0..{runs - 1})")
    print(f"{'':28}{'best drills/s':>15}{'median drills/s':>17}{'events/drill':>14}")
    for name, label in labels.items():
        print(f"{label:28}{max(rates[name]):>15.1f}{statistics.median(rates[name]):>17.1f}"
              f"{domain[name] / runs:>14.1f}")
    print(f"current/baseline drills/s: {statistics.median(ratios):.3f} (median of per-trial ratios), "
          f"{max(rates['current']) / max(rates['baseline']):.3f} (ratio of bests)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--baseline", metavar="REF",
                        help="also time the engine of this git ref (tag, branch, HEAD~5, sha)")
    parser.add_argument("--trials", type=int, default=5,
                        help="alternating trials against --baseline (default 5)")
    args = parser.parse_args()
    if args.baseline:
        try:
            resolve_commit(args.baseline)
        except ValueError as e:
            parser.error(str(e))
    simpy_events, domain_events, t_engine = engine_rate(args.runs)
    bare_events, t_bare = bare_rate(simpy_events)
    e_rate = simpy_events / t_engine
    b_rate = bare_events / t_bare
    print(f"default scenario, {args.runs} runs ({domain_events / args.runs:.0f} domain events/run)")
    print(f"{'':24}{'SimPy events':>14}{'wall s':>10}{'events/s':>12}")
    print(f"{'drill engine':24}{simpy_events:>14,}{t_engine:>10.2f}{e_rate:>12,.0f}")
    print(f"{'bare SimPy':24}{bare_events:>14,}{t_bare:>10.2f}{b_rate:>12,.0f}")
    print(f"engine runs at {e_rate / b_rate:.0%} of bare SimPy's events/s; "
          f"{args.runs / t_engine:.1f} drills/s; {domain_events / t_engine:,.0f} domain events/s")
    if args.baseline:
        compare_with(args.baseline, args.runs, args.trials)


if __name__ == "__main__":
    main()
