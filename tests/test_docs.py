"""Generated docs are current, and the JSON report and event types are documented."""

from __future__ import annotations

from pathlib import Path

from scenarios.durations import DURATION_PATTERN
from scenarios.model import Scenario
from scenarios.schema import json_schema, reference_markdown, schema_text
from sim.engine.events import EVENT_TYPES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_committed_schema_is_current():
    assert (DOCS / "scenario.schema.json").read_text(encoding="utf-8") == schema_text(), (
        "run: python -m scenarios.schema"
    )


def test_committed_reference_is_current():
    assert (DOCS / "scenario-format.md").read_text(encoding="utf-8") == reference_markdown(), (
        "run: python -m scenarios.schema"
    )


def test_schema_is_draft_07_and_accepts_duration_shorthand():
    schema = json_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    ack = schema["definitions"]["Policy"]["properties"]["ack_delay"]
    # a plain duration ('30m', or the bare 0) stands for a constant distribution
    assert ack["anyOf"][0]["type"] == ["string", "number"]
    assert ack["anyOf"][0]["pattern"] == DURATION_PATTERN


def test_every_field_has_a_description():
    # hover text in editors: every field of every model in the format
    schema = json_schema()
    models = {**schema["definitions"], "Scenario": schema}
    assert len(models) >= 19
    for name, d in models.items():
        for field, prop in d.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"
    assert set(Scenario.model_fields) == set(schema["properties"])


def test_every_event_type_is_documented():
    text = (DOCS / "json-output.md").read_text(encoding="utf-8")
    for name in EVENT_TYPES:
        assert f"`{name}`" in text
