"""A drill's `start` written in another zone than the drill clock's (`clock_timezone`).

The start is an instant; `drill explain` shows it on the drill clock, in the drill
clock's own zone, so that the time printed beside the zone's name is that zone's.
`drill lint` warns when the start's UTC offset is not the drill clock's at that
instant (``start-other-zone``): 09:00 written in Bangkok time is 10:00 on a
Singapore drill clock, which is rarely what an organiser meant.
"""

from __future__ import annotations

from pathlib import Path

from scenarios import load_scenario
from sim.authoring.explain import explain
from sim.authoring.lint import lint
from sim.cli import main

START = 'start: "2026-09-15T09:00:00+08:00"'


def _takedown(tmp_path: Path, monkeypatch, capsys, old: str = "", new: str = "") -> Path:
    """The cert-takedown template (drill clock Asia/Singapore), ``old`` replaced by
    ``new``."""
    monkeypatch.chdir(tmp_path)
    assert main(["new", "bkk", "--template", "cert-takedown"]) == 0
    capsys.readouterr()
    path = tmp_path / "bkk.yaml"
    text = path.read_text(encoding="utf-8")
    assert START in text and old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _zone(loaded) -> list:
    return [f for f in lint(loaded) if f.code == "start-other-zone"]


def test_explain_shows_a_start_in_another_zone_on_the_drill_clock(tmp_path, monkeypatch,
                                                                  capsys):
    path = _takedown(tmp_path, monkeypatch, capsys, START, START.replace("+08:00", "+07:00"))
    text = explain(load_scenario(path).scenario)
    assert text.splitlines()[1] == \
        "drill clock starts 2026-09-15T10:00:00+08:00 (Asia/Singapore), lasts 8h"
    # the first inject, at T+00:30, reaches CERT-PH (Manila, UTC+8) at 10:30
    assert "Tue 15 Sep 10:30 PST" in text


def test_lint_warns_of_a_start_in_another_zone(tmp_path, monkeypatch, capsys):
    path = _takedown(tmp_path, monkeypatch, capsys, START, START.replace("+08:00", "+07:00"))
    (found,) = _zone(load_scenario(path))
    assert found.path == "drill.start"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert found.mark is not None and "+07:00" in lines[found.mark.line - 1]
    assert "UTC+07:00" in found.message and "10:00" in found.message
    assert "Asia/Singapore" in found.message and "UTC+08:00" in found.message


def test_a_start_in_the_drill_clocks_zone_is_clean_and_shown_as_written(
        tmp_path, monkeypatch, capsys):
    path = _takedown(tmp_path, monkeypatch, capsys)
    loaded = load_scenario(path)
    assert _zone(loaded) == []
    assert explain(loaded.scenario).splitlines()[1] == \
        "drill clock starts 2026-09-15T09:00:00+08:00 (Asia/Singapore), lasts 8h"


def test_summer_time_is_the_drill_clocks_offset_at_the_start(tmp_path, monkeypatch, capsys):
    # London keeps UTC+01:00 in September: +00:00 is another offset, +01:00 the clock's
    clock = 'clock_timezone: "Europe/London"\n  ' + START
    path = _takedown(tmp_path, monkeypatch, capsys, START,
                     clock.replace("+08:00", "+00:00"))
    (found,) = _zone(load_scenario(path))
    assert "UTC+00:00" in found.message and "Europe/London" in found.message \
        and "UTC+01:00" in found.message and "10:00" in found.message
    path.write_text(path.read_text(encoding="utf-8").replace("09:00:00+00:00", "09:00:00+01:00"),
                    encoding="utf-8")
    assert _zone(load_scenario(path)) == []


def test_reports_show_a_start_in_another_zone_on_the_drill_clock(tmp_path, monkeypatch,
                                                                 capsys):
    """The run report and the after-action report (Markdown, HTML and Word) print the
    start as the drill clock reads it, beside that clock's zone."""
    path = _takedown(tmp_path, monkeypatch, capsys, START,
                     'start: "2026-09-15T09:00:00+07:00"')
    journal = tmp_path / "bkk.journal.sqlite"
    assert main(["run", str(path), "--seed", "1", "--journal", str(journal)]) == 0
    assert "drill clock starts 2026-09-15T10:00:00+08:00 (Asia/Singapore)" in \
        capsys.readouterr().out
    for fmt in ("md", "html"):
        out = tmp_path / f"aar.{fmt}"
        assert main(["report", str(journal), "--runs", "0", "--format", fmt,
                     "-o", str(out)]) == 0, capsys.readouterr().err
        text = out.read_text(encoding="utf-8")
        assert "2026-09-15T10:00:00+08:00" in text
        assert "T09:00:00+07:00" not in text
