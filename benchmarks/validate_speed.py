"""How long a scenario at the size cap takes to read and validate, in one run.

    python benchmarks/validate_speed.py [--injects N] [--trials K]

Writes a scenario of about 2 MB (the default scenario with N short injects added,
default 20,000, trimmed to stay under the 2 MB cap) into a temporary folder, then
loads and validates it K times (default 3) with libyaml's C parser and K times with
PyYAML's pure-Python parser, alternating which goes first. Both paths share every
other step, so the ratio isolates the parser. Reports the best and median wall time
of each, their ratio, and the peak Python memory of one load of each (tracemalloc).
Compare ratios, not seconds: they depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scenarios import load_scenario, yamlsrc  # noqa: E402
from scenarios.loader import build_models, bundled_dir  # noqa: E402

INJECT = ('  - {{id: "X{i}", at: "T+{h:02d}:{m:02d}", type: information, sender: hicon, '
          "to: [thaicert], via: email, title: Sensor hit {i}, text: Sensor hit, "
          "incident: {{id: botnet}}}}\n")


def big_scenario(folder: Path, injects: int) -> tuple[Path, int]:
    src = (bundled_dir() / "acid-botnet.yaml").read_text(encoding="utf-8")
    head, rest = src.split("injects:\n", 1)
    own, tail = rest.split("\nexpectations:", 1)
    parts = [head, "injects:\n", own, "\n"]
    size = sum(len(p.encode()) for p in parts) + len(tail.encode()) + 20
    n = 0
    for i in range(injects):
        line = INJECT.format(i=i, h=(i // 60) % 8, m=i % 60)
        if size + len(line) >= yamlsrc.MAX_BYTES:
            break
        parts.append(line)
        size += len(line)
        n += 1
    parts.append("\nexpectations:" + tail)
    path = folder / "big.yaml"
    path.write_text("".join(parts), encoding="utf-8")
    return path, n


def timed(path: Path, parser: type) -> float:
    yamlsrc._PARSER = parser
    gc.collect()
    t0 = time.perf_counter()
    load_scenario(path)
    return time.perf_counter() - t0


def peak_mb(path: Path, parser: type) -> float:
    yamlsrc._PARSER = parser
    gc.collect()
    tracemalloc.start()
    load_scenario(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--injects", type=int, default=20_000)
    ap.add_argument("--trials", type=int, default=3)
    args = ap.parse_args()
    if not getattr(yaml, "__with_libyaml__", False):
        sys.exit("PyYAML was built without libyaml here: only the pure-Python parser exists")
    parsers = {"libyaml (C)": yaml.CSafeLoader, "pure Python": yaml.SafeLoader}
    with tempfile.TemporaryDirectory() as tmp:
        path, n = big_scenario(Path(tmp), args.injects)
        print(f"scenario: {path.stat().st_size:,} bytes, {n:,} added injects")
        times: dict[str, list[float]] = {name: [] for name in parsers}
        # untimed: the first load builds the scenario models' validators and fills the
        # file cache, which neither parser should pay for
        build_models()
        path.read_bytes()
        for trial in range(args.trials):
            order = list(parsers) if trial % 2 == 0 else list(reversed(parsers))
            for name in order:
                times[name].append(timed(path, parsers[name]))
        for name, parser in parsers.items():
            ts = times[name]
            print(f"{name:<12} best {min(ts):6.2f} s  median {statistics.median(ts):6.2f} s  "
                  f"peak Python memory {peak_mb(path, parser):6.0f} MB")
        c, py = times["libyaml (C)"], times["pure Python"]
        print(f"pure/C time ratio: {statistics.median(py) / statistics.median(c):.2f} (median), "
              f"{min(py) / min(c):.2f} (best)")


if __name__ == "__main__":
    main()
