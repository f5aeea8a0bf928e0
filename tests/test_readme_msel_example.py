"""The README's spreadsheet example works as written, after its `drill new` example."""

from __future__ import annotations

import shlex
from pathlib import Path

from scenarios import load_scenario
from sim.cli import main
from sim.engine import Engine

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands(section: str) -> list[list[str]]:
    """The `drill` commands of the first sh block after the heading ``section``."""
    text = README.read_text(encoding="utf-8").split(section, 1)[1]
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [shlex.split(line, comments=True)[1:] for line in block.splitlines()
            if line.startswith("drill ")]


def test_the_msel_round_trip_of_the_readme_works_on_the_drill_it_made(tmp_path, monkeypatch,
                                                                       capsys):
    monkeypatch.chdir(tmp_path)
    assert "drill new my-drill --template regional-ddos" in README.read_text(encoding="utf-8")
    assert main(["new", "my-drill", "--template", "regional-ddos"]) == 0
    commands = readme_commands("### The MSEL in a spreadsheet")
    export, into_new = commands[0], commands[2]
    assert export[:2] == ["msel", "export"] and into_new[-2:] == ["-o", "new.yaml"]
    assert main(export) == 0
    assert main(into_new) == 0, capsys.readouterr().err
    # the injects came back as they went out: the drill plays the same
    drills = [Engine(load_scenario(Path(name)), seed=3).run() for name in
              ("my-drill.yaml", "new.yaml")]
    assert [(e.time, e.type, e.actor) for e in drills[0]] == \
        [(e.time, e.type, e.actor) for e in drills[1]]
