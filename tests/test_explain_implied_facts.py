"""`drill explain` follows the engine on what a message may carry and whom it tells.

* A police referral (or a preservation or MLA request) says by itself that a crime is
  suspected. When the sender knows that only from a restricted inject, the engine
  withholds the message (``no message without restricted facts``); explain shows
  ``--> NOBODY ... withholds it ... (TLP)`` instead of the chain that never runs.
* A team is never told again what it told the sender itself: explain leaves out the
  notice back to the team that supplied the facts.
"""

from __future__ import annotations

import pytest
from conftest import police

from sim.authoring.explain import explain
from sim.engine import Engine


def _paths(text: str) -> list[str]:
    return [line.strip() for line in text[text.index("Escalation paths"):].splitlines()]


def _with_referral(data: dict, **inject: object) -> dict:
    """cert-a (SG) hears of a suspected crime in inject 1 and refers it to its police."""
    data["actors"]["police-sg"] = police("SG")
    data["frameworks"]["fw"]["rules"]["refer"] = {
        "by": ["national_cert"], "on": ["inject"], "when": {"crime_suspected": True},
        "action": "refer_police", "to": ["national_police"], "channel": "email",
        "deadline": "1d", "tlp": "GREEN"}
    data["frameworks"]["fw"]["rules"]["preserve"] = {
        "by": ["national_police"], "on": ["refer_police"], "action": "preserve",
        "deadline": "1d"}
    inj = data["injects"][0]
    inj["incident"]["crime_suspected"] = True
    inj.update(inject)
    return data


def _referral_lines(text: str) -> list[str]:
    return [line for line in _paths(text) if "refer_police" in line or "Police SG" in line]


def test_a_referral_open_to_the_police_is_shown_with_what_follows(scenario_data, load):
    loaded = load(_with_referral(scenario_data, tlp="GREEN"))
    lines = _referral_lines(explain(loaded.scenario))
    assert lines[0].startswith("CERT-SG --refer_police via email within 1d, TLP:GREEN--> "
                               "Police SG")
    assert lines[1].startswith("Police SG preserves the data")
    log = Engine(loaded, seed=0).run()
    assert [e for e in log if e.type == "message_sent" and e.details["verb"] == "refer_police"]


@pytest.mark.parametrize("inject", [{"tlp": "RED"}, {"tlp": "AMBER", "facts_tlp": "AMBER"},
                                    {"tlp": "AMBER+STRICT"}],
                         ids=["red", "facts-amber", "amber-strict"])
def test_a_referral_that_would_pass_on_a_restricted_crime_is_withheld(scenario_data, load,
                                                                       inject):
    loaded = load(_with_referral(scenario_data, **inject))
    lines = _referral_lines(explain(loaded.scenario))
    assert lines == ["CERT-SG --refer_police--> NOBODY: national_police withholds it from "
                     "Police SG (TLP)   [refer]"]
    # the engine agrees: the referral is withheld for the crime it would state
    log = Engine(loaded, seed=0).run()
    assert not [e for e in log if e.type == "message_sent"
                and e.details["verb"] == "refer_police"]
    withheld = [e for e in log if e.type == "withheld"
                and e.details.get("action") == "refer_police"]
    assert withheld and withheld[0].details["facts"] == ["crime"]


def test_only_the_referral_waits_when_only_the_crime_is_restricted(scenario_data, load):
    # the countries come in a GREEN inject, the crime in a RED one: the notice to
    # cert-b goes (it says nothing of a crime), the referral does not
    data = _with_referral(scenario_data)
    data["injects"][0]["incident"]["crime_suspected"] = False
    data["injects"].append({
        "id": "2", "at": "T+01:30", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "RED", "title": "Extortion", "incident": {"id": "x", "crime_suspected": True}})
    loaded = load(data)
    paths = _paths(explain(loaded.scenario))
    assert "CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]" in paths
    assert ("CERT-SG --refer_police--> NOBODY: national_police withholds it from Police SG "
            "(TLP)   [refer]") in paths
    log = Engine(loaded, seed=0).run()
    verbs = {e.details["verb"] for e in log if e.type == "message_sent"}
    assert "notify" in verbs and "refer_police" not in verbs


# --- no notice back to the team that told it -------------------------------------------


def _second_team_hears_only_from_the_first(data: dict, facts: dict | None = None) -> dict:
    """cert-b (TH) gets an inject of its own at T+02:00; what it says of the incident
    is ``facts`` (nothing by default, so all cert-b knows comes from cert-a)."""
    data["injects"].append({
        "id": "2", "at": "T+02:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
        "tlp": "GREEN", "title": "Also for you", "incident": {"id": "x", **(facts or {})}})
    return data


def test_a_team_is_not_shown_telling_back_what_it_was_told(scenario_data, load):
    loaded = load(_second_team_hears_only_from_the_first(scenario_data))
    paths = _paths(explain(loaded.scenario))
    assert "CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH   [notify]" in paths
    assert ("CERT-TH --notify--> NOBODY: affected_certs finds only CERT-SG, which told "
            "it   [notify]") in paths
    assert not [line for line in paths if line.startswith("CERT-TH --notify via")]
    # the engine agrees: cert-b never notifies cert-a
    log = Engine(loaded, seed=0).run()
    senders = {e.actor for e in log if e.type == "message_sent" and e.details["verb"] == "notify"}
    assert senders == {"cert-a"}


def test_a_team_that_knows_the_facts_from_its_own_inject_may_tell_them(scenario_data, load):
    # cert-b has the facts from exercise control too, and may act on them before cert-a's
    # notice arrives: the notice back is still a path explain shows
    loaded = load(_second_team_hears_only_from_the_first(
        scenario_data, {"affected": ["SG", "TH"]}))
    paths = _paths(explain(loaded.scenario))
    assert "CERT-TH --notify via email within 4h, TLP:GREEN--> CERT-SG   [notify]" in paths
