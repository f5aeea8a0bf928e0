"""The review's "People vs model" tab: computed in the background, kept in the journal."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from test_journal_hardening import read_only

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis import review as review_mod
from sim.analysis.review import CACHE_NAME, load_review
from sim.runs.session import DrillSession, Journal

RUNS = 3


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A whole drill of the default scenario with MyCERT held by a person."""
    path = tmp_path_factory.mktemp("rev") / "drill.journal.sqlite"
    loaded = load_scenario(resolve_scenario_arg(None))
    session = DrillSession.start(loaded, journal_path=path, human=["mycert"])
    session.advance_to(loaded.scenario.drill.duration)
    session.close()
    return path


@pytest.fixture
def journal(recorded, tmp_path) -> Path:
    """A fresh copy of the recorded drill (no comparison kept in it yet)."""
    path = tmp_path / "copy.journal.sqlite"
    path.write_bytes(recorded.read_bytes())
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def simulations(monkeypatch) -> list[int]:
    """Counts the model's simulations (one entry, the runs, per comparison computed)."""
    calls: list[int] = []
    real = review_mod.model_distribution

    def counting(scenario, actors, runs=200, seed=0, progress=None, until=None):
        calls.append(runs)
        return real(scenario, actors, runs, seed, progress, until=until)

    monkeypatch.setattr(review_mod, "model_distribution", counting)
    return calls


def _load(path: Path, runs: int = RUNS, **kwargs):
    review, j = load_review(path, runs=runs, **kwargs)
    j.close()
    return review


def _head(path: Path) -> tuple[int, str]:
    j = Journal.open(path, readonly=True)
    try:
        return j.events_head()
    finally:
        j.close()


def test_the_comparison_is_kept_in_the_journal_and_used_on_the_second_open(journal, simulations):
    first = _load(journal)
    assert simulations == [RUNS]
    assert first.comparisons and all(c.runs == RUNS for c in first.comparisons)
    assert any(len(set(c.simulated)) > 1 for c in first.comparisons)  # seeded runs differ
    second = _load(journal)
    assert simulations == [RUNS]  # not simulated again
    assert second.comparisons == first.comparisons
    # a report (read-only) uses it too
    assert _load(journal, readonly=True).comparisons == first.comparisons
    assert simulations == [RUNS]


def test_the_kept_comparison_is_dropped_when_what_it_depends_on_changes(journal, simulations,
                                                                       monkeypatch):
    _load(journal)
    assert simulations == [RUNS]
    other = _load(journal, runs=RUNS + 1)  # more runs asked for
    assert simulations == [RUNS, RUNS + 1]
    assert all(c.runs == RUNS + 1 for c in other.comparisons)
    _load(journal, seed=7)  # another seed
    assert len(simulations) == 3
    monkeypatch.setattr("sim.runs.session.product_version", lambda: "99.0")
    _load(journal, seed=7)  # another version simulates differently
    assert len(simulations) == 4
    _load(journal, seed=7)
    assert len(simulations) == 4
    # more events in the journal: a facilitator's command after the end
    before = _head(journal)
    session = DrillSession.resume(journal)
    session.set_human("certph", True)
    session.close()
    assert _head(journal)[0] > before[0]
    again = _load(journal, seed=7)
    assert len(simulations) == 5
    assert {c.actor for c in again.comparisons} == {"mycert"}


def test_a_damaged_kept_comparison_is_computed_again(journal, simulations):
    good = _load(journal).comparisons
    j = Journal.open(journal)
    saved = j.derived(CACHE_NAME)
    saved["comparisons"][0]["simulated"] = ["[red]x[/]"]
    assert j.set_derived(CACHE_NAME, saved)
    j.close()
    assert _load(journal).comparisons == good
    assert simulations == [RUNS, RUNS]


@pytest.mark.parametrize("damage", [
    {"human": None, "simulated": []},  # compared nothing with nothing: the screen's plot fails
    {"simulated": [1.0] * (RUNS + 1)},  # more values than runs
    {"simulated": [-1e308, 1e308]},  # times no drill has: the screen's plot fails
    {"runs": 0},  # not the runs asked for: "nan%" on the screen, NaN in the JSON report
])
def test_a_kept_comparison_that_cannot_be_is_computed_again(journal, simulations, damage):
    good = _load(journal).comparisons
    j = Journal.open(journal)
    saved = j.derived(CACHE_NAME)
    saved["comparisons"][0].update(damage)
    assert j.set_derived(CACHE_NAME, saved)
    j.close()
    assert _load(journal).comparisons == good
    assert simulations == [RUNS, RUNS]


def test_a_read_only_journal_is_reviewed_without_keeping_the_comparison(journal, simulations):
    with read_only(journal):
        review, j = load_review(journal, runs=RUNS)
        assert not j.writable
        assert review.comparisons
        assert j.derived(CACHE_NAME) is None
        j.close()
        _load(journal)
        assert simulations == [RUNS, RUNS]  # nothing was kept: computed again
    # opened for a report, a writable journal is not written either
    _load(journal, readonly=True)
    j = Journal.open(journal)
    assert j.derived(CACHE_NAME) is None
    j.close()


def test_without_a_person_or_runs_nothing_is_simulated(tmp_path, simulations):
    path = tmp_path / "policy.journal.sqlite"
    loaded = load_scenario(resolve_scenario_arg(None))
    session = DrillSession.start(loaded, journal_path=path)
    session.advance_to(120)
    session.close()
    assert _load(path).comparisons == [] and _load(path, background=True).pending is None
    assert _load(path, runs=0).comparisons == []
    assert simulations == []


# --- in the terminal app ------------------------------------------------------------

pytest.importorskip("textual")

from test_tui import until  # noqa: E402  (the same settling helpers as the other UI tests)


async def test_the_review_shows_before_the_comparison_and_progress_while_it_runs(journal,
                                                                                 monkeypatch):
    from textual.widgets import DataTable, ProgressBar, Static

    from tui.review import ReviewApp

    inline = _load(journal, readonly=True).comparisons  # computed in the test, not kept
    review, j = load_review(journal, runs=RUNS, background=True)
    assert review.pending is not None and review.comparisons == []
    # hold the worker after its first run until the test has looked at the screen
    go_on = threading.Event()
    pending = review.pending
    real = pending.compute

    def held(progress):
        def step(done, runs):
            progress(done, runs)
            if done == 1:
                assert go_on.wait(30)

        return real(step)

    monkeypatch.setattr(pending, "compute", held)
    app = ReviewApp(review, j)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            screen = app.screen
            await until(pilot, lambda: "1/3" in str(
                screen.query_one("#model-status", Static).render()))
            assert not screen.model_ready
            # the first tab and the expectations are there already
            assert screen.query_one("#swimlane").marks
            assert screen.query_one("#exp", DataTable).row_count == len(
                review.metrics["expectations"]) > 0
            bar = screen.query_one("#model-progress", ProgressBar)
            assert (bar.progress, bar.total) == (1, RUNS) and bar.display
            assert screen.query_one("#model", DataTable).row_count == 0
            # the screen answers meanwhile
            await pilot.press("i")
            await pilot.press("3")
            screen.query_one("#review-tabs").active = "tab-breakdown"
            await until(pilot, lambda: screen.query_one("#breakdown", DataTable).row_count
                        == len(review.hops) > 0)
            go_on.set()
            await until(pilot, lambda: screen.model_ready, seconds=30)
            await pilot.pause()
            assert review.comparisons == inline  # the same as computed inline
            assert not bar.display
            # the table is filled when its tab is first shown
            assert screen.query_one("#model", DataTable).row_count == 0
            screen.query_one("#review-tabs").active = "tab-model"
            await until(pilot, lambda: screen.query_one("#model", DataTable).row_count
                        == len(inline))
    finally:
        go_on.set()
        j.close()
    # and it was kept in the journal
    assert _load(journal, background=True).comparisons == inline


async def test_a_read_only_journal_opens_in_the_app_and_computes_the_comparison(journal):
    from textual.widgets import DataTable

    from tui.review import ReviewApp

    with read_only(journal):
        review, j = load_review(journal, runs=RUNS, background=True)
        assert not j.writable and review.pending is not None
        app = ReviewApp(review, None)  # as drill review does with a read-only journal
        async with app.run_test(size=(120, 34)) as pilot:
            await until(pilot, lambda: app.screen.model_ready, seconds=30)
            app.screen.query_one("#review-tabs").active = "tab-model"
            await until(pilot, lambda: app.screen.query_one("#model", DataTable).row_count
                        == len(review.comparisons) > 0)
        assert j.derived(CACHE_NAME) is None
        j.close()


def test_the_background_runs_happen_in_another_process_and_give_the_same_comparison(
        journal, simulations):
    """On screen the runs are simulated apart (the UI keeps its interpreter); the
    comparison is the one computed inline, run for run, with progress reported here."""
    review, j = load_review(journal, runs=RUNS, background=True)
    j.close()
    pending = review.pending
    assert pending is not None and pending.apart
    seen: list[tuple[int, int]] = []
    apart = pending.compute(lambda done, runs: seen.append((done, runs)))
    assert simulations == []  # not simulated in this process: the counter never ran
    assert seen[-1] == (RUNS, RUNS) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    pending.apart = False
    assert apart == pending.compute() and apart


def test_a_failure_in_the_child_is_said_here(journal):
    review, j = load_review(journal, runs=RUNS, background=True)
    j.close()
    pending = review.pending
    assert pending is not None and pending.apart
    pending.runs = "three"  # type: ignore[assignment]  # the child cannot count its runs
    with pytest.raises(RuntimeError, match="TypeError"):
        pending.compute()
