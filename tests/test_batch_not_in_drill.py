"""A step the drill has no bodies for is "not in this drill", never "never reached".

The run report shows a law-enforcement step without its police or central authorities
as "not in this drill", and so it shows the regional coordinator of a drill without a
regional council: in the text, Markdown, HTML and Word reports alike, with
``modelled: false`` in the metrics. `drill batch` counts such a run as not applicable,
as it does "every affected CERT reached" with no affected CERT in the drill: left out
of the rate and of comparisons, "n/a" in summary.txt, a ``not_applicable`` count in
summary.json, however the runs are chunked.

The hand-computed drill (two CERTs, a regional council, no police), without its
council unless a test says otherwise; and the bundled tutorial, which has neither a
council nor police.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import write

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis import aar
from sim.analysis.review import build_review
from sim.cli import main
from sim.engine import Engine
from sim.runs.batch import BASELINE, BatchConfig, parse_variant, run_batch

TUTORIAL = resolve_scenario_arg("tutorial")
N = 4
SEED = 3
#: the figures of an incident that the tutorial drill does not have
NOT_IN_TUTORIAL = ("ansac_reached", "le.cert_to_police", "le.preservation",
                   "le.police_to_channel", "le.police_to_foreign_police",
                   "le.police_to_central_authority", "le.mla", "le.end_to_end")
#: the variant of the hand-computed drill whose council is the Singapore police instead
POLICE = "police: actors.council.kind=national_police, actors.council.country=SG"
#: the run report's row of the regional coordinator
ROW = re.compile(r"^ {4}regional coordinator reached .*$", re.M)


def _no_council(data: dict[str, Any]) -> dict[str, Any]:
    del data["actors"]["council"]
    del data["frameworks"]["fw"]["rules"]["escalate"]
    return data


def _summary_line(text: str, label: str) -> str:
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith(label + " ")]
    return line


def _metric(summary: dict, variant: str, incident: str, metric: str) -> dict:
    [m] = [m for m in summary["variants"][variant]["metrics"]
           if (m["incident"], m["metric"]) == (incident, metric)]
    return m


# --- the run report and the after-action report -----------------------------------------


def test_the_run_report_shows_the_coordinator_of_a_drill_without_a_council_as_not_in_it(
        scenario_data, tmp_path, capsys):
    path = write(tmp_path, _no_council(scenario_data), "no-council.yaml")
    assert main(["run", str(path), "--seed", "0"]) == 0
    [row] = ROW.findall(capsys.readouterr().out)
    assert row.split()[3:] == ["—", "not", "in", "this", "drill"], row
    assert "never" not in row
    assert main(["run", str(path), "--seed", "0", "--json"]) == 0
    [inc] = json.loads(capsys.readouterr().out)["incidents"]
    assert inc["ansac_reached"] == {"at": None, "after": None, "by": None, "modelled": False}


def test_a_council_nobody_reached_is_still_never_reached(scenario_data, tmp_path, capsys):
    del scenario_data["frameworks"]["fw"]["rules"]["escalate"]
    path = write(tmp_path, scenario_data, "council.yaml")
    assert main(["run", str(path), "--seed", "0"]) == 0
    out = capsys.readouterr().out
    [row] = re.findall(r"^ {4}Council reached .*$", out, re.M)
    assert row.split()[2:] == ["never"]
    assert main(["run", str(path), "--seed", "0", "--json"]) == 0
    [inc] = json.loads(capsys.readouterr().out)["incidents"]
    assert inc["ansac_reached"] is None


def test_the_tutorial_run_report_says_its_coordinator_is_not_in_the_drill(capsys):
    assert main(["run", "tutorial", "--seed", "0"]) == 0
    [row] = ROW.findall(capsys.readouterr().out)
    assert row.endswith("not in this drill") and "never" not in row


def test_every_after_action_report_says_not_in_this_drill(scenario_data, load):
    scenario = load(_no_council(scenario_data)).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    assert "| Regional coordinator reached | not in this drill | — |" in (
        aar.render_markdown(review))
    assert ("<tr><td>Regional coordinator reached</td><td>not in this drill</td><td>—</td></tr>"
            in aar.render_html(review))
    [row] = ROW.findall(aar.render_text(review))
    assert row.endswith("not in this drill") and "never" not in row
    docx = pytest.importorskip("docx")
    from sim.analysis.docx_report import render_docx

    document = docx.Document(io.BytesIO(render_docx(review)))
    rows = [[c.text for c in r.cells] for t in document.tables for r in t.rows]
    assert ["Regional coordinator reached", "not in this drill", "—"] in rows


# --- drill batch -----------------------------------------------------------------------


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_drill_batch_counts_what_the_drill_does_not_have_as_not_applicable(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["batch", "tutorial", "-n", str(N), "--seed", str(SEED), "--jobs", "1",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    text = (out / "summary.txt").read_text(encoding="utf-8")
    for metric in NOT_IN_TUTORIAL:
        m = _metric(summary, BASELINE, "phish", metric)
        assert m["not_applicable"] == N, metric
        assert m["reached"] == {"n": 0, "rate": None, "rate_ci": [None, None]}, metric
        line = _summary_line(text, f"phish {metric}")
        assert line.split()[2] == "n/a" and "%" not in line, line
        assert line.endswith(f"not applicable in {N}: not in this drill"), line
    # what the tutorial has is measured as before
    contained = _metric(summary, BASELINE, "phish", "contained")
    assert contained.get("not_applicable", 0) == 0
    assert contained["reached"]["n"] == N
    rows = _rows(out)
    written = {r["metric"] for r in rows}
    for metric in NOT_IN_TUTORIAL:
        assert metric not in written
        assert sum(r["metric"] == metric + ".not_applicable" and r["value"] == "1.0"
                   for r in rows) == N


def test_a_variant_that_swaps_the_council_for_police_shows_no_false_change(
        scenario_data, load, tmp_path):
    loaded = load(scenario_data)
    result = run_batch(loaded, [parse_variant(POLICE)],
                       BatchConfig(n=N, seed=SEED, out=tmp_path / "b", chunk=2, jobs=1))
    s = result.summary
    # the baseline reaches its council in every run; the variant has none to reach
    assert _metric(s, BASELINE, "x", "ansac_reached")["reached"]["rate"] == 1.0
    assert _metric(s, "police", "x", "ansac_reached")["not_applicable"] == N
    # the variant has police to refer to (nobody does): never reached, but it applies
    mine = _metric(s, "police", "x", "le.cert_to_police")
    assert mine["reached"] == {"n": N, "rate": 0.0, "rate_ci": [0.0, pytest.approx(0.49, abs=0.01)]}
    assert _metric(s, BASELINE, "x", "le.cert_to_police")["not_applicable"] == N
    # neither compared with the side that does not have it
    compared = {d["metric"] for d in s["differences"]}
    assert "ansac_reached" not in compared and "le.cert_to_police" not in compared
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    assert "ansac_reached" not in text.split("== paired differences")[-1]


def test_an_incident_that_never_opened_lacks_them_too(tmp_path):
    # the tutorial with its contingency opening an incident of its own: in the runs
    # where it never opens, it still has no council and no police to reach
    text = TUTORIAL.read_text(encoding="utf-8")
    c1 = "    incident: {id: phish}\n    objective: O1\n"
    assert text.count(c1) == 1
    text = text.replace(c1, (
        "    incident:\n      id: followup\n      type: phishing\n"
        "      title: Follow-up phishing\n      severity: medium\n      affected: [SG]\n"
        "      hosted_in: [MY]\n      crime_suspected: false\n    objective: O1\n"))
    path = tmp_path / "tutorial2.yaml"
    path.write_text(text.replace("id: tutorial ", "id: tutorial2 ", 1), encoding="utf-8")
    result = run_batch(load_scenario(path), [],
                       BatchConfig(n=12, seed=4, out=tmp_path / "b", chunk=3, jobs=1))
    s = result.summary
    first = _metric(s, BASELINE, "followup", "first_ack")
    assert 0 < first["n"] < 12  # it opened in some runs only
    for metric in NOT_IN_TUTORIAL:
        m = _metric(s, BASELINE, "followup", metric)
        assert (m["not_applicable"], m["reached"]["rate"]) == (12, None), metric


def test_one_job_and_two_give_the_same_folder(tmp_path):
    tutorial = load_scenario(TUTORIAL)
    folders = [run_batch(tutorial, [parse_variant("slow: channels.email.latency=1h")],
                         BatchConfig(n=N, seed=SEED, out=tmp_path / f"j{jobs}", chunk=chunk,
                                     jobs=jobs)).out
               for jobs, chunk in ((1, 1), (2, 3))]
    for name in ("replications.csv", "summary.json", "summary.txt"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_a_batch_folder_of_the_version_before_is_not_resumed(tmp_path, capsys):
    # its rows gave these figures as never reached: mixing them would miscount them
    out = tmp_path / "b"
    args = ["batch", "tutorial", "-n", str(N), "--seed", str(SEED), "--jobs", "1",
            "--chunk", "2", "--out", str(out)]
    assert main(args) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["version"] = 7
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main([*args, "--resume"]) == 2
    assert "was written by an earlier version of acid-drill" in capsys.readouterr().err
