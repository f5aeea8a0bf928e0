"""The editors' JSON Schema, checked with format checking on as editors check it: the
date-times `drill validate` accepts (ISO 8601 as Python reads it, with a UTC offset) are
accepted, and a library file, which has no `drill`, is a valid file on its own."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import write

from scenarios import ScenarioError, load_scenario
from scenarios.loader import bundled_dir, library_dir
from scenarios.schema import json_schema
from scenarios.yamlsrc import read_yaml_file

ROOT = Path(__file__).resolve().parent.parent

#: date-times drill validate accepts, beyond the RFC 3339 'format: date-time'
WRITTEN = ["2026-08-19T09:00:00+08:00", "2026-08-19T09:00+08:00", "2026-08-19 09:00+08:00",
           "2026-08-19t09:00:00+08:00", "2026-08-19T09+08", "20260819T0900+0800",
           "2026-08-19T09:00:00.000+08:00", "2026-08-19T09:00:00,0000007+08:00",
           "2026-08-19T01:00Z", "2026-W34-3T09:00+08:00",
           "2026-08-19T09:00 +08:00", "2026-08-19T09:00:00+08:00:00"]
#: ...and ones it refuses, which the schema refuses too
NOT_DATE_TIMES = ["2026-08-19", "2026-08-19T09:00", "2026-08-19T9:00+08:00", "tomorrow",
                  "2026-08-19T09:00+8:00", "2026-08-19T09:00+08:00 Singapore", "1755565200",
                  "19/08/2026 09:00 +08:00", "2026-08-19T09:00:00+08:00Z"]


@pytest.fixture
def checked() -> Callable[[Any, bool], list[str]]:
    """Schema errors of a document, with formats checked (``partial``: the schema of
    one file of several, which editors use)."""
    jsonschema = pytest.importorskip("jsonschema")

    def errors(data: Any, partial: bool = True) -> list[str]:
        validator = jsonschema.Draft7Validator(
            json_schema(partial), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    return errors


def _placed(data: dict[str, Any], written: str) -> None:
    """``written`` as the drill's start, and as an absolute time wherever a drill time
    may be one (an hour after it, when it is the start)."""
    data["drill"]["start"] = written
    later = "2026-08-19T10:00:00+08:00" if written in NOT_DATE_TIMES else \
        written.replace("T09", "T10").replace(" 09", " 10").replace("t09", "t10") \
        .replace("T0900", "T1000").replace("T01:00Z", "T02:00Z")
    data["injects"][0]["at"] = later
    data["contact_changes"] = [{"at": later, "actor": "cert-a", "channel": "phone",
                                "stale": True}]
    data["outages"] = [{"channel": "email", "start": later, "end": "T+03:00"}]
    data["drill"]["phases"] = {"p": {"start": later}}


@pytest.mark.parametrize("written", WRITTEN)
def test_a_date_time_drill_validate_accepts_the_schema_accepts(tmp_path, scenario_data,
                                                                 checked, written):
    _placed(scenario_data, written)
    path = write(tmp_path, scenario_data)
    load_scenario(path)
    assert checked(read_yaml_file(path).data) == []


@pytest.mark.parametrize("written", NOT_DATE_TIMES)
def test_a_date_time_drill_validate_refuses_the_schema_refuses(tmp_path, scenario_data,
                                                                 checked, written):
    _placed(scenario_data, written)
    path = write(tmp_path, scenario_data)
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert [e for e in checked(read_yaml_file(path).data) if e.startswith("['drill', 'start']")]


def _read(text: str) -> str:
    """'ok' when drill validate reads ``text`` as a date-time, else why not."""
    try:
        return "ok" if datetime.fromisoformat(text).tzinfo is not None else "no UTC offset"
    except ValueError as exc:
        return str(exc)


def test_every_spelling_python_reads_with_an_offset_matches_the_pattern():
    """Many spellings, as Python reads them: none it reads is refused by the pattern."""
    start = json_schema()["definitions"]["Drill"]["properties"]["start"]
    at = json_schema()["definitions"]["ContactChange"]["properties"]["at"]
    assert "format" not in start and all("format" not in p for p in at["anyOf"])
    pattern = re.compile(start["pattern"])
    drill_time = [re.compile(p["pattern"]) for p in at["anyOf"]]
    dates = ["2026-08-19", "20260819", "2026-W34", "2026-W34-3", "2026W34", "2026W343"]
    separators = ["T", "t", " ", "x", "1", "\u00e9"]
    times = ["".join(t) for n in range(0, 6) for t in itertools.product("09:., ", repeat=n)]
    zones = ["Z", "+08", "-0530", "+08:00", "+08:00:30", "+08:00:30.5", "+0800.5", "z", "+8",
             "+08:", ""]
    read = 0
    for d, s, t, z in itertools.product(dates, separators, times, zones):
        text = d + s + "0" + t + z
        why = _read(text)
        if why == "ok":
            read += 1
            assert pattern.search(text), text
            assert any(p.search(f" {text} ") for p in drill_time), text  # read stripped
        elif pattern.search(text) and s in "T ":
            # with the usual separators, only numbers out of range (hour 90, a 90th
            # second) pass the pattern (it is looser where a digit separates a week date
            # from its time, which Python splits one way only)
            assert not why.startswith("Invalid isoformat string"), text
    assert read > 1000


def test_a_library_file_is_a_valid_file_for_editors(checked):
    files = sorted(library_dir().rglob("*.yaml"))
    assert files
    for path in files:
        assert checked(read_yaml_file(path).data) == [], path
    assert checked({"actors": {}}) == []
    # once the includes are merged, a scenario needs its drill
    assert checked({"actors": {}, "channels": {}}, False) == [
        "[]: 'drill' is a required property"]


def test_the_bundled_scenarios_and_the_tutorial_are_valid_with_formats_checked(checked):
    files = [*bundled_dir().glob("*.yaml"), *(ROOT / "docs" / "tutorial").glob("*.yaml")]
    assert len(files) > 5
    for path in files:
        assert checked(read_yaml_file(path).data) == [], path
