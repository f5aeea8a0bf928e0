"""The "carry on" hints name the journal as one shell word: a path with spaces or quotes,
pasted from the quit question or from the line printed on exit, resumes the drill."""

from __future__ import annotations

import shlex

import pytest

pytest.importorskip("textual")

from net_helpers import net_scenario, serving
from test_tui import make_app, until

import tui.app
from sim.cli import main
from tui.forms import ConfirmQuit

ODD_NAME = "day 1/Bob's acid botnet.journal.sqlite"


def _command_after(text: str, lead: str) -> list[str]:
    """The words of the command that follows ``lead`` to the end of its line in ``text``."""
    lines = [ln for ln in text.splitlines() if lead in ln]
    assert len(lines) == 1, text
    return shlex.split(lines[0].split(lead, 1)[1])


def test_the_line_play_prints_on_exit_resumes_when_pasted(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tui.app.DrillApp, "run", lambda self, *a, **k: None)
    path = tmp_path / ODD_NAME
    path.parent.mkdir()
    assert main(["play", "tutorial", "--journal", str(path)]) == 0
    words = _command_after(capsys.readouterr().err, "carry on with: ")
    assert words == ["drill", "play", "--resume", str(path)]
    assert main(words[1:]) == 0  # pasted, it carries the drill on
    assert "no such journal" not in capsys.readouterr().err


def test_the_line_host_prints_on_exit_resumes_when_pasted(tmp_path, monkeypatch, capsys):
    import sim.net.run

    monkeypatch.setattr(sim.net.run, "host", lambda *a, **k: None)
    path = tmp_path / ODD_NAME
    path.parent.mkdir()
    assert main(["host", "tutorial", "--listen", "127.0.0.1:0", "--journal", str(path)]) == 0
    words = _command_after(capsys.readouterr().err, "carry on with: ")
    assert words == ["drill", "host", "--resume", str(path)]


async def test_the_quit_question_names_a_command_that_can_be_pasted(tmp_path):
    path = tmp_path / ODD_NAME
    path.parent.mkdir()
    app = make_app(path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmQuit))
        hint = str(app.screen.query_one(".hint").render())
        assert str(path) in hint  # where the journal is, as it is
        words = _command_after(hint, "Carry on later with: ")
        assert words == ["drill", "play", "--resume", str(path)]
        await pilot.press("n")
    app.session.close()


async def test_the_hosts_console_quit_note_names_a_command_that_can_be_pasted(
        scenario_data, load, tmp_path, monkeypatch):
    from tui.net import console_runner

    notes: list[str] = []

    async def run_async(self):
        notes.append(self.quit_note)

    monkeypatch.setattr(tui.app.DrillApp, "run_async", run_async)
    where = tmp_path / "day 1 'x'"
    where.mkdir()
    async with serving(load(net_scenario(scenario_data)), where) as (server, _):
        await console_runner(None)(server)
        path = server.session.path
    words = _command_after(notes[0], "Carry on later with: ")
    assert words == ["drill", "host", "--resume", str(path)]
