"""`--variant` values are written as in YAML: a comma inside a flow list or mapping, or
inside quotes, belongs to the value; only a comma outside them separates changes."""

from __future__ import annotations

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.cli import main
from sim.runs.batch import BatchError, parse_sweep, parse_variant, variant_scenarios

BOTNET = resolve_scenario_arg("acid-botnet")


def test_a_flow_mapping_is_one_value():
    v = parse_variant("v: channels.email.latency={dist: uniform, low: 1m, high: 5m}")
    assert v.changes == (("channels.email.latency",
                          {"dist": "uniform", "low": "1m", "high": "5m"}),)


def test_a_flow_list_is_one_value():
    v = parse_variant("v: injects[id=2].to=[thaicert, idsirtii, jpcert]")
    assert v.changes == (("injects[id=2].to", ["thaicert", "idsirtii", "jpcert"]),)


def test_nested_flow_collections():
    v = parse_variant("v: a.b={x: [1, 2], y: {z: 3}}, c=4")
    assert v.changes == (("a.b", {"x": [1, 2], "y": {"z": 3}}), ("c", 4))


@pytest.mark.parametrize(("text", "value"), [
    ("v: injects[id=1].title='Hello, world'", "Hello, world"),
    ('v: injects[id=1].title="Hello, world"', "Hello, world"),
    ("v: injects[id=1].title='it''s, here'", "it's, here"),
    ('v: injects[id=1].title="say \\"a, b\\""', 'say "a, b"'),
    ("v: injects[id=1].title=['a, b']", ["a, b"]),
])
def test_a_quoted_comma_belongs_to_the_value(text, value):
    [(path, got)] = parse_variant(text).changes
    assert path == "injects[id=1].title" and got == value


def test_commas_outside_still_separate_changes():
    v = parse_variant("v: actors.laocert.staffing=24/7, channels.email.loss=0.2,"
                      " channels.email.latency={dist: fixed, value: 5m}")
    assert [p for p, _ in v.changes] == ["actors.laocert.staffing", "channels.email.loss",
                                         "channels.email.latency"]


def test_an_apostrophe_inside_plain_text_is_not_a_quote():
    v = parse_variant("v: injects[id=1].title=Bob's report, channels.email.loss=0.2")
    assert v.changes == (("injects[id=1].title", "Bob's report"), ("channels.email.loss", 0.2))


def test_an_unquoted_comma_in_text_still_separates():
    # as before: without quotes, "Hello, world" is two parts, the second no change
    with pytest.raises(BatchError, match="should read path=value"):
        parse_variant("v: injects[id=1].title=Hello, world")


def test_an_unclosed_bracket_is_refused_cleanly():
    with pytest.raises(BatchError, match="variant 'v'"):
        parse_variant("v: injects[id=2].to=[thaicert, idsirtii")


def test_a_sweep_of_flow_values():
    sweep = parse_sweep("injects[id=2].to=[thaicert, idsirtii],[jpcert]")
    assert [v.changes[0][1] for v in sweep] == [["thaicert", "idsirtii"], ["jpcert"]]
    quoted = parse_sweep("injects[id=1].title='a, b','c'")
    assert [v.changes[0][1] for v in quoted] == ["a, b", "c"]


def test_the_changed_scenarios_validate():
    loaded = load_scenario(BOTNET)
    variants = [
        parse_variant("lat: channels.email.latency={dist: uniform, low: 1m, high: 5m}"),
        parse_variant("to: injects[id=2].to=[thaicert, idsirtii, jpcert]"),
        parse_variant("title: injects[id=1].title='Hello, world'"),
    ]
    scenarios = dict(variant_scenarios(loaded, variants))
    assert scenarios["to"]["injects"][1]["to"] == ["thaicert", "idsirtii", "jpcert"]
    assert scenarios["title"]["injects"][0]["title"] == "Hello, world"


def test_cli_accepts_a_flow_mapping(tmp_path, capsys):
    code = main(["batch", str(BOTNET), "-n", "1", "--jobs", "1", "--out", str(tmp_path / "o"),
                 "--variant", "v: channels.email.latency={dist: uniform, low: 1m, high: 5m}"])
    assert code == 0, capsys.readouterr().err
