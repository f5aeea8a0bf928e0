"""Live-drill figures: how far the display lags the engine, and opening a big journal.

    python benchmarks/live_drill.py [--seconds S]

1. Runs the default scenario in the terminal app (headless) at 60x for S wall
   seconds from its first inject, and at 3600x, and reports per clock tick: the time
   a tick takes (advance the engine, redraw), and the lag between the drill clock and
   the drill time on screen when the redraw finishes, in drill seconds.
2. Records a drill of at least 10,000 events (the default scenario with extra
   incidents, one team played by a person), then times resuming it (replaying and
   checking the journal) and opening it in the app.
3. Times the review of that journal, in this process as `drill review` runs it (the
   interpreter's start-up and the command's imports not counted; --runs model runs,
   default 20, where `drill review` makes 200): from asking for it to its first screen
   with the tables filled (the People vs model runs still going on in the background),
   and the same once the comparison is kept in the journal; the two are measured
   alternately, the order reversed every other time, --repeat times each, and the
   median is shown.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml
from textual.widgets import DataTable

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import CACHE_NAME, load_review
from sim.runs.session import DrillSession, Journal
from tui.app import DrillApp
from tui.review import ReviewApp
from tui.screens.review import ReviewScreen


class Probe(DrillApp):
    """The app, measuring every tick."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.samples: list[tuple[float, float]] = []

    def tick(self) -> None:
        t0 = time.perf_counter()
        super().tick()
        took = time.perf_counter() - t0
        lag_drill_seconds = (self.clock.drill_time() - self.session.now) * 60
        self.samples.append((took, lag_drill_seconds))


async def lag(speed: float, seconds: float) -> list[tuple[float, float]]:
    session = DrillSession.start(load_scenario(resolve_scenario_arg(None)), record=False)
    app = Probe(session, speed=speed)
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("j")  # the first inject
        await pilot.press("space")
        await pilot.pause(seconds)
    return app.samples


def big_scenario(tmp: Path, incidents: int) -> Path:
    src = resolve_scenario_arg(None)
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["include"] = ["asean/actors", "asean/channels", "asean/frameworks"]
    certs = ["certph", "thaicert", "idsirtii", "mycert", "vncert", "singcert"]
    countries = ["PH", "TH", "ID", "MY", "VN", "SG"]
    for n in range(incidents):
        data["injects"].append({
            "id": f"x{n}", "at": f"T+{(m := n * 2820 // incidents) // 60:02d}:{m % 60:02d}",
            "sender": "hicon",
            "to": [certs[n % len(certs)]], "via": "email", "tlp": "GREEN",
            "title": f"Extra incident {n}",
            "incident": {"id": f"extra-{n}", "type": "botnet", "severity": "high",
                         "affected": countries, "hosted_in": ["MY", "VN"],
                         "crime_suspected": True},
        })
    # enough hands that the extra work does not just queue up
    for aid in [*certs, "ansac", "aseanapol", "jpcert"] + [f"police-{c.lower()}" for c in countries]:
        data["actors"].setdefault(aid, {})["capacity"] = 100
    out = tmp / "big.yaml"
    out.write_text(yaml.safe_dump(data), encoding="utf-8")
    return out


async def open_in_app(path: Path) -> float:
    t0 = time.perf_counter()
    app = DrillApp(DrillSession.resume(path))
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.pause()
        took = time.perf_counter() - t0
    return took


async def review_first_screen(path: Path, runs: int) -> tuple[float, bool]:
    """Seconds from the review being asked for to its first screen, tables filled, in
    this process (the interpreter's start-up and the imports of `drill review` are not
    counted); and whether the comparison with the model was already there (from the
    journal)."""
    # as a fresh process would: no garbage of earlier work to collect
    gc.collect()
    t0 = time.perf_counter()
    review, journal = load_review(path, runs=runs, background=True)
    app = ReviewApp(review, journal)
    try:
        async with app.run_test(size=(120, 34)) as pilot:
            while not (isinstance(app.screen, ReviewScreen)
                       and app.screen.query_one("#exp", DataTable).row_count):
                await pilot.pause()
            await pilot.pause()  # drawn
            took = time.perf_counter() - t0
            cached = app.screen.model_ready
            app.exit()
    finally:
        journal.close()
    return took, cached


def report(label: str, samples: list[tuple[float, float]]) -> None:
    took = [s[0] * 1000 for s in samples]
    lags = [s[1] for s in samples]
    print(f"{label:<12}{len(samples):>7}{statistics.mean(took):>10.1f}{max(took):>9.1f}"
          f"{statistics.mean(lags):>12.2f}{max(lags):>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=20,
                        help="model runs of the review's comparison (default 20; drill review: 200)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("display lag (tick every 0.2 s; lag = drill clock minus drill time on screen)")
    print(f"{'speed':<12}{'ticks':>7}{'mean ms':>10}{'max ms':>9}{'mean lag s':>12}{'max s':>9}")
    report("60x", asyncio.run(lag(60, args.seconds)))
    report("3600x", asyncio.run(lag(3600, args.seconds)))

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        loaded = load_scenario(big_scenario(tmp_path, 230))
        journal = tmp_path / "big.journal.sqlite"
        t0 = time.perf_counter()
        session = DrillSession.start(loaded, journal_path=journal, human=["mycert"])
        session.advance_to(loaded.scenario.drill.duration)
        session.close()
        record = time.perf_counter() - t0
        t0 = time.perf_counter()
        resumed = DrillSession.resume(journal)
        events = len(resumed.engine.log)
        resumed.close()
        resume = time.perf_counter() - t0
        app_open = asyncio.run(open_in_app(journal))
        print()
        print(f"journal of {events:,} events ({journal.stat().st_size / 1e6:.1f} MB):")
        print(f"  recording the whole drill  {record:6.2f} s")
        print(f"  resuming it (replay+check) {resume:6.2f} s")
        print(f"  opening it in the app      {app_open:6.2f} s  (resume + first screen)")

        t0 = time.perf_counter()
        load_review(journal, runs=args.runs)[1].close()  # computed inline, kept in the journal
        compute = time.perf_counter() - t0
        j = Journal.open(journal)
        kept = j.derived(CACHE_NAME)
        first: list[float] = []
        again: list[float] = []
        for r in range(args.repeat):  # alternately without and with the kept comparison
            for keep in ((False, True) if r % 2 == 0 else (True, False)):
                j.set_derived(CACHE_NAME, kept if keep else None)
                took, cached = asyncio.run(review_first_screen(journal, args.runs))
                assert cached == keep
                (again if keep else first).append(took)
        j.close()
        print(f"  the review's {args.runs} model runs    {compute:6.2f} s  (inline; in the "
              "background on screen)")
        print(f"review first screen: {statistics.median(first):.2f} s for a "
              f"{events:,}-event journal (model runs in the background)")
        print(f"review opened again: {statistics.median(again):.2f} s (comparison kept in the "
              "journal)")


if __name__ == "__main__":
    main()
