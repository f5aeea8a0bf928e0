"""Where a hop's time went, when a message is held in an outage or reaches a closed
office: the parts (handling, lost, held, transit, waiting for office hours, awaiting
acknowledgement) add up to the hop, and none of that time is hidden in another part.

The hand-computed drill: cert-a's notification to cert-b applies at T+01:00 (60) and
goes out at T+01:45 (105); e-mail takes 5 minutes, the phone 1; cert-b acknowledges
10 minutes after it gets to it; cert-a chases an unacknowledged message after an hour.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sim.analysis.metrics import as_events, compute, hop_metrics
from sim.analysis.report import render_text
from sim.engine import Engine

PARTS = ("handling", "lost_time", "held_time", "transit", "office_hours_wait", "awaiting_ack")


def _hop(data: dict[str, Any], load) -> tuple[dict[str, Any], str]:
    m = compute(Engine(load(data), seed=0).run())
    [hop] = [h for h in m["slowest_hops"] if h["to"] == "cert-b"]
    return hop, render_text(m)


def _line(text: str) -> str:
    lines = text.splitlines()
    i = next(i for i, ln in enumerate(lines) if "CERT-SG -> CERT-TH: notify" in ln)
    return lines[i + 1].strip()


def _adds_up(hop: dict[str, Any]) -> None:
    assert sum(hop[p] or 0.0 for p in PARTS) == pytest.approx(hop["duration"])


def _held(data: dict[str, Any]) -> dict[str, Any]:
    # cert-b's end of e-mail is down until T+03:00 (180): mail to it waits for service
    data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+00:00",
                        "end": "T+03:00", "effect": "hold"}]
    return data


def test_a_held_attempt_chased_on_the_phone_counts_as_held(scenario_data, load):
    # the e-mail is held at 105; chased by phone at 165, which arrives at 166, and
    # acknowledged at 176 (the held e-mail arrives at 185, after the hop)
    hop, text = _hop(_held(scenario_data), load)
    assert hop["lost"] == ["held"]
    assert (hop["handling"], hop["lost_time"], hop["held_time"], hop["transit"],
            hop["office_hours_wait"], hop["awaiting_ack"]) == (45, 60, 0, 1, 0, 10)
    _adds_up(hop)
    assert _line(text) == (
        "handling 45m; lost 1h (held in an outage); transit 1m; awaiting acknowledgement 10m")


def test_the_hold_of_the_attempt_that_arrives_is_not_transit(scenario_data, load):
    data = _held(scenario_data)
    del data["frameworks"]["fw"]["rules"]["notify"]["fallback"]  # nothing to chase on
    # held from 105 to 180, then 5 minutes on the way: arrives at 185, acknowledged at 195
    hop, text = _hop(data, load)
    assert hop["lost"] == [] and hop["lost_time"] == 0
    assert (hop["held_time"], hop["transit"], hop["awaiting_ack"]) == (75, 5, 10)
    _adds_up(hop)
    assert _line(text) == (
        "handling 45m; held in an outage 1h15m; transit 5m; awaiting acknowledgement 10m")


def test_lost_time_is_shown_even_with_no_attempt_lost(scenario_data, load):
    # a hand-written hop: time spent before the attempt that arrived is never hidden
    data = _held(scenario_data)
    m = compute(Engine(load(data), seed=0).run())
    [hop] = [h for h in m["slowest_hops"] if h["to"] == "cert-b"]
    hop["lost"] = []
    assert "lost 1h;" in _line(render_text(m))


def _closed(data: dict[str, Any], channel: str) -> dict[str, Any]:
    # cert-b's office opens at 13:00 in Bangkok: T+05:00 (300) on the first day
    data["actors"]["cert-b"]["working_hours"] = "13:00-17:00"
    rule = data["frameworks"]["fw"]["rules"]["notify"]
    del rule["fallback"]
    rule["channel"] = channel
    return data


def test_an_e_mail_to_a_closed_office_waits_for_office_hours(scenario_data, load):
    # arrives at 110, read when the office opens at 300, acknowledged at 310
    hop, text = _hop(_closed(scenario_data, "email"), load)
    assert (hop["transit"], hop["office_hours_wait"], hop["awaiting_ack"]) == (5, 190, 10)
    _adds_up(hop)
    assert _line(text) == ("handling 45m; transit 5m; waiting for office hours 3h10m; "
                                "awaiting acknowledgement 10m")


def test_a_call_to_a_closed_office_waits_for_office_hours_the_same_way(scenario_data, load):
    # rings at 106, answered when the office opens at 300, acknowledged at 310
    hop, text = _hop(_closed(scenario_data, "phone"), load)
    assert (hop["transit"], hop["office_hours_wait"], hop["awaiting_ack"]) == (1, 194, 10)
    _adds_up(hop)
    assert _line(text) == ("handling 45m; transit 1m; waiting for office hours 3h14m; "
                                "awaiting acknowledgement 10m")


def test_every_hop_of_a_bundled_drill_adds_up():
    from scenarios import bundled_scenarios, load_scenario

    [path] = [p for p in bundled_scenarios() if p.stem == "ocsem-law-enforcement"]
    log = Engine(load_scenario(path), seed=0).run()
    hops = hop_metrics(log)
    for hop in hops:
        if hop["duration"] is not None:
            _adds_up(hop)
        assert min(hop[p] or 0.0 for p in PARTS) >= 0
    # CERT-PH's request to ThaiCERT reached it after hours: 15 hours waiting for office
    # hours, not "awaiting acknowledgement"
    [hop] = [h for h in hops if (h["from"], h["to"], h["verb"]) == (
        "certph", "thaicert", "request_takedown")]
    assert hop["office_hours_wait"] == pytest.approx(900)
    assert hop["awaiting_ack"] < 4 * 60


def test_a_log_without_hold_or_duty_details_still_adds_up(scenario_data, load):
    # an older log: deliveries without duty_wait, acknowledgements without off_duty
    log = Engine(load(_closed(copy.deepcopy(scenario_data), "email")), seed=0).run()
    old = [{**e.to_dict(), "details": {k: v for k, v in e.details.items()
                                       if k not in ("duty_wait", "off_duty")}} for e in log]
    [hop] = [h for h in hop_metrics(as_events(old)) if h["to"] == "cert-b"]
    assert (hop["office_hours_wait"], hop["awaiting_ack"]) == (0, 200)
    _adds_up(hop)
