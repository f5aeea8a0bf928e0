"""Generated docs are current, and the JSON report and event types are documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.durations import DURATION_PATTERN
from scenarios.model import Scenario
from scenarios.schema import json_schema, reference_markdown, schema_text
from scenarios.schema import main as schema_main
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


def test_the_schema_command_writes_where_it_is_told_and_helps_without_writing(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        schema_main(["--help"])
    assert done.value.code == 0 and "usage:" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []  # no folder named '--help'
    schema_main([str(tmp_path / "out")])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "scenario-format.md", "scenario.schema.json"]


def test_every_event_the_engine_emits_is_a_known_event_type():
    """Each ``emit("type", ...)`` in the engine names a type of ``EVENT_TYPES`` (which
    the docs are checked against above)."""
    import re

    engine = Path(__file__).resolve().parent.parent / "sim" / "engine"
    emitted = {m for f in engine.glob("*.py")
               for m in re.findall(r"""\bemit\(\s*["']([a-z_]+)["']""",
                                   f.read_text(encoding="utf-8"))}
    assert len(emitted) > 30
    assert sorted(emitted - set(EVENT_TYPES)) == []
