"""`drill explain` does not walk into the rules of a team that never receives a message:
one whose every point of contact on the rule's channels is out of date (lost or
bounced, with nothing to chase it on). A run sets off none of its rules. Checked against
a run, and against the same team reached when its contact is up to date.

The base scenario (tests/conftest.py): cert-a (CERT-SG) hears of incident x at T+01:00
and notifies cert-b (CERT-TH) by e-mail; here cert-b publishes an advisory on a
notification, and everything is CLEAR.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from sim.authoring.explain import explain
from sim.engine import Engine

ADVISORY = "CERT-TH publishes an advisory within 4h   [advisory]"


def _notified_then_advisory(data: dict[str, Any], stale: bool) -> dict[str, Any]:
    rules = data["frameworks"]["fw"]["rules"]
    rules["notify"].update(fallback=[], tlp="CLEAR")
    rules["advisory"] = {"by": ["national_cert"], "on": ["notify"], "action": "publish",
                         "deadline": "4h"}
    data["injects"][0]["tlp"] = "CLEAR"
    data["actors"]["cert-b"]["contacts"]["email"]["stale"] = stale
    return data


@pytest.mark.parametrize("stale", [True, False])
def test_a_team_that_never_receives_the_message_takes_no_step_after_it(
        scenario_data, load, stale):
    loaded = load(_notified_then_advisory(scenario_data, stale))
    text = explain(loaded.scenario)
    paths = text[text.index("Escalation paths"):]
    log = Engine(loaded, seed=0).run()
    published = [e.actor for e in events_of(log, "published")]
    if stale:
        assert "STALE email contact: lost, and no fallback" in paths
        assert ADVISORY not in paths
        assert published == []
    else:
        assert ADVISORY in paths
        assert published == ["cert-b"]
