"""The message counts are about the teams' messages: an inject from exercise control
that never reached its recipient is counted apart, as a lost inject, not among the
messages lost (which would then outnumber those sent).

The hand-computed drill, with control's report sent to both CERTs while cert-b's
e-mail is down (its copy is lost); cert-a's notification to cert-b at T+01:45 goes
through once service is back.
"""

from __future__ import annotations

from typing import Any

from conftest import events_of

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.engine import Engine


def _drill(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"][0]["to"] = ["cert-a", "cert-b"]
    data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+00:00",
                        "end": "T+01:30", "effect": "lose"}]
    return data


def test_a_lost_inject_is_not_a_lost_message(scenario_data, load):
    log = Engine(load(_drill(scenario_data)), seed=0).run()
    [lost] = events_of(log, "message_lost")
    assert lost.details["inject"] == "1"
    m = compute(log)
    msgs = m["messages"]
    sent = len(events_of(log, "message_sent"))
    assert msgs["sent"] == sent and msgs["delivered"] == sent
    assert msgs["lost"] == {} and msgs["injects_lost"] == {"outage": 1}
    # the list still shows it, marked as an inject
    [item] = msgs["lost_list"]
    assert (item["inject"], item["from"], item["to"], item["reason"]) == (
        "1", "ctl", "cert-b", "outage")
    text = render_text(m)
    [line] = [ln for ln in text.splitlines() if ln.startswith("Messages:")]
    assert line == (f"Messages: {sent} sent, {sent} delivered, 0 lost; 0 bounced, 0 chased; "
                    "1 inject lost (outage 1)")
    assert "  T+01:00  HiCON -> CERT-TH on email: outage (inject 1)" in text.splitlines()


def test_a_lost_team_message_is_still_counted_as_lost(scenario_data, load):
    data = _drill(scenario_data)
    data["outages"][0]["end"] = "T+02:00"  # cert-a's notification is lost too
    log = Engine(load(data), seed=0).run()
    m = compute(log)
    assert m["messages"]["lost"] == {"outage": 1}
    assert m["messages"]["injects_lost"] == {"outage": 1}
    [item] = [x for x in m["messages"]["lost_list"] if x["inject"] is None]
    assert (item["from"], item["to"]) == ("cert-a", "cert-b")
    [line] = [ln for ln in render_text(m).splitlines() if ln.startswith("Messages:")]
    assert ", 1 lost (outage 1);" in line and line.endswith("; 1 inject lost (outage 1)")


def test_no_lost_inject_says_nothing_of_injects(scenario_data, load):
    m = compute(Engine(load(scenario_data), seed=0).run())
    assert m["messages"]["injects_lost"] == {}
    [line] = [ln for ln in render_text(m).splitlines() if ln.startswith("Messages:")]
    assert "inject" not in line


def test_batch_counts_lost_injects_apart(scenario_data, load):
    from sim.runs.batch import RUN_METRICS, replication_rows

    rows = {name: v for _, name, v in replication_rows(load(_drill(scenario_data)).scenario, 0)}
    assert rows["messages_lost"] == 0.0 and rows["lost.outage"] == 0.0
    assert rows["injects_lost"] == 1.0
    assert "injects_lost" in RUN_METRICS
