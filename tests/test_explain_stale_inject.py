"""`drill explain` shows an inject lost where a run loses it: sent to a recipient whose
point of contact on its channel is out of date when the inject would arrive (stale from
the start, or gone stale by a contact change due by then), or into an outage that loses
it. The MSEL marks that recipient LOST, and no escalation path starts from it. An inject
is never bounced nor sent again on another channel, so nothing else reaches it.

The base scenario (tests/conftest.py): exercise control tells cert-a (CERT-SG) of
incident x by e-mail at T+01:00; cert-a then notifies cert-b (CERT-TH) and escalates
to the council.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from sim.authoring.explain import explain
from sim.engine import Engine

#: what cert-a does once inject 1 reaches it, as explain shows it
NOTIFIES = "CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]"


def _msel_line(text: str, name: str = "CERT-SG") -> str:
    msel = text[text.index("MSEL"):text.index("Directory")]
    return next(line.strip() for line in msel.splitlines() if line.strip().startswith(name))


def _paths(text: str) -> list[str]:
    return [line.strip() for line in text[text.index("Escalation paths"):].splitlines()
            if line.strip()]


def _inject_fate(log, actor: str = "cert-a") -> tuple[list[float], list[str]]:
    """When inject 1 reached ``actor`` in the run, and why it was lost."""
    delivered = [e.time for e in events_of(log, "inject_delivered", actor)]
    lost = [e.details["reason"] for e in events_of(log, "message_lost", actor)
            if e.details.get("inject") == "1"]
    return delivered, lost


def _stale_by(data: dict[str, Any], at: str | None, stale: bool = True) -> dict[str, Any]:
    """cert-a's e-mail contact goes stale (or is repaired) at drill time ``at``; None:
    it is out of date from the start."""
    if at is None:
        data["actors"]["cert-a"]["contacts"]["email"]["stale"] = True
    else:
        data["contact_changes"] = [{"at": at, "actor": "cert-a", "channel": "email",
                                    "stale": stale}]
    return data


@pytest.mark.parametrize("at", [None, "T+00:30", "T+01:00"],
                         ids=["from-the-start", "before", "at-its-minute"])
def test_an_inject_to_a_stale_contact_is_shown_lost_and_starts_no_path(
        scenario_data, load, at):
    loaded = load(_stale_by(scenario_data, at))
    text = explain(loaded.scenario)
    assert _msel_line(text).endswith("LOST (STALE email contact)")
    paths = _paths(text)
    assert "CERT-SG: NEVER reached by inject 1 (STALE email contact)" in paths
    assert not any(line.startswith("CERT-SG --") for line in paths)
    # the run agrees: the inject is lost, and CERT-SG tells nobody
    log = Engine(loaded, seed=0).run()
    assert _inject_fate(log) == ([], ["stale_contact"])
    assert not events_of(log, "message_sent", "cert-a")


def test_a_contact_repaired_before_the_inject_is_shown_reached(scenario_data, load):
    data = _stale_by(scenario_data, "T+00:30", stale=False)
    data["actors"]["cert-a"]["contacts"]["email"]["stale"] = True
    loaded = load(data)
    text = explain(loaded.scenario)
    assert _msel_line(text).endswith("on duty")
    assert NOTIFIES in _paths(text)
    log = Engine(loaded, seed=0).run()
    assert _inject_fate(log) == ([60.0], [])
    assert [e.details["to"] for e in events_of(log, "message_sent", "cert-a")
            if e.details["rule"] == "notify"] == ["cert-b"]


def test_a_phone_call_waiting_for_the_desk_is_lost_to_a_contact_gone_stale_meanwhile(
        scenario_data, load):
    # the call comes at 19:00 Singapore time; nobody answers before 09:00 the next day
    # (T+24:00), and the phone contact is out of date from T+12:00
    inject = scenario_data["injects"][0]
    inject.update(at="T+10:00", via="phone")
    scenario_data["contact_changes"] = [{"at": "T+12:00", "actor": "cert-a",
                                         "channel": "phone", "stale": True}]
    loaded = load(scenario_data)
    text = explain(loaded.scenario)
    line = _msel_line(text)
    assert "OFF duty until" in line
    assert line.endswith("LOST at T+1d00:00 (STALE phone contact)")
    assert "CERT-SG: NEVER reached by inject 1 (STALE phone contact)" in _paths(text)
    log = Engine(loaded, seed=0).run()
    assert [e.time for e in events_of(log, "message_lost", "cert-a")] == [24 * 60.0]
    assert _inject_fate(log) == ([], ["stale_contact"])


def test_an_inject_lost_in_an_outage_is_shown_lost(scenario_data, load):
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-a", "start": "T+00:30",
                                 "end": "T+02:00"}]
    loaded = load(scenario_data)
    text = explain(loaded.scenario)
    assert _msel_line(text).endswith("LOST (an outage of email)")
    assert "CERT-SG: NEVER reached by inject 1 (an outage of email)" in _paths(text)
    log = Engine(loaded, seed=0).run()
    assert _inject_fate(log) == ([], ["outage"])
    assert not events_of(log, "message_sent", "cert-a")


def test_only_the_recipient_with_the_stale_contact_is_shown_lost(scenario_data, load):
    # inject 1 goes to both CERTs; only cert-b's address is out of date
    scenario_data["injects"][0]["to"] = ["cert-a", "cert-b"]
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    loaded = load(scenario_data)
    text = explain(loaded.scenario)
    assert _msel_line(text, "CERT-SG").endswith("on duty")
    assert _msel_line(text, "CERT-TH").endswith("LOST (STALE email contact)")
    paths = _paths(text)
    assert "CERT-TH: NEVER reached by inject 1 (STALE email contact)" in paths
    assert not any(line.startswith("CERT-TH --") for line in paths)
    log = Engine(loaded, seed=0).run()
    assert _inject_fate(log, "cert-b") == ([], ["stale_contact"])
    assert _inject_fate(log, "cert-a") == ([60.0], [])
    assert not events_of(log, "message_sent", "cert-b")


def test_an_inject_set_off_during_the_drill_to_a_contact_stale_throughout_is_lost(
        scenario_data, load):
    # a contingency fired when E1 is missed goes to cert-b, whose address is out of
    # date all drill long
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    scenario_data["injects"].append(
        {"id": "C1", "type": "contingency", "sender": "ctl", "to": ["cert-b"],
         "via": "email", "tlp": "GREEN", "title": "Nudge", "incident": {"id": "x"}})
    scenario_data["expectations"] = [
        {"id": "E1", "description": "CERT-SG takes the site down", "actors": ["cert-a"],
         "action": "takedown", "incident": "x", "within": "1h", "score": 1,
         "contingency": "C1"}]
    loaded = load(scenario_data)
    text = explain(loaded.scenario)
    assert _msel_line(text, "CERT-TH").endswith("LOST (STALE email contact)")
    log = Engine(loaded, seed=0).run()
    assert [e.details["reason"] for e in events_of(log, "message_lost", "cert-b")
            if e.details.get("inject") == "C1"] == ["stale_contact"]
    assert not [e for e in events_of(log, "inject_delivered", "cert-b")
                if e.details["inject"] == "C1"]


def test_an_inject_to_thaicerts_stale_address_in_the_tutorial_drill_is_shown_lost(tmp_path):
    from pathlib import Path

    from scenarios import load_scenario

    # the tutorial's drill, with HiCON's inject 4 sent by e-mail (it phones): ThaiCERT's
    # e-mail address is out of date
    text = (Path(__file__).resolve().parent.parent / "docs" / "tutorial"
            / "step3.yaml").read_text(encoding="utf-8")
    phoned = "to: [takedown_path]                # a team: every CERT on the takedown path\n" \
             "    via: phone"
    assert text.count(phoned) == 1
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace(phoned, phoned.replace("via: phone", "via: email")),
                    encoding="utf-8")
    loaded = load_scenario(path)
    text = explain(loaded.scenario)
    msel = text[text.index("MSEL"):text.index("Directory")]
    inject4 = msel[msel.index("  4     T+04:30"):]
    thai = next(line for line in inject4.splitlines() if line.strip().startswith("ThaiCERT"))
    assert thai.endswith("LOST (STALE email contact)")
    assert "ThaiCERT: NEVER reached by inject 4 (STALE email contact)" in _paths(text)
    # seed 5 misses E2, so inject 4 goes out, and ThaiCERT's stale address loses it
    log = Engine(loaded, seed=5).run()
    assert [e.details["reason"] for e in events_of(log, "message_lost", "thaicert")
            if e.details.get("inject") == "4"] == ["stale_contact"]
