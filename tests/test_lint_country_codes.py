"""`drill lint` warns of an affected or hosting country that no actor of the drill
belongs to: no CERT, police force or victim there is ever found, and a run counts
the affected CERTs without it. A likely typo of one of the drill's own countries is
named (``TN`` for ``TH``, a key away on the keyboard).
"""

from __future__ import annotations

from pathlib import Path

from scenarios import load_scenario
from sim.analysis.metrics import compute
from sim.authoring.lint import lint
from sim.cli import main
from sim.engine import Engine

AFFECTED = "affected: [SG, MY, PH, TH, ID]"


def _ddos(tmp_path: Path, monkeypatch, capsys, old: str = "", new: str = "") -> Path:
    """The regional-ddos template, with ``old`` replaced by ``new``."""
    monkeypatch.chdir(tmp_path)
    assert main(["new", "ddos", "--template", "regional-ddos"]) == 0
    capsys.readouterr()
    path = tmp_path / "ddos.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _countries(loaded) -> list:
    return [f for f in lint(loaded) if f.code == "country-no-actor"]


def test_a_mistyped_affected_country_is_warned_of_with_the_one_meant(
        tmp_path, monkeypatch, capsys):
    path = _ddos(tmp_path, monkeypatch, capsys, AFFECTED, "affected: [SG, MY, PH, TN, ID]")
    loaded = load_scenario(path)
    (found,) = _countries(loaded)
    assert found.path == "injects[1].incident.affected[3]"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert found.mark is not None and "TN" in lines[found.mark.line - 1]
    assert "'TN'" in found.message and "did you mean 'TH'?" in found.message
    # what the typo costs: the run counts four affected CERTs, not five
    reached = compute(Engine(loaded, seed=0).run())["incidents"][0]
    assert "TN" in reached["affected"] and "TH" not in reached["affected"]
    assert main(["lint", "--strict", str(path)]) == 2


def test_a_mistyped_hosting_country_is_warned_of(tmp_path, monkeypatch, capsys):
    path = _ddos(tmp_path, monkeypatch, capsys, "incident: {id: ddos, " + AFFECTED + "}",
                 "incident: {id: ddos, " + AFFECTED + ", hosted_in: [HT]}")
    (found,) = _countries(load_scenario(path))
    assert found.path == "injects[1].incident.hosted_in[0]"
    assert "hosting country 'HT'" in found.message and "did you mean 'TH'?" in found.message


def test_a_country_with_no_actor_and_no_likely_typo_names_none(tmp_path, monkeypatch, capsys):
    path = _ddos(tmp_path, monkeypatch, capsys, AFFECTED, "affected: [SG, MY, PH, TH, US]")
    (found,) = _countries(load_scenario(path))
    assert "'US'" in found.message and "did you mean" not in found.message


def test_the_template_as_written_is_clean(tmp_path, monkeypatch, capsys):
    assert lint(load_scenario(_ddos(tmp_path, monkeypatch, capsys))) == []
