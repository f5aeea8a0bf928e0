"""The editors' JSON Schema and `drill validate` agree on the shape of office hours,
timetable days, country codes and local-time conditions: what one refuses, the other
refuses, and neither refuses a file the other accepts."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from scenarios.loader import bundled_dir
from scenarios.model import Actor, day_keys, parse_range
from scenarios.yamlsrc import read_yaml_file
from sim.cli import EXIT_INVALID, EXIT_OK, main

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial" / "step3.yaml"
HOURS = 'working_hours: "09:00-18:00"'
HOSTED = "hosted_in: [TH]"
#: a library rule given a local-time condition in the tutorial drill
RULE = ("frameworks:\n  cert-cooperation:\n    rules:\n      relay-takedown-to-isp:\n"
        "        when: {{hosted_locally: true, local_time: {}}}\n")

#: (name, text replaced in the tutorial drill, its replacement, accepted by drill validate)
CASES = [
    ("hours without minutes", HOURS, 'working_hours: "9-18"', False),
    ("overnight hours", HOURS, 'working_hours: "18:00-09:00"', False),
    ("hours that end as they start", HOURS, 'working_hours: "09:00-09:00"', False),
    ("hour 25", HOURS, 'working_hours: "09:00-25:00"', False),
    ("minute 60", HOURS, 'working_hours: "09:60-18:00"', False),
    ("past midnight", HOURS, 'working_hours: "09:00-24:30"', False),
    ("a misspelt day", HOURS, 'working_pattern: {mon-fir: ["09:00-18:00"]}', False),
    ("a day range with spaces inside", HOURS, 'working_pattern: {mon - fri: "09:00-18:00"}',
     False),
    ("a timetable range of the wrong shape", HOURS, 'working_pattern: {mon-fri: "9-18"}', False),
    ("a country name", HOSTED, "hosted_in: [Thailand]", False),
    ("a three-letter code", HOSTED, "hosted_in: [THA]", False),
    ("a code with a space", HOSTED, 'hosted_in: [" TH"]', False),
    ("a letter upper-cased to two", HOSTED, 'hosted_in: ["ß"]', False),
    ("a local time without minutes", "teams:\n", RULE.format('"9-12"') + "teams:\n", False),
    ("special hours of the wrong shape", HOURS,
     'special_hours: [{start: 2026-09-14, end: 2026-09-16, hours: ["8-14"]}]', False),
    # ...and the spellings drill validate accepts
    ("one-digit hours and spaces", HOURS, 'working_hours: " 9:00 - 18:30 "', True),
    ("all day", HOURS, 'working_hours: "00:00-24:00"', True),
    ("days in capitals, a run round the weekend, a list", HOURS,
     'working_pattern: {Sun-Thu: ["08:00-12:30", "13:30-17:00"], " sat , fri ": "9:00-12:00"}',
     True),
    ("a country code in small letters", HOSTED, "hosted_in: [th]", True),
    ("a local time", "teams:\n", RULE.format('"09:00-12:00"') + "teams:\n", True),
    ("special hours", HOURS, 'working_hours: "09:00-18:00"\n    special_hours: '
     '[{start: 2026-09-14, end: 2026-09-16, hours: {mon-fri: "08:00-14:00"}}]', True),
]


def _schema() -> dict[str, Any]:
    """The committed editors' schema."""
    return json.loads((ROOT / "docs" / "scenario.schema.json").read_text(encoding="utf-8"))


def _schema_errors(path: Path) -> list[str]:
    """What the committed editors' schema says of one file, with formats checked."""
    schema = _schema()
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(read_yaml_file(path).data)]


def _validate(path: Path, capsys: Any) -> int:
    code = main(["validate", str(path)])
    capsys.readouterr()
    return code


@pytest.mark.parametrize(("old", "new", "accepted"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_the_schema_and_drill_validate_agree(tmp_path, capsys, old, new, accepted):
    text = TUTORIAL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code = _validate(path, capsys)
    errors = _schema_errors(path)
    if accepted:
        assert (code, errors) == (EXIT_OK, [])
    else:
        assert code == EXIT_INVALID
        assert errors, "the editors' schema accepts what drill validate refuses"


def _example_files() -> list[Path]:
    files = sorted([*bundled_dir().glob("*.yaml"), *(ROOT / "docs" / "tutorial").glob("*.yaml")])
    assert len(files) > 5
    return files


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_every_bundled_scenario_and_tutorial_step_is_valid_to_both(capsys, path):
    assert (_validate(path, capsys), _schema_errors(path)) == (EXIT_OK, [])


def _model_reads(read: Any, text: str) -> bool:
    try:
        read(text)
    except ValueError:
        return False
    return True


def test_the_hours_pattern_accepts_exactly_the_ranges_the_model_reads():
    """Every pair of times on a grid of hours and minutes, spelt as people write them."""
    pattern = re.compile(_schema()["definitions"]["Actor"]["properties"]["working_hours"]["pattern"])
    # (and in Arabic-Indic digits, which neither reads)
    hours = [f"{h:02d}" for h in range(26)] + [str(h) for h in range(10)] + ["001", "",
                                                                             "\u0660\u0669"]
    minutes = ["00", "01", "09", "10", "29", "30", "31", "59", "60", "0", "\u0660\u0660"]
    times = [f"{h}:{m}" for h, m in itertools.product(hours, minutes)]
    checked = 0
    for a, b in itertools.product(times, times):
        for text in (f"{a}-{b}", f" {a} - {b}\n"):
            assert bool(pattern.search(text)) == _model_reads(parse_range, text), text
            checked += 1
    assert checked > 100_000
    # the same pattern wherever a range of hours is written
    defs = _schema()["definitions"]
    table = defs["Actor"]["properties"]["working_pattern"]["anyOf"][0]["additionalProperties"]
    special = defs["SpecialHours"]["properties"]["hours"]["anyOf"]
    assert [p["pattern"] for p in (
        *table["anyOf"], table["anyOf"][1]["items"], special[0], special[1]["items"],
        special[2]["additionalProperties"]["anyOf"][0],
        defs["Condition"]["properties"]["local_time"]["anyOf"][0])
        if "pattern" in p] == [pattern.pattern] * 6


def test_the_day_pattern_accepts_exactly_the_days_the_model_reads():
    schema = _schema()
    table = schema["definitions"]["Actor"]["properties"]["working_pattern"]["anyOf"][0]
    pattern = re.compile(table["propertyNames"]["pattern"])
    words = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "Mon", "FRI", "fir", "mo", "monday",
             ""]
    runs = [*words, *(f"{a}-{b}" for a, b in itertools.product(words[:9], repeat=2)),
            "mon - fri", "mon--fri", "-mon", "mon-"]
    keys = [*runs, *(f"{a},{b}" for a, b in itertools.product(runs[:12], repeat=2)),
            " sat , sun ", "sat,,sun", ",mon", "mon,", "mon\n", "x-anchor"]
    for key in keys:
        assert bool(pattern.search(key)) == _model_reads(day_keys, key), repr(key)


def test_the_country_pattern_accepts_exactly_the_codes_the_model_reads():
    schema = _schema()
    hosted = schema["definitions"]["Incident"]["properties"]["hosted_in"]["anyOf"][0]["items"]
    pattern = re.compile(hosted["pattern"])
    assert schema["definitions"]["Actor"]["properties"]["country"]["anyOf"][0] == hosted

    def reads(code: str) -> None:
        Actor(name="A", kind="victim", timezone="UTC", country=code)

    # ('$' ends the text in an editor's pattern; Python's lets a final line break through)
    for code in ["TH", "th", "Th", "T", "THA", " TH", "T H", "ß", "\u017fg", "T1", "",
                 "\uff34\uff48"]:
        assert bool(pattern.search(code)) == _model_reads(reads, code), repr(code)
