"""A journal that stops accepting writes mid-drill (a full disk) halts the drill, and
`drill play --resume` carries on once there is room.

SQLite's ``max_page_count`` stands in for a full disk: with it set to the file's size,
a write that needs another page fails with "database or disk is full".
"""

from __future__ import annotations

import pytest

from sim.engine import Action
from sim.runs.session import DrillSession, Journal, JournalError

ROOM = 1073741823  # SQLite's largest max_page_count


def fill(session: DrillSession) -> None:
    conn = session.journal.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")


def make_room(session: DrillSession) -> None:
    session.journal.conn.execute(f"PRAGMA max_page_count={ROOM}")


def events(log) -> list[dict]:
    return [e.to_json() for e in log]


#: text long enough that writing it always needs new pages
LONG = "The botnet's command servers are listed below. " * 200


@pytest.fixture
def loaded(scenario_data, load):
    scenario_data["injects"][0]["text"] = LONG  # delivered at T+01:00
    return load(scenario_data)


def notify() -> Action:
    return Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN", text=LONG)


def reference(loaded, until: float, *, notified: bool = False) -> list[dict]:
    """The same drill played without a journal."""
    s = DrillSession.start(loaded, seed=1, human=["cert-a"], record=False)
    s.advance_to(75)
    s.act(Action("cert-a", "acknowledge", "x"))
    if notified:
        s.advance_to(80)
        s.act(notify())
    s.advance_to(until)
    return events(s.engine.log)


def test_a_failed_write_leaves_the_header_counting_only_rows_in_the_file(tmp_path, loaded):
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(loaded, seed=1, human=["cert-a"], journal_path=path)
    s.advance_to(30)
    fill(s)
    with pytest.raises(JournalError, match="full"):
        s.advance_to(75)
    conn = s.journal.conn
    rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert s.journal.events_head() is not None
    assert s.journal.events_head()[0] == rows
    make_room(s)
    s.set_speed(120)  # a commit after the failure (the speed is kept as the drill is quit)
    s.journal.conn.close()  # the machine dies before anything else is written
    s.journal._lock.release()
    resumed = DrillSession.resume(path)
    assert resumed.speed == 120
    resumed.close()


def test_resume_carries_on_once_there_is_room(tmp_path, loaded):
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(loaded, seed=1, human=["cert-a"], journal_path=path)
    s.advance_to(30)
    fill(s)
    with pytest.raises(JournalError, match="cannot write to the journal"):
        s.advance_to(75)  # the drill halts here
    make_room(s)
    s.close()  # the facilitator quits once there is room: what was held back is written
    resumed = DrillSession.resume(path)
    assert resumed.now == 75
    resumed.act(Action("cert-a", "acknowledge", "x"))
    resumed.advance_to(500)
    assert events(resumed.engine.log) == reference(loaded, 500)
    resumed.close()
    j = Journal.open(path)
    assert events(j.read().events) == reference(loaded, 500)
    j.close()


def test_a_command_whose_write_failed_is_kept_and_written_once_there_is_room(tmp_path, loaded):
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(loaded, seed=1, human=["cert-a"], journal_path=path)
    s.advance_to(75)
    s.act(Action("cert-a", "acknowledge", "x"))
    s.advance_to(80)
    fill(s)
    with pytest.raises(JournalError, match="cannot write to the journal"):
        s.act(notify())
    make_room(s)
    s.advance_to(500)
    s.close()
    j = Journal.open(path)
    assert [(c.payload["verb"], c.drill_time) for c in j.commands()] == [
        ("acknowledge", 75), ("notify", 80)]
    assert events(j.read().events) == reference(loaded, 500, notified=True)
    j.close()
    resumed = DrillSession.resume(path)
    assert events(resumed.engine.log) == reference(loaded, 500, notified=True)
    resumed.close()


def test_a_drill_quit_while_the_disk_is_still_full_resumes_at_its_last_recorded_step(
        tmp_path, loaded):
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(loaded, seed=1, human=["cert-a"], journal_path=path)
    s.advance_to(75)
    s.act(Action("cert-a", "acknowledge", "x"))
    s.advance_to(80)
    fill(s)
    with pytest.raises(JournalError):
        s.act(notify())
    s.set_speed(120)  # a small write still fits; the command and its events do not
    with pytest.raises(JournalError):
        s.close()
    resumed = DrillSession.resume(path)  # room again (a new connection has no limit)
    assert resumed.now == 80 and resumed.speed == 120
    assert [c.payload["verb"] for c in resumed.journal.commands()] == ["acknowledge"]
    resumed.advance_to(500)
    assert events(resumed.engine.log) == reference(loaded, 500)
    resumed.close()
