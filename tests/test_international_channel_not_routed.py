"""The "police -> international channel" step of a drill whose framework routes no
police request through an international police channel (INTERPOL) is "not in this
drill", never "never": in the metrics, in the review after a drill and its reports, and
in `drill batch`, as for a step the drill has no bodies for.

The hand-computed drill with the Singapore police (tests/conftest.py): cert-a refers the
suspected crime to them at T+01:55; here the infrastructure is in Thailand, which has
police too, the drill has INTERPOL, and the Singapore police ask the Thai police for
assistance directly (rule ``assist``), or through INTERPOL as well where a test says so.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import police, police_referral

from scenarios.loader import bundled_dir
from sim.analysis import aar
from sim.analysis.metrics import STAGE_KEYS, compute, not_in_drill, not_routed
from sim.analysis.report import render_text
from sim.analysis.review import build_review
from sim.engine import Engine
from sim.runs.batch import BASELINE, BatchConfig, replication_rows, run_batch

STEP = "police -> international channel"
SLUG = "le.police_to_channel"
N = 3
#: a row of the run report's law-enforcement steps
ROW = re.compile(rf"^ {{6}}{re.escape(STEP)} .*$", re.M)


@pytest.fixture
def data(scenario_data) -> dict[str, Any]:
    data = police_referral(scenario_data)
    data["actors"]["police-th"] = police("TH", "Asia/Bangkok")
    data["actors"]["interpol"] = {
        "name": "INTERPOL", "kind": "intl_police_channel", "timezone": "Asia/Singapore",
        "contacts": {"email": {"address": "nccb@interpol.example"}}}
    data["injects"][0]["incident"]["hosted_in"] = ["TH"]
    data["frameworks"]["fw"]["rules"]["assist"] = {
        "by": ["national_police"], "on": ["refer_police"], "action": "request_assistance",
        "to": ["hosting_police"], "channel": "email", "deadline": "4h", "tlp": "GREEN"}
    return data


def _through(data: dict[str, Any], *to: str) -> dict[str, Any]:
    """The police's request for assistance goes to ``to``."""
    data["frameworks"]["fw"]["rules"]["assist"]["to"] = list(to)
    return data


def _step(m: dict[str, Any]) -> dict[str, Any]:
    [inc] = m["incidents"]
    [hop] = [h for h in inc["law_enforcement"]["hops"] if h["hop"] == STEP]
    return hop


# --- which stages the framework routes nothing through ---------------------------------


def test_a_framework_that_asks_foreign_police_directly_routes_nothing_through_a_channel(
        data, load):
    assert not_routed(load(data).scenario) == {"international_channel"}
    assert not_routed(load(_through(data, "hosting_police", "police_channels")).scenario) \
        == frozenset()


def test_a_request_to_the_channel_by_name_or_to_whoever_asked_routes_through_it(data, load):
    assert not_routed(load(_through(data, "interpol")).scenario) == frozenset()
    # answering its sender, a rule may answer the international channel
    assert not_routed(load(_through(data, "sender")).scenario) == frozenset()


def test_a_rule_switched_off_routes_nothing(data, load):
    _through(data, "police_channels")["frameworks"]["fw"]["rules"]["assist"]["enabled"] = False
    assert not_routed(load(data).scenario) == {"international_channel"}


def test_only_the_international_channel_depends_on_the_routing(data, load):
    # the stages the drill has bodies for and routes nothing to are still "never"
    assert not_routed(load(data).scenario) <= set(STAGE_KEYS) - {
        "police_referral", "preservation", "foreign_police", "central_authority", "mla"}


def test_the_bundled_drills_route_through_interpol_only_where_a_rule_asks_it():
    from scenarios import load_scenario

    ocsem = load_scenario(bundled_dir() / "ocsem-law-enforcement.yaml").scenario
    botnet = load_scenario(bundled_dir() / "acid-botnet.yaml").scenario
    assert "interpol" in botnet.actors
    assert not_routed(ocsem) == frozenset()
    assert not_routed(botnet) == {"international_channel"}


# --- the metrics and the run report ------------------------------------------------------


def test_the_metrics_say_the_step_is_not_in_this_drill(data, load):
    sc = load(data).scenario
    log = Engine(sc, seed=0).run()
    m = compute(log, unrouted=not_routed(sc))
    hop = _step(m)
    assert (hop["at"], hop["sent_at"], hop["modelled"]) == (None, None, False)
    assert not_in_drill(hop)
    [row] = ROW.findall(render_text(m))
    assert row.split()[4:] == ["—", "not", "in", "this", "drill"], row
    # the step directly to the foreign police is measured as before
    [inc] = m["incidents"]
    assert [h["at"] is not None for h in inc["law_enforcement"]["hops"]
            if h["hop"] == "police -> foreign police"] == [True]


def test_a_step_someone_sent_is_shown_whatever_the_routing(data, load):
    sc = load(_through(data, "hosting_police", "police_channels")).scenario
    log = Engine(sc, seed=0).run()
    # as a person playing the police would have sent it: routed or not, it is shown
    hop = _step(compute(log, unrouted={"international_channel"}))
    assert hop["at"] is not None and "modelled" not in hop
    [row] = ROW.findall(render_text(compute(log, unrouted={"international_channel"})))
    assert "not in this drill" not in row and "INTERPOL" in row


def test_a_routed_step_nobody_reached_is_still_never(data, load):
    # INTERPOL has no point of contact on e-mail: the request cannot be sent
    _through(data, "hosting_police", "police_channels")
    data["actors"]["interpol"]["contacts"] = {"phone": {"address": "+33-1"}}
    sc = load(data).scenario
    assert not_routed(sc) == frozenset()
    m = compute(Engine(sc, seed=0).run(), unrouted=not_routed(sc))
    assert not not_in_drill(_step(m))
    [row] = ROW.findall(render_text(m))
    assert "not in this drill" not in row


# --- the review after a drill ------------------------------------------------------------


def test_the_review_says_the_step_is_not_in_this_drill(data, load):
    sc = load(data).scenario
    review = build_review(sc, Engine(sc, seed=0).run())
    assert not_in_drill(_step(review.metrics))
    # the after-action report says so in its escalation report, and its tables leave
    # the step out, as one without its bodies: never "never"
    [row] = ROW.findall(aar.render_text(review))
    assert row.endswith("not in this drill") and "never" not in row
    for text in (aar.render_markdown(review), aar.render_html(review)):
        assert "international channel" not in text


def test_the_review_of_a_routed_drill_shows_the_step(data, load):
    sc = load(_through(data, "hosting_police", "police_channels")).scenario
    review = build_review(sc, Engine(sc, seed=0).run())
    hop = _step(review.metrics)
    assert hop["at"] is not None and not not_in_drill(hop)
    assert "| Law enforcement: police -&gt; international channel | T+" in (
        aar.render_markdown(review))
    [row] = ROW.findall(aar.render_text(review))
    assert "not in this drill" not in row and "INTERPOL" in row


# --- drill batch -------------------------------------------------------------------------


def test_a_replication_counts_the_step_as_not_applicable(data, load):
    rows = replication_rows(load(data).scenario, 0)
    assert ("x", SLUG + ".not_applicable", 1.0) in rows
    assert not [r for r in rows if r[1] == SLUG]
    routed = replication_rows(load(_through(data, "hosting_police",
                                            "police_channels")).scenario, 0)
    assert [r[1] for r in routed if r[1].startswith(SLUG)] == [SLUG]


def test_drill_batch_summaries_say_not_in_this_drill(data, load, tmp_path):
    result = run_batch(load(data), [], BatchConfig(n=N, seed=1, out=tmp_path / "b",
                                                   chunk=2, jobs=1))
    [m] = [m for m in result.summary["variants"][BASELINE]["metrics"]
           if (m["incident"], m["metric"]) == ("x", SLUG)]
    assert m["not_applicable"] == N
    assert m["reached"] == {"n": 0, "rate": None, "rate_ci": [None, None]}
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith(f"x {SLUG} ")]
    assert line.endswith(f"not applicable in {N}: not in this drill"), line


def test_an_incident_that_never_opened_lacks_the_step_too(data, load):
    # a second incident, opened only by an inject due after the drill has ended
    data["injects"].append(
        {"id": "late", "at": "T+3d00:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Too late", "incident": {"id": "y", "type": "botnet"}})
    rows = replication_rows(load(data).scenario, 0)
    assert ("y", SLUG + ".not_applicable", 1.0) in rows
    assert ("y", "le.police_to_foreign_police", None) in rows


# --- drill run ---------------------------------------------------------------------------


def test_drill_run_says_not_in_this_drill(data, tmp_path, capsys):
    import json

    from conftest import write

    from sim.cli import main

    assert main(["run", str(write(tmp_path, data)), "--json"]) == 0
    hop = _step(json.loads(capsys.readouterr().out))
    assert (hop["at"], hop["modelled"]) == (None, False)
    assert main(["run", str(write(tmp_path, data))]) == 0
    [row] = ROW.findall(capsys.readouterr().out)
    assert row.endswith("not in this drill"), row
