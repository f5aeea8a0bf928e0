"""The after-action report's timing agrees with the run report (``drill run``).

A law-enforcement step that was sent but never arrived says what became of it, as the
run report does: "lost" or "bounced" when its last attempt was, "in transit" while one
is still on its way; "—" is left for a step never sent.

The hand-computed drill with the Singapore police: cert-a refers the suspected crime
to them by e-mail at T+01:55 (115); e-mail takes 5 minutes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import police_referral as _referral
from conftest import stale_police_email as _stale

from sim.analysis import aar
from sim.analysis.metrics import hop_metrics
from sim.analysis.report import render_text
from sim.analysis.review import ANALYSING, CHANNEL, LOST, build_review
from sim.engine import Engine

STEP = "CERT -> national police"
ROW = f"Law enforcement: {STEP}"


def _bouncing(data: dict[str, Any]) -> dict[str, Any]:
    data["channels"]["email"]["bounce"] = "2m"
    return _stale(data)


def _held_past_the_end(data: dict[str, Any]) -> dict[str, Any]:
    data["outages"] = [{"channel": "email", "actor": "police-sg", "start": "T+00:00",
                        "end": "T+3d00:00", "effect": "hold"}]
    return data


def _never_sent(data: dict[str, Any]) -> dict[str, Any]:
    del data["frameworks"]["fw"]["rules"]["refer"]
    return data


def _review(data: dict[str, Any], load):
    scenario = load(data).scenario
    return build_review(scenario, Engine(scenario, seed=0).run())


def _run_report_says(review, says: str) -> bool:
    """Whether ``drill run``'s report shows ``says`` in the time column for the step."""
    [line] = [ln for ln in render_text(review.metrics).splitlines()
              if ln.strip().startswith(STEP)]
    return re.match(rf"\s*{re.escape(STEP)}\s+{says}(\s|$)", line) is not None


@pytest.mark.parametrize(("change", "says"), [
    (_stale, "lost"),
    (_bouncing, "bounced"),
    (_held_past_the_end, "in transit"),
])
def test_a_step_never_delivered_says_what_became_of_it(scenario_data, load, change, says):
    review = _review(change(_referral(scenario_data)), load)
    [hop] = [h for h in review.metrics["incidents"][0]["law_enforcement"]["hops"]
             if h["hop"] == STEP]
    assert hop["at"] is None and hop["sent_at"] == 115
    # the run report's word, and the after-action report's, in every format
    assert _run_report_says(review, says)
    [row] = [r for r in aar._timing_rows(review.metrics["incidents"][0]) if r[0] == ROW]
    assert row == (ROW, says, "—")
    assert f"| {aar.md(ROW)} | {says} | — |" in aar.render_markdown(review)
    assert (f"<tr><td>{aar.escape(ROW)}</td><td>{says}</td><td>—</td></tr>"
            in aar.render_html(review))


def test_a_step_never_sent_still_shows_a_dash(scenario_data, load):
    review = _review(_never_sent(_referral(scenario_data)), load)
    [row] = [r for r in aar._timing_rows(review.metrics["incidents"][0]) if r[0] == ROW]
    assert row == (ROW, "—", "—")


def test_a_step_that_arrived_shows_its_time(scenario_data, load):
    review = _review(_referral(scenario_data), load)
    [row] = [r for r in aar._timing_rows(review.metrics["incidents"][0]) if r[0] == ROW]
    # sent at T+01:55, five minutes by e-mail
    assert row == (ROW, "T+02:00", "1.00 h")


# --- where the time went: a hold in an outage is its own part, as in the run report --------

HELD = "held in an outage"


def _mail_to_cert_b_held(data: dict[str, Any]) -> dict[str, Any]:
    """cert-b's end of e-mail is down until T+03:00 (180): mail to it waits for service.
    cert-a's notification applies at T+01:00 (60) and goes out at T+01:45 (105)."""
    data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+00:00",
                        "end": "T+03:00", "effect": "hold"}]
    return data


def _notify(review) -> Any:
    [hop] = [h for h in review.hops if h.recipient == "cert-b"]
    return hop


def _run_report_hop(review, hop) -> dict[str, Any]:
    [h] = [h for h in hop_metrics(review.events) if h["dispatch"] == hop.dispatch]
    return h


def test_the_hold_of_the_attempt_that_arrives_is_not_in_the_channel(scenario_data, load):
    data = _mail_to_cert_b_held(scenario_data)
    del data["frameworks"]["fw"]["rules"]["notify"]["fallback"]  # nothing to chase on
    review = _review(data, load)
    hop = _notify(review)
    # held from 105 to 180, then 5 minutes on the way: arrives at 185, acknowledged at 195
    assert hop.duration == 135
    assert hop.parts[CHANNEL] == 5
    assert hop.parts[HELD] == 75
    assert hop.parts[ANALYSING] == 45 + 10
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-9)
    # the same figures as the run report's
    run = _run_report_hop(review, hop)
    assert (hop.parts[HELD], hop.parts[CHANNEL]) == (run["held_time"], run["transit"])


def test_a_held_attempt_overtaken_by_a_call_is_not_held_time(scenario_data, load):
    # the e-mail is held at 105; chased by phone at 165, which arrives at 166, and is
    # acknowledged at 176: the hour before the call is the lost attempt's, as in the run
    # report ("lost 1h (held in an outage)"), not the hold of the attempt that arrived
    review = _review(_mail_to_cert_b_held(scenario_data), load)
    hop = _notify(review)
    assert (hop.parts[LOST], hop.parts[HELD], hop.parts[CHANNEL]) == (60, 0, 1)
    run = _run_report_hop(review, hop)
    assert (hop.parts[LOST], hop.parts[HELD], hop.parts[CHANNEL]) == (
        run["lost_time"], run["held_time"], run["transit"])


def test_the_reports_show_the_hold_as_its_own_column(scenario_data, load):
    data = _mail_to_cert_b_held(scenario_data)
    del data["frameworks"]["fw"]["rules"]["notify"]["fallback"]
    review = _review(data, load)
    markdown = aar.render_markdown(review)
    [header] = [ln for ln in markdown.splitlines() if ln.startswith("| Hop | Duration |")]
    cells = [c.strip() for c in header.strip("|").split("|")]
    [row] = [ln for ln in markdown.splitlines() if ln.startswith("| CERT-SG -> CERT-TH (notify)")]
    values = dict(zip(cells, (c.strip() for c in row.strip("|").split("|")), strict=True))
    assert (values["Held in an outage"], values["In the channel"]) == ("1.25 h", "0.08 h")
    html = aar.render_html(review)
    assert f"<th>{HELD}</th>" in html and "<td>1.25 h</td>" in html


@pytest.mark.parametrize("name", ["apcert-outage", "ocsem-law-enforcement"])
def test_every_hop_of_a_bundled_drill_agrees_with_the_run_report(name):
    from scenarios import load_scenario, resolve_scenario_arg

    scenario = load_scenario(resolve_scenario_arg(name))
    review = build_review(scenario, Engine(scenario, seed=0).run())
    runs = {h["dispatch"]: h for h in hop_metrics(review.events)}
    for hop in review.hops:
        run = runs[hop.dispatch]
        assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-6)
        assert min(hop.parts.values()) >= 0
        if run["delivered_at"] is not None:
            assert hop.parts[HELD] == pytest.approx(run["held_time"], abs=1e-6)
            assert hop.parts[CHANNEL] == pytest.approx(run["transit"], abs=1e-6)
