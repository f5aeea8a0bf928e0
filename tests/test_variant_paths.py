"""Variant paths: the notation errors print, dotted indexes and lookups by id."""

from __future__ import annotations

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.runs.batch import BatchError, parse_sweep, parse_variant, path_parts, variant_scenarios


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(bundled_dir() / "tutorial.yaml")


@pytest.mark.parametrize("path", ["injects[1].at", "injects.1.at", "injects[id=2].at",
                                  "injects[2].at", "injects[ id = '2' ].at"])
def test_every_notation_reaches_the_same_inject(loaded, path):
    if path == "injects[2].at":
        # index 2 is the contingency C1: indexes and ids are different things
        with pytest.raises(BatchError):
            variant_scenarios(loaded, [parse_variant(f"x: {path}=T+04:00")])
        return
    [(_, base), (_, data)] = variant_scenarios(loaded, [parse_variant(f"x: {path}=T+04:00")])
    assert data["injects"][1]["at"] == "T+04:00"
    assert base["injects"][1]["at"] == "T+03:00"


def test_lookup_by_id_in_expectations_and_actors(loaded):
    v = parse_variant("x: expectations[id=E2].within=2h, actors.mycert.staffing=24/7")
    [_, (_, data)] = variant_scenarios(loaded, [v])
    assert data["expectations"][1]["within"] == "2h"
    assert data["actors"]["mycert"]["staffing"] == "24/7"


def test_parts():
    assert path_parts("injects[id=C1].at") == ["injects", ("id", "C1"), "at"]
    assert path_parts("injects.9.at") == ["injects", 9, "at"]
    assert path_parts("injects[9].at") == ["injects", 9, "at"]
    with pytest.raises(ValueError, match="is not a path"):
        path_parts("injects[0]at")


@pytest.mark.parametrize(("text", "words"), [
    ("x: injects[id=C11].at=T+01:00", "no entry with id 'C11'; did you mean 'injects[id=C1]'?"),
    ("x: injects[id=zzz].at=T+01:00", "ids: 1, 2, C1"),
    ("x: injects[7].at=T+01:00", "injects has 3 entries"),
    ("x: injects.C1.at=T+01:00", "injects is a list; write 'injects[id=C1]'"),
    ("x: expectations[id=E1].withn=1h", "did you mean 'expectations[id=E1].within'?"),
])
def test_a_miss_suggests_the_right_form(loaded, text, words):
    with pytest.raises(BatchError) as info:
        variant_scenarios(loaded, [parse_variant(text)])
    assert words in str(info.value)


def test_a_path_copied_from_a_validation_error_works(loaded, tmp_path):
    from scenarios.loader import ScenarioError

    bad = (bundled_dir() / "tutorial.yaml").read_text(encoding="utf-8").replace(
        "within: 4h", "within: 4 hours")
    (tmp_path / "t.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "t.yaml")
    path = info.value.problems[0].path
    assert path == "expectations[1].within"
    [_, (_, data)] = variant_scenarios(loaded, [parse_variant(f"x: {path}=3h")])
    assert data["expectations"][1]["within"] == "3h"


def test_sweep_over_an_id_path():
    [a, b] = parse_sweep("expectations[id=E1].score=1,2")
    assert a.changes == (("expectations[id=E1].score", 1),)
    assert b.name == "score=2"
