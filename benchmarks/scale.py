"""How validation and a run grow with a scenario's size.

    python benchmarks/scale.py [--injects 1000,5000,20000] [--actors 200]

For each size, writes a scenario with the ASEAN library, extra victim organisations
up to ``--actors`` actors in all, and that many injects (one incident per ten
injects, spread over the drill) into a temporary folder, then, in a fresh process
each: loads and validates it (``load_scenario``), runs it once with seed 0, and
reports validation time, run time, domain and SimPy events, run time per thousand
domain events, and the process's peak memory (RSS). Growth that is near-linear shows
as a steady time per event and per inject. Compare the columns between sizes, not
the seconds between machines.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COUNTRIES = [("PH", "Asia/Manila"), ("TH", "Asia/Bangkok"), ("ID", "Asia/Jakarta"),
             ("MY", "Asia/Kuala_Lumpur"), ("VN", "Asia/Ho_Chi_Minh"), ("SG", "Asia/Singapore"),
             ("JP", "Asia/Tokyo"), ("KH", "Asia/Phnom_Penh"), ("LA", "Asia/Vientiane")]
CERTS = {"PH": "certph", "TH": "thaicert", "ID": "idsirtii", "MY": "mycert", "VN": "vncert",
         "SG": "singcert", "JP": "jpcert", "KH": "camcert", "LA": "laocert"}
LIBRARY_ACTORS = 47  # the ASEAN library's actors, with the two ISPs below


def scenario_text(injects: int, actors: int) -> str:
    """A valid scenario of ``injects`` injects and about ``actors`` actors."""
    days = max(2, injects // 1000 + 2)
    out = [
        "include: [asean/actors, asean/channels, asean/frameworks]",
        "drill:",
        f"  id: scale-{injects}",
        f"  title: Scale test, {injects} injects",
        "  start: \"2026-09-09T09:00:00+08:00\"",
        f"  duration: {days}d",
        "actors:",
        "  isp-my: {name: Hosting MY, kind: isp, country: MY, timezone: Asia/Kuala_Lumpur,"
        " staffing: 24/7, contacts: {email: {address: abuse@isp-my.example}}}",
        "  isp-vn: {name: Hosting VN, kind: isp, country: VN, timezone: Asia/Ho_Chi_Minh,"
        " contacts: {email: {address: abuse@isp-vn.example}}}",
    ]
    victims = []
    for k in range(max(0, actors - LIBRARY_ACTORS)):
        cc, tz = COUNTRIES[k % len(COUNTRIES)]
        vid = f"v{k}"
        victims.append((vid, cc))
        out.append(f"  {vid}: {{name: Bank {k}, kind: victim, country: {cc}, timezone: {tz},"
                   f" contacts: {{email: {{address: soc@{vid}.example}}}}}}")
    out.append("injects:")  # a block sequence at column 0 (fewer bytes a line)
    span = (days - 1) * 1440
    for i in range(injects):
        minute = 15 + i * span // max(1, injects)
        at = f"T+{minute // 1440}d{minute % 1440 // 60:02d}:{minute % 60:02d}"
        inc = i // 10
        vid, cc = victims[i % len(victims)] if victims else ("hicon", "PH")
        host = COUNTRIES[(inc + 3) % len(COUNTRIES)][0]
        if i % 10 == 0:
            incident = (f"{{id: i{inc}, type: botnet, severity: high, affected: [{cc}],"
                        f" hosted_in: [{host}]}}")
        else:
            incident = f"{{id: i{inc}}}"
        # compact lines: 20,000 injects stay under the 2 MB cap on scenario files
        out.append(f"- {{id: x{i}, at: {at}, sender: {vid}, to: [{CERTS[cc]}], via: email,"
                   f" incident: {incident}}}")
    return "\n".join(out) + "\n"


MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from scenarios import load_scenario
from sim.engine import Engine
t1 = time.perf_counter()
loaded = load_scenario({path!r})
t2 = time.perf_counter()
engine = Engine(loaded, seed=0)
log = engine.run()
t3 = time.perf_counter()
print(json.dumps({{"imports": t1 - t0, "validate": t2 - t1, "run": t3 - t2, "events": len(log),
                  "simpy": next(engine.env._eid), "actors": len(loaded.scenario.actors),
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(path: Path, root: Path) -> dict:
    code = MEASURE.format(root=str(root), path=str(path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    if done.returncode != 0:
        sys.exit(f"{path.name}: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--injects", default="1000,5000,20000")
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="checkout whose code runs (default: this one)")
    args = parser.parse_args()
    sizes = [int(x) for x in args.injects.split(",")]
    print(f"{'injects':>8}{'actors':>8}{'MB':>7}{'validate s':>12}{'run s':>9}"
          f"{'events':>9}{'SimPy ev':>10}{'ms/1k ev':>10}{'peak MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"scale-{n}.yaml"
            path.write_text(scenario_text(n, args.actors), encoding="utf-8")
            r = measure(path, args.root.resolve())
            print(f"{n:>8,}{r['actors']:>8}{path.stat().st_size / 1e6:>7.2f}"
                  f"{r['validate']:>12.2f}{r['run']:>9.2f}{r['events']:>9,}{r['simpy']:>10,}"
                  f"{1000 * r['run'] / max(1, r['events']) * 1000:>10.1f}{r['rss']:>9.0f}")


if __name__ == "__main__":
    main()
