"""Dates (an actor's holidays, the first and last day of special hours, a membership's
as_of) are read as the editors' JSON Schema has them: ISO calendar dates, YYYY-MM-DD,
unquoted or quoted. `drill validate` and the schema (with formats checked, as editors
check them, or by its pattern alone) accept the same dates and refuse the same other
values: a number is not read as seconds since 1970, nor a date-time at midnight as its
day."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import base_scenario

from scenarios import ScenarioError, load_scenario
from scenarios.schema import json_schema, reference_markdown
from scenarios.yamlsrc import read_yaml_file

#: dates as written in a scenario file (YAML text), which both accept
DATES = ["2026-08-31", "'2026-08-31'", '"2024-02-29"', "0001-01-01"]
#: ...and other values, which both refuse
NOT_DATES = ["20260831", "0", "1755561600", "'1755561600'", "1755561600.5", "-1",
             "2026-08-31T00:00:00", "2026-08-31 00:00", "'2026-08-31T00:00:00+08:00'",
             "2026-08-31t00:00", "2026-08-31T09:00", "2026-8-31", "2026/08/31",
             "31-08-2026", "2026-W35-1", "20260831T00", "2026-08-31Z", "' 2026-08-31'",
             "2026-02-30", "2026-13-01", "true", "[2026-08-31]"]
#: where a date is written, with the path validate reports it at
WHERE = {
    "holidays": "actors.cert-a.holidays[0]",
    "special_hours.start": "actors.cert-a.special_hours[0].start",
    "special_hours.end": "actors.cert-a.special_hours[0].end",
    "as_of": "memberships.m.as_of",
}
MARK = "DATE-GOES-HERE"


def _file(tmp_path, where: str, written: str):
    """The hand-computable scenario with ``written`` (YAML text) as the date at
    ``where``; the other date of special hours is as early or as late as can be."""
    data = base_scenario()
    span = {"start": "0001-01-01", "end": "9999-12-31", "hours": "08:00-14:00"}
    if where == "holidays":
        data["actors"]["cert-a"]["holidays"] = [MARK]
    elif where.startswith("special_hours."):
        span[where.split(".")[1]] = MARK
        data["actors"]["cert-a"]["special_hours"] = [span]
    else:
        data["memberships"] = {"m": {"title": "A network", "countries": ["SG"],
                                     "as_of": MARK}}
    text = yaml.safe_dump(data, sort_keys=False)
    assert text.count(MARK) == 1
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(MARK, written), encoding="utf-8")
    return path


@pytest.fixture
def checked() -> Callable[[Any, bool], list[str]]:
    """Schema errors of a document (``formats``: checked, as editors check them)."""
    jsonschema = pytest.importorskip("jsonschema")

    def errors(data: Any, formats: bool = True) -> list[str]:
        checker = jsonschema.Draft7Validator.FORMAT_CHECKER if formats else None
        validator = jsonschema.Draft7Validator(json_schema(), format_checker=checker)
        return [e.message for e in validator.iter_errors(data)]
    return errors


@pytest.mark.parametrize("where", list(WHERE))
@pytest.mark.parametrize("written", DATES)
def test_a_date_validate_accepts_the_schema_accepts(tmp_path, checked, where, written):
    path = _file(tmp_path, where, written)
    load_scenario(path)
    data = read_yaml_file(path).data
    assert checked(data) == []
    assert checked(data, False) == []


@pytest.mark.parametrize("where", list(WHERE))
@pytest.mark.parametrize("written", NOT_DATES)
def test_what_validate_refuses_as_a_date_the_schema_refuses(tmp_path, checked, where,
                                                            written):
    path = _file(tmp_path, where, written)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert f": {WHERE[where]}: " in str(err.value)
    assert checked(read_yaml_file(path).data)


@pytest.mark.parametrize(("written", "shown"), [
    ("20260831", "20260831"), ("0", "0"), ("2026-08-31T00:00:00", "'2026-08-31T00:00:00'"),
    ("2026-8-31", "'2026-8-31'")])
def test_validate_says_how_to_write_a_date(tmp_path, written, shown):
    path = _file(tmp_path, "holidays", written)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    [line] = str(err.value).splitlines()
    lines = path.read_text().splitlines()
    line_no = next(n for n, text in enumerate(lines, 1) if text.strip() == "holidays:") + 1
    assert line.startswith(f"{path}:{line_no}:")
    assert line.endswith(f"actors.cert-a.holidays[0]: {shown} is not a date; write it as "
                         "YYYY-MM-DD, e.g. '2026-08-31'")


def test_a_day_not_in_the_calendar_is_refused_as_such(tmp_path):
    path = _file(tmp_path, "special_hours.end", "2026-02-30")
    with pytest.raises(ScenarioError, match=r"special_hours\[0\]\.end: '2026-02-30' is not a "
                       "date of the calendar: day is out of range for month"):
        load_scenario(path)


def test_every_date_field_has_the_pattern_and_is_called_a_date_in_the_reference():
    defs = json_schema()["definitions"]
    fields = [defs["Actor"]["properties"]["holidays"]["items"],
              defs["SpecialHours"]["properties"]["start"],
              defs["SpecialHours"]["properties"]["end"],
              defs["Membership"]["properties"]["as_of"]["anyOf"][0]]
    for prop in fields:
        assert prop["format"] == "date"
        assert prop["pattern"] == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    reference = reference_markdown()
    assert "| `holidays` | list of date |" in reference
    assert "| `as_of` | date |" in reference
    assert "| `start` | date | **required** | First local date" in reference


def test_dates_read_back_from_a_dump_and_from_code(tmp_path):
    # a scenario dumped to JSON and read again keeps its dates; a model built in code
    # takes a date, but not a date-time
    from datetime import date, datetime

    from pydantic import ValidationError

    from scenarios.model import Membership, Scenario

    scenario = load_scenario(_file(tmp_path, "holidays", "2026-08-31")).scenario
    again = Scenario.model_validate(scenario.model_dump(mode="json"))
    assert again.actors["cert-a"].holidays == [date(2026, 8, 31)]
    assert Membership(title="m", as_of=date(2026, 1, 1)).as_of == date(2026, 1, 1)
    with pytest.raises(ValidationError, match="is not a date"):
        Membership(title="m", as_of=datetime(2026, 1, 1))
