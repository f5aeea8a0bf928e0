"""A team named as recipients by an MSEL import or by a batch variant: each member's point
of contact on the channel is checked as `drill validate` checks it, and a missing one is
reported in one line at the spreadsheet cell or with the variant's name."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import ScenarioError
from sim.authoring import msel_io
from sim.cli import EXIT_INVALID, main

#: certb, a member of the team 'pair', has no phone
SCENARIO = """\
drill:
  id: team-contacts
  title: Team contacts
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
actors:
  hicon: {name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {email: {address: h@x}, phone: {address: "+65 1"}}}
  certa: {name: CERT-A, kind: national_cert, country: MY, timezone: Asia/Kuala_Lumpur,
          staffing: 24/7, contacts: {email: {address: a@x}, phone: {address: "+60 1"}}}
  certb: {name: CERT-B, kind: national_cert, country: SG, timezone: Asia/Singapore,
          staffing: 24/7, contacts: {email: {address: b@x}}}
channels:
  email: {kind: email, latency: 5m}
  phone: {kind: phone, latency: 1m}
teams:
  pair: [certa, certb]
frameworks:
  fw:
    title: FW
    rules:
      tell:
        by: [national_cert]
        on: [inject]
        action: notify
        to: [certa]
        channel: phone
injects:
  - id: "1"
    at: T+00:10
    sender: hicon
    to: [certa]
    via: phone
    incident: {id: i, type: phishing, severity: high, affected: [MY], hosted_in: [SG]}
expectations:
  - {id: E1, actors: [certa], action: acknowledge, incident: i, within: 4h}
"""

KEYS = [k for k, _ in msel_io.COLUMNS]


def err_lines(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line]


def validation_messages(path: Path) -> list[str]:
    """What `drill validate` says of a scenario file, without the place in the file."""
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    return [p.message for p in exc.value.problems]


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO)
    return path


# --- MSEL import ----------------------------------------------------------------------


def sheet(scenario: Path, tmp_path: Path, recipients: str, extra: dict[str, str] | None = None
          ) -> Path:
    """The scenario's MSEL as CSV with the first inject's Recipients cell changed and, given
    ``extra``, a second inject copied from the first with those cells changed."""
    rows = list(csv.reader(io.StringIO(msel_io.csv_text(load_scenario(scenario)), newline="")))
    rows[1][KEYS.index("to")] = recipients
    if extra:
        row = [""] * len(rows[1])
        for key in ("at", "sender", "to", "via", "incident"):
            row[KEYS.index(key)] = rows[1][KEYS.index(key)]
        for key, text in extra.items():
            row[KEYS.index(key)] = text
        rows.append(row)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path = tmp_path / "msel.csv"
    path.write_text(out.getvalue())
    return path


def test_an_imported_team_missing_a_contact_is_said_at_its_cell(scenario, tmp_path, capsys):
    before = scenario.read_bytes()
    msel = sheet(scenario, tmp_path, "hicon, pair")
    assert main(["msel", "import", str(msel), "--into", str(scenario)]) == EXIT_INVALID
    lines = err_lines(capsys)
    # the same words as validation of the same injects written in the scenario
    direct = tmp_path / "direct.yaml"
    direct.write_text(SCENARIO.replace("    to: [certa]\n    via: phone",
                                       "    to: [hicon, pair]\n    via: phone"))
    [said] = validation_messages(direct)
    assert said == ("team 'pair': actor 'certb' has no point of contact on channel 'phone' "
                    "(it has: email)")
    assert lines[0] == f"{msel}:F2: {said}"
    assert scenario.read_bytes() == before


def test_an_imported_team_is_reported_with_the_sheet_s_other_problems(scenario, tmp_path,
                                                                      capsys):
    # validation reports every problem in one go; so does the import
    msel = sheet(scenario, tmp_path, "hicon, pair", {"id": "2", "at": "T+00:20", "to": "certaa"})
    assert main(["msel", "import", str(msel), "--into", str(scenario)]) == EXIT_INVALID
    lines = err_lines(capsys)
    assert f"{msel}:F2: team 'pair': actor 'certb' has no point of contact on channel " \
        "'phone' (it has: email)" in lines
    assert f"{msel}:F3: unknown actor 'certaa'; did you mean 'certa'?" in lines
    assert lines[-1].startswith("2 problems found")


def test_reading_a_sheet_checks_each_member_of_a_team(scenario, tmp_path):
    msel = sheet(scenario, tmp_path, "pair")
    with pytest.raises(msel_io.MselError) as exc:
        msel_io.injects_from_table(load_scenario(scenario), msel_io.read_table(msel))
    assert exc.value.problems == [
        f"{msel}:F2: team 'pair': actor 'certb' has no point of contact on channel 'phone' "
        "(it has: email)"]
    # a channel every member has is fine
    fine = sheet(scenario, tmp_path, "pair")
    fine.write_text(fine.read_text().replace(",phone,", ",email,"))
    [inj], _ = msel_io.injects_from_table(load_scenario(scenario), msel_io.read_table(fine))
    assert inj["to"] == ["pair"]


# --- batch variants -------------------------------------------------------------------


def batch(scenario: Path, tmp_path: Path, *options: str) -> int:
    return main(["batch", str(scenario), "-n", "2", "--jobs", "1",
                 "--out", str(tmp_path / "out"), *options])


RULE = "frameworks.fw.rules.tell.to"


def test_a_variant_sending_a_rule_to_a_team_is_refused(scenario, tmp_path, capsys):
    assert batch(scenario, tmp_path, "--variant", f"team: {RULE}=[pair]") == EXIT_INVALID
    direct = tmp_path / "direct.yaml"
    direct.write_text(SCENARIO.replace("        to: [certa]\n", "        to: [pair]\n"))
    [said] = validation_messages(direct)
    assert err_lines(capsys) == [f"drill batch: variant 'team': {RULE}[0]: {said}"]
    assert not (tmp_path / "out" / "summary.json").exists()


def test_a_variant_sending_an_inject_to_a_team_is_refused(scenario, tmp_path, capsys):
    assert batch(scenario, tmp_path, "--variant",
                 "team: injects[0].to=[hicon, pair]") == EXIT_INVALID
    assert err_lines(capsys) == [
        "drill batch: variant 'team': injects[0].to[1]: team 'pair': actor 'certb' has no "
        "point of contact on channel 'phone' (it has: email)"]


def test_a_variants_file_and_a_sweep_are_checked_too(scenario, tmp_path, capsys):
    variants = tmp_path / "variants.yaml"
    variants.write_text(f"variants:\n  team:\n    {RULE}: [certa, pair]\n")
    assert batch(scenario, tmp_path, "--variants", str(variants)) == EXIT_INVALID
    assert err_lines(capsys) == [
        f"drill batch: variant 'team': {RULE}[1]: team 'pair': actor 'certb' has no point of "
        "contact on phone (it has: email)"]
    assert batch(scenario, tmp_path, "--sweep", f"{RULE}=[certa],[pair]") == EXIT_INVALID
    assert err_lines(capsys) == [
        f"drill batch: variant 'to=[\"pair\"]': {RULE}[0]: team 'pair': actor 'certb' has no "
        "point of contact on phone (it has: email)"]


def test_a_variant_whose_team_can_be_reached_runs(scenario, tmp_path, capsys):
    # a fallback every member has will do, as it does in the scenario file
    v = f"team: {RULE}=[pair], frameworks.fw.rules.tell.fallback=[email]"
    assert batch(scenario, tmp_path, "--variant", v) == 0
    assert (tmp_path / "out" / "summary.json").exists()
