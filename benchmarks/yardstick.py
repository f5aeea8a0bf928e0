"""The yardstick: a plain SimPy model to express the engine's cost in.

Ten CERT teams with Store inboxes and desks (Resources of capacity 1 or 2); incidents
arrive at random (exponential, 1 a minute), each handled for a lognormal time
(mean 5 min) and forwarded to another team 30 % of the time. A dispatcher process
per team starts a handler process per message. Randomness is one ``random.Random``:
no per-message seeding, no records, nothing the engine's domain adds.

    python benchmarks/yardstick.py [SIM_MINUTES]     # prints events/s

"One drill costs N yardstick events" means: the drill's wall time times this model's
events per second, both measured in the same process, alternately
(``benchmarks/engine_speed.py`` does it). The parameters are those of the shared
reference model, so figures from different versions and machines compare.
"""

from __future__ import annotations

import math
import random
import sys
import time

import simpy

TEAMS = 10
CAPACITY = [1, 2] * 5
ARRIVALS_PER_MIN = 1.0
P_FORWARD = 0.3
MEAN, SIGMA = 5.0, 0.5
MU = math.log(MEAN) - SIGMA * SIGMA / 2


def run(seed: int, minutes: float) -> tuple[int, float]:
    """(events processed, wall seconds) for one run of ``minutes`` simulated minutes."""
    rng = random.Random(seed)
    env = simpy.Environment()
    inboxes = [simpy.Store(env) for _ in range(TEAMS)]
    desks = [simpy.Resource(env, capacity=c) for c in CAPACITY]
    timeout = env.timeout

    def source():
        while True:
            yield timeout(rng.expovariate(ARRIVALS_PER_MIN))
            inboxes[rng.randrange(TEAMS)].put([env.now])

    def dispatcher(k):
        get = inboxes[k].get
        while True:
            msg = yield get()
            env.process(handle(k, msg))

    def handle(k, msg):
        with desks[k].request() as req:
            yield req
            yield timeout(rng.lognormvariate(MU, SIGMA))
        if rng.random() < P_FORWARD:
            j = rng.randrange(TEAMS - 1)
            inboxes[j + 1 if j >= k else j].put(msg)

    env.process(source())
    for k in range(TEAMS):
        env.process(dispatcher(k))
    t0 = time.perf_counter()
    env.run(until=minutes)
    wall = time.perf_counter() - t0
    return next(env._eid) - len(env._queue), wall  # type: ignore[attr-defined]


def events_per_second(minutes: float = 20000, seed: int = 0) -> float:
    """The yardstick's events per second on this machine, now."""
    events, wall = run(seed, minutes)
    return events / wall


if __name__ == "__main__":
    m = float(sys.argv[1]) if len(sys.argv) > 1 else 20000
    print(f"{events_per_second(m):,.0f} yardstick (plain SimPy) events/s")
