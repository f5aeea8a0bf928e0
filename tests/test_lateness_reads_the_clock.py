"""A lateness shown beside two clock times is the difference of the two as shown: done at
T+00:37 and due at T+00:36 reads "late by 1m", whatever the seconds were, so that a reader
who subtracts the times gets the lateness written beside them. Late within the minute it
was due (both moments read the same minute) reads "late by under a minute". The machine
formats keep the exact minutes.

The hand-computable drill of conftest, its inject sent 27.55 minutes in (T+00:27):
cert-a acknowledges 10 minutes later (37.55, T+00:37). E1 wants that within 8m27s (due
at 36.0, T+00:36: 1.55 minutes late, which rounds to 2m), E2 within 9m50s (due 37.38,
T+00:37: ten seconds late), and E3 a police referral by cert-b within an hour (due 87.55,
T+01:27) that never comes: overdue 2792.45 minutes when the drill ends at T+2d00:00,
which reads 1d22h33m beside the two times (not the rounded 1d22h32m).
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from itertools import pairwise

import pytest
from conftest import police_referral, stale_police_email, write

from scenarios import load_scenario
from scenarios.durations import parse_drill_time, parse_duration
from sim.analysis import aar
from sim.analysis.review import build_review
from sim.cli import main
from sim.engine import Engine

SENT = "2026-08-19T09:27:33+08:00"
START = datetime.fromisoformat("2026-08-19T09:00:00+08:00")
UNDER = "under a minute"
#: what each expectation's lateness reads beside its clock times
SHOWN = {"E1": "1m", "E2": UNDER, "E3": "1d22h33m"}


@pytest.fixture
def scenario_file(tmp_path, scenario_data):
    data = stale_police_email(police_referral(scenario_data))
    data["injects"][0]["at"] = SENT
    data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "8m27s"},
        {"id": "E2", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
         "within": "9m50s"},
        {"id": "E3", "actors": ["cert-b"], "action": "refer_police", "incident": "x",
         "within": "1h"},
    ]
    return write(tmp_path, data)


@pytest.fixture
def review(scenario_file):
    scenario = load_scenario(scenario_file).scenario
    return build_review(scenario, Engine(scenario, seed=0).run())


def _minutes(shown: str) -> float:
    """A lateness as written, in minutes; "under a minute" as none."""
    return 0.0 if shown == UNDER else parse_duration(shown)


def _clock(shown: str) -> float:
    return parse_drill_time(shown, START)


def test_the_run_report_gives_the_difference_of_the_times_it_shows(scenario_file, capsys):
    assert main(["run", str(scenario_file), "--seed", "0"]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("Expectations:"):].splitlines()
    late = {}
    for i, line in enumerate(lines[1:7], start=1):
        if not line.startswith("  E"):
            continue
        words = line.split()
        extra = lines[i + 1].strip()
        if words[1] == "LATE":
            done, due = words[2], words[4]
            assert extra.startswith("late by ")
            late[words[0]] = extra.removeprefix("late by ")
            # a reader who subtracts the times shown gets the lateness beside them
            assert _minutes(late[words[0]]) == _clock(done) - _clock(due)
        else:
            assert words[1] == "MISSED"
            assert extra.startswith("never done; overdue ") and extra.endswith(" at the end")
            late[words[0]] = extra.removeprefix("never done; overdue ").removesuffix(
                " at the end")
            # overdue from the time shown as due to the drill's end at T+2d00:00
            assert _minutes(late[words[0]]) == _clock("T+2d00:00") - _clock(words[3])
    assert late == SHOWN


def test_the_machine_formats_keep_the_exact_minutes(scenario_file, capsys):
    assert main(["run", str(scenario_file), "--seed", "0", "--json"]) == 0
    got = {x["id"]: x["lateness"] for x in json.loads(capsys.readouterr().out)["expectations"]}
    assert got == pytest.approx({"E1": 1.55, "E2": 37.55 - (27.55 + 9 + 50 / 60),
                                 "E3": 2880 - 87.55})


def test_the_after_action_report_gives_the_lateness_the_times_show(review):
    for shown in (aar.render_markdown(review), aar.render_html(review)):
        assert "(done 1m late;" in shown
        assert f"(done {UNDER} late;" in shown
        assert "(done 2m late;" not in shown and "(done 10s late;" not in shown
    text = aar.render_text(review)
    assert "late by 1m\n" in text and f"late by {UNDER}\n" in text
    assert "never done; overdue 1d22h33m at the end" in text


def test_the_word_report_gives_the_lateness_the_times_show(review):
    docx = pytest.importorskip("docx")
    from sim.analysis import docx_report

    text = "\n".join(p.text for p in
                     docx.Document(io.BytesIO(docx_report.render_docx(review))).paragraphs)
    assert "(done 1m late;" in text
    assert f"(done {UNDER} late;" in text


async def test_the_reviews_lateness_column_is_the_difference_of_its_times(review):
    pytest.importorskip("textual")
    from tui.review import ReviewApp

    app = ReviewApp(review)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        app.screen.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause()
        table = app.screen.query_one("#exp")
        labels = [str(c.label) for c in table.ordered_columns]
        rows = [dict(zip(labels, map(str, table.get_row_at(r)), strict=True))
                for r in range(table.row_count)]
    by_id = {r["Id"]: r for r in rows}
    assert {eid: r["Lateness"] for eid, r in by_id.items()} == SHOWN
    for eid in ("E1", "E2"):
        row = by_id[eid]
        assert _minutes(row["Lateness"]) == _clock(row["Done"]) - _clock(row["Due"])


def _check_report(out: str, end: str) -> int:
    """Check every lateness of a run report against the times beside it (``end``: the
    drill's end as the clock shows it); how many there were."""
    lines = out[out.index("Expectations:"):].splitlines()
    checked = 0
    for line, extra in pairwise(lines):
        words, extra = line.split(), extra.strip()
        if len(words) > 4 and words[1] == "LATE":
            shown = extra.removeprefix("late by ")
            assert _minutes(shown) == _clock(words[2]) - _clock(words[4]), (line, extra)
            checked += 1
        elif len(words) > 3 and words[1] == "MISSED" and "overdue" in extra:
            shown = extra.removeprefix("never done; overdue ").removesuffix(" at the end")
            assert _minutes(shown) == _clock(end) - _clock(words[3]), (line, extra)
            checked += 1
    return checked


@pytest.mark.parametrize("name", ["tutorial", "acid-botnet", "acid-hacktivism"])
def test_every_lateness_in_a_bundled_run_report_is_the_difference_of_its_times(name, capsys):
    from scenarios import bundled_scenarios
    from scenarios.durations import clock_minute

    [path] = [p for p in bundled_scenarios() if p.stem == name]
    scenario = load_scenario(path).scenario
    checked = 0
    for seed in (0, 1, 2):
        assert main(["run", str(path), "--seed", str(seed)]) == 0
        checked += _check_report(capsys.readouterr().out, clock_minute(scenario.drill.duration))
    assert checked
