"""Where the time went: a person's acknowledgement of a message that reached the role
while its office was closed counts the closed hours as waiting for working hours, and
only the in-hours part as the person's handling, as the automated policy's does.

The hand-computed drill (tests/conftest.py): the drill starts Wednesday 09:00 Singapore
time. CERT-SG (cert-a) is staffed 24/7 here and hears of incident x from exercise
control; it acknowledges in 10m, analyses in 30m and drafts in 5m, then e-mails CERT-TH
(cert-b, Bangkok, 09:00-17:00 there: 10:00-18:00 Singapore time, Monday to Friday). The
e-mail takes 5 minutes. A person plays CERT-TH.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from sim.analysis import aar
from sim.analysis.metrics import hop_metrics
from sim.analysis.review import ANALYSING, HOURS, QUEUED, Hop, Review, build_review
from sim.engine import Action, Engine

DAY = 24 * 60
#: CERT-TH's office opens on Thursday at 09:00 Bangkok time (10:00 in Singapore)
THURSDAY_OPENING = DAY + 60
#: and on Monday at 09:00 Bangkok time, after the weekend
MONDAY_OPENING = 5 * DAY + 60
#: CERT-TH's office closes on Friday at 17:00 Bangkok time (18:00 in Singapore)
FRIDAY_CLOSING = 2 * DAY + 9 * 60


def _evening_report(data: dict[str, Any], at: str, duration: str = "2d") -> dict[str, Any]:
    """CERT-SG, staffed 24/7, hears of x at ``at`` and notifies CERT-TH by e-mail 45
    minutes later, which reaches it 5 minutes after that (with no phone call to chase
    it: the e-mail is the one attempt)."""
    data["drill"]["duration"] = duration
    rules = data["frameworks"]["fw"]["rules"]
    rules.pop("escalate")
    rules["notify"].pop("fallback")
    data["injects"][0]["at"] = at
    data["actors"]["cert-a"]["staffing"] = "24/7"
    data["actors"]["cert-a"].pop("working_hours")
    return data


def _notify(review: Review) -> Hop:
    [hop] = [h for h in review.hops if h.verb == "notify" and h.incident == "x"]
    return hop


def _receiver(review: Review, hop: Hop) -> dict[str, float]:
    """The recipient's side of the hop, as the run report splits it."""
    [h] = [h for h in hop_metrics(review.events) if h["dispatch"] == hop.dispatch]
    return {"closed": h["office_hours_wait"], "handling": h["awaiting_ack"]}


def _acknowledged_by_a_person(scenario: Any, at: float) -> tuple[Review, float]:
    """CERT-TH, played by a person from the start, acknowledges the e-mail at ``at``:
    the review, and when the e-mail arrived."""
    engine = Engine(scenario, seed=0, human=("cert-b",))
    engine.run_until(at)
    [mail] = events_of(engine.log, "message_delivered", "cert-b")
    engine.act(Action("cert-b", "acknowledge", "x", refs=(mail.details["msg"],)))
    return build_review(scenario, engine.run()), mail.time


def _row(markdown: str) -> dict[str, str]:
    """The notification's row in the after-action report's "where the time went"
    table, by column."""
    lines = markdown.split("### Incident x:", 1)[1].split("### ", 1)[0].splitlines()
    [header] = [ln for ln in lines if ln.startswith("| Hop | Duration |")]
    [found] = [ln for ln in lines if ln.startswith("| CERT-SG -> CERT-TH (notify) |")]
    cells = [c.strip() for c in header.strip("|").split("|")]
    return dict(zip(cells, (c.strip() for c in found.strip("|").split("|")), strict=True))


def test_a_person_acknowledging_the_next_morning_waits_the_night_for_working_hours(
        scenario_data, load):
    # the report reaches CERT-SG at 19:00 (600); its e-mail reaches CERT-TH's closed
    # office at 650; the person acknowledges it on Thursday at 09:30 Bangkok time
    scenario = load(_evening_report(scenario_data, "T+10:00")).scenario
    acked = THURSDAY_OPENING + 30
    review, arrived = _acknowledged_by_a_person(scenario, acked)
    assert arrived == 650
    [ack] = events_of(review.events, "acknowledged", "cert-b")
    assert ack.details["by"] == "human"
    assert ack.details["spans"] == [[650.0, float(THURSDAY_OPENING), "off_duty"],
                                    [float(THURSDAY_OPENING), float(acked), "worked"]]
    hop = _notify(review)
    assert (hop.delivered_at, hop.end_at) == (650, acked)
    # the night the office was closed waits for working hours; only the person's half
    # hour after opening is their handling (it said all of the 880 minutes were)
    assert _receiver(review, hop) == {"closed": THURSDAY_OPENING - 650, "handling": 30}
    assert hop.parts[HOURS] == pytest.approx(THURSDAY_OPENING - 650)
    assert hop.parts[ANALYSING] == pytest.approx(45 + 30)
    assert hop.parts[QUEUED] == pytest.approx(0.0, abs=1e-9)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-6)
    values = _row(aar.render_markdown(review))
    assert values["Waiting for working hours"] == f"{(THURSDAY_OPENING - 650) / 60:.2f} h"


def test_a_person_acknowledging_on_monday_waits_the_weekend_for_working_hours(
        scenario_data, load):
    # the report reaches CERT-SG on Friday at 18:30 Singapore time; its e-mail reaches
    # CERT-TH on Friday evening, after closing; the person acknowledges it on Monday at
    # 09:30 Bangkok time
    scenario = load(_evening_report(scenario_data, "T+57:30", duration="6d")).scenario
    acked = MONDAY_OPENING + 30
    review, arrived = _acknowledged_by_a_person(scenario, acked)
    assert arrived > FRIDAY_CLOSING
    hop = _notify(review)
    assert hop.end_at == acked
    closed = MONDAY_OPENING - arrived
    # the whole weekend waits for working hours: about two and a half days, not handling
    assert closed > 2.5 * DAY
    assert _receiver(review, hop) == pytest.approx({"closed": closed, "handling": 30})
    assert hop.parts[HOURS] == pytest.approx(closed)
    assert hop.parts[ANALYSING] == pytest.approx(45 + 30)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-6)


def test_a_person_reads_as_the_policy_does_when_acknowledging_at_the_same_moment(
        scenario_data, load):
    """The automated policy playing CERT-TH acknowledges the e-mail ten minutes after its
    office opens; a person who acknowledges it at that same moment gets the same
    breakdown of the hop."""
    scenario = load(_evening_report(scenario_data, "T+10:00")).scenario
    automated = build_review(scenario, Engine(scenario, seed=0).run())
    by_policy = _notify(automated)
    [policy_ack] = events_of(automated.events, "acknowledged", "cert-b")
    assert policy_ack.details["off_duty"] > 0  # the policy's wait for the office
    review, _ = _acknowledged_by_a_person(scenario, policy_ack.time)
    by_person = _notify(review)
    assert by_person.end_at == by_policy.end_at
    assert by_person.parts == pytest.approx(by_policy.parts)
    assert _receiver(review, by_person) == pytest.approx(_receiver(automated, by_policy))


def test_a_person_acknowledging_in_office_hours_is_all_handling(scenario_data, load):
    # the report reaches CERT-SG at T+01:00 (10:00, CERT-TH's office just open): its
    # e-mail arrives at 110, and the person acknowledges it at 140
    scenario = load(_evening_report(scenario_data, "T+01:00")).scenario
    review, arrived = _acknowledged_by_a_person(scenario, 140)
    assert arrived == 110
    [ack] = events_of(review.events, "acknowledged", "cert-b")
    assert "spans" not in ack.details
    hop = _notify(review)
    assert _receiver(review, hop) == {"closed": 0.0, "handling": 30}
    assert hop.parts[HOURS] == pytest.approx(0.0, abs=1e-9)
