"""TLP 2.0 lets AMBER and AMBER+STRICT information travel within the recipient's own
organisation. Actors that give the same ``organisation`` are one organisation: the
automated policy passes such an item between them, and still withholds it from
everyone else.

The hand-computed drill: control's report reaches cert-a (Singapore) at T+01:00, and
cert-a's rule notifies cert-b (Thailand), the other affected CERT.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from scenarios import ScenarioError, load_scenario, resolve_scenario_arg
from sim.engine import Engine


def _labelled(data: dict[str, Any], tlp: str, *, same_organisation: bool) -> dict[str, Any]:
    data["injects"][0]["tlp"] = tlp
    data["injects"][0]["facts_tlp"] = tlp
    if same_organisation:
        data["actors"]["cert-a"]["organisation"] = "Regional CERT network"
        data["actors"]["cert-b"]["organisation"] = "Regional CERT network"
    return data


def _to_cert_b(log) -> tuple[list, list]:
    """cert-a's notifications to cert-b that carry the incident's facts, and what it
    withheld from cert-b."""
    sent = [e for e in events_of(log, "message_sent", "cert-a")
            if e.details["to"] == "cert-b" and e.details.get("facts")]
    withheld = [e for e in events_of(log, "withheld", "cert-a") if e.details["to"] == "cert-b"]
    return sent, withheld


@pytest.mark.parametrize("tlp", ["AMBER", "AMBER+STRICT"])
def test_within_one_organisation_the_facts_travel(scenario_data, load, tlp):
    log = Engine(load(_labelled(scenario_data, tlp, same_organisation=True)).scenario,
                 seed=0).run()
    sent, withheld = _to_cert_b(log)
    assert len(sent) == 1 and not withheld
    assert not events_of(log, "tlp_violation")


@pytest.mark.parametrize("tlp", ["AMBER", "AMBER+STRICT"])
def test_across_organisations_they_are_withheld(scenario_data, load, tlp):
    log = Engine(load(_labelled(scenario_data, tlp, same_organisation=False)).scenario,
                 seed=0).run()
    sent, withheld = _to_cert_b(log)
    assert not sent and withheld


def test_a_third_organisation_is_still_outside(scenario_data, load):
    data = _labelled(scenario_data, "AMBER+STRICT", same_organisation=False)
    data["actors"]["cert-a"]["organisation"] = "CSA"
    data["actors"]["cert-b"]["organisation"] = "ThaiCERT's agency"
    sent, withheld = _to_cert_b(Engine(load(data).scenario, seed=0).run())
    assert not sent and withheld


def test_the_commissioner_passes_a_cii_report_to_singcert():
    """acid-supply-chain: the Commissioner of Cybersecurity and SingCERT are both part
    of the Cyber Security Agency; the Commissioner's AMBER hand-off carries the report."""
    loaded = load_scenario(resolve_scenario_arg("acid-supply-chain"))
    log = Engine(loaded.scenario, seed=0).run()
    shares = [e for e in events_of(log, "message_sent", "csa-commissioner")
              if e.details["to"] == "singcert" and e.details.get("rule") == "regulator-to-singcert"]
    assert shares and all(e.details["refs"] for e in shares)
    assert not [e for e in events_of(log, "withheld", "csa-commissioner")
                if e.details["to"] == "singcert"]


def test_an_empty_organisation_is_refused(scenario_data, load):
    scenario_data["actors"]["cert-a"]["organisation"] = ""
    with pytest.raises(ScenarioError) as err:
        load(scenario_data)
    assert "organisation" in str(err.value)


def test_explain_shows_the_organisation(scenario_data, load):
    from sim.authoring.explain import explain

    data = _labelled(scenario_data, "AMBER", same_organisation=True)
    text = explain(load(data).scenario)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("organisation:")]
    assert lines == ["organisation: Regional CERT network (AMBER and AMBER+STRICT pass within it)"] * 2
