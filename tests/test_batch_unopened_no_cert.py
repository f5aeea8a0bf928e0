""""Every affected CERT reached" of an incident with no affected CERT in the drill is
not applicable in every run, also in a run where the incident never opened.

The tutorial with its contingency C1 opening an incident of its own, "followup", that
affects Indonesia, which has no CERT in the drill: it opens only in the runs where E1
is missed (3 of 12 at seed 4). Where it opens, `drill run` says "no affected CERT in
this drill"; where it never opens there was nobody to reach either, so the batch
shows "n/a", not "0 %" over the runs where it never opened, however the runs are
chunked. An incident that never opened but names an affected country with a CERT is
still counted as never reached.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.batch import BASELINE, BatchConfig, parse_variant, run_batch

TUTORIAL = resolve_scenario_arg("tutorial")
N = 12
SEED = 4
FIGURES = ("all_certs_reached", "all_certs_reached_incl_control")
#: E1 given 100 hours: it is never missed, so the follow-up never opens
NEVER = "never: expectations[id=E1].within=100h"


def _with_followup(folder: Path, affected: str) -> Path:
    text = TUTORIAL.read_text(encoding="utf-8")
    c1 = "    incident: {id: phish}\n    objective: O1\n"
    assert text.count(c1) == 1
    text = text.replace(c1, (
        "    incident:\n      id: followup\n      type: phishing\n"
        "      title: Follow-up phishing\n      severity: medium\n"
        f"      affected: [{affected}]\n"
        "      hosted_in: [MY]\n      crime_suspected: false\n    objective: O1\n"))
    path = folder / "followup.yaml"
    path.write_text(text.replace("id: tutorial ", "id: followup ", 1), encoding="utf-8")
    return path


def _rows(out: Path, incident: str) -> dict[str, list[tuple[int, str]]]:
    """metric -> [(replication, value)] of the baseline's rows about ``incident``."""
    found: dict[str, list[tuple[int, str]]] = {}
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["variant"] == BASELINE and r["incident"] == incident:
                found.setdefault(r["metric"], []).append((int(r["replication"]), r["value"]))
    return found


def _line(text: str, label: str) -> str:
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith(label + " ")]
    return line


@pytest.fixture(scope="module")
def no_cert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nocert")
    loaded = load_scenario(_with_followup(folder, "ID"))
    return [run_batch(loaded, [parse_variant(NEVER)],
                      BatchConfig(n=N, seed=SEED, out=folder / f"c{chunk}", chunk=chunk,
                                  jobs=1))
            for chunk in (1, 5)]


def test_it_is_not_applicable_in_every_run_opened_or_not(no_cert):
    result = no_cert[0]
    rows = _rows(result.out, "followup")
    # it opened in some runs only (it has a first acknowledgement there)...
    acks = [v for _, v in rows["first_ack"]]
    assert 0 < sum(1 for v in acks if v) < N
    for figure in FIGURES:
        # ...and every run, opened or not, says there was nobody to reach
        assert figure not in rows
        assert sorted(r for r, _ in rows[figure + ".not_applicable"]) == list(range(N))
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    for part in text.split("== ")[1:3]:  # the baseline, and the variant where it never opens
        for figure in FIGURES:
            line = _line(part, f"followup {figure}")
            assert line.split()[2] == "n/a", line
            assert line.endswith(f"not applicable in {N}: no affected CERT in this drill"), line
            assert "0%" not in line
    summary = json.loads((result.out / "summary.json").read_text(encoding="utf-8"))
    for variant in (BASELINE, "never"):
        for figure in FIGURES:
            [m] = [m for m in summary["variants"][variant]["metrics"]
                   if (m["incident"], m["metric"]) == ("followup", figure)]
            assert m["not_applicable"] == N
            assert m["reached"]["n"] == 0 and m["reached"]["rate"] is None


def test_the_summary_does_not_depend_on_the_chunking(no_cert):
    one, five = no_cert
    for name in ("replications.csv", "summary.json", "summary.txt"):
        assert (one.out / name).read_bytes() == (five.out / name).read_bytes(), name


def test_one_that_never_opened_with_an_affected_cert_is_still_never_reached(tmp_path):
    # Singapore has a CERT: where the follow-up never opened, it was not reached
    loaded = load_scenario(_with_followup(tmp_path, "SG"))
    result = run_batch(loaded, [parse_variant(NEVER)],
                       BatchConfig(n=4, seed=SEED, out=tmp_path / "b", chunk=2, jobs=1))
    text = (result.out / "summary.txt").read_text(encoding="utf-8")
    never = text.split("== ")[2]
    for figure in FIGURES:
        line = _line(never, f"followup {figure}")
        assert line.split()[2] == "0%" and "not applicable" not in line, line


def test_a_batch_folder_of_the_version_before_is_not_resumed(tmp_path, capsys):
    # its rows counted such runs as never reached: mixing them would miscount them
    from sim.cli import main

    out = tmp_path / "b"
    args = ["batch", str(_with_followup(tmp_path, "ID")), "-n", "4", "--seed", str(SEED),
            "--jobs", "1", "--chunk", "2", "--out", str(out)]
    assert main(args) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] > 8
    manifest["version"] = 8
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    assert main([*args, "--resume"]) == 2
    assert "was written by an earlier version of acid-drill" in capsys.readouterr().err
