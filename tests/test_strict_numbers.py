"""Numbers in a scenario are numbers: a quoted number or a boolean is refused, as the
editor's JSON Schema refuses it, instead of being read as a number by one and flagged
by the other."""

from __future__ import annotations

import json

import pytest
from test_scenario_errors import GOOD  # the same small scenario as the error tests

from scenarios import ScenarioError, load_scenario
from scenarios.schema import json_schema

CASES = [
    # (replace this, with this, field path, words in the message)
    ("    within: 1h\n", "    within: 1h\n    score: \"5\"\n", "expectations[0].score",
     "valid number"),
    ("    within: 1h\n", "    within: 1h\n    score: true\n", "expectations[0].score",
     "valid number"),
    ("    policy:\n", "    capacity: \"2\"\n    policy:\n", "actors.cert.capacity",
     "valid integer"),
    ("    policy:\n", "    capacity: true\n    policy:\n", "actors.cert.capacity",
     "valid integer"),
    ("    latency: 5m\n", "    latency: 5m\n    loss: \"0.1\"\n", "channels.email.loss",
     "valid number"),
    ("      ack_delay:", "      follow_rules: \"1\"\n      ack_delay:",
     "actors.cert.policy.follow_rules", "valid number"),
    ("{dist: lognormal, median: 10m, p90: 1h}", "{dist: lognormal, mu: \"2\", sigma: 1}",
     "actors.cert.policy.ack_delay.mu", "valid number"),
]


def _problems(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [(p.path, p.message) for p in info.value.problems]


@pytest.mark.parametrize(("old", "new", "path", "words"), CASES)
def test_a_quoted_number_or_a_boolean_is_refused(tmp_path, old, new, path, words):
    assert old in GOOD
    found = _problems(tmp_path, GOOD.replace(old, new, 1))
    assert any(p.startswith(path) and words in m for p, m in found), found


def test_plain_numbers_still_load(tmp_path):
    text = (GOOD.replace("    within: 1h\n", "    within: 1h\n    score: 2\n", 1)
            .replace("    policy:\n", "    capacity: 3\n    policy:\n", 1)
            .replace("    latency: 5m\n", "    latency: 5m\n    loss: 0\n", 1))
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(path).scenario
    assert sc.expectations[0].score == 2.0
    assert sc.actors["cert"].capacity == 3
    assert sc.channels["email"].loss == 0.0


def _numeric_types(node, out):
    if isinstance(node, dict):
        t = node.get("type")
        if t in ("number", "integer"):
            out.append(node)
        for v in node.values():
            _numeric_types(v, out)
    elif isinstance(node, list):
        for v in node:
            _numeric_types(v, out)
    return out


def test_the_schema_agrees_numbers_are_not_text():
    # the editor's schema gives numbers as numbers only: what validate now asks too
    numeric = _numeric_types(json_schema(), [])
    assert numeric
    assert all(n["type"] in ("number", "integer") for n in numeric), json.dumps(numeric)[:300]
