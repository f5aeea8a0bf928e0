"""Fuzzing: hostile scenario files get a clean answer from every command.

The bundled scenarios and templates are mutated (keys deleted, types changed, numbers
made huge, zero, negative, infinite or NaN, durations that overflow, lists or
mappings where ids belong, deep nesting, terminal escapes and markup in text,
absurd dates, empty working days, odd time zones, includes that leave the
scenario's folder or point at ``/dev/zero`` or a FIFO, files cut short or with
bytes flipped). For each one, ``validate``, ``lint``, ``explain``, ``run``,
``run --journal`` (then the journal is reopened and reported on) and, for some,
``batch`` either succeed or exit 2 or 3 with one-line ``file:line:col`` problems:
no traceback, no hang, no outside file shown, no unresumable journal.

The default run is short and the same every time. For thousands of cases::

    DRILL_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz_scenarios.py

``DRILL_FUZZ_SEED`` picks other cases, ``DRILL_FUZZ_TIMEOUT`` sets the time limit of
one command (seconds, default 10), ``DRILL_FUZZ_SAVE`` where the failing scenario
is written, and ``DRILL_FUZZ_SHRINK=1`` makes hypothesis shrink the failing case.
``python -m fuzzing.discover`` (from ``tests/``) groups the failures of a long run
and writes a reproducer per group.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from fuzzing.harness import (
    CommandTimeout,
    Outcome,
    Report,
    call,
    check_outcome,
    describe,
    memory_capped,
    run_case,
)
from fuzzing.mutate import CANARY, SOURCE_DATA, SOURCE_NAMES, Case, cases, dump_data, materialize
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("DRILL_FUZZ_EXAMPLES", "40"))
SEED = os.environ.get("DRILL_FUZZ_SEED")
SAVE = Path(os.environ.get("DRILL_FUZZ_SAVE") or Path(tempfile.gettempdir()) / "drill-fuzz-failure.yaml")


def _save(case: Case) -> Path:
    SAVE.write_bytes(case.raw)
    return SAVE


fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED is None,
    database=None,
    suppress_health_check=list(HealthCheck),
    # shrinking runs every command hundreds of times; the failure names its mutations,
    # and python -m fuzzing.discover makes the reproducer small
    phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("DRILL_FUZZ_SHRINK") else []),
)


@fuzz_settings
@given(case=cases(), with_batch=st.integers(0, 9))
def test_every_command_answers_a_hostile_scenario_cleanly(case, with_batch):
    report = run_case(case, batch=with_batch == 0)
    if report.failures:
        where = _save(case)
        raise AssertionError(
            f"{case.describe()}\nscenario written to {where} (target: {case.target})\n{describe(report)}")


if SEED is not None:
    test_every_command_answers_a_hostile_scenario_cleanly = seed(int(SEED))(
        test_every_command_answers_a_hostile_scenario_cleanly)


# --- the harness itself: what it is given back unmutated, and what it catches ---------------


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_unmutated_sources_pass_every_command(source):
    """Read and written back without a mutation, every source runs everywhere.

    This is what makes a failure of the property above the mutation's doing.
    """
    report = run_case(Case(source, dump_data(SOURCE_DATA[source]).encode()), batch=True)
    assert not report.failures, describe(report)
    codes = {o.name: o.code for o in report.outcomes}
    assert codes["validate"] == 0 and codes["run"] == 0 and codes["run --journal"] == 0
    assert codes["resume"] == 0 and codes["report"] == 0 and codes["batch"] == 0
    assert '"incidents"' in next(o.out for o in report.outcomes if o.name == "run")


def test_a_crash_is_reported_with_its_type():
    report = Report()
    check_outcome(call("validate", ["validate"], fn=lambda: int("x")), report, expect_located=True)
    assert [f.kind for f in report.failures] == ["exception"]
    assert report.failures[0].detail.startswith("ValueError:")


def test_a_hang_is_stopped_and_reported():
    started = time.perf_counter()
    outcome = call("validate", ["validate"], fn=lambda: time.sleep(30), timeout=0.3)
    assert time.perf_counter() - started < 5
    assert isinstance(outcome.exc, CommandTimeout)
    report = Report()
    check_outcome(outcome, report, expect_located=True)
    assert [f.kind for f in report.failures] == ["hang"]


@pytest.mark.skipif(not memory_capped(), reason="the address-space cap needs Linux")
def test_a_read_without_end_is_stopped_as_a_memory_failure(monkeypatch):
    import fuzzing.harness as harness

    monkeypatch.setattr(harness, "MEMORY_HEADROOM", 200 * 1024 * 1024)
    outcome = call("validate", ["validate"], fn=lambda: len(Path("/dev/zero").read_bytes()))
    report = Report()
    check_outcome(outcome, report, expect_located=True)
    assert [f.kind for f in report.failures] == ["memory"]


@pytest.mark.parametrize(
    ("outcome", "kind"),
    [
        (Outcome("validate", [], code=2, out="something is wrong\n1 problem found\n"), "unlocated problem"),
        (Outcome("validate", [], code=2, out="1 problem found\n"), "no problem given"),
        (Outcome("run", [], code=2, err="something is wrong\n1 problem found\n"), "unlocated problem"),
        (Outcome("lint", [], code=2, out="None: error: drill: bad\n"), "unlocated problem"),
        (Outcome("explain", [], code=0, out="Title \x1b[2J\n"), "control characters"),
        (Outcome("run", [], code=0, out="x \u202eevil\n"), "control characters"),
        (Outcome("run", [], code=3, err=f"s.yaml:1:1: {CANARY}_key\n"), "outside file read"),
        (Outcome("run", [], code=3, err="Traceback (most recent call last):\n  x\n"),
         "traceback printed"),
        (Outcome("validate", [], code=1, out="?"), "exit code"),
    ],
)
def test_broken_promises_in_the_output_are_caught(outcome, kind):
    report = Report()
    check_outcome(outcome, report, expect_located=True)
    assert kind in [f.kind for f in report.failures]


def test_clean_answers_pass():
    report = Report()
    check_outcome(Outcome("validate", [], code=2, out="s.yaml:3:5: drill.id: bad id\n1 problem found\n"),
                  report, expect_located=True)
    check_outcome(Outcome("lint", [], code=1, out="s.yaml:3:5: warning: odd\n"), report,
                  expect_located=True)
    assert report.failures == []


def test_cases_are_laid_out_with_the_files_they_point_at(tmp_path):
    case = Case("bundled/tutorial", b"include: ['@ROOT@/secret.yaml', ../secret.yaml]\n")
    scenario = materialize(case, tmp_path)
    assert scenario.read_text(encoding="utf-8") == (
        f"include: ['{tmp_path}/secret.yaml', ../secret.yaml]\n")
    assert CANARY in (scenario.parent / ".." / "secret.yaml").read_text(encoding="utf-8")
    assert (scenario.parent / "link.yaml").resolve() == (tmp_path / "secret.yaml").resolve()


@settings(max_examples=300, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_the_generator_makes_files_for_any_draw(case):
    """Generation alone (no command run): every draw gives bytes and names its steps."""
    assert isinstance(case.raw, bytes)
    assert case.target == "scenario" or not case.steps
    assert case.source in SOURCE_NAMES
