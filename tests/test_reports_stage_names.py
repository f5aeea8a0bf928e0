"""Two law-enforcement stages a log gives the same name stay two stages in the
reports: each keeps its own delivery and its own ``stage`` key, and the end-to-end
figure is the later of them. A scenario can no longer name two stages alike (``drill
validate`` refuses it: tests/test_stage_names_distinct.py), but a log or journal
recorded before that check may, and its reports must still read right.

The hand-computed drill with the Singapore police (conftest.police_referral), and the
infrastructure in Thailand: the Singapore police ask both the Thai police (foreign
police) and an INTERPOL desk (an international channel) for assistance; the log then
calls both stages "police -> INTERPOL".
"""

from __future__ import annotations

from typing import Any

from conftest import police, police_referral

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine
from sim.engine.events import Event

SAME = "police -> INTERPOL"


def _named_alike(data: dict[str, Any]) -> dict[str, Any]:
    data = police_referral(data)
    data["actors"]["police-th"] = police("TH", "Asia/Bangkok")
    data["actors"]["interpol"] = {
        "name": "INTERPOL desk", "kind": "intl_police_channel", "timezone": "Asia/Singapore",
        "staffing": "24/7", "contacts": {"email": {"address": "desk@interpol.example"}}}
    data["injects"][0]["incident"]["hosted_in"] = ["TH"]
    rules = data["frameworks"]["fw"]["rules"]
    for rid, to in (("to-foreign-police", "hosting_police"), ("to-interpol", "police_channels")):
        rules[rid] = {"by": ["national_police"], "on": ["refer_police"],
                      "action": "request_assistance", "to": [to], "channel": "email",
                      "deadline": "8h", "tlp": "GREEN"}
    data["drill"]["names"] = {"international_channel": "via INTERPOL",
                              "foreign_police": SAME}
    return data


def _metrics(scenario_data, load) -> dict[str, Any]:
    log = Engine(load(_named_alike(scenario_data)).scenario, seed=0).run()
    # as a log recorded before stage names had to differ: both stages named alike
    first = log[0].to_dict()
    assert first["type"] == "drill_started"
    first["details"]["names"]["international_channel"] = SAME
    return compute([Event.from_dict(first), *log[1:]])


def test_each_stage_keeps_its_own_delivery(scenario_data, load):
    m = _metrics(scenario_data, load)
    hops = m["incidents"][0]["law_enforcement"]["hops"]
    named = [h for h in hops if h["hop"] == SAME]
    assert [h["stage"] for h in named] == ["international_channel", "foreign_police"]
    assert [h["to"] for h in named] == ["interpol", "police-th"]
    assert named[0]["at"] != named[1]["at"]
    # the run report shows both, each with its own recipient
    lines = [ln for ln in render_text(m).splitlines() if ln.strip().startswith(SAME)]
    assert len(lines) == 2
    assert lines[0].endswith("Police SG -> INTERPOL desk")
    assert lines[1].endswith("Police SG -> Police TH")
    # the chain ends with the later of the two
    last = max(named, key=lambda h: h["at"])
    e2e = m["incidents"][0]["law_enforcement"]["end_to_end"]
    assert (e2e["at"], e2e["to"], e2e["stage"]) == (last["at"], SAME, last["stage"])
