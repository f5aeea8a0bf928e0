"""Multi-site drill figures: 40 terminals on one drill server at 60x.

    python benchmarks/networked_drill.py [--seconds S] [--clients N] [--speed X]

Starts ``drill host`` on the default scenario in its own process (19 roles played by
people), and N clients (default 40: two at each of the 19 roles, the facilitator and
an observer) in 4 worker processes. Once all are connected, the facilitator fires
every inject of the MSEL (so every team has work) and starts the clock; every player
client then acts at random every 1 to 4 wall seconds (acknowledges what it received,
notifies or asks another team for help, analyses).

It prints the 50th and 99th percentile of the delay from the engine producing an
event to its arrival at each client entitled to it (server and clients share this
machine's clock), the server's share of one CPU, and its memory.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scenarios import load_scenario, resolve_scenario_arg  # noqa: E402
from sim.engine import Action, ActionError  # noqa: E402
from sim.net.client import DrillClient, DrillConnectionError  # noqa: E402

WORKERS = 4


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _memory(pid: int) -> tuple[int, int]:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["VmRSS"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024


async def _player(client: DrillClient, rng: random.Random, until: float, roles: list[str],
                  counts: dict[str, int]) -> None:
    role = client.role
    if role is None:  # an observer's or the facilitator's client plays no role
        return
    while time.time() < until:
        await asyncio.sleep(rng.uniform(1.0, 4.0))
        state = client.state
        if state is None or not client.connected or not state.known[role]:
            continue
        incident = rng.choice(state.known[role])
        unread = [i.ref for i in state.inbox[role] if not i.acknowledged]
        choice = rng.random()
        if unread and choice < 0.4:
            action = Action(role, "acknowledge", incident, refs=tuple(unread))
        elif choice < 0.85:
            verb = rng.choice(["notify", "request_assistance"])
            target = rng.choice([r for r in roles if r != role])
            action = Action(role, verb, incident, targets=(target,), channel="email",
                            tlp="GREEN", text=f"benchmark message {rng.random():.6f}")
        else:
            action = Action(role, "analyse", incident)
        try:
            await client.act(action)
            counts["done"] += 1
        except ActionError:
            counts["refused"] += 1
        except (DrillConnectionError, TimeoutError):
            counts["lost"] += 1


async def _clients(urls: list[str], seconds: float, seed: int, roles: list[str], ready, go
                   ) -> tuple[list[float], dict[str, int]]:
    rng = random.Random(seed)
    delays: list[float] = []
    counts = {"done": 0, "refused": 0, "lost": 0, "events": 0}
    clients = []

    def arrived(ev: object, c: DrillClient) -> None:
        if c.event_at is not None:
            delays.append((time.time() - c.event_at) * 1000)
            counts["events"] += 1

    for url in urls:
        client = DrillClient(url)
        await client.connect()
        clients.append(client)
    # measure from the start on, not the catch-up of what happened before joining
    await asyncio.sleep(0.5)
    for client in clients:
        client.listen(partial(arrived, c=client))
    ready.set()
    while not go.is_set():
        await asyncio.sleep(0.01)
    until = time.time() + seconds
    tasks = [asyncio.create_task(_player(c, random.Random(rng.random()), until, roles, counts))
             for c in clients if c.access == "player"]
    await asyncio.sleep(max(0.0, until - time.time()))
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for c in clients:
        await c.close()
    return delays, counts


def _worker(urls: list[str], seconds: float, seed: int, roles: list[str], out, ready, go) -> None:
    out.put(asyncio.run(_clients(urls, seconds, seed, roles, ready, go)))


async def _start(facilitator: str, speed: float) -> None:
    """Fire every inject of the MSEL at once, so that every team has work, and run."""
    fac = DrillClient(facilitator, reconnect=False)
    await fac.connect()
    await fac.set_speed(speed)
    assert fac.scenario is not None  # a connected client has the scenario
    for inject in fac.scenario.injects:
        if inject.at is not None:
            await fac.fire_inject(inject.id)
    await fac.resume()
    await fac.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="wall seconds of play (default 60)")
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--speed", type=float, default=60.0)
    args = ap.parse_args()

    scenario = load_scenario(resolve_scenario_arg(None)).scenario
    roles = [a for a, spec in scenario.actors.items() if spec.kind != "exercise_control"][:19]
    with tempfile.TemporaryDirectory(prefix="netbench-") as folder:
        run(args, roles, Path(folder))


#: seconds ``drill host`` may take to start and write its invitations
START_LIMIT = 60.0


def run(args: argparse.Namespace, roles: list[str], tmp: Path) -> None:
    invites = tmp / "invites"
    cmd = [sys.executable, "-m", "sim.cli", "host", "--journal", str(tmp / "d.journal.sqlite"),
           "--listen", "127.0.0.1:0", "--invites", str(invites), "--speed", str(args.speed)]
    for role in roles:
        cmd += ["--role", role]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACID_DRILL_HOME": str(tmp)}
    errors = tmp / "host.err"
    with errors.open("wb") as err:
        host = subprocess.Popen(cmd, env=env, stderr=err, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + START_LIMIT
        while not invites.exists():
            if host.poll() is not None or time.monotonic() > deadline:
                why = errors.read_text(errors="replace").strip()[-2000:]
                sys.exit(f"drill host did not start (exit {host.returncode}):\n{why}")
            time.sleep(0.05)
        lines = invites.read_text().splitlines()
        by_what = dict(zip(lines[0::2], lines[1::2], strict=True))
        players = [by_what[f"# role {r}"] for r in roles]
        facilitator = by_what["# facilitator"]
        observer = by_what["# observers and evaluators"]
        urls = [facilitator, observer] + [players[i % len(players)]
                                          for i in range(max(0, args.clients - 2))]
        urls = urls[:args.clients]
        queue: mp.Queue = mp.Queue()
        ready = [mp.Event() for _ in range(WORKERS)]
        go = mp.Event()
        procs = [mp.Process(target=_worker, args=(urls[i::WORKERS], args.seconds, i, roles, queue,
                                                  ready[i], go))
                 for i in range(WORKERS)]
        for p in procs:
            p.start()
        for r in ready:
            r.wait()
        cpu0, wall0 = _cpu_seconds(host.pid), time.monotonic()
        asyncio.run(_start(facilitator, args.speed))
        go.set()
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
        cpu, wall = _cpu_seconds(host.pid) - cpu0, time.monotonic() - wall0
        rss, peak = _memory(host.pid)
    finally:
        host.send_signal(signal.SIGINT)
        host.wait(timeout=30)
    delays = sorted(d for ds, _ in results for d in ds)
    counts = {k: sum(c[k] for _, c in results) for k in results[0][1]}
    q = statistics.quantiles(delays, n=100) if len(delays) > 1 else [0.0] * 99
    print(f"{len(urls)} clients, {args.seconds:g} s at {args.speed:g}x: "
          f"{counts['done']} actions carried out, {counts['refused']} refused, "
          f"{counts['lost']} lost; {counts['events']} event deliveries")
    print(f"delay from engine event to arrival at each entitled client: "
          f"p50 {q[49]:.1f} ms, p99 {q[98]:.1f} ms, max {delays[-1] if delays else 0:.1f} ms")
    print(f"server: {100 * cpu / wall:.1f}% of one CPU, memory {rss} MiB (peak {peak} MiB)")


if __name__ == "__main__":
    main()
