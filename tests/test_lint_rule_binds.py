"""`rule-finds-nobody` reads a rule's `by` as the engine does.

A rule may bind actors by kind, by id, by country, group or team. Lint looked only at
kinds, so a rule written for one team (`by: [cert-a]`) whose recipients can never be
found was not reported.
"""

from __future__ import annotations

import pytest

from sim.authoring.lint import lint


def _nobody(load, scenario_data, by):
    d = scenario_data
    # the incident is hosted nowhere: 'hosting_certs' finds nobody
    d["frameworks"]["fw"]["rules"] = {
        "takedown": {"by": by, "on": ["inject"], "action": "request_takedown",
                     "to": ["hosting_certs"], "channel": "email", "deadline": "4h",
                     "tlp": "GREEN"}}
    return [f for f in lint(load(d)) if f.code == "rule-finds-nobody"]


@pytest.mark.parametrize("by", [["national_cert"], ["cert-a"], ["SG"]])
def test_a_rule_that_finds_nobody_is_reported_however_it_names_its_actors(
        load, scenario_data, by):
    found = _nobody(load, scenario_data, by)
    assert found and "CERT-SG" in found[0].message, found
