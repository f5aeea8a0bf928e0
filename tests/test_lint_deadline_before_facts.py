"""`drill lint` warns of a deadline that falls due before the action can first be taken:
before the inject whose facts let a rule giving the team that action apply.

The tutorial's E4 (CERT-PH refers the case to the police) counts from inject 3, which
first says a crime is suspected, at T+04:00. Counted from the incident's first inject
instead (T+00:30), it falls due at T+02:30, an hour and a half before any rule can
have CERT-PH refer the case: every run finds it late.
"""

from __future__ import annotations

from pathlib import Path

from scenarios import load_scenario
from sim.analysis.metrics import compute
from sim.authoring.lint import lint
from sim.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
STEP3 = (ROOT / "docs" / "tutorial" / "step3.yaml").read_text(encoding="utf-8")
AFTER = '    after: "3"                        # the deadline counts from inject 3, not from ' \
    "the incident\n"
WITHIN = "    within: 2h\n    score: 10\n    objective: O3\n"


def _e4(tmp_path: Path, after: bool = True, within: str = "2h"):
    assert AFTER in STEP3 and WITHIN in STEP3
    text = STEP3 if after else STEP3.replace(AFTER, "")
    text = text.replace(WITHIN, WITHIN.replace("2h", within))
    path = tmp_path / "e4.yaml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


def _short(loaded) -> list:
    return [f for f in lint(loaded) if f.code == "deadline-too-short"]


def test_a_deadline_due_before_the_inject_that_allows_the_action_is_warned_of(tmp_path):
    loaded = _e4(tmp_path, after=False)
    (found,) = _short(loaded)
    assert found.path == "expectations[3].within"
    # at E4's `within`
    lines = Path(found.mark.file).read_text(encoding="utf-8").splitlines()
    assert lines[found.mark.line - 1] == "    within: 2h"
    assert lines[found.mark.line - 6].endswith("refers the case to national police within 2 "
                                               "hours of inject 3.")
    message = found.message
    assert message.startswith("expectation E4 is due 2h after its anchor, at T+02:30, ")
    assert "refer_police" in message and "inject 3" in message and "T+04:00" in message
    # the engine agrees: CERT-PH never refers the case by T+02:30
    statuses = {x["id"]: x["status"] for x in compute(Engine(loaded, seed=0).run())
                ["expectations"]}
    assert statuses["E4"] in ("late", "missed")


def test_the_tutorials_e4_counted_from_inject_3_is_clean(tmp_path):
    assert _short(_e4(tmp_path)) == []


def test_a_deadline_long_enough_after_the_inject_is_clean(tmp_path):
    # due at T+05:30, an hour and a half after inject 3 says a crime is suspected
    assert _short(_e4(tmp_path, after=False, within="5h")) == []
