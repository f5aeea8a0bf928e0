"""An output never writes over what the command reads, nor over another of its outputs;
``--slowest`` takes 0 or more and 0 leaves the list out."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir, library_dir
from sim.analysis.metrics import compute
from sim.cli import EXIT_INVALID, EXIT_OK, main
from sim.engine import Engine
from sim.safe.files import same_file

TUTORIAL = bundled_dir() / "tutorial.yaml"
RANSOMWARE = bundled_dir() / "apcert-ransomware.yaml"


def refusal(capsys) -> str:
    """The one line a refused command says; nothing goes to stdout."""
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def journal(here, capsys) -> Path:
    path = here / "d.journal.sqlite"
    assert main(["run", "tutorial", "--journal", str(path)]) == EXIT_OK
    capsys.readouterr()
    return path


@pytest.fixture
def scenario(here) -> Path:
    path = here / "v.yaml"
    shutil.copyfile(TUTORIAL, path)
    return path


# --- same_file ---------------------------------------------------------------------------


def test_same_file_by_name_link_and_not_yet_existing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("x").write_text("x")
    Path("sub").mkdir()
    os.symlink("x", "link")
    os.link("x", "hard")
    os.symlink("new", "dangling")
    assert same_file("x", "./x")
    assert same_file("x", tmp_path / "sub" / ".." / "x")
    assert same_file("link", "x")
    assert same_file("hard", "x")
    assert same_file("new", "./sub/../new")  # neither exists yet
    assert same_file("dangling", "new")  # writing the link writes "new"
    assert not same_file("x", "y")
    assert not same_file("x", "sub")


# --- drill report ----------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["d.journal.sqlite", "./d.journal.sqlite", "link.md",
                                    "d.journal.sqlite-wal", "d.journal.sqlite.lock"])
def test_report_refuses_to_write_over_the_journal_it_reads(journal, here, capsys, output):
    os.symlink(journal.name, "link.md")
    before = snapshot(here)
    code = main(["report", journal.name, "--runs", "0", "--format", "md", "-o", output])
    assert code == EXIT_INVALID
    line = refusal(capsys)
    assert line.startswith(f"drill report: -o {output} would overwrite ")
    assert "of the journal it reads" in line or "the journal it reads (d.journal.sqlite)" in line
    assert line.endswith("; choose another -o")
    assert snapshot(here) == before


def test_report_to_another_file_is_written(journal, here, capsys):
    assert main(["report", journal.name, "--runs", "0", "-o", "aar.md"]) == EXIT_OK
    assert (here / "aar.md").read_text(encoding="utf-8").startswith("**TLP:")


# --- drill run -----------------------------------------------------------------------------


def test_run_refuses_the_same_file_for_journal_and_events(here, capsys):
    code = main(["run", "tutorial", "--journal", "e.journal.sqlite",
                 "--events", "./e.journal.sqlite"])
    assert code == EXIT_INVALID
    assert refusal(capsys) == (
        "drill run: --events ./e.journal.sqlite would overwrite the journal it records "
        "(e.journal.sqlite); choose another --events")
    assert list(here.iterdir()) == []


def test_run_refuses_events_in_a_file_beside_the_journal(here, capsys):
    code = main(["run", "tutorial", "--journal", "e.journal.sqlite",
                 "--events", "e.journal.sqlite-wal"])
    assert code == EXIT_INVALID
    assert "the write-ahead log of the journal it records" in refusal(capsys)
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("option", ["--events", "--journal"])
@pytest.mark.parametrize("name", ["v.yaml", "./v.yaml", "link.yaml"])
def test_run_refuses_to_write_over_its_scenario(scenario, here, capsys, option, name):
    os.symlink("v.yaml", "link.yaml")
    before = snapshot(here)
    assert main(["run", "v.yaml", option, name]) == EXIT_INVALID
    assert refusal(capsys) == (f"drill run: {option} {name} would overwrite the scenario it "
                               f"reads (v.yaml); choose another {option}")
    assert snapshot(here) == before


def test_run_refuses_to_write_over_a_file_the_scenario_includes(here, capsys):
    for name in ("actors", "channels", "frameworks"):
        shutil.copyfile(library_dir() / "asean" / f"{name}.yaml", here / f"{name}.yaml")
    text = (bundled_dir() / "acid-botnet.yaml").read_text(encoding="utf-8")
    text = text.replace("include: [asean/actors, asean/channels, asean/frameworks]",
                        "include: [./actors.yaml, ./channels.yaml, ./frameworks.yaml]")
    assert "./actors.yaml" in text
    (here / "botnet.yaml").write_text(text, encoding="utf-8")
    before = snapshot(here)
    assert main(["run", "botnet.yaml", "--events", "channels.yaml"]) == EXIT_INVALID
    assert "would overwrite a file the scenario includes" in refusal(capsys)
    assert snapshot(here) == before


@pytest.fixture
def ransomware(here) -> Path:
    """A scenario with artefact files beside it."""
    shutil.copyfile(RANSOMWARE, here / "ransom.yaml")
    shutil.copytree(RANSOMWARE.parent / "evidence", here / "evidence")
    return here / "ransom.yaml"


def test_run_refuses_to_write_over_an_artefact_file(ransomware, here, capsys):
    before = snapshot(here)
    assert main(["run", "ransom.yaml", "--events", "evidence/ransom-note.txt"]) == EXIT_INVALID
    assert "would overwrite an artefact file of the scenario (evidence/ransom-note.txt)" \
        in refusal(capsys)
    assert snapshot(here) == before


# --- drill msel -----------------------------------------------------------------------------


def test_msel_export_refuses_to_write_over_an_artefact_file(ransomware, here, capsys):
    before = snapshot(here)
    code = main(["msel", "export", "ransom.yaml", "-o", "evidence/leak-site-pdns.csv"])
    assert code == EXIT_INVALID
    assert refusal(capsys).startswith("drill msel export: -o evidence/leak-site-pdns.csv "
                                      "would overwrite an artefact file of the scenario")
    assert snapshot(here) == before


def test_msel_export_refuses_to_write_over_its_scenario(here, capsys):
    shutil.copyfile(TUTORIAL, here / "drill.csv")
    before = snapshot(here)
    assert main(["msel", "export", "drill.csv", "-o", "./drill.csv"]) == EXIT_INVALID
    assert "would overwrite the scenario it reads (drill.csv)" in refusal(capsys)
    assert snapshot(here) == before


def test_msel_import_refuses_to_write_over_the_msel(scenario, here, capsys):
    assert main(["msel", "export", "v.yaml", "-o", "m.csv"]) == EXIT_OK
    capsys.readouterr()
    before = snapshot(here)
    assert main(["msel", "import", "m.csv", "--into", "v.yaml", "-o", "m.csv"]) == EXIT_INVALID
    assert refusal(capsys) == ("drill msel import: -o m.csv would overwrite the MSEL it reads "
                               "(m.csv); choose another -o")
    assert snapshot(here) == before


def test_msel_import_into_itself_with_o_is_an_import_in_place(scenario, here, capsys):
    assert main(["msel", "export", "v.yaml", "-o", "m.csv"]) == EXIT_OK
    assert main(["msel", "import", "m.csv", "--into", "v.yaml", "-o", "./v.yaml"]) == EXIT_OK
    assert load_scenario(scenario).scenario.drill.id == "tutorial"


def test_msel_import_o_naming_a_bundled_into_is_refused(here, capsys, monkeypatch):
    bundled = here / "bundled"
    bundled.mkdir()
    shutil.copyfile(TUTORIAL, bundled / "tutorial.yaml")
    monkeypatch.setattr("scenarios.loader.bundled_dir", lambda: bundled)
    assert main(["msel", "export", "bundled/tutorial.yaml", "-o", "m.csv"]) == EXIT_OK
    capsys.readouterr()
    before = snapshot(here)
    code = main(["msel", "import", "m.csv", "--into", "bundled/tutorial.yaml",
                 "-o", "bundled/./tutorial.yaml"])
    assert code == EXIT_INVALID
    assert "is a bundled scenario" in refusal(capsys)
    assert snapshot(here) == before


# --- drill handout, drill batch, drill host ----------------------------------------------------------


def test_handout_refuses_to_write_over_its_scenario(here, capsys):
    (here / "out").mkdir()
    shutil.copyfile(TUTORIAL, here / "out" / "cards.html")
    before = snapshot(here)
    assert main(["handout", "out/cards.html", "--all", "-o", "out"]) == EXIT_INVALID
    assert refusal(capsys) == ("drill handout: -o out would overwrite the scenario it reads "
                               "(out/cards.html); choose another -o")
    assert snapshot(here) == before


def test_batch_refuses_to_write_over_its_scenario(here, capsys):
    shutil.copyfile(TUTORIAL, here / "v.yaml")
    args = ["batch", "v.yaml", "-n", "2", "--jobs", "1", "--out", "out"]
    assert main(args) == EXIT_OK  # a batch folder
    shutil.copyfile(TUTORIAL, here / "out" / "summary.txt")
    capsys.readouterr()
    before = snapshot(here)
    assert main(["batch", "out/summary.txt", *args[2:]]) == EXIT_INVALID
    assert refusal(capsys) == ("drill batch: --out out would overwrite the scenario it reads "
                               "(out/summary.txt); choose another --out")
    assert snapshot(here) == before


@pytest.fixture
def hosted(monkeypatch) -> list[str]:
    """``drill host`` writes its invitations and returns at once (no server)."""
    from sim.net import run
    from sim.net.invites import write_invites

    calls: list[str] = []

    def host(session, *, invites_file, **_):
        calls.append(str(invites_file or ""))
        if invites_file:
            write_invites(Path(invites_file), ["# role", "ws://127.0.0.1:1/?token=x"])

    monkeypatch.setattr(run, "host", host)
    return calls


def test_host_refuses_invitations_over_its_scenario(scenario, here, capsys, hosted):
    before = snapshot(here)
    code = main(["host", "v.yaml", "--journal", "h.journal.sqlite", "--invites", "v.yaml"])
    assert code == EXIT_INVALID
    assert refusal(capsys) == ("drill host: --invites v.yaml would overwrite the scenario it "
                               "reads (v.yaml); choose another --invites")
    assert snapshot(here) == before and hosted == []


def test_host_refuses_invitations_over_its_journal(here, capsys, hosted):
    code = main(["host", "tutorial", "--journal", "h.journal.sqlite",
                 "--invites", "h.journal.sqlite"])
    assert code == EXIT_INVALID
    assert "--invites h.journal.sqlite would overwrite the journal it records" in refusal(capsys)
    assert list(here.iterdir()) == [] and hosted == []


def test_host_refuses_invitations_over_the_journal_it_carries_on(here, capsys, hosted):
    assert main(["host", "tutorial", "--journal", "h.journal.sqlite"]) == EXIT_OK
    capsys.readouterr()
    before = snapshot(here)
    code = main(["host", "--resume", "h.journal.sqlite", "--invites", "h.journal.sqlite.tokens"])
    assert code == EXIT_INVALID
    assert "the invitation tokens of the journal it carries on" in refusal(capsys)
    assert snapshot(here) == before and hosted == [""]


# --- --slowest ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "-5", "two"])
def test_slowest_takes_a_whole_number_0_or_more(capsys, value):
    with pytest.raises(SystemExit) as stop:
        main(["run", "tutorial", "--slowest", value])
    assert stop.value.code == EXIT_INVALID
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().splitlines()[-1].startswith("drill run: error: argument --slowest: ")
    assert ("must be 0 or more" if value.startswith("-") else "not a whole number") in err


def test_slowest_0_leaves_the_list_out_rather_than_saying_none(capsys):
    assert main(["run", "tutorial", "--slowest", "0"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Slowest hops" not in out and "\n  none\n" not in out
    assert "Expectations:" in out and "Messages:" in out
    assert main(["run", "tutorial", "--slowest", "0", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["slowest_hops"] == []


def test_slowest_1_lists_one_hop(capsys):
    assert main(["run", "tutorial", "--slowest", "1"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Slowest hops" in out and "  1. " in out and "  2. " not in out


def test_compute_refuses_a_negative_number_of_slowest_hops():
    log = Engine(load_scenario(TUTORIAL), seed=0).run()
    assert len(compute(log, slowest=2)["slowest_hops"]) == 2
    assert compute(log, slowest=0)["slowest_hops"] == []
    with pytest.raises(ValueError, match="0 or more"):
        compute(log, slowest=-1)
