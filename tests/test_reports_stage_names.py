"""Two law-enforcement stages the scenario gives the same name (``drill.names``) stay
two stages: each keeps its own delivery, its own ``stage`` key, and the end-to-end
figure is the later of them; a batch of such a drill runs.

The hand-computed drill with the Singapore police (conftest.police_referral), and the
infrastructure in Thailand: the Singapore police ask both the Thai police (foreign
police) and an INTERPOL desk (an international channel) for assistance, and the
scenario calls both stages "police -> INTERPOL".
"""

from __future__ import annotations

import json
from typing import Any

from conftest import police, police_referral, write

from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.cli import main
from sim.engine import Engine

SAME = "police -> INTERPOL"


def _named_alike(data: dict[str, Any]) -> dict[str, Any]:
    data = police_referral(data)
    data["actors"]["police-th"] = police("TH", "Asia/Bangkok")
    data["actors"]["interpol"] = {
        "name": "INTERPOL desk", "kind": "intl_police_channel", "timezone": "Asia/Singapore",
        "staffing": "24/7", "contacts": {"email": {"address": "desk@interpol.example"}}}
    data["injects"][0]["incident"]["hosted_in"] = ["TH"]
    rules = data["frameworks"]["fw"]["rules"]
    for rid, to in (("to-foreign-police", "hosting_police"), ("to-interpol", "police_channels")):
        rules[rid] = {"by": ["national_police"], "on": ["refer_police"],
                      "action": "request_assistance", "to": [to], "channel": "email",
                      "deadline": "8h", "tlp": "GREEN"}
    data["drill"]["names"] = {"international_channel": SAME, "foreign_police": SAME}
    return data


def _metrics(scenario_data, load) -> dict[str, Any]:
    return compute(Engine(load(_named_alike(scenario_data)).scenario, seed=0).run())


def test_each_stage_keeps_its_own_delivery(scenario_data, load):
    m = _metrics(scenario_data, load)
    hops = m["incidents"][0]["law_enforcement"]["hops"]
    named = [h for h in hops if h["hop"] == SAME]
    assert [h["stage"] for h in named] == ["international_channel", "foreign_police"]
    assert [h["to"] for h in named] == ["interpol", "police-th"]
    assert named[0]["at"] != named[1]["at"]
    # the run report shows both, each with its own recipient
    lines = [ln for ln in render_text(m).splitlines() if ln.strip().startswith(SAME)]
    assert len(lines) == 2
    assert lines[0].endswith("Police SG -> INTERPOL desk")
    assert lines[1].endswith("Police SG -> Police TH")
    # the chain ends with the later of the two
    last = max(named, key=lambda h: h["at"])
    e2e = m["incidents"][0]["law_enforcement"]["end_to_end"]
    assert (e2e["at"], e2e["to"], e2e["stage"]) == (last["at"], SAME, last["stage"])


def test_the_json_gives_each_stage_once(scenario_data, load, tmp_path, capsys):
    path = write(tmp_path, _named_alike(scenario_data), "named.yaml")
    assert main(["run", str(path), "--json"]) == 0
    hops = json.loads(capsys.readouterr().out)["incidents"][0]["law_enforcement"]["hops"]
    stages = [h["stage"] for h in hops]
    assert len(stages) == len(set(stages)) == 6


def test_a_batch_of_a_drill_with_stages_named_alike_runs(scenario_data, tmp_path, capsys):
    path = write(tmp_path, _named_alike(scenario_data), "named.yaml")
    out = tmp_path / "b"
    assert main(["batch", str(path), "-n", "2", "--jobs", "1", "--out", str(out)]) == 0
    assert "internal error" not in capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    reached = {m["metric"]: m["reached"]["rate"]
               for m in summary["variants"]["baseline"]["metrics"] if m["incident"] == "x"}
    # each stage reached in both runs, as its own figure
    assert reached["le.police_to_channel"] == reached["le.police_to_foreign_police"] == 1.0
