"""`drill explain` shows a publication withheld where a run withholds it: a team that
knows of an incident only under labels that keep it from the public (GREEN, AMBER,
AMBER+STRICT, RED) publishes nothing, nor does one whose rule rests on facts it holds
only under such labels. What it may make public (a CLEAR report, or incident facts
released with ``facts_tlp: CLEAR``) is published. Each case is checked against a run.

The base scenario (tests/conftest.py): cert-a (CERT-SG) hears of incident x from
exercise control at T+01:00.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from sim.authoring.explain import explain
from sim.engine import Engine

PUBLISHES = "    CERT-SG publishes an advisory within 4h   [advisory]"
WITHHOLDS = ("    CERT-SG publishes an advisory within 4h: NEVER, it withholds it from the "
             "public (TLP)   [advisory]")


def _advisory(data: dict[str, Any], tlp: str | None, facts_tlp: str | None = None,
              **rule: Any) -> dict[str, Any]:
    """cert-a publishes an advisory on every incident it handles, and is expected to
    within 4 hours; the report it has is labelled ``tlp`` (None: the default, AMBER)."""
    data["frameworks"]["fw"]["rules"] = {"advisory": {
        "by": ["national_cert"], "on": ["inject"], "action": "publish", "deadline": "4h",
        **rule}}
    inject = data["injects"][0]
    del inject["tlp"]
    if tlp is not None:
        inject["tlp"] = tlp
    if facts_tlp is not None:
        inject["facts_tlp"] = facts_tlp
    data["expectations"] = [{"id": "E1", "description": "CERT-SG publishes an advisory",
                             "actors": ["cert-a"], "action": "publish", "incident": "x",
                             "within": "4h", "score": 5}]
    return data


def _publish_lines(text: str, who: str = "CERT-SG") -> list[str]:
    return [line.rstrip() for line in text[text.index("Escalation paths"):].splitlines()
            if line.strip().startswith(f"{who} publishes")]


def _outcome(log) -> str:
    [outcome] = [e.type for e in log if e.type.startswith("expectation_")]
    return outcome


@pytest.mark.parametrize("tlp", ["RED", "AMBER+STRICT", None, "GREEN"])
def test_an_incident_known_only_under_restricted_labels_is_shown_withheld(
        scenario_data, load, tlp):
    loaded = load(_advisory(scenario_data, tlp))
    assert _publish_lines(explain(loaded.scenario)) == [WITHHOLDS]
    log = Engine(loaded, seed=1).run()
    assert not events_of(log, "published")
    assert [e.details["to"] for e in events_of(log, "withheld", "cert-a")] == ["public"]
    assert _outcome(log) == "expectation_missed"


@pytest.mark.parametrize(("tlp", "facts_tlp", "public_report"), [
    ("CLEAR", None, False),
    ("RED", "CLEAR", False),  # control released the incident's facts as CLEAR
    ("RED", None, True),  # a CLEAR report on the incident beside the RED one
])
def test_what_may_be_made_public_is_shown_published(scenario_data, load, tlp, facts_tlp,
                                                    public_report):
    data = _advisory(scenario_data, tlp, facts_tlp)
    if public_report:
        data["injects"].append({**data["injects"][0], "id": "2", "tlp": "CLEAR",
                                "title": "Public report"})
    loaded = load(data)
    assert _publish_lines(explain(loaded.scenario)) == [PUBLISHES]
    log = Engine(loaded, seed=1).run()
    assert [e.actor for e in events_of(log, "published")] == ["cert-a"]
    assert _outcome(log) == "expectation_met"


def test_a_rule_resting_on_restricted_facts_is_shown_withheld(scenario_data, load):
    # the CLEAR report names the botnet; only the RED one says its servers are in
    # Thailand, which is what the rule rests on
    data = _advisory(scenario_data, "CLEAR", when={"hosted_abroad": True})
    data["injects"].append({**data["injects"][0], "id": "2", "tlp": "RED",
                            "title": "Where the servers are",
                            "incident": {"id": "x", "hosted_in": ["TH"]}})
    loaded = load(data)
    assert _publish_lines(explain(loaded.scenario)) == [WITHHOLDS]
    log = Engine(loaded, seed=1).run()
    assert not events_of(log, "published")
    [withheld] = events_of(log, "withheld", "cert-a")
    assert withheld.details["facts"] == ["hosted:TH"]
    assert _outcome(log) == "expectation_missed"


@pytest.mark.parametrize(("tlp", "published"), [("AMBER", False), ("CLEAR", True)])
def test_a_team_told_by_message_publishes_only_what_may_be_made_public(
        scenario_data, load, tlp, published):
    # cert-a notifies cert-b, which publishes on what the notification tells it: GREEN
    # facts in an AMBER message are not for the public, CLEAR ones are
    data = _advisory(scenario_data, tlp)
    data["frameworks"]["fw"]["rules"] = {
        "notify": {"by": ["national_cert"], "on": ["inject"], "action": "notify",
                   "to": ["affected_certs"], "channel": "email", "deadline": "4h",
                   "tlp": tlp},
        "advisory": {"by": ["national_cert"], "on": ["notify"], "action": "publish",
                     "deadline": "4h"}}
    data["expectations"] = []
    loaded = load(data)
    expected = ("      CERT-TH publishes an advisory within 4h   [advisory]" if published
                else "      CERT-TH publishes an advisory within 4h: NEVER, it withholds it "
                "from the public (TLP)   [advisory]")
    assert _publish_lines(explain(loaded.scenario), "CERT-TH") == [expected]
    log = Engine(loaded, seed=1).run()
    assert bool(events_of(log, "published", "cert-b")) is published


def test_a_clear_report_joining_later_is_shown_published_as_a_run_publishes_it(
        scenario_data, load):
    data = _advisory(scenario_data, "RED")
    data["injects"].append({**data["injects"][0], "id": "2", "at": "T+03:00",
                            "tlp": "CLEAR", "title": "Public report"})
    loaded = load(data)
    assert _publish_lines(explain(loaded.scenario)) == [PUBLISHES]
    log = Engine(loaded, seed=1).run()
    assert [e.actor for e in events_of(log, "published")] == ["cert-a"]
    assert _outcome(log) == "expectation_met"
