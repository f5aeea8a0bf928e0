"""Reviewing a drill: where the time went, ratings, human play against the model, reports."""

from __future__ import annotations

import re
import sqlite3

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import (
    ANALYSING,
    CHANNEL,
    HELD,
    HOURS,
    LOST,
    PARTS,
    QUEUED,
    Comparison,
    build_review,
    compare,
    hop_breakdown,
    load_review,
    percentile_rank,
    suggest_rating,
)
from sim.cli import main
from sim.engine import Action, Engine
from sim.runs.session import DrillSession


def test_hand_computed_breakdown(scenario_data, load):
    # cert-b's e-mail contact is stale: the notification is chased by phone after 1h
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    hops = {h.recipient: h for h in hop_breakdown(Engine(load(scenario_data)).run())}
    notify = hops["cert-b"]
    # inject T+60; cert-a: ack 10m, analysis 30m, drafting 5m; sent T+105, lost; phone
    # at T+165 arrives T+166; cert-b acknowledges in 10m: T+176
    assert notify.duration == 116
    assert notify.parts == {HOURS: 0, CHANNEL: 1, QUEUED: 0, ANALYSING: 55, LOST: 60, HELD: 0}
    escalate = hops["council"]
    # drafted after the notification: 5m queued behind it; e-mail 5m; council ack 10m
    assert escalate.duration == 65
    assert escalate.parts == {HOURS: 0, CHANNEL: 5, QUEUED: 5, ANALYSING: 55, LOST: 0, HELD: 0}


def test_waiting_for_working_hours_is_its_own_part(scenario_data, load):
    scenario_data["injects"][0]["at"] = "T+07:50"  # 16:50 in Singapore
    hops = {h.recipient: h for h in hop_breakdown(Engine(load(scenario_data)).run())}
    h = hops["cert-b"]
    # cert-a: 10m ack to 17:00, analysis 30m and drafting 5m the next morning (16h off);
    # the e-mail lands at 08:40 in Bangkok and waits 20m for cert-b's office to open
    assert h.parts[HOURS] == 16 * 60 + 20
    assert h.parts[ANALYSING] == 10 + 30 + 5 + 10
    assert sum(h.parts.values()) == pytest.approx(h.duration, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", ["acid-botnet", "acid-hacktivism", "acid-supply-chain",
                                  "ocsem-law-enforcement"])
def test_every_hop_adds_up(name, seed):
    log = Engine(load_scenario(resolve_scenario_arg(name)), seed=seed).run()
    hops = hop_breakdown(log)
    assert len(hops) >= 5
    for h in hops:
        assert sum(h.parts.values()) == pytest.approx(h.duration, abs=1e-6)
        assert all(v >= -1e-6 for v in h.parts.values()), h


def test_percentile_against_a_known_distribution():
    simulated = [float(v) for v in range(100)]
    assert percentile_rank(79.5, simulated) == 0.20
    assert percentile_rank(10.0, simulated) == pytest.approx(0.895)  # 89 slower, one tie
    assert percentile_rank(-1, simulated) == 1.0


def test_human_play_against_the_model(scenario_data, load):
    loaded = load(scenario_data)
    fast = Engine(loaded, human=["cert-a"])
    fast.run_until(65)
    fast.act(Action("cert-a", "acknowledge", "x"))
    slow = Engine(loaded, human=["cert-a"])
    slow.run_until(90)
    slow.act(Action("cert-a", "acknowledge", "x"))
    slow.act(Action("cert-a", "escalate", "x", targets=("council",), tlp="GREEN"))
    # the policy always acknowledges 10 minutes after receipt and escalates at T+110
    quick, *never = compare(fast.run(), loaded.scenario, runs=5)
    assert (quick.metric, quick.human, quick.faster_than) == ("first_ack", 5, 1.0)
    # what the person never did is set against the policy too
    missing = {c.metric: c for c in never}
    assert missing["escalate"].human is None and missing["escalate"].model_did_it == 1.0
    assert "never did: escalate; the automated policy did it in 100%" in (
        missing["escalate"].sentence("CERT-SG"))
    by_metric = {c.metric: c for c in compare(slow.run(), loaded.scenario, runs=5)}
    assert by_metric["first_ack"].faster_than == 0.0
    assert by_metric["escalate"].human == 30 and by_metric["escalate"].faster_than == 1.0
    assert by_metric["escalate"].simulated == [50.0] * 5
    assert "faster than 100% of simulated runs" in by_metric["escalate"].sentence("CERT-SG")


def test_runs_in_which_the_policy_never_did_it_are_slower_than_the_person():
    # 10 runs: the policy did it in 3 (one of them slower than the person), never in 7
    c = Comparison("cert-a", "x", "escalate", 100.0, [10.0, 20.0, 200.0], 10)
    assert c.faster_than == pytest.approx(0.8)
    assert c.sentence("CERT-SG") == (
        "CERT-SG escalate faster than 80% of simulated runs (the policy did it in 30% of 10; "
        "the runs in which it never did count as slower)")
    # every run did it: as before, and the wording says nothing of runs without it
    every = Comparison("cert-a", "x", "escalate", 100.0, [10.0, 200.0], 2)
    assert every.faster_than == 0.5
    assert every.sentence("CERT-SG").endswith("(the policy did it in 100% of 2)")
    # a person who never did it ties with the runs that never did either
    assert Comparison("cert-a", "x", "escalate", None, [10.0], 4).faster_than == 0.375


def test_a_late_person_is_faster_than_the_runs_in_which_the_policy_never_acted(
        scenario_data, load):
    """CERT-TH escalates once CERT-SG's notification reaches it; e-mail loses 60% of
    messages and has no fallback, so in many runs CERT-TH never escalates."""
    scenario_data["channels"]["email"]["loss"] = 0.6
    rules = scenario_data["frameworks"]["fw"]["rules"]
    rules["notify"]["fallback"] = []
    rules["escalate"] = {"by": ["national_cert"], "on": ["notify"], "action": "escalate",
                         "to": ["regional_council"], "channel": "email", "deadline": "4h",
                         "tlp": "GREEN"}
    scenario_data["injects"].append({"id": "2", "at": "T+20:00", "sender": "ctl",
                                     "to": ["cert-b"], "via": "email", "title": "Late word",
                                     "incident": {"id": "x"}})
    loaded = load(scenario_data)
    engine = Engine(loaded, seed=5, human=["cert-b"])
    engine.run_until(20 * 60 + 30)
    engine.act(Action("cert-b", "escalate", "x", targets=("council",), tlp="GREEN"))
    runs = 20
    c = next(c for c in compare(engine.run(), loaded.scenario, runs=runs, roles=["cert-b"])
             if c.metric == "escalate")
    never = runs - len(c.simulated)
    assert c.simulated and never > 0  # the policy escalated in some runs, not in others
    assert all(s < c.human for s in c.simulated)  # and sooner than the person each time
    assert c.faster_than == never / runs
    assert f"faster than {never / runs:.0%} of simulated runs" in c.sentence("CERT-TH")


def test_suggested_hseep_ratings():
    base = {"within": 100, "deadline_at": 200}
    assert suggest_rating({**base, "status": "met", "at": 120}) == "P"
    assert suggest_rating({**base, "status": "met", "at": 190}) == "S"
    assert suggest_rating({**base, "status": "late", "at": 250}) == "M"
    assert suggest_rating({**base, "status": "missed", "at": None}) == "U"


@pytest.fixture
def recorded(tmp_path):
    path = tmp_path / "run.journal.sqlite"
    assert main(["run", "acid-botnet", "--seed", "1", "--journal", str(path)]) == 0
    return path


def test_ratings_and_notes_are_saved_in_the_journal(recorded):
    review, journal = load_review(recorded)
    rating, note, mine = review.rating("E7")
    # before anyone rates it, the rating is the one suggested from how E7 went
    e7 = next(x for x in review.metrics["expectations"] if x["id"] == "E7")
    assert (rating, note, mine) == (suggest_rating(e7), "", False)
    assert rating in {"P", "S", "M", "U"}
    journal.set_rating("E7", "M", "ISP abuse desk unreachable at night")
    journal.close()
    review, journal = load_review(recorded)
    assert review.rating("E7") == ("M", "ISP abuse desk unreachable at night", True)
    journal.close()


def test_markdown_report_has_every_section(recorded, capsys):
    capsys.readouterr()
    assert main(["report", str(recorded), "--format", "md", "--runs", "0"]) == 0
    md = capsys.readouterr().out
    for heading in ("# After-action report", "## Overview", "### Objectives", "### Participants",
                    "## Analysis of objectives", "**Strengths**", "**Areas for improvement**",
                    "## Expectations", "## Timing", "Where the time went", "## Improvement plan",
                    "| Expectation | Corrective action | Owner | Due date |"):
        assert heading in md
    # the stage names are the scenario's: escaped like its other text (">" shows as written)
    assert "Incident botnet" in md and "Law enforcement: CERT -&gt; national police" in md


def test_html_report_is_one_self_contained_file_with_pictures(recorded, tmp_path):
    out = tmp_path / "aar.html"
    assert main(["report", str(recorded), "--format", "html", "-o", str(out), "--runs", "0"]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<svg" in html and "marker-end" in html  # the swimlane timeline, with arrows
    assert "<script" not in html and 'src="' not in html and "<link" not in html
    assert len(re.findall(r"<h2>", html)) >= 5


def test_report_compares_people_with_the_model(tmp_path, capsys):
    path = tmp_path / "played.journal.sqlite"
    loaded = load_scenario(resolve_scenario_arg(None))
    s = DrillSession.start(loaded, human=["certph"], journal_path=path)
    s.advance_to(20)
    s.act(Action("certph", "acknowledge", "botnet"))
    s.act(Action("certph", "escalate", "botnet", targets=("ansac",), tlp="GREEN"))
    s.advance_to(200)
    s.close()
    assert main(["report", str(path), "--format", "html", "-o", str(tmp_path / "r.html"),
                 "--runs", "20"]) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Human play against the model" in html
    assert "CERT-PH escalate faster than" in html and html.count("<svg") >= 3


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda p: p.write_text("not a journal", encoding="utf-8"), "not a drill journal"),
        (lambda p: _sql(p, "UPDATE meta SET value='7' WHERE key='version'"), "newer version"),
        (lambda p: _sql(p, "DELETE FROM events"), "recorded events were deleted"),
    ],
)
def test_bad_journals_are_refused_cleanly(recorded, capsys, damage, words):
    damage(recorded)
    capsys.readouterr()
    assert main(["report", str(recorded), "--runs", "0"]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def _sql(path, statement):
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


def test_review_of_a_run_lays_out_lanes_and_hops(scenario_data, load):
    loaded = load(scenario_data)
    review = build_review(loaded.scenario, Engine(loaded, seed=0).run())
    # cert-a receives exercise control's inject, then tells cert-b and the council
    assert review.lanes("x") == ["cert-a", "ctl", "cert-b", "council"]
    assert review.lanes("no-such-incident") == []
    # the same hops, split the same way, as the hand-computed breakdown of the run
    assert [(h.recipient, h.duration) for h in review.hops] == [("cert-b", 60), ("council", 65)]
    assert [h.parts for h in review.hops] == [
        {HOURS: 0, CHANNEL: 5, QUEUED: 0, ANALYSING: 55, LOST: 0, HELD: 0},
        {HOURS: 0, CHANNEL: 5, QUEUED: 5, ANALYSING: 55, LOST: 0, HELD: 0},
    ]
    assert list(review.hops[0].parts) == list(PARTS)  # in display order


def test_snapshot_review_screen(snap_compare, recorded):
    from tui.review import ReviewApp

    review, journal = load_review(recorded)

    async def run_before(pilot):
        for key in ("down", "down", "down"):
            await pilot.press(key)
            await pilot.pause()

    assert snap_compare(ReviewApp(review, journal), terminal_size=(100, 30), run_before=run_before)


def test_rating_from_the_review_screen_is_saved(recorded):
    import asyncio

    from tui.review import ReviewApp

    review, journal = load_review(recorded)

    async def go():
        app = ReviewApp(review, journal)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.screen.query_one("#review-tabs").active = "tab-exp"
            await pilot.pause()
            app.screen.query_one("#exp").focus()
            await pilot.press("u")
            await pilot.pause()

    asyncio.run(go())
    journal.close()
    again, journal = load_review(recorded)
    assert again.rating("E1")[0] == "U" and again.rating("E1")[2]
    journal.close()



def test_a_person_who_did_what_the_policy_never_did_is_faster_than_every_run(
        scenario_data, load):
    """The JSON report and the review screen give the same figure as the sentence: a
    person who acted where the policy never did in any run beat all of them."""
    import json

    from sim.analysis.aar import render_json

    loaded = load(scenario_data)
    engine = Engine(loaded, human=["cert-a"])
    engine.run_until(90)
    # the scenario's rules never have CERT-SG share anything
    engine.act(Action("cert-a", "share", "x", targets=("council",), tlp="GREEN"))
    review = build_review(loaded.scenario, engine.run(), runs=4)
    shared = next(c for c in review.comparisons if c.metric == "share")
    assert shared.simulated == [] and shared.human == 30
    assert shared.shown_faster_than == 1.0
    assert "the automated policy never did in 4 simulated runs" in shared.sentence("CERT-SG")
    doc = json.loads(render_json(review))
    row = next(r for r in doc["comparisons"] if r["metric"] == "share")
    assert row["faster_than"] == 1.0 and row["model_did_it"] == 0.0
    # what the person never did has no such figure; nor has a comparison without runs
    never = next(c for c in review.comparisons if c.human is None)
    assert never.shown_faster_than is None
    assert Comparison("cert-a", "x", "share", 30.0, [], 0).shown_faster_than is None
