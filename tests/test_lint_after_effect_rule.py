"""A rule that follows (``after``) only rules sending no message (a publication, a
takedown) is never set off: a run sets off an ``after`` rule once the messages of the
rule it follows are acknowledged, and an effect sends none. `drill lint` warns
`rule-never-fires`; a rule following a message rule is not warned of."""

from __future__ import annotations

from conftest import events_of

from sim.authoring.lint import lint
from sim.engine import Engine


def _after(data, follows: str):
    rules = data["frameworks"]["fw"]["rules"]
    rules["advisory"] = {"by": ["national_cert"], "on": ["inject"], "action": "publish",
                         "deadline": "4h"}
    data["injects"][0]["tlp"] = "CLEAR"
    rules["summary"] = {"by": ["national_cert"], "after": [follows], "action": "report",
                        "to": ["regional_council"], "channel": "email", "deadline": "1h",
                        "tlp": "GREEN"}
    return data


def test_a_rule_after_a_publication_is_warned_of_and_never_runs(scenario_data, load):
    loaded = load(_after(scenario_data, "advisory"))
    [warning] = [f for f in lint(loaded) if f.code == "rule-never-fires"]
    assert "'summary'" in warning.message and "advisory" in warning.message
    log = Engine(loaded, seed=0).run()
    assert events_of(log, "published", "cert-a")
    assert not [e for e in events_of(log, "message_sent") if e.details.get("rule") == "summary"]


def test_a_rule_after_a_message_rule_is_not_warned_of(scenario_data, load):
    loaded = load(_after(scenario_data, "notify"))
    assert [f for f in lint(loaded) if f.code == "rule-never-fires"] == []
