"""The editors' JSON Schema accepts the partial overrides `drill validate` accepts over an
included file (a distribution without 'dist', an on-call officer's least severity
alone, a membership's countries alone), where validate merges them field by field,
and refuses what validate refuses in their place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios import ScenarioError, load_scenario
from scenarios.schema import json_schema
from scenarios.yamlsrc import read_yaml_file

#: an included file, as a library file is: whole definitions of actors, channels and
#: memberships, with distributions given by their family
INCLUDED = {
    "actors": {
        "ctl": {"name": "HiCON", "kind": "exercise_control", "timezone": "Asia/Singapore",
                "staffing": "24/7", "contacts": {"email": {"address": "hicon@x.example"}}},
        "cert-a": {
            "name": "CERT-A", "kind": "national_cert", "country": "SG",
            "timezone": "Asia/Singapore",
            "contacts": {"email": {"address": "a@x.example"}, "phone": {"address": "+65 1"}},
            "on_call": {"channels": ["phone"], "min_severity": "high",
                        "answer_after": {"dist": "lognormal", "median": "30m", "p90": "2h"}},
            "policy": {"ack_delay": {"dist": "lognormal", "median": "15m", "p90": "1h"},
                       "action_time": {"takedown": {"dist": "lognormal", "median": "1h",
                                                    "p90": "6h"}}},
        },
    },
    "channels": {
        "email": {"kind": "email", "latency": {"dist": "uniform", "low": "1m", "high": "10m"},
                  "bounce": {"dist": "uniform", "low": "1m", "high": "5m"}},
        "phone": {"kind": "phone", "latency": "1m", "needs_receiver_on_duty": True},
    },
    "memberships": {
        "budapest": {"title": "Budapest Convention", "countries": ["PH", "JP"],
                     "as_of": "2026-01-01"},
    },
}


def including_file() -> dict[str, Any]:
    """A scenario that includes :data:`INCLUDED` and gives only what it changes."""
    return {
        "include": ["./included.yaml"],
        "drill": {"id": "partial", "title": "Partial overrides",
                  "start": "2026-08-19T09:00:00+08:00", "duration": "1d"},
        "injects": [{"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"],
                     "via": "email", "title": "Report",
                     "incident": {"id": "x", "type": "phishing", "affected": ["SG"]}}],
    }


Change = Callable[[dict[str, Any]], None]


def _set(*path: str | int, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(part, str) else node[part]
        node[path[-1]] = value
    return change


ACCEPTED = {
    "a lognormal's median and p90 alone": _set(
        "actors", "cert-a", "policy", "ack_delay", value={"median": "20m", "p90": "2h"}),
    "an action time's p90 alone": _set(
        "actors", "cert-a", "policy", "action_time", "takedown", value={"p90": "8h"}),
    "an on-call officer's least severity alone": _set(
        "actors", "cert-a", "on_call", value={"min_severity": "medium"}),
    "an on-call officer's answer time in part": _set(
        "actors", "cert-a", "on_call", value={"answer_after": {"median": "45m"}}),
    "a uniform latency's upper bound alone": _set(
        "channels", "email", value={"latency": {"high": "30m"}}),
    "a bounce's lower bound alone": _set("channels", "email", "bounce", value={"low": "2m"}),
    "a membership given only its countries": _set(
        "memberships", "budapest", value={"countries": ["PH", "JP", "AU", "ID"]}),
    "a distribution given whole": _set(
        "channels", "email", value={"latency": {"dist": "exponential", "mean": "5m"}}),
}

REFUSED = {
    "a figure no distribution has": _set(
        "actors", "cert-a", "policy", "ack_delay", value={"median": "20m", "speed": 3}),
    "a figure that is not a duration": _set(
        "actors", "cert-a", "policy", "ack_delay", value={"median": "soon"}),
    "a distribution with its dist but not whole": _set(
        "channels", "email", value={"latency": {"dist": "uniform", "high": "30m"}}),
    "a pair latency in part (a list item is replaced whole)": _set(
        "channels", "email", value={"pair_latency": [{"sender": "cert-a",
                                                      "latency": {"high": "1h"}}]}),
    "an unknown least severity": _set(
        "actors", "cert-a", "on_call", value={"min_severity": "urgent"}),
    "an on-call officer's channels not a list": _set(
        "actors", "cert-a", "on_call", value={"channels": "phone"}),
    "a membership's unknown field": _set(
        "memberships", "budapest", value={"members": ["PH"]}),
    "a membership's countries not a list": _set(
        "memberships", "budapest", value={"countries": "PH"}),
}


@pytest.fixture
def schema_errors() -> Callable[[Any], list[str]]:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(json_schema())
    return lambda data: [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                         for e in validator.iter_errors(data)]


def _files(tmp_path: Path, change: Change) -> tuple[Path, Any]:
    (tmp_path / "included.yaml").write_text(yaml.safe_dump(INCLUDED, sort_keys=False),
                                            encoding="utf-8")
    data = including_file()
    change(data)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path, read_yaml_file(path).data  # as drill reads it


def test_the_files_as_they_are_are_valid_for_both(tmp_path, schema_errors):
    path, data = _files(tmp_path, lambda d: None)
    load_scenario(path)
    assert schema_errors(data) == []
    assert schema_errors(read_yaml_file(tmp_path / "included.yaml").data) == []


@pytest.mark.parametrize("form", list(ACCEPTED))
def test_an_override_drill_validate_accepts_the_schema_accepts(tmp_path, schema_errors,
                                                               form):
    path, data = _files(tmp_path, ACCEPTED[form])
    load_scenario(path)
    assert schema_errors(data) == []


@pytest.mark.parametrize("form", list(REFUSED))
def test_an_override_drill_validate_refuses_the_schema_refuses(tmp_path, schema_errors,
                                                               form):
    path, data = _files(tmp_path, REFUSED[form])
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert schema_errors(data) != []


def test_a_distribution_outside_what_is_merged_is_still_whole_in_the_schema():
    defs = json_schema()["definitions"]
    # a pair latency is an item of a list: a file gives it whole
    assert all("DistributionFigures" not in str(option)
               for option in defs["PairLatency"]["properties"]["latency"]["anyOf"])
    assert "DistributionFigures" in str(defs["Policy"]["properties"]["ack_delay"])
    # the reference describes the merged scenario, where a distribution is whole
    assert "DistributionFigures" not in str(json_schema(partial=False))
