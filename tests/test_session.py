"""Live drills: the journal, resuming after a crash, the drill clock, the read model."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.engine import Action, ActionError
from sim.runs.session import DrillClock, DrillSession, Journal, JournalError, list_journals
from sim.runs.view import DrillState

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def loaded(scenario_data, load):
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "escalate", "target": "council",
         "incident": "x", "within": "2h", "score": 4}]
    return load(scenario_data)


def play(session: DrillSession) -> None:
    """A short drill with a person playing cert-a."""
    session.advance_to(75)
    session.act(Action("cert-a", "acknowledge", "x"))
    session.advance_to(80)
    session.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                       tlp="GREEN"))
    session.advance_to(200)


def test_journal_records_every_command_and_event(tmp_path, loaded):
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(loaded, seed=3, human=["cert-a"], journal_path=path)
    play(s)
    log = list(s.engine.log)
    s.close()
    j = Journal.open(path)
    cmds = j.commands()
    assert [(c.kind, c.who, c.drill_time) for c in cmds] == [("act", "cert-a", 75), ("act", "cert-a", 80)]
    assert cmds[1].payload["targets"] == ["council"] and cmds[0].wall > 0
    assert [e.to_json() for e in j.events()] == [e.to_json() for e in log]
    assert j.meta()["progress"] == 200 and j.meta()["seed"] == 3


def test_rejected_actions_are_not_recorded(tmp_path, loaded):
    s = DrillSession.start(loaded, human=["cert-a"], journal_path=tmp_path / "j.journal.sqlite")
    with pytest.raises(ActionError):
        s.act(Action("cert-a", "acknowledge", "x"))  # nothing received yet
    s.close()
    assert Journal.open(tmp_path / "j.journal.sqlite").commands() == []


def test_text_the_journal_cannot_hold_is_refused_before_the_drill_changes(tmp_path, loaded):
    # a network client can send the JSON escape \ud800: a lone surrogate, which no
    # UTF-8 file holds. Carried out, its events reached the journal without their
    # command, the drill halted, and the journal no longer resumed
    path = tmp_path / "j.journal.sqlite"
    s = DrillSession.start(loaded, human=["cert-a"], journal_path=path)
    s.advance_to(75)
    before = len(s.engine.log)
    with pytest.raises(ActionError, match="not valid Unicode"):
        s.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                     tlp="GREEN", text="hello \ud800"))
    with pytest.raises(ActionError, match="not valid Unicode"):
        s.add_note("seen \udc80")
    assert len(s.engine.log) == before and s.notes == []
    s.act(Action("cert-a", "acknowledge", "x"))  # the drill goes on
    s.advance_to(100)
    log = [e.to_json() for e in s.engine.log]
    s.close()
    assert Journal.open(path).commands()[0].kind == "act"
    resumed = DrillSession.resume(path)
    assert [e.to_json() for e in resumed.engine.log] == log
    resumed.close()


def test_resume_continues_exactly(tmp_path, loaded):
    reference = DrillSession.start(loaded, seed=5, human=["cert-a"], record=False)
    play(reference)
    reference.advance_to(3000)

    path = tmp_path / "r.journal.sqlite"
    first = DrillSession.start(loaded, seed=5, human=["cert-a"], journal_path=path)
    play(first)
    first.close()
    resumed = DrillSession.resume(path)
    assert resumed.now == 200
    resumed.advance_to(3000)
    assert [e.to_json() for e in resumed.engine.log] == [e.to_json() for e in reference.engine.log]
    resumed.close()
    stored = Journal.open(path).events()
    assert [e.seq for e in stored] == list(range(len(reference.engine.log)))


CRASH = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from scenarios import load_scenario
    from sim.engine import Action
    from sim.runs.session import DrillSession
    s = DrillSession.start(load_scenario({scenario!r}), seed=2, human=["cert-a"],
                           journal_path={journal!r})
    s.advance_to(75)
    s.act(Action("cert-a", "acknowledge", "x"))
    s.advance_to(80)
    s.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email", tlp="GREEN"))
    s.advance_to(130)
    os.kill(os.getpid(), signal.SIGKILL)  # the machine dies mid-drill
    """
)


def test_a_killed_drill_loses_nothing(tmp_path, loaded):
    journal = tmp_path / "crash.journal.sqlite"
    script = CRASH.format(root=str(ROOT), scenario=str(loaded.path), journal=str(journal))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    resumed = DrillSession.resume(journal)
    assert resumed.now == 130
    kinds = [(c.kind, c.payload.get("verb")) for c in resumed.journal.commands()]
    assert kinds == [("act", "acknowledge"), ("act", "escalate")]
    assert any(e.type == "expectation_met" for e in resumed.engine.log)
    # and play goes on, recording into the same journal
    resumed.act(Action("cert-a", "close", "x"))
    resumed.close()
    assert len(Journal.open(journal).commands()) == 3


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda p: p.write_text("hello", encoding="utf-8"), "not a drill journal"),
        (lambda p: _sql(p, "UPDATE meta SET value='99' WHERE key='version'"), "newer version"),
        (lambda p: _sql(p, "DROP TABLE events"), "cut short"),
        (lambda p: p.write_bytes(p.read_bytes()[:100]), "not a drill journal"),
    ],
)
def test_bad_journals_give_a_clean_error(tmp_path, loaded, damage, words):
    path = tmp_path / "bad.journal.sqlite"
    DrillSession.start(loaded, journal_path=path).close()
    damage(path)
    with pytest.raises(JournalError, match=words):
        DrillSession.resume(path)


def _sql(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


def test_journals_are_listed(tmp_path, loaded, monkeypatch):
    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path))
    s = DrillSession.start(loaded)
    s.advance_to(90)
    s.close()
    (tmp_path / "journals" / "junk.journal.sqlite").write_text("x", encoding="utf-8")
    rows = list_journals()
    good = [r for r in rows if not isinstance(r, tuple)]
    assert [(r.scenario, r.drill_time) for r in good] == [("hand", 90)]
    assert [r[1] for r in rows if isinstance(r, tuple)] == ["not a drill journal (not an SQLite file)"]


def test_drill_clock_follows_the_wall_clock():
    wall = [100.0]
    clock = DrillClock(speed=60, now=lambda: wall[0])
    assert clock.drill_time() == 0  # starts paused
    clock.resume()
    wall[0] += 30  # 30 wall seconds at 60x: 30 drill minutes
    assert clock.drill_time() == 30
    clock.set_speed(600)
    wall[0] += 6
    assert clock.drill_time() == 90
    clock.pause()
    wall[0] += 100
    assert clock.drill_time() == 90
    clock.jump_to(240)
    assert clock.drill_time() == 240


def test_participants_see_only_what_their_role_received(scenario_data, load):
    scenario_data["injects"][0]["tlp"] = "RED"
    scenario_data["injects"][0]["text"] = "victim list"
    scenario_data["injects"].append(
        {"id": "2", "at": "T+01:30", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "For B", "incident": {"id": "x"}})
    loaded = load(scenario_data)
    s = DrillSession.start(loaded, record=False)
    state = DrillState(loaded.scenario)
    for e in s.engine.log:
        state.apply(e)
    s.listen(state.apply)
    s.advance_to(400)
    a_refs = [i.ref for i in state.inbox["cert-a"]]
    assert a_refs[0] == "inject:1" and "inject:2" not in a_refs
    b_refs = [i.ref for i in state.inbox["cert-b"]]
    assert "inject:1" not in b_refs and "inject:2" in b_refs
    assert all(i.tlp != "RED" for i in state.inbox["cert-b"])
    assert state.msel["1"].status == "delivered"
    assert state.unread("cert-a") == 0


def test_session_meta_is_json(tmp_path, loaded):
    path = tmp_path / "m.journal.sqlite"
    s = DrillSession.start(loaded, seed=4, human=["cert-b"], journal_path=path, speed=120)
    s.advance_to(90)
    s.close()
    conn = sqlite3.connect(path)
    meta = {key: json.loads(value) for key, value in conn.execute("SELECT key, value FROM meta")}
    conn.close()
    assert (meta["format"], meta["scenario_id"], meta["title"]) == (
        "acid-drill-journal", "hand", "Hand-computable drill")
    assert (meta["seed"], meta["human"], meta["speed"], meta["progress"]) == (4, ["cert-b"], 120, 90)
    assert meta["finished"] is False and meta["scenario_path"] == str(loaded.path)
    assert len(meta["journal_id"]) == 32 and meta["created"][:2] == "20"
    assert os.stat(path).st_mode & 0o777 == 0o600  # a private file, like all the drill writes


def test_resuming_keeps_the_speed(tmp_path, loaded):
    path = tmp_path / "speed.journal.sqlite"
    s = DrillSession.start(loaded, journal_path=path, speed=240)
    s.advance_to(30)
    s.close()
    resumed = DrillSession.resume(path)
    assert resumed.speed == 240
    resumed.set_speed(15)  # changed during play
    resumed.close()
    assert DrillSession.resume(path).speed == 15


def test_a_journal_without_a_speed_resumes_at_the_default(tmp_path, loaded):
    path = tmp_path / "old.journal.sqlite"
    DrillSession.start(loaded, journal_path=path, speed=240).close()
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM meta WHERE key='speed'")
    conn.commit()
    conn.close()
    assert DrillSession.resume(path).speed == 60


def test_drill_play_resumes_at_the_speed_it_ran_at(tmp_path, monkeypatch):
    import tui.app
    from sim.cli import main

    seen: list[float] = []

    def run(app, *a, **k):
        seen.append(app.clock.speed)
        app.clock.set_speed(seen[0] * 2)  # the facilitator speeds up the clock

    monkeypatch.setattr(tui.app.DrillApp, "run", run)
    path = tmp_path / "p.journal.sqlite"
    assert main(["play", "tutorial", "--speed", "120", "--journal", str(path)]) == 0
    assert main(["play", "--resume", str(path)]) == 0
    assert main(["play", "--resume", str(path), "--speed", "30"]) == 0
    assert seen == [120, 240, 30]


def test_drill_play_names_the_journal_on_exit(tmp_path, monkeypatch, capsys):
    import tui.app
    from sim.cli import main

    monkeypatch.setattr(tui.app.DrillApp, "run", lambda self, *a, **k: None)
    path = tmp_path / "e.journal.sqlite"
    assert main(["play", "tutorial", "--journal", str(path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"journal: {path}", f"journal: {path}",
                   f"carry on with: drill play --resume {path}"]
