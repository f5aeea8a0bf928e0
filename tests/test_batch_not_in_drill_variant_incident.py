"""An incident only some of a batch's scenarios have: what the others' drills have no
bodies for is "not in this drill" there too, never 0 %.

A variant that adds an incident gives the baseline rows for it in the summary (a
metric any variant has is listed for every variant). The baseline's runs never had
the incident, so they reached none of its milestones, as for an incident that never
opened; but a step its drill has no bodies for (the regional coordinator without a
council, a law-enforcement step without its police) is not applicable there, as it
is for the baseline's own incident: ``n/a`` in summary.txt, a ``not_applicable``
count in summary.json, and left out of the paired differences. The same goes for a
variant without an incident the baseline has.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from conftest import write

from scenarios import load_scenario, resolve_scenario_arg
from sim.cli import main
from sim.runs.batch import (
    BASELINE,
    INCIDENT_METRICS,
    MAY_NOT_APPLY,
    BatchConfig,
    parse_variant,
    run_batch,
)

TUTORIAL = resolve_scenario_arg("tutorial")
N = 6
#: the figures of an incident that the tutorial drill does not have
NOT_IN_TUTORIAL = ("ansac_reached", "le.cert_to_police", "le.preservation",
                   "le.police_to_channel", "le.police_to_foreign_police",
                   "le.police_to_central_authority", "le.mla", "le.end_to_end")
#: the variant of the tutorial whose contingency opens an incident of its own
SECOND = ("v: injects[id=C1].incident={id: second, type: phishing, title: Second, "
          "affected: [SG], hosted_in: [MY]}")
NA = ".not_applicable"
#: what a drill without the bodies for a step says of it
NOT_IN_DRILL = "not in this drill"


def _metric(summary: dict, variant: str, incident: str, metric: str) -> dict:
    [m] = [m for m in summary["variants"][variant]["metrics"]
           if (m["incident"], m["metric"]) == (incident, metric)]
    return m


def _summary_lines(text: str) -> dict[str, dict[str, str]]:
    """summary.txt's lines of each variant, by their label (``incident metric``)."""
    out: dict[str, dict[str, str]] = {}
    section: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("== "):
            section = out.setdefault(line[3:], {})
        elif line.startswith("  ") and not line.startswith("    ") and len(line.split()) > 2:
            words = line.split()
            section[f"{words[0]} {words[1]}"] = " ".join(words[2:])
    return out


def _from_csv(out: Path, variants: list[str]) -> dict[tuple[str, str, str], tuple[int, int]]:
    """Per variant, incident and milestone: (runs that reached it, runs where it
    applied), worked out from replications.csv as docs/batch.md says: a run without
    the incident's rows did not reach it, but for a step that run's drill has no
    bodies for (its ``.not_applicable`` rows of another incident say so)."""
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    runs: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in rows:
        runs.setdefault((r["variant"], r["replication"]), []).append(r)
    incidents = {r["incident"] for r in rows if r["incident"]}
    counts: dict[tuple[str, str, str], list[int]] = {}
    for (variant, _), mine in runs.items():
        absent_here = {r["metric"].removesuffix(NA) for r in mine if r["metric"].endswith(NA)
                       and MAY_NOT_APPLY.get(r["metric"].removesuffix(NA)) == NOT_IN_DRILL}
        have = {r["incident"] for r in mine}
        for incident in incidents:
            for metric in INCIDENT_METRICS:
                c = counts.setdefault((variant, incident, metric), [0, 0])
                if incident in have:
                    [row] = [r for r in mine if r["incident"] == incident
                             and r["metric"].removesuffix(NA) == metric]
                    if row["metric"].endswith(NA):
                        continue
                    c[0] += row["value"] != ""
                    c[1] += 1
                elif metric not in absent_here:
                    c[1] += 1
    assert {v for v, _, _ in counts} == set(variants)
    return {k: (hits, n) for k, (hits, n) in counts.items()}


def _agrees_with_csv(out: Path, summary: dict[str, Any]) -> None:
    """Every milestone's rate in summary.json is the one replications.csv gives."""
    for (variant, incident, metric), (hits, n) in _from_csv(
            out, list(summary["variants"])).items():
        m = _metric(summary, variant, incident, metric)
        assert m["reached"]["n"] == n, (variant, incident, metric)
        assert m["reached"]["rate"] == (hits / n if n else None), (variant, incident, metric)
        assert m.get("not_applicable", 0) == summary["replications"] - n, (
            variant, incident, metric)


def test_the_baseline_lacks_the_stages_of_an_incident_only_a_variant_adds(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["batch", str(TUTORIAL), "-n", str(N), "--jobs", "1", "--out", str(out),
                 "--variant", SECOND]) == 0
    capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    lines = _summary_lines((out / "summary.txt").read_text(encoding="utf-8"))
    for metric in NOT_IN_TUTORIAL:
        # as the variant says of the same incident, and the baseline of its own
        for variant, incident in ((BASELINE, "second"), ("v", "second"), (BASELINE, "phish")):
            m = _metric(summary, variant, incident, metric)
            assert m["not_applicable"] == N, (variant, incident, metric)
            assert m["reached"] == {"n": 0, "rate": None, "rate_ci": [None, None]}, (
                variant, incident, metric)
            line = lines[variant][f"{incident} {metric}"]
            assert line == f"n/a not applicable in {N}: {NOT_IN_DRILL}", (variant, line)
    # what the drill has but the baseline never reached, as it never had the incident
    first = _metric(summary, BASELINE, "second", "first_ack")
    assert (first["reached"]["n"], first["reached"]["rate"]) == (N, 0.0)
    assert lines[BASELINE]["second first_ack"] == "0%"
    _agrees_with_csv(out, summary)
    compared = {(d["incident"], d["metric"]) for d in summary["differences"]}
    assert not compared & {("second", m) for m in NOT_IN_TUTORIAL}


def _police_for_council(data: dict[str, Any]) -> dict[str, Any]:
    """The hand-computed drill, with a rule that cert-a refers a suspected crime to the
    police; it has no police to refer to."""
    data["injects"][0]["incident"]["crime_suspected"] = True
    data["frameworks"]["fw"]["rules"]["refer"] = {
        "by": ["national_cert"], "on": ["inject"],
        "when": {"crime_suspected": True, "actor_affected": True},
        "action": "refer_police", "to": ["national_police"], "channel": "email",
        "deadline": "4h", "tlp": "GREEN"}
    return data


def test_a_variant_with_other_bodies_and_another_incident_is_compared_fairly(
        scenario_data, tmp_path):
    # the variant's council is the Singapore police, and its incident is called y: the
    # baseline has no police for y, the variant no council for x
    loaded_path = write(tmp_path, _police_for_council(scenario_data))
    variant = parse_variant("w: actors.council.kind=national_police, "
                            "actors.council.country=SG, injects[0].incident.id=y")
    result = run_batch(load_scenario(loaded_path), [variant],
                       BatchConfig(n=N, seed=3, out=tmp_path / "b", chunk=2, jobs=1))
    s = result.summary
    # the variant refers y to its police in every run; the baseline has no police
    assert _metric(s, "w", "y", "le.cert_to_police")["reached"]["rate"] == 1.0
    base = _metric(s, BASELINE, "y", "le.cert_to_police")
    assert (base["not_applicable"], base["reached"]["rate"]) == (N, None)
    # the baseline reaches its council for x in every run; the variant has no council
    assert _metric(s, BASELINE, "x", "ansac_reached")["reached"]["rate"] == 1.0
    mine = _metric(s, "w", "x", "ansac_reached")
    assert (mine["not_applicable"], mine["reached"]["rate"]) == (N, None)
    # what the other side has the bodies for, it did not reach: it never had the incident
    assert _metric(s, "w", "x", "le.cert_to_police")["reached"]["rate"] == 0.0
    assert _metric(s, BASELINE, "y", "ansac_reached")["reached"]["rate"] == 0.0
    # neither step compared with a side that does not have it
    compared = {(d["incident"], d["metric"]) for d in s["differences"]}
    assert ("y", "le.cert_to_police") not in compared
    assert ("x", "ansac_reached") not in compared
    # the incident's own milestones are: the baseline never had y, the variant never x
    assert {("x", "first_ack"), ("y", "first_ack")} <= compared
    lines = _summary_lines((result.out / "summary.txt").read_text(encoding="utf-8"))
    assert lines[BASELINE]["y le.cert_to_police"] == f"n/a not applicable in {N}: {NOT_IN_DRILL}"
    assert lines["w"]["x ansac_reached"] == f"n/a not applicable in {N}: {NOT_IN_DRILL}"
    _agrees_with_csv(result.out, s)


def test_one_chunk_and_several_give_the_same_summary(tmp_path):
    tutorial = load_scenario(TUTORIAL)
    folders = [run_batch(tutorial, [parse_variant(SECOND)],
                         BatchConfig(n=N, seed=1, out=tmp_path / f"c{chunk}", chunk=chunk,
                                     jobs=1)).out
               for chunk in (1, N)]
    for name in ("summary.json", "summary.txt"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
