"""`drill lint` and `drill explain` follow the incident and the holds as a run does.

* An incident changes as its injects arrive: a rule whose `when` matches it only
  before a later inject retypes it, adds the acting team's own country or says a crime
  is suspected still fires, and lint does not call it a rule that never fires.
* A rule held until another (`hold_until`) waits for its own actor to carry that rule
  out: one waiting for a rule its actor never carries out, for a rule that waits for it
  in turn, or for a library rule the scenario switches off never acts. Lint says so at
  a line the organiser can change, and explain does not promise the action.
* A team that learns of more affected countries tells their CERTs, as in a run.

Each case is checked against a run of the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import cert

from scenarios import load_scenario
from sim.authoring.explain import explain
from sim.authoring.lint import lint
from sim.engine import Engine
from sim.engine.messaging import VERB_EVENT

ROOT = Path(__file__).resolve().parent.parent


def _fired(loaded) -> set[str]:
    """The rules a run of the engine carries out (a message sent, an effect done)."""
    done = set(VERB_EVENT.values())
    return {e.details["rule"] for e in Engine(loaded, seed=0).run()
            if e.details.get("rule") and e.type in done}


def _codes(loaded, code: str) -> list:
    return [f for f in lint(loaded) if f.code == code]


def _paths(text: str) -> list[str]:
    return [line.strip() for line in text[text.index("Escalation paths"):].splitlines()
            if line.strip().endswith("]")]


# --- a rule that fires before a later inject changes the incident ----------------------


def _changing(data: dict[str, Any], when: dict[str, Any], later: dict[str, Any]) -> dict:
    """A CERT's rule 'tell' (with ``when``) tells the CERTs of the other affected
    countries; an inject to cert-a at T+05:00 then says ``later`` of incident x."""
    data["frameworks"]["fw"]["rules"] = {
        "tell": {"by": ["national_cert"], "on": ["inject"], "when": when,
                 "action": "notify", "to": ["affected_certs"], "channel": "email",
                 "deadline": "4h", "tlp": "GREEN"}}
    data["injects"].append({
        "id": "2", "at": "T+05:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "GREEN", "title": "Update", "incident": {"id": "x", **later}})
    return data


@pytest.mark.parametrize(("when", "later"), [
    ({"types": ["botnet"]}, {"type": "ddos"}),                 # retyped later
    ({"crime_suspected": False}, {"crime_suspected": True}),   # a crime suspected later
    ({"actor_affected": False}, {"affected": ["SG", "TH"]}),   # its own country later
], ids=["retyped", "crime-later", "affected-later"])
def test_a_rule_that_fires_before_the_incident_changes_is_not_said_never_to_fire(
        scenario_data, load, when, later):
    # both CERTs hear of it at first, when only Singapore is affected: cert-b (TH) helps
    # while its own country is not affected
    scenario_data["injects"][0].update(to=["cert-a", "cert-b"])
    scenario_data["injects"][0]["incident"]["affected"] = ["SG"]
    loaded = load(_changing(scenario_data, when, later))
    assert "tell" in _fired(loaded)
    assert _codes(loaded, "rule-never-fires") == []


@pytest.mark.parametrize("when", [{"types": ["ransomware"]},
                                  {"crime_suspected": True}])
def test_a_rule_no_state_of_the_incident_matches_is_still_reported(scenario_data, load, when):
    loaded = load(_changing(scenario_data, when, {"type": "ddos"}))
    assert "tell" not in _fired(loaded)
    found = _codes(loaded, "rule-never-fires")
    assert [f.path for f in found] == ["frameworks.fw.rules.tell"]
    assert "matches no incident" in found[0].message


# --- a hold that never lifts -----------------------------------------------------------


def _held(data: dict[str, Any], hold: dict[str, list[str]]) -> dict[str, Any]:
    """cert-a tells cert-b ('pass'); cert-b, told, preserves ('keep') and takes the
    infrastructure down ('down'), each held as ``hold`` says."""
    data["frameworks"]["fw"]["rules"] = {
        "pass": {"by": ["cert-a"], "on": ["inject"], "action": "notify",
                 "to": ["affected_certs"], "channel": "email", "deadline": "4h",
                 "tlp": "GREEN"},
        "keep": {"by": ["cert-b"], "on": ["notify"], "action": "preserve",
                 "deadline": "4h", "hold_until": hold.get("keep", [])},
        "down": {"by": ["cert-b"], "on": ["notify"], "action": "takedown",
                 "deadline": "4h", "hold_until": hold.get("down", [])},
    }
    return data


def _line(loaded, rid: str) -> str:
    return next(line for line in _paths(explain(loaded.scenario)) if line.endswith(f"[{rid}]"))


def test_a_hold_on_a_rule_another_actor_carries_out_never_lifts(scenario_data, load):
    loaded = load(_held(scenario_data, {"down": ["pass"]}))
    assert "down" not in _fired(loaded)
    found = _codes(loaded, "hold-never-lifts")
    assert [f.path for f in found] == ["frameworks.fw.rules.down.hold_until"]
    assert "'down' waits for rule 'pass'" in found[0].message
    assert "never happens" in found[0].message
    line = _line(loaded, "down")
    assert "once pass is done" not in line and "NEVER" in line


def test_a_hold_on_the_actors_own_rule_lifts(scenario_data, load):
    loaded = load(_held(scenario_data, {"down": ["keep"]}))
    assert {"keep", "down"} <= _fired(loaded)
    assert _codes(loaded, "hold-never-lifts") == []
    assert "once keep is done" in _line(loaded, "down")
    assert "NEVER" not in explain(loaded.scenario)


def test_rules_held_until_each_other_never_act(scenario_data, load):
    loaded = load(_held(scenario_data, {"keep": ["down"], "down": ["keep"]}))
    assert not {"keep", "down"} & _fired(loaded)
    found = _codes(loaded, "hold-never-lifts")
    assert [f.path for f in found] == ["frameworks.fw.rules.keep.hold_until",
                                       "frameworks.fw.rules.down.hold_until"]
    assert all("in turn" in f.message for f in found)
    assert "NEVER" in _line(loaded, "keep") and "NEVER" in _line(loaded, "down")


# --- a library hold on a rule the scenario switches off --------------------------------


def test_switching_off_a_library_rule_another_waits_for_is_reported_at_the_switch(
        tmp_path):
    text = (ROOT / "docs" / "tutorial" / "step3.yaml").read_text(encoding="utf-8")
    text += ("\nframeworks:\n  cert-cooperation:\n    rules:\n"
             "      isp-preserve: {enabled: false}\n")
    path = tmp_path / "my-first-drill.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(path)
    assert "isp-takedown-evidence" not in _fired(loaded)
    found = _codes(loaded, "hold-never-lifts")
    assert len(found) == 1
    line = text.splitlines().index("      isp-preserve: {enabled: false}") + 1
    assert found[0].mark is not None
    assert (Path(found[0].mark.file).name, found[0].mark.line) == (path.name, line)
    assert "'isp-takedown-evidence' waits for rule 'isp-preserve', which is switched off" \
        in found[0].message
    assert "NEVER" in _line(loaded, "isp-takedown-evidence")


# --- a team that learns of more affected countries ----------------------------------


def test_a_team_that_learns_of_more_affected_countries_tells_their_certs(scenario_data, load):
    # cert-a hears of SG alone; cert-b hears that SG, TH and MY are affected and tells
    # cert-a and cert-c; cert-a now tells cert-c, as in a run
    data = scenario_data
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    del data["frameworks"]["fw"]["rules"]["escalate"]
    data["frameworks"]["fw"]["rules"]["notify"]["on"] = ["inject", "notify"]
    data["injects"][0]["incident"]["affected"] = ["SG"]
    data["injects"].append({
        "id": "2", "at": "T+01:10", "sender": "ctl", "to": ["cert-b"], "via": "email",
        "tlp": "GREEN", "title": "Also in Thailand and Malaysia",
        "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    loaded = load(data)
    sent = {(e.actor, e.details["to"]) for e in Engine(loaded, seed=0).run()
            if e.type == "message_sent"}
    assert ("cert-a", "cert-c") in sent
    text = explain(loaded.scenario)
    paths = [line.rstrip() for line in text[text.index("Escalation paths"):].splitlines()
             if "-->" in line]
    assert paths == [
        # at first it has nobody to tell; the same rule tells CERT-MY once CERT-TH's
        # notice says that Malaysia is affected
        "    CERT-SG --notify--> NOBODY: affected_certs finds no recipient   [notify]",
        "    CERT-TH --notify via email within 4h, TLP:GREEN--> CERT-SG, CERT-MY   [notify]",
        "      CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-MY   [notify]",
        "        CERT-MY --notify--> NOBODY: affected_certs finds only CERT-TH, which told it"
        "   [notify]",
    ]


def test_a_bundled_team_tells_the_countries_it_learns_of_later():
    # acid-hacktivism: CERT-PH hears first of the Philippines alone; ThaiCERT's notice
    # says that Malaysia and Thailand are affected too, and CERT-PH tells MyCERT
    loaded = load_scenario(ROOT / "scenarios" / "bundled" / "acid-hacktivism.yaml")
    text = explain(loaded.scenario)
    ddos = text[text.index("  incident ddos"):text.index("  incident leak")].splitlines()
    told = next(i for i, line in enumerate(ddos)
                if line.startswith("    ThaiCERT --notify via email") and "CERT-PH" in line)
    assert ddos[told + 1] == ("      CERT-PH --notify via email within 4h, TLP:GREEN--> "
                              "MyCERT   [notify-affected-certs]")
