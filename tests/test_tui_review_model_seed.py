"""The hot wash's People vs model tab makes the comparison `drill review` and
`drill report` make of the same journal: as many runs, the same seed (not the drill's)."""

from __future__ import annotations

import inspect

import pytest

pytest.importorskip("textual")

from test_tui import until

import tui.app
from scenarios import load_scenario, resolve_scenario_arg
from sim import cli
from sim.analysis.review import compare, load_review
from sim.runs.session import DrillSession
from tui.app import DrillApp
from tui.screens.review import ReviewScreen

DEFAULT = resolve_scenario_arg(None)


def test_the_hot_wash_uses_the_runs_and_seed_of_drill_review_and_drill_report():
    parser = cli.build_parser()
    for command in ("review", "report"):
        assert parser.parse_args([command, "drill.sqlite"]).runs == tui.app.MODEL_RUNS
    # neither command gives load_review a seed: its own default is the one they use
    assert inspect.signature(load_review).parameters["seed"].default == tui.app.MODEL_SEED
    assert inspect.signature(DrillApp.action_review).parameters["runs"].default in (
        None, tui.app.MODEL_RUNS)


async def test_the_hot_wash_comparison_is_the_one_drill_review_finds(tmp_path, monkeypatch):
    """A drill played with seed 7: the review at its end compares with the model's runs
    from seed 0, and keeps them in the journal where `drill review` finds them."""
    runs = 3  # few runs: the test is about which ones, not how many
    monkeypatch.setattr(tui.app, "MODEL_RUNS", runs)
    path = tmp_path / "seed7.sqlite"
    loaded = load_scenario(DEFAULT)
    session = DrillSession.start(loaded, seed=7, human=["certph"], journal_path=path)
    app = DrillApp(session, speed=60, tick=3600)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        app.clock.resume()
        app.clock.jump_to(loaded.scenario.drill.duration + 60)
        app.tick()
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        screen = app.screen
        assert screen.review.pending is not None
        assert (screen.review.pending.runs, screen.review.pending.seed) == (runs, 0)
        await until(pilot, lambda: screen.model_ready, seconds=60)
        shown = list(screen.review.comparisons)
    assert shown
    events = list(session.engine.log)
    assert shown == compare(events, loaded.scenario, runs=runs, seed=0)
    # `drill review --runs 3` finds it in the journal: nothing to simulate again
    review, journal = load_review(path, runs=runs, background=True)
    try:
        assert review.pending is None
        assert review.comparisons == shown
    finally:
        journal.close()

