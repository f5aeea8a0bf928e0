"""People vs model: a message the automated policy kept back to respect its TLP label
(``withheld``, which names the action it would have been) is not the action done.

The tutorial with its injects labelled TLP:RED: SingCERT's policy may not pass the
bank's report on, so it never asks MyCERT for the takedown. A person playing SingCERT
asks all the same (under AMBER, their own words): the report must say the policy never
did in any run, not that it did in every one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis import aar
from sim.analysis.review import load_review, role_metrics
from sim.engine import Action, Engine
from sim.runs.session import DrillSession

RUNS = 4


def _red_tutorial(tmp_path: Path):
    text = Path(resolve_scenario_arg("tutorial")).read_text(encoding="utf-8")
    red, n = re.subn(r"(?m)^    tlp: GREEN$", "    tlp: RED", text)
    assert n == 3
    path = tmp_path / "tutorial-red.yaml"
    path.write_text(red, encoding="utf-8")
    return load_scenario(path)


def test_a_withheld_takedown_request_is_not_counted_as_made(tmp_path):
    scenario = _red_tutorial(tmp_path)
    log = Engine(scenario, seed=0).run()
    withheld = [e for e in log if e.type == "withheld" and e.actor == "singcert"]
    assert withheld and {e.details["action"] for e in withheld} == {"request_takedown"}
    assert not [e for e in log if e.type == "message_sent"]
    assert ("phish", "request_takedown") not in role_metrics(log, "singcert")


def test_the_report_says_the_policy_never_did_what_it_withheld(tmp_path):
    scenario = _red_tutorial(tmp_path)
    journal = tmp_path / "played.journal.sqlite"
    session = DrillSession.start(scenario, human=["singcert"], journal_path=journal)
    session.advance_to(40)
    session.act(Action("singcert", "acknowledge", "phish"))
    session.advance_to(200)
    session.act(Action("singcert", "request_takedown", "phish", targets=("mycert",),
                       tlp="AMBER"))
    session.advance_to(480)
    session.close()
    review, j = load_review(journal, runs=RUNS, readonly=True)
    j.close()
    markdown = aar.render_markdown(review)
    part = markdown[markdown.index("## Human play against the model"):
                    markdown.index("## Improvement plan")]
    [line] = [ln for ln in part.splitlines() if "request takedown" in ln]
    assert f"the automated policy never did in {RUNS} simulated runs" in line
    assert "faster than" not in line
    [c] = [c for c in json.loads(aar.render_json(review))["comparisons"]
           if c["metric"] == "request_takedown"]
    assert c["model_did_it"] == 0
