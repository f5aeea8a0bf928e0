"""A law-enforcement step that was sent but never arrived says what became of it: "lost"
or "bounced" when its last attempt was, "in transit" only while one is on its way.

The hand-computed drill with the Singapore police: cert-a refers the suspected crime
to them by e-mail at T+01:55 (115), after its notification and its escalation;
e-mail takes 5 minutes.
"""

from __future__ import annotations

from typing import Any

from conftest import events_of
from conftest import police_referral as _referral
from conftest import stale_police_email as _stale

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine

STEP = "CERT -> national police"


def _step(data: dict[str, Any], load) -> tuple[dict[str, Any], str, list]:
    log = Engine(load(data), seed=0).run()
    m = compute(log)
    [hop] = [h for h in m["incidents"][0]["law_enforcement"]["hops"] if h["hop"] == STEP]
    [line] = [ln for ln in render_text(m).splitlines() if ln.strip().startswith(STEP)]
    return hop, line, log


def test_a_step_lost_to_a_stale_contact_is_lost_not_in_transit(scenario_data, load):
    hop, line, log = _step(_stale(_referral(scenario_data)), load)
    [lost] = events_of(log, "message_lost", "police-sg")
    assert hop["at"] is None and hop["sent_at"] == 115
    assert (hop["outcome"], hop["outcome_at"], hop["reason"]) == ("lost", lost.time,
                                                                  "stale_contact")
    assert "in transit" not in line
    assert line.split()[len(STEP.split())] == "lost"
    assert line.endswith("sent T+01:55, lost T+02:00 (stale contact)")


def test_a_step_that_bounced_says_so(scenario_data, load):
    data = _stale(_referral(scenario_data))
    data["channels"]["email"]["bounce"] = "2m"
    hop, line, log = _step(data, load)
    [bounced] = events_of(log, "message_bounced")
    assert (hop["outcome"], hop["outcome_at"], hop["reason"]) == ("bounced", bounced.time,
                                                                  "stale_contact")
    assert "in transit" not in line and line.split()[len(STEP.split())] == "bounced"
    assert line.endswith("sent T+01:55, bounced T+01:57 (stale contact)")


def test_a_step_still_on_its_way_is_in_transit(scenario_data, load):
    # the police's mail server is down past the drill's end: the referral is held
    data = _referral(scenario_data)
    data["outages"] = [{"channel": "email", "actor": "police-sg", "start": "T+00:00",
                        "end": "T+3d00:00", "effect": "hold"}]
    hop, line, _ = _step(data, load)
    assert hop["outcome"] == "in_transit" and "reason" not in hop
    assert line.split()[len(STEP.split()):len(STEP.split()) + 2] == ["in", "transit"]
    assert line.endswith("sent T+01:55, held in an outage, not delivered by the end")


def test_a_step_never_sent_has_no_outcome(scenario_data, load):
    data = _referral(scenario_data)
    del data["frameworks"]["fw"]["rules"]["refer"]
    hop, line, _ = _step(data, load)
    assert hop["sent_at"] is None and hop["outcome"] is None
    assert line.split()[-1] == "never"


def test_the_last_attempt_decides_when_every_attempt_failed(scenario_data, load):
    # e-mail to a stale address is lost; the phone has no number: lost, no contact
    data = _stale(_referral(scenario_data))
    data["frameworks"]["fw"]["rules"]["refer"]["fallback"] = ["phone"]
    hop, line, log = _step(data, load)
    reasons = [e.details["reason"] for e in events_of(log, "message_lost", "police-sg")]
    assert sorted(reasons) == ["no_contact", "stale_contact"]
    # the phone, tried last, had no number
    assert (hop["outcome"], hop["reason"]) == ("lost", "no_contact")
    assert "in transit" not in line and line.endswith("(no contact)")
