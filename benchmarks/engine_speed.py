"""Engine speed against bare SimPy, side by side, in one run.

    python benchmarks/engine_speed.py [--runs N]

Runs the default scenario N times (seeds 0..N-1) and reports SimPy events per second
and wall time; then runs the bare SimPy model of benchmarks/bare_simpy.py (comparable
work without the engine's domain logic) for the same number of SimPy events, and
reports the same figures. Compare the ratio, not the absolute times: they depend on
the machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_simpy import bare_rate, engine_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
