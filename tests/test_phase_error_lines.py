"""A phase or standby window that ends before it starts, or whose time is not a drill
time, is reported at the phase's or window's own line and path, not at ``drill:``."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import ScenarioError, bundled_dir

TUTORIAL = bundled_dir() / "tutorial.yaml"
DURATION = "  duration: 8h                     # one working day of play\n"


def write(tmp_path: Path, drill_lines: str) -> Path:
    text = TUTORIAL.read_text(encoding="utf-8")
    assert DURATION in text
    path = tmp_path / "my-drill.yaml"
    path.write_text(text.replace(DURATION, DURATION + drill_lines), encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[str, str, str]]:
    """(path, message, the text of the line it is reported at)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for p in info.value.problems:
        assert Path(p.mark.file) == path
        out.append((p.path, p.message, lines[p.mark.line - 1][p.mark.col - 1:]))
    return out


PHASES = ('  phases:\n'
          '    triage: {start: "T+00:00", end: "T+03:00"}\n'
          '    {extra}\n'
          '    response: {start: "T+03:00"}\n')


def test_a_phase_that_ends_before_it_starts(tmp_path):
    path = write(tmp_path, PHASES.replace("{extra}", 'bad: {start: "T+05:00", end: "T+02:00"}'))
    assert problems(path) == [("drill.phases.bad.end", "phase 'bad' ends before it starts",
                               '"T+02:00"}')]


def test_a_phase_that_starts_after_the_drill_it_ends_with(tmp_path):
    # no end: it would end with the drill, before it starts
    path = write(tmp_path, PHASES.replace("{extra}", 'late: {start: "T+09:00"}'))
    assert problems(path) == [(
        "drill.phases.late.start",
        "phase 'late' ends before it starts (it has no end, so it ends with the drill, at "
        "T+08:00)", '"T+09:00"}')]


def test_a_phase_time_that_is_not_a_drill_time(tmp_path):
    path = write(tmp_path, PHASES.replace("{extra}", "").replace(
        'response: {start: "T+03:00"}', 'response: {start: "T+3h"}'))
    [(where, message, line)] = problems(path)
    assert where == "drill.phases.response.start"
    assert message.startswith("'T+3h' is not a drill time")
    assert line == '"T+3h"}'


def test_every_bad_window_is_reported_at_once(tmp_path):
    path = write(tmp_path, PHASES.replace("{extra}", 'bad: {start: "T+05:00", end: "T+02:00"}')
                 + '  standby: [{actors: [singcert], start: "T+06:00", end: "T+02:00"},\n'
                   '            {actors: [mycert], start: "soon"}]\n')
    found = problems(path)
    assert [(p, m) for p, m, _ in found] == [
        ("drill.phases.bad.end", "phase 'bad' ends before it starts"),
        ("drill.standby[0].end", "standby of singcert ends before it starts"),
        ("drill.standby[1].start", "'soon' is not a drill time; write 'T+01:30', 'T+1d02:00' or "
                                   "an absolute time like '2026-09-09T10:00:00+08:00'"),
    ]


def test_a_standby_that_ends_before_it_starts(tmp_path):
    path = write(tmp_path, '  standby: [{actors: [mycert], start: "T+06:00", end: "T+02:00"}]\n')
    assert problems(path) == [("drill.standby[0].end", "standby of mycert ends before it starts",
                               '"T+02:00"}]')]


def test_good_windows_still_load(tmp_path):
    loaded = load_scenario(write(tmp_path, PHASES.replace("{extra}", "")
                                 + '  standby: [{actors: [mycert], start: "T+01:00"}]\n'))
    assert loaded.scenario.drill.phase_window("triage") == (0.0, 180.0)
    assert loaded.scenario.drill.standby_window(loaded.scenario.drill.standby[0]) == (60.0,
                                                                                      480.0)
