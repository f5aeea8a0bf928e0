"""A bare SimPy model doing work comparable to the drill engine's, for benchmarks.

The same number of actor processes with inboxes (Stores) and desks (Resources),
messages passed with sampled latencies, lognormal work times drawn from per-decision
named streams, and one record appended per domain event. What it leaves out is what
the engine adds: working hours and time zones, frameworks, TLP, expectations and
metrics-ready event records.
"""

from __future__ import annotations

import hashlib
import random
import time

import simpy

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Engine


def scheduled(env: simpy.Environment) -> int:
    """How many events an environment has scheduled (SimPy's own counter)."""
    return next(env._eid)  # type: ignore[attr-defined]


class Streams:
    def __init__(self, seed: int):
        self.seed, self.s = seed, {}

    def __call__(self, name: str) -> random.Random:
        r = self.s.get(name)
        if r is None:
            h = hashlib.sha256(f"{self.seed}\x00{name}".encode()).digest()
            r = self.s[name] = random.Random(int.from_bytes(h[:16], "big"))
        return r


def bare_rate(target: int, actors: int = 41) -> tuple[int, float]:
    total = 0
    seed = 0
    t0 = time.perf_counter()
    while total < target:
        env = simpy.Environment()
        streams = Streams(seed)
        log: list[tuple] = []
        inboxes = [simpy.Store(env) for _ in range(actors)]
        desks = [simpy.Resource(env, capacity=2) for _ in range(actors)]

        def actor(i, env=env, inboxes=inboxes):
            while True:
                msg = yield inboxes[i].get()
                env.process(handle(i, msg))

        def handle(i, msg, env=env, desks=desks, streams=streams, log=log, inboxes=inboxes):
            with desks[i].request() as req:
                yield req
                yield env.timeout(streams(f"{i}/ack/{msg[0]}").lognormvariate(2.7, 1.0))
                log.append((env.now, "acknowledged", i, msg))
                yield env.timeout(streams(f"{i}/analysis/{msg[0]}").lognormvariate(4.1, 0.8))
                log.append((env.now, "analysed", i, msg))
                hops = msg[1]
                if hops:
                    for k in range(3):
                        yield env.timeout(streams(f"{i}/draft/{k}/{msg[0]}").uniform(10, 30))
                        to = streams(f"{i}/route/{msg[0]}").randrange(actors)
                        log.append((env.now, "message_sent", i, to))
                        env.process(transit(i, to, (msg[0], hops - 1)))

        def transit(i, to, msg, env=env, streams=streams, log=log, inboxes=inboxes):
            yield env.timeout(streams(f"channel/{i}>{to}/latency").uniform(1, 10))
            log.append((env.now, "message_delivered", to, msg))
            inboxes[to].put(msg)

        for i in range(actors):
            env.process(actor(i))
        for k in range(3):
            inboxes[k].put((f"inc{k}", 2))
        env.run(until=2880)
        total += scheduled(env)
        seed += 1
    return total, time.perf_counter() - t0


def engine_rate(runs: int) -> tuple[int, int, float]:
    """(SimPy events, domain events, seconds) for ``runs`` runs of the default scenario."""
    loaded = load_scenario(resolve_scenario_arg(None))
    events = domain = 0
    t0 = time.perf_counter()
    for seed in range(runs):
        engine = Engine(loaded, seed=seed)
        domain += len(engine.run())
        events += scheduled(engine.env)
    return events, domain, time.perf_counter() - t0
