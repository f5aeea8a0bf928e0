"""Batch variants are changes to the scenario as written, checked as a scenario file is:

* a variant that changes a team or an incident's countries gives the runs the same
  change written into a copy of the file gives (injects, expectations and tasks that
  name the team or a selector follow it), and other variants their results as before;
* a variant's misspelt subdivision is refused in one line naming the variant;
* a ``[field=value]`` lookup that matches several entries is refused, naming them;
* ``replications.csv`` has the rows of every incident of the scenario in every
  replication, empty where the incident never opened, and the summary's rates are
  those of its rows;
* ``--metric`` without ``--sweep`` is refused.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from scenarios import Scenario, load_scenario
from scenarios.loader import ScenarioError, bundled_dir
from sim.cli import EXIT_INVALID, main
from sim.runs.batch import (
    INCIDENT_METRICS,
    Aggregate,
    BatchConfig,
    BatchError,
    expectation_order,
    parse_variant,
    run_batch,
    variant_scenarios,
)

APCERT = bundled_dir() / "apcert-ransomware.yaml"
TUTORIAL = bundled_dir() / "tutorial.yaml"
N = 6

#: a variant, and the same change written into the file: (text written, text instead)
AS_WRITTEN = {
    "member-ph": ("teams.member_teams={kind: [national_cert], country_in: [PH]}",
                  "member_teams: {kind: [national_cert], country_in: [asean]}",
                  "member_teams: {kind: [national_cert], country_in: [PH]}"),
    "only-ph": ("injects[id=1].incident.affected=[PH]",
                "affected: [PH, TH, MY]", "affected: [PH]"),
    "partners-jp": ("teams.partners=[jpcert]",
                    "partners: [jpcert, krcert, auscert]", "partners: [jpcert]"),
}


def _batch(path: Path, out: Path, variants: list[str], n: int = N) -> Path:
    loaded = load_scenario(path)
    run_batch(loaded, [parse_variant(v) for v in variants],
              BatchConfig(n=n, seed=11, jobs=1, out=out))
    return out


def _rows(out: Path, variant: str) -> list[list[str]]:
    """A variant's rows of replications.csv, without the variant's name."""
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        return [row[1:] for row in list(csv.reader(fh))[1:] if row[0] == variant]


def _copy_with(tmp_path: Path, name: str, written: str, instead: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copytree(APCERT.parent / "evidence", folder / "evidence")
    text = APCERT.read_text(encoding="utf-8")
    assert text.count(written) == 1
    (folder / APCERT.name).write_text(text.replace(written, instead), encoding="utf-8")
    return folder / APCERT.name


@pytest.fixture(scope="module")
def variants_and_copies(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("as-written")
    out = _batch(APCERT, tmp / "variants",
                 [f"{name}: {change}" for name, (change, _, _) in AS_WRITTEN.items()])
    copies = {name: _batch(_copy_with(tmp, name, written, instead), tmp / f"copy-{name}", [])
              for name, (_, written, instead) in AS_WRITTEN.items()}
    return out, copies


# --- 1. a variant is the same change written into the file -------------------------------


@pytest.mark.parametrize("name", list(AS_WRITTEN))
def test_a_variant_gives_the_runs_of_the_edited_file(variants_and_copies, name):
    out, copies = variants_and_copies
    mine = _rows(out, name)
    assert len(mine) > N and mine == _rows(copies[name], "baseline")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["variants"][name]
    edited = json.loads((copies[name] / "summary.json").read_text(encoding="utf-8"))
    assert summary["expectations"] == edited["variants"]["baseline"]["expectations"]
    # (a metric only the baseline has is listed for the variant too, at 0 %; a row
    # "not applicable" stands for its metric)
    measured = {(incident, metric.removesuffix(".not_applicable"))
                for _, _, incident, metric, _ in mine}
    assert [m for m in summary["metrics"] if (m["incident"], m["metric"]) in measured] \
        == edited["variants"]["baseline"]["metrics"]


def test_recipients_and_expectations_follow_the_changed_team_and_countries():
    loaded = load_scenario(APCERT)
    scenarios = dict(variant_scenarios(loaded, [
        parse_variant("partners-jp: teams.partners=[jpcert]"),
        parse_variant("only-ph: injects[id=1].incident.affected=[PH]")]))
    partners = Scenario.model_validate(scenarios["partners-jp"])
    assert [inj.to for inj in partners.injects if inj.id == "C1"] == [["jpcert"]]
    assert [task.to for task in partners.tasks if task.id == "Q2"] == [["jpcert"]]
    only_ph = Scenario.model_validate(scenarios["only-ph"])
    assert [x.id for x in only_ph.expectation_units()][:1] == ["E1.certph"]
    assert "E1.mycert" not in {x.id for x in only_ph.expectation_units()}


def test_a_variant_is_refused_as_the_edited_file_is(tmp_path):
    """A team that names an actor the scenario does not have: the same problem, at the
    same path, for the variant and for the file."""
    copy = _copy_with(tmp_path, "bad", "partners: [jpcert, krcert, auscert]",
                      "partners: [jpcert, nocert]")
    with pytest.raises(ScenarioError) as file_error:
        load_scenario(copy)
    problems = [f"{p.path}: {p.message}" for p in file_error.value.problems]
    with pytest.raises(BatchError) as variant_error:
        variant_scenarios(load_scenario(APCERT),
                          [parse_variant("v: teams.partners=[jpcert, nocert]")])
    assert problems and str(variant_error.value) == "variant 'v': " + "; ".join(problems)


# --- 2. a misspelt subdivision -------------------------------------------------------------

HOLIDAYS = ("drill.start=2026-09-16T09:00:00+08:00, drill.public_holidays=true, "
            "actors.isp-my.public_holidays=false")


def test_a_variants_misspelt_subdivision_is_refused_in_one_line(tmp_path, capsys):
    code = main(["batch", str(TUTORIAL), "-n", "2", "--jobs", "1", "--out", str(tmp_path / "o"),
                 "--variant", f"hol: {HOLIDAYS}",
                 "--variant", f"typo: {HOLIDAYS}, actors.mycert.subdivision=Selangr"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == EXIT_INVALID and "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("drill batch: variant 'typo': actors.mycert.subdivision: "
                               "'Selangr' is not a subdivision of MY")
    assert not (tmp_path / "o").exists()


def test_a_variants_known_subdivision_is_taken():
    loaded = load_scenario(TUTORIAL)
    [_, (_, data)] = variant_scenarios(
        loaded, [parse_variant(f"v: {HOLIDAYS}, actors.mycert.subdivision='10'")])
    assert Scenario.model_validate(data).actors["mycert"].calendar(True) == ("MY", "10")


# --- 3. lookups that match several entries -------------------------------------------------


@pytest.mark.parametrize(("change", "matches"), [
    ("actors[kind=national_cert].staffing=24/7",
     "'actors[kind=national_cert]' matches 2 entries (actors.singcert, actors.mycert)"),
    ("injects[sender=hicon].tlp=RED",
     "'injects[sender=hicon]' matches 3 entries (injects[id=1], injects[id=2], injects[id=C1])"),
])
def test_a_lookup_matching_several_entries_is_refused_naming_them(tmp_path, capsys, change,
                                                                  matches):
    code = main(["batch", str(TUTORIAL), "-n", "2", "--jobs", "1", "--out", str(tmp_path / "o"),
                 "--variant", f"v: {change}"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == EXIT_INVALID and len(lines) == 1, err
    assert lines[0].startswith("drill batch: variant 'v': ") and matches in lines[0]


def test_a_lookup_matching_one_entry_changes_it():
    loaded = load_scenario(TUTORIAL)
    [(_, base), (_, data)] = variant_scenarios(loaded, [parse_variant(
        "v: actors[name=MyCERT].staffing=24/7, "
        "injects[title=A second phishing domain on the same server].tlp=RED")])
    assert data["actors"]["mycert"]["staffing"] == "24/7"
    assert base["actors"]["singcert"]["staffing"] == data["actors"]["singcert"]["staffing"]
    base["injects"][1]["tlp"] = "RED"
    assert data["injects"] == base["injects"]


# --- 4. rows of an incident that did not open ----------------------------------------------


SECOND = ("second: injects[id=2].incident={id: phish2, type: phishing, title: second site, "
          "severity: low, affected: [SG], hosted_in: [MY]}, injects[id=2].when={missed: [E1]}")
REPS = 20


def test_every_incident_has_its_rows_and_the_summary_rates_are_theirs(tmp_path):
    out = _batch(TUTORIAL, tmp_path / "o", [SECOND], n=REPS)
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    incidents = {"baseline": ["phish"], "second": ["phish", "phish2"]}
    for variant, ids in incidents.items():
        for incident in ids:
            for metric in INCIDENT_METRICS:
                # or its .not_applicable row: the tutorial has no council nor police
                reps = [r["replication"] for r in rows
                        if (r["variant"], r["incident"]) == (variant, incident)
                        and r["metric"] in (metric, metric + ".not_applicable")]
                assert reps == [str(i) for i in range(REPS)], (variant, incident, metric)
    # phish2 opens only where E1 was missed: its rows are empty in the other runs
    first_ack = [r["value"] for r in rows if r["variant"] == "second"
                 and r["incident"] == "phish2" and r["metric"] == "first_ack"]
    assert "" in first_ack and any(first_ack)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for variant, data in summary["variants"].items():
        for m in data["metrics"]:
            values = [r["value"] for r in rows if (r["variant"], r["incident"], r["metric"])
                      == (variant, m["incident"], m["metric"])]
            applied = summary["replications"] - m.get("not_applicable", 0)
            assert m["reached"]["rate"] == (
                sum(1 for v in values if v) / applied if applied else None)
    # the empty rows change no figure: the summary of the rows without them is the same
    scenarios = variant_scenarios(load_scenario(TUTORIAL), [parse_variant(SECOND)])
    order = expectation_order([Scenario.model_validate(data) for _, data in scenarios])
    agg = Aggregate(list(incidents), order=order)
    kept = Aggregate(list(incidents), order=order)
    empty = {(r["variant"], r["replication"], r["incident"]) for r in rows if r["incident"]}
    empty -= {(r["variant"], r["replication"], r["incident"]) for r in rows
              if r["incident"] and r["value"] and r["metric"] in INCIDENT_METRICS}
    for r in rows:
        value = float(r["value"]) if r["value"] else None
        args = (r["variant"], int(r["replication"]), r["incident"], r["metric"], value)
        agg.add(*args)
        if not ((r["variant"], r["replication"], r["incident"]) in empty
                and r["metric"] in INCIDENT_METRICS):
            kept.add(*args)
    agg.finish()
    kept.finish()
    assert json.loads(json.dumps(agg.summary())) == json.loads(json.dumps(kept.summary()))
    assert json.loads(json.dumps(agg.summary())) == summary


# --- 5. --metric without --sweep -----------------------------------------------------------


def test_metric_without_a_sweep_is_refused(tmp_path, capsys):
    code = main(["batch", str(TUTORIAL), "-n", "2", "--jobs", "1", "--out", str(tmp_path / "o"),
                 "--metric", "contained"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == EXIT_INVALID and len(lines) == 1, err
    assert "--metric 'contained'" in lines[0] and "applies to sweeps only" in lines[0]
    assert not (tmp_path / "o").exists()
