"""A scenario that leaves out the library's channels is told so at its include line and
once as a missing section, not again at every contact and inject that uses a channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
WITH = "include: [asean/actors, asean/channels, asean/frameworks]"


def test_leaving_out_the_channels_is_said_at_the_include_not_at_each_use(tmp_path):
    text = (ROOT / "docs" / "tutorial" / "step3.yaml").read_text(encoding="utf-8")
    assert text.count(WITH) == 1
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace(WITH, "include: [asean/actors, asean/frameworks]"),
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    messages = [p.message for p in info.value.problems]
    assert "required field is missing" in messages
    assert not [m for m in messages if m.startswith("unknown channel")]
    hints = [m for m in messages if "include asean/channels" in m]
    assert len(hints) == 2  # one per library file that uses them


def test_an_unknown_channel_in_a_scenario_with_channels_is_still_reported(tmp_path):
    text = (ROOT / "docs" / "tutorial" / "step3.yaml").read_text(encoding="utf-8")
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace("via: phone", "via: fax", 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p.message.split(";")[0] for p in info.value.problems] == ["unknown channel 'fax'"]
