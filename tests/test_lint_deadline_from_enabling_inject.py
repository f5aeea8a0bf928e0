"""An expectation anchored on the inject that first allows its action (a police
referral anchored on the inject that first says a crime is suspected) cannot be met
before that inject has reached the team and the action has been drafted: `drill lint`
warns `deadline-too-short` when the deadline is shorter, as a run finds it late."""

from __future__ import annotations

from pathlib import Path

from scenarios import load_scenario
from sim.authoring.lint import lint
from sim.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial" / "step3.yaml"
E4 = ('after: "3"                        # the deadline counts from inject 3, not from '
      'the incident\n    within: 2h')


def _drill(tmp_path: Path, within: str) -> Path:
    text = TUTORIAL.read_text(encoding="utf-8")
    assert text.count(E4) == 1
    path = tmp_path / "drill.yaml"
    path.write_text(text.replace(E4, f'after: "3"\n    within: {within}'), encoding="utf-8")
    return path


def test_a_deadline_shorter_than_drafting_after_the_enabling_inject_is_flagged(tmp_path):
    loaded = load_scenario(_drill(tmp_path, "5m"))
    [warning] = [f for f in lint(loaded) if f.code == "deadline-too-short"]
    assert warning.path == "expectations[3].within"
    assert "cannot complete it before" in warning.message
    for seed in range(4):  # and a run never meets it
        log = Engine(loaded, seed=seed).run()
        outcome = [e for e in log if e.type.startswith("expectation_")
                   and e.details.get("expectation") == "E4"]
        assert outcome and "expectation_met" not in {e.type for e in outcome}, seed


def test_the_tutorials_own_deadline_is_not_flagged(tmp_path):
    loaded = load_scenario(_drill(tmp_path, "2h"))
    assert [f for f in lint(loaded) if f.code == "deadline-too-short"] == []
