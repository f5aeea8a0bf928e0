"""The editors' JSON Schema accepts the forms `drill validate` accepts: a TLP label in any
case or with its `TLP:` prefix, one item where a list of ids is read, and a bare 0 for
a duration; and it refuses what `drill validate` refuses in their place."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from conftest import write
from pydantic import TypeAdapter, ValidationError

from scenarios import ScenarioError, load_scenario
from scenarios.model import HOURS_PATTERN, TLP_ORDER, Tlp
from scenarios.schema import json_schema
from scenarios.yamlsrc import read_yaml_file

TLP_WRITTEN = ["AMBER", "TLP:AMBER", "green", "Tlp:Red", "tlp: amber+strict", " CLEAR ",
               "TLP:TLP:RED", "PURPLE", "AMBER STRICT", " TLP:GREEN", "tlp", "", "AMBERX"]


def _accepts(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


@pytest.mark.parametrize("text", TLP_WRITTEN)
def test_the_schema_s_tlp_pattern_accepts_what_the_model_accepts(text):
    tlp = json_schema()["definitions"]["Inject"]["properties"]["tlp"]
    enum, written = tlp["anyOf"]
    assert enum == {"type": "string", "enum": list(TLP_ORDER)}  # what editors offer
    try:
        TypeAdapter(Tlp).validate_python(text)
        valid = True
    except ValidationError:
        valid = False
    assert _accepts(written["pattern"], text) == valid


def test_a_field_that_takes_one_id_for_a_list_has_either_in_the_schema():
    defs = json_schema()["definitions"]
    for model, field in [("Inject", "to"), ("Expectation", "actors"), ("Task", "to"),
                         ("Standby", "actors"), ("ActionSeen", "by"), ("AfterAction", "by")]:
        one, listed = defs[model]["properties"][field]["anyOf"]
        assert one["type"] == "string" and listed["type"] == "array", (model, field)
        assert listed["items"] == one, (model, field)
    # a day's hours: one range, or a list of them
    one, listed = defs["SpecialHours"]["properties"]["hours"]["anyOf"][:2]
    assert one["type"] == "string" and one["pattern"] == HOURS_PATTERN
    assert listed == {"type": "array", "items": one}


def test_a_duration_in_the_schema_is_text_with_a_unit_or_the_number_0():
    defs = json_schema()["definitions"]
    within = defs["Expectation"]["properties"]["within"]
    shorthand = defs["Policy"]["properties"]["ack_delay"]["anyOf"][0]
    for duration in (within, shorthand):
        assert duration["type"] == ["string", "number"]
        assert (duration["minimum"], duration["maximum"]) == (0, 0)
        assert _accepts(duration["pattern"], "1h30m") and not _accepts(duration["pattern"], "90")


# --- whole documents, checked by a JSON Schema validator -------------------------

Change = Callable[[dict[str, Any]], None]


def _set(*path: str | int, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    return change


def _with_tasks_and_branches(data: dict[str, Any]) -> None:
    data["expectations"] = [{"id": "E1", "actors": ["cert-a"], "action": "acknowledge",
                             "incident": "x", "within": "1h"}]
    data["tasks"] = [{"id": "Q1", "question": "Who?", "to": ["cert-a"], "at": "T+02:00"}]
    data["injects"].append({"id": "2", "sender": "ctl", "to": ["cert-b"], "via": "email",
                            "title": "Later", "incident": {"id": "x"},
                            "after_action": {"action": "notify", "by": ["cert-a"]},
                            "when": {"done": [{"action": "notify", "by": ["cert-a"]}]}})
    data["drill"]["standby"] = [{"actors": ["cert-b"]}]


ACCEPTED = {
    "drill tlp with its prefix": _set("drill", "tlp", value="TLP:AMBER"),
    "inject tlp in lower case": _set("injects", 0, "tlp", value="green"),
    "facts_tlp in lower case with its prefix": _set("injects", 0, "facts_tlp", value="tlp:clear"),
    "rule tlp in mixed case": _set("frameworks", "fw", "rules", "notify", "tlp", value="Green"),
    "inject to as one id": _set("injects", 0, "to", value="cert-a"),
    "expectation actors as one id": _set("expectations", 0, "actors", value="cert-a"),
    "task to as one id": _set("tasks", 0, "to", value="cert-a"),
    "after_action by as one id": _set("injects", 1, "after_action", "by", value="cert-a"),
    "when done by as one id": _set("injects", 1, "when", "done", 0, "by", value="cert-a"),
    "standby actors as one id": _set("drill", "standby", 0, "actors", value="cert-b"),
    "a timetable day as one range": _set("actors", "cert-a", "working_pattern",
                                         value={"mon-fri": "09:00-17:00"}),
    "special hours as one range": _set("actors", "cert-a", "special_hours", value=[
        {"start": "2026-02-19", "end": "2026-03-19", "hours": "08:00-14:00"}]),
    "an expectation within 0": _set("expectations", 0, "within", value=0),
    "an inject delay of 0": _set("injects", 0, "delay", value=0),
    "a delay distribution of 0": _set("actors", "cert-a", "policy", "ack_delay", value=0),
}

REFUSED = {
    "an unknown tlp": _set("injects", 0, "tlp", value="PURPLE"),
    "a tlp prefix given twice": _set("drill", "tlp", value="TLP:TLP:AMBER"),
    "a bare number of minutes": _set("expectations", 0, "within", value=30),
    "a bare number for a distribution": _set("actors", "cert-a", "policy", "ack_delay",
                                             value=5),
    "a number for a list of ids": _set("injects", 0, "to", value=5),
    "true for a duration": _set("injects", 0, "delay", value=True),
}


@pytest.fixture
def schema_errors() -> Callable[[Any], list[str]]:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(json_schema())
    return lambda data: [e.message for e in validator.iter_errors(data)]


def _file(tmp_path, scenario_data, change: Change):
    _with_tasks_and_branches(scenario_data)
    change(scenario_data)
    path = write(tmp_path, scenario_data)
    return path, read_yaml_file(path).data  # as drill reads it


def test_the_base_document_is_valid_for_both(tmp_path, scenario_data, schema_errors):
    path, data = _file(tmp_path, scenario_data, lambda d: None)
    load_scenario(path)
    assert schema_errors(data) == []


@pytest.mark.parametrize("form", list(ACCEPTED))
def test_a_form_drill_validate_accepts_the_schema_accepts(tmp_path, scenario_data,
                                                          schema_errors, form):
    path, data = _file(tmp_path, scenario_data, ACCEPTED[form])
    load_scenario(path)
    assert schema_errors(data) == []


@pytest.mark.parametrize("form", list(REFUSED))
def test_a_form_drill_validate_refuses_the_schema_refuses(tmp_path, scenario_data,
                                                          schema_errors, form):
    path, data = _file(tmp_path, scenario_data, REFUSED[form])
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert schema_errors(data) != []
