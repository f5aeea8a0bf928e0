"""Live-drill journals under stress: one writer, read-only files, damaged and forged rows,
lossless scenarios, private files, crashes at random moments, and reports that carry
the drill's TLP label and never pass markup through."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import one_error_line, sql
from test_session import loaded as session_drill
from test_session import play  # the same short drill as the session tests

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.aar import md, render_html, render_json, render_markdown, render_text
from sim.analysis.metrics import compute
from sim.analysis.report import drill_tlp
from sim.analysis.report import render_text as escalation_text
from sim.analysis.review import load_review
from sim.cli import EXIT_CANNOT_RUN, EXIT_INVALID, main
from sim.engine import Action, Engine
from sim.engine.events import log_to_jsonl
from sim.runs import session as sessions
from sim.runs.session import DrillSession, Journal, JournalBusy, JournalError, list_journals

loaded = session_drill  # the fixture, under the name the tests here ask for
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def journal(tmp_path, loaded) -> Path:
    """A closed journal of a short drill: two commands, a few dozen events."""
    path = tmp_path / "d.journal.sqlite"
    s = DrillSession.start(loaded, seed=3, human=["cert-a"], journal_path=path)
    play(s)
    s.close()
    return path


def rechain(path: Path) -> None:
    """Recompute every checksum after an edit: what a bug, or a careful forger, would do."""
    conn = sqlite3.connect(path)
    try:
        meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
        origin, head = meta["journal_id"], {}
        for table, columns in sessions._COLUMNS.items():
            prev, n = origin, 0
            for row in conn.execute(f"SELECT {columns} FROM {table} ORDER BY seq").fetchall():
                chain = sessions._link(prev, table, (*row, origin))
                conn.execute(f"UPDATE {table} SET origin=?, chain=? WHERE seq=?",
                             (origin, chain, row[0]))
                prev, n = chain, n + 1
            head[table] = [n, prev]
        conn.execute("UPDATE meta SET value=? WHERE key='head'", (json.dumps(head),))
        conn.commit()
    finally:
        conn.close()


def n_events(path: Path) -> int:
    conn = sqlite3.connect(path)
    n = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    conn.close()
    return n


# --- one writer per journal -----------------------------------------------------------


def test_a_second_writer_is_refused_naming_the_holder(journal, loaded):
    first = DrillSession.resume(journal)
    holder = f"process {os.getpid()} on {socket.gethostname()} (since "
    with pytest.raises(JournalBusy) as second:
        DrillSession.resume(journal)
    assert str(second.value).startswith(f"{journal}: the journal is in use by {holder}")
    with pytest.raises(JournalBusy, match="in use by process"):
        DrillSession.start(loaded, journal_path=journal)
    lock = journal.with_name(journal.name + ".lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    # the first writer's actions are all kept
    first.advance_to(400)
    first.close()
    assert not lock.exists()
    again = DrillSession.resume(journal)
    assert again.now == 400
    again.close()


HOLD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from sim.runs.session import DrillSession
    s = DrillSession.resume({journal!r})
    s.advance_to(300)
    print("holding", flush=True)
    time.sleep(60)
    """
)


def test_a_live_drill_refuses_other_writers_but_not_readers(journal, capsys):
    proc = subprocess.Popen([sys.executable, "-c", HOLD.format(root=str(ROOT), journal=str(journal))],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"
        capsys.readouterr()
        assert main(["play", "--resume", str(journal)]) == EXIT_CANNOT_RUN
        line = one_error_line(capsys)
        assert line.startswith(f"{journal}: the journal is in use by process {proc.pid} on "
                               f"{socket.gethostname()} (since ")
        assert main(["run", "--journal", str(journal)]) == EXIT_CANNOT_RUN
        assert f"in use by process {proc.pid}" in one_error_line(capsys)
        # reading goes on while the drill is live, and sees what it has written
        assert main(["report", str(journal), "--runs", "0", "--format", "json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["metrics"]["events"] == n_events(journal)
        _review, j = load_review(journal)
        j.close()
    finally:
        proc.kill()
        proc.wait()
    # killed with the lock held: the lock goes with the process
    resumed = DrillSession.resume(journal)
    assert resumed.now == 300
    resumed.close()


# --- read-only journals ---------------------------------------------------------------


@contextlib.contextmanager
def read_only(path: Path):
    if os.geteuid() == 0:  # root writes through file modes: make the file immutable instead
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
            pytest.skip("cannot make a file read-only for root here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        os.chmod(path, 0o400)
        try:
            yield
        finally:
            os.chmod(path, 0o600)


def test_a_read_only_journal_is_refused_up_front_and_still_read(journal, capsys):
    with read_only(journal):
        with pytest.raises(JournalError) as exc:
            DrillSession.resume(journal)
        assert str(exc.value) == (
            f"{journal}: the journal is read-only, so the drill cannot carry on in it "
            "(drill review and drill report can still read it; copy it to resume)")
        capsys.readouterr()
        assert main(["play", "--resume", str(journal)]) == EXIT_INVALID
        assert "is read-only" in one_error_line(capsys)
        assert main(["report", str(journal), "--runs", "0"]) == 0
        assert "# After-action report" in capsys.readouterr().out
        _review, j = load_review(journal)
        assert not j.writable
        with pytest.raises(JournalError, match="read-only; the rating is not saved"):
            j.set_rating("E1", "P", "")
        j.close()
    # the lock of the refused attempt did not stay behind
    DrillSession.resume(journal).close()


# --- damaged and forged journals ---------------------------------------------------------


def _foreign(tmp_path: Path, loaded) -> Path:
    other = tmp_path / "other.journal.sqlite"
    s = DrillSession.start(loaded, seed=9, human=["cert-a"], journal_path=other)
    play(s)
    s.advance_to(2000)
    s.close()
    return other


DAMAGE = {
    "one event deleted": (
        lambda p, o: sql(p, "DELETE FROM events WHERE seq=5"),
        "event 5 is missing (rows were deleted)"),
    "events deleted": (
        lambda p, o: sql(p, "DELETE FROM events WHERE seq BETWEEN 5 AND 7"),
        "events 5 to 7 are missing (rows were deleted)"),
    "last events deleted": (
        lambda p, o: sql(p, f"DELETE FROM events WHERE seq >= {n_events(p) - 2}"),
        "its last 2 events were deleted ({n} were recorded, {n2} are left)"),
    "every event deleted": (
        lambda p, o: sql(p, "DELETE FROM events"),
        "all {n} recorded events were deleted"),
    "a command deleted": (
        lambda p, o: sql(p, "DELETE FROM commands WHERE seq=1"),
        "command 1 is missing (rows were deleted)"),
    "the last command deleted": (
        lambda p, o: sql(p, "DELETE FROM commands WHERE seq=2"),
        "its last command was deleted (2 were recorded, 1 is left)"),
    "an event edited": (
        lambda p, o: sql(p, "UPDATE events SET drill_time = drill_time + 1 WHERE seq=6"),
        "event 6 was changed after it was recorded"),
    "a command edited": (
        lambda p, o: sql(p, "UPDATE commands SET payload = replace(payload, 'GREEN', 'CLEAR') "
                            "WHERE seq=2"),
        "command 2 was changed after it was recorded"),
    "an event from another journal": (
        lambda p, o: sql(p, f"ATTACH '{o}' AS o", "DELETE FROM events WHERE seq=5",
                         "INSERT INTO events SELECT * FROM o.events WHERE seq=5"),
        "event 5 comes from another journal"),
    "events of another journal appended": (
        lambda p, o: sql(p, f"ATTACH '{o}' AS o",
                         f"INSERT INTO events SELECT seq + {n_events(p)}, wall, drill_time, type, "
                         "actor, incident, details, origin, chain FROM o.events"),
        "event {n} comes from another journal"),
    "an event added": (
        lambda p, o: sql(p, "INSERT INTO events SELECT seq + 1, wall, drill_time, type, actor, "
                            "incident, details, origin, chain FROM events "
                            "WHERE seq = (SELECT max(seq) FROM events)"),
        "event {n} was added after the journal was last written"),
    "the scenario edited": (
        lambda p, o: sql(p, "UPDATE meta SET value = replace(value, '\"5m\"', '\"1m\"') "
                            "WHERE key='scenario'"),
        "its header (the scenario, seed or roles) was changed after it was recorded"),
    "the seed edited": (
        lambda p, o: sql(p, "UPDATE meta SET value='4' WHERE key='seed'"),
        "its header (the scenario, seed or roles) was changed after it was recorded"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damage_is_named_by_resume_report_and_review(tmp_path, loaded, journal, capsys, damage):
    do, words = DAMAGE[damage]
    n = n_events(journal)
    do(journal, _foreign(tmp_path, loaded))
    expected = f"{journal}: the journal is damaged: " + words.format(n=n, n2=n - 2)
    with pytest.raises(JournalError) as exc:
        DrillSession.resume(journal)
    assert str(exc.value) == expected
    with pytest.raises(JournalError) as exc:
        load_review(journal)
    assert str(exc.value) == expected
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "0"]) == EXIT_INVALID
    assert one_error_line(capsys) == expected
    assert main(["play", "--resume", str(journal)]) == EXIT_INVALID
    assert one_error_line(capsys) == expected


BAD_COMMANDS = [
    ("act", "not json", "command 3 has a payload that is not valid JSON"),
    ("act", "[1, 2]", "command 3 has a payload that is not a JSON object"),
    ("fire_inject", '{"id": 5}', "command 3 (fire_inject) cannot be replayed: "),
    ("fire_inject", "{}", "command 3 (fire_inject) cannot be replayed: missing 'id'"),
    ("act", '{"actor": "cert-a", "verb": "close", "incident": "x", "targets": 5}',
     "command 3 (act) cannot be replayed: targets must be a list"),
    ("act", '{"bogus": 1}', "command 3 (act) cannot be replayed: "),
    ("delay_inject", '{"id": "1", "minutes": "soon"}',
     "command 3 (delay_inject) cannot be replayed: minutes must be a finite number"),
    ("add_inject", '{"inject": {}}', "command 3 (add_inject) cannot be replayed: "),
    ("set_human", '{"actor": "cert-a", "human": "yes"}',
     "command 3 (set_human) cannot be replayed: human must be true or false"),
    ("explode", "{}", "command 3 (explode) cannot be replayed: unknown command 'explode'"),
]


def append_command(path: Path, kind: str, payload: str, t: float = 200.0) -> None:
    """A command row with valid checksums but a payload the drill never produced."""
    j = Journal.open_for_writing(path)
    (row,), head = j._chain("commands", [
        (j._head["commands"][0] + 1, 1.0, t, "facilitator", kind, payload)])
    j.conn.execute("INSERT INTO commands VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
    j._written("commands", head)
    j.commit()
    j.close()


@pytest.mark.parametrize(("kind", "payload", "words"), BAD_COMMANDS)
def test_bad_command_payloads_give_one_line_naming_the_row(journal, capsys, kind, payload, words):
    append_command(journal, kind, payload)
    with pytest.raises(JournalError) as exc:
        DrillSession.resume(journal)
    message = str(exc.value)
    assert message.startswith(f"{journal}: ") and words in message and "\n" not in message
    capsys.readouterr()
    assert main(["play", "--resume", str(journal)]) == EXIT_INVALID
    assert one_error_line(capsys) == message


def _event_seq(path: Path, type_: str) -> int:
    conn = sqlite3.connect(path)
    seq = conn.execute("SELECT min(seq) FROM events WHERE type=?", (type_,)).fetchone()[0]
    conn.close()
    return seq


def test_an_event_with_empty_details_is_named_not_raised(journal, capsys):
    seq = _event_seq(journal, "inject_delivered")
    sql(journal, f"UPDATE events SET details='{{}}' WHERE seq={seq}")
    rechain(journal)  # checksums that match: only the content tells
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "0"]) == EXIT_INVALID
    assert one_error_line(capsys) == (
        f"{journal}: the journal is damaged: event {seq} (inject_delivered) lacks details "
        "such an event always has")
    with pytest.raises(JournalError) as exc:
        DrillSession.resume(journal)
    assert str(exc.value) == (
        f"{journal}: replaying the journal does not give its event {seq} (inject_delivered): "
        "it was written by another build of this version, or edited and its checksums made "
        "to match")


def test_another_version_of_the_engine_is_named(journal):
    sql(journal, "UPDATE events SET details=replace(details, '\"GREEN\"', '\"CLEAR\"')")
    conn = sqlite3.connect(journal)
    meta = {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    meta["written_by"] = "0.0.1"
    conn.execute("UPDATE meta SET value=? WHERE key='written_by'", (json.dumps("0.0.1"),))
    conn.execute("UPDATE meta SET value=? WHERE key='header'",
                 (json.dumps(sessions._header_sum(meta)),))
    conn.commit()
    conn.close()
    rechain(journal)
    with pytest.raises(JournalError, match=r"written by acid-drill 0\.0\.1, which plays drills "
                                           r"differently from this version"):
        DrillSession.resume(journal)


def to_version_1(path: Path) -> None:
    """The journal as the first journal format wrote it: no checksums."""
    sql(path, "ALTER TABLE events DROP COLUMN origin", "ALTER TABLE events DROP COLUMN chain",
        "ALTER TABLE commands DROP COLUMN origin", "ALTER TABLE commands DROP COLUMN chain",
        "DELETE FROM meta WHERE key IN ('journal_id', 'header', 'head', 'written_by')",
        "UPDATE meta SET value='1' WHERE key='version'")


def test_version_1_journals_are_still_read_and_resumed(journal, capsys):
    to_version_1(journal)
    assert main(["report", str(journal), "--runs", "0"]) == 0
    s = DrillSession.resume(journal)
    assert s.now == 200
    s.act(Action("cert-a", "close", "x"))
    s.close()
    assert [c.seq for c in Journal.open(journal).commands()] == [1, 2, 3]


def test_version_1_journals_name_deleted_and_damaged_rows(journal, capsys):
    to_version_1(journal)
    seq = _event_seq(journal, "inject_delivered")
    sql(journal, f"UPDATE events SET details='{{}}' WHERE seq={seq}")
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "0"]) == EXIT_INVALID
    assert one_error_line(capsys) == (
        f"{journal}: the journal is damaged: event {seq} (inject_delivered) lacks details "
        "such an event always has")
    with pytest.raises(JournalError, match="the journal was edited, or written by a different "
                                           "version of acid-drill"):
        DrillSession.resume(journal)
    sql(journal, "DELETE FROM events WHERE seq=3")
    with pytest.raises(JournalError, match="event 3 is missing"):
        DrillSession.resume(journal)


def test_damaged_header_values_give_one_line(journal):
    to_version_1(journal)  # no header checksum: every value is checked on its own
    for key, value, words in [("progress", '"soon"', "no valid progress"),
                              ("seed", '"x"', "no seed"),
                              ("human", '["nobody"]', "roles are not the scenario's actors"),
                              ("scenario", '{"drill": 5}', "the journal's scenario is damaged")]:
        conn = sqlite3.connect(journal)
        old = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()[0]
        conn.execute("UPDATE meta SET value=? WHERE key=?", (value, key))
        conn.commit()
        with pytest.raises(JournalError, match=words) as exc:
            DrillSession.resume(journal)
        assert "\n" not in str(exc.value)
        conn.execute("UPDATE meta SET value=? WHERE key=?", (old, key))
        conn.commit()
        conn.close()
    assert list_journals(journal.parent)[0].path == journal


# --- the scenario is stored losslessly ----------------------------------------------------


@pytest.mark.parametrize("latency", ["10s", "7s", "1h0m10s"])
def test_second_level_durations_resume_exactly(tmp_path, scenario_data, load, latency):
    scenario_data["channels"]["email"]["latency"] = latency
    loaded = load(scenario_data)
    path = tmp_path / "s.journal.sqlite"
    s = DrillSession.start(loaded, seed=1, journal_path=path)
    s.advance_to(500)
    s.close()
    resumed = DrillSession.resume(path)
    assert resumed.scenario.model_dump() == loaded.scenario.model_dump()
    resumed.advance_to(2880)
    resumed.close()
    reference = Engine(loaded, seed=1).run()
    assert log_to_jsonl(Journal.open(path).events()) == log_to_jsonl(reference)


# --- private files -------------------------------------------------------------------------


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_journals_and_their_side_files_are_private(tmp_path, loaded, open_umask):
    path = tmp_path / "new" / "deeper" / "d.journal.sqlite"
    s = DrillSession.start(loaded, human=["cert-a"], journal_path=path)
    play(s)
    live = {p.name: mode(p) for p in path.parent.iterdir()}
    assert live == {"d.journal.sqlite": 0o600, "d.journal.sqlite-wal": 0o600,
                    "d.journal.sqlite-shm": 0o600, "d.journal.sqlite.lock": 0o600}
    assert mode(path.parent) == mode(path.parent.parent) == 0o700
    s.close()


def test_event_logs_reports_and_skeletons_are_private(tmp_path, journal, open_umask,
                                                      monkeypatch, capsys):
    events = tmp_path / "logs" / "e.jsonl"
    assert main(["run", "tutorial", "--events", str(events)]) == 0
    report = tmp_path / "reports" / "aar.html"
    assert main(["report", str(journal), "--runs", "0", "-o", str(report)]) == 0
    monkeypatch.chdir(tmp_path)
    assert main(["new", "drafts/my-drill"]) == 0
    for path in (events, report, tmp_path / "drafts" / "my-drill.yaml"):
        assert mode(path) == 0o600, path
        assert mode(path.parent) == 0o700, path.parent


# --- the TLP label and untrusted text in reports ----------------------------------------------


def test_drill_tlp_is_the_most_restrictive_label(scenario_data, load):
    assert drill_tlp(load(scenario_data).scenario) == "AMBER"  # the file's default label
    scenario_data["drill"]["tlp"] = "CLEAR"
    scenario_data["injects"][0]["tlp"] = "CLEAR"
    scenario_data["injects"][0]["facts_tlp"] = "CLEAR"
    sc = load(scenario_data).scenario
    assert drill_tlp(sc) == "CLEAR"
    scenario_data["injects"][0]["tlp"] = "GREEN"  # its facts stay CLEAR
    assert drill_tlp(load(scenario_data).scenario) == "GREEN"
    scenario_data["injects"][0]["tlp"] = "amber+strict"
    assert drill_tlp(load(scenario_data).scenario) == "AMBER+STRICT"
    # an inject added during the drill counts too
    log = Engine(load(scenario_data)).run()
    red = next(e for e in log if e.type == "inject_delivered")
    forged = type(red)(red.seq, red.time, red.type, red.actor, red.incident,
                       {**red.details, "tlp": "RED"})
    assert drill_tlp(sc, [forged]) == "RED"


HOSTILE_TITLE = "Phish [/x] <b>report</b> | TLP [RED] \x1b[31m"
HOSTILE_NAME = "<script>alert(1)</script> `rm` *CERT*"


@pytest.fixture
def hostile_journal(tmp_path, scenario_data, load):
    scenario_data["drill"]["title"] = HOSTILE_TITLE
    scenario_data["drill"]["tlp"] = "RED"
    scenario_data["drill"]["description"] = "# not a heading\n<img src=x onerror=alert(1)>"
    scenario_data["actors"]["cert-a"]["name"] = HOSTILE_NAME
    scenario_data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "escalate", "target": "council",
         "incident": "x", "within": "2h", "score": 4,
         "description": "[click](javascript:alert(1)) | <i>now</i>"}]
    path = tmp_path / "h.journal.sqlite"
    s = DrillSession.start(load(scenario_data), journal_path=path)
    s.advance_to(2880)
    s.close()
    j = Journal.open(path)
    j.set_rating("E1", "<img src=x onerror=alert(2)>", "Note with <b>bold</b> | pipe & [link](x)")
    j.close()
    return path


def test_html_report_escapes_every_untrusted_string(hostile_journal, tmp_path):
    out = tmp_path / "aar.html"
    assert main(["report", str(hostile_journal), "--runs", "0", "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    for raw in ("<script", "<img", "<b>bold", "<b>report", "<i>", "\x1b"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html  # the rating column
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\\x1b[31m" in html
    assert html.index("TLP:RED") < html.index("<h1>")


def test_markdown_report_passes_no_markup_through(hostile_journal, capsys):
    capsys.readouterr()
    assert main(["report", str(hostile_journal), "--runs", "0", "--format", "md"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("**TLP:RED**\n")
    for raw in ("<script", "<img", "<b>", "<i>", "\x1b", "\n# not a heading"):
        assert raw not in text
    assert not re.search(r"(?<!\\)\]\(", text)  # no link survives
    assert "&lt;img src=x onerror=alert(2)&gt;" in text
    assert "\\[click\\](javascript:alert(1)) \\| &lt;i&gt;now&lt;/i&gt;" in text
    # every table row still has its columns: pipes in names and notes are escaped
    [row] = [line for line in text.splitlines() if line.startswith("| E1 |")]
    assert row.replace("\\|", "").count("|") == 7


def test_stage_names_from_the_scenario_are_shown_as_plain_text(tmp_path, scenario_data, load):
    from conftest import police

    scenario_data["actors"]["police-sg"] = police()  # the referral is a stage of this drill
    # the scenario names the stages of the timing tables (drill.names)
    scenario_data["drill"]["names"] = {
        "police_referral": "CERT \u202eecilop lanoitan\u202c -> police \x9b31m",
        "regional_coordinator": "R&amp;D hub ~~secretariat~~ >now"}
    path = tmp_path / "n.journal.sqlite"
    s = DrillSession.start(load(scenario_data), journal_path=path)
    s.advance_to(2880)
    s.close()
    written = {}
    for fmt in ("text", "md"):
        out = tmp_path / f"report.{fmt}"
        assert main(["report", str(path), "--runs", "0", "--format", fmt, "-o", str(out)]) == 0
        written[fmt] = out.read_text(encoding="utf-8")
    text, markdown = written["text"], written["md"]
    for raw in ("\u202e", "\u202c", "\x9b"):
        assert raw not in text and raw not in markdown
    # plain text: controls shown as escapes; Markdown: no markup either
    assert "CERT \\u202eecilop lanoitan\\u202c -> police \\x9b31m" in text
    assert ">now" not in markdown and "~~" not in markdown
    assert "| Law enforcement: CERT \\\\u202eecilop lanoitan\\\\u202c -&gt; police" in markdown
    assert "| R&amp;amp;D hub \\~\\~secretariat\\~\\~ &gt;now reached |" in markdown


def test_markdown_escaping_reads_well():
    assert md("Police & CERT: 24/7 (on call)") == "Police & CERT: 24/7 (on call)"
    assert md("acid_botnet E_1") == "acid_botnet E_1"
    assert md("_em_ *strong* `code`") == "\\_em\\_ \\*strong\\* \\`code\\`"
    assert md("&lt; stays as typed") == "&amp;lt; stays as typed"
    assert md("# one\n1. two") == "\\# one 1. two"
    assert md("- a\n1. b\n+ c", inline=False) == "\\- a\n1\\. b\n\\+ c"


def test_json_and_text_reports_carry_the_label(hostile_journal):
    review, j = load_review(hostile_journal, readonly=True)
    j.close()
    doc = json.loads(render_json(review))
    assert doc["tlp"] == "RED" and doc["ratings"][0]["rating"] == "<img src=x onerror=alert(2)>"
    text = render_text(review)
    assert text.splitlines()[0].endswith("TLP:RED") and "\x1b" not in text
    assert "\\x1b[31m" in text
    assert render_markdown(review).startswith("**TLP:RED**")
    assert "TLP:RED" in render_html(review).split("<h1>")[0]


def test_run_report_shows_the_label_and_no_terminal_controls(scenario_data, load, capsys):
    scenario_data["actors"]["cert-a"]["name"] = "CERT \x1b]0;owned\x07 A"
    loaded = load(scenario_data)
    text = escalation_text(compute(Engine(loaded).run()), tlp="AMBER")
    assert text.splitlines()[0].endswith("TLP:AMBER")
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]0;owned\\x07" in text
    assert main(["run", str(loaded.path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tlp"] == "AMBER"


# --- the report format follows the file name --------------------------------------------------


@pytest.mark.parametrize(("name", "check"), [
    ("aar.html", lambda t: t.startswith("<!DOCTYPE html>")),
    ("aar.HTM", lambda t: t.startswith("<!DOCTYPE html>")),
    ("aar.md", lambda t: t.startswith("**TLP:")),
    ("aar.json", lambda t: json.loads(t)["format"] == "acid-drill-aar"),
    ("aar.txt", lambda t: "Improvement plan" in t and not t.startswith("**")),
])
def test_report_format_is_inferred_from_the_suffix(journal, tmp_path, name, check):
    out = tmp_path / name
    assert main(["report", str(journal), "--runs", "0", "-o", str(out)]) == 0
    assert check(out.read_text(encoding="utf-8"))


def test_explicit_format_wins_and_unknown_suffix_is_refused(journal, tmp_path, capsys):
    out = tmp_path / "aar.html"
    assert main(["report", str(journal), "--runs", "0", "-o", str(out), "--format", "md"]) == 0
    assert out.read_text(encoding="utf-8").startswith("**TLP:")
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "0", "-o", str(tmp_path / "aar.pdf")]) == 2
    assert "cannot tell the format from" in one_error_line(capsys)
    assert not (tmp_path / "aar.pdf").exists()


# --- the command line around journals -------------------------------------------------------


@pytest.mark.parametrize("speed", ["0", "-5", "nan", "inf"])
def test_bad_speed_is_refused_before_a_journal_is_created(tmp_path, capsys, speed):
    path = tmp_path / "never.journal.sqlite"
    assert main(["play", "tutorial", "--speed", speed, "--journal", str(path)]) == EXIT_INVALID
    assert one_error_line(capsys) == "--speed must be a positive number"
    assert not path.exists() and not list(tmp_path.iterdir())


def test_the_path_is_known_after_closing(tmp_path, loaded):
    s = DrillSession.start(loaded, journal_path=tmp_path / "p.journal.sqlite")
    s.close()
    assert s.path == tmp_path / "p.journal.sqlite"


def test_journals_are_listed_most_recently_written_first(tmp_path, loaded, capsys):
    old, new = tmp_path / "a.journal.sqlite", tmp_path / "b.journal.sqlite"
    for p in (new, old):
        DrillSession.start(loaded, journal_path=p).close()
    os.utime(old, (time.time() + 100, time.time() + 100))
    capsys.readouterr()
    assert main(["journals", "--dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert [line.split("\t")[0] for line in captured.out.splitlines()] == [str(old), str(new)]
    assert "most recently written first" in captured.err


# --- crashes at random moments ---------------------------------------------------------------

PLAN = [("advance", t) for t in range(5, 75, 5)] + [
    ("act", Action("cert-a", "acknowledge", "x")), ("advance", 80),
    ("act", Action("cert-a", "escalate", "x", targets=("council",), channel="email", tlp="GREEN")),
    *[("advance", t) for t in range(90, 600, 10)],
    ("act", Action("cert-a", "close", "x")),
    *[("advance", t) for t in range(600, 2900, 40)],
]


def follow(session: DrillSession, done_commands: int = 0) -> None:
    """Carry out PLAN, skipping the actions already recorded."""
    acted = 0
    for kind, arg in PLAN:
        if kind == "advance":
            session.advance_to(arg)
            continue
        if acted >= done_commands:
            session.act(arg)
        acted += 1


DRIVEN = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from scenarios import load_scenario
    from sim.runs.session import DrillSession
    import test_journal_hardening as t
    s = DrillSession.start(load_scenario({scenario!r}), seed=4, human=["cert-a"],
                           journal_path={journal!r})
    for i, step in enumerate(t.PLAN):
        if step[0] == "advance":
            s.advance_to(step[1])
        else:
            s.act(step[1])
        print(i, flush=True)
        time.sleep(0.002)
    print("done", flush=True)
    time.sleep(60)
    """
)


def test_a_drill_killed_at_random_moments_resumes_to_the_same_log(tmp_path, loaded):
    reference = DrillSession.start(loaded, seed=4, human=["cert-a"], record=False)
    follow(reference)
    expected = log_to_jsonl(reference.engine.log)
    rng = random.Random(20260819)
    for attempt in range(2):
        path = tmp_path / f"k{attempt}.journal.sqlite"
        script = DRIVEN.format(root=str(ROOT), tests=str(ROOT / "tests"),
                               scenario=str(loaded.path), journal=str(path))
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(rng.randrange(1, len(PLAN))):
            if not proc.stdout.readline():
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        resumed = DrillSession.resume(path)
        follow(resumed, len(resumed.journal.commands()))
        resumed.close()
        assert log_to_jsonl(Journal.open(path, readonly=True).events()) == expected, attempt


def test_a_recorded_run_killed_at_random_moments_is_never_unresumable(tmp_path):
    loaded = load_scenario(resolve_scenario_arg("tutorial"))
    expected = log_to_jsonl(Engine(loaded, seed=2).run())
    rng = random.Random(7)
    resumed = 0
    for attempt in range(3):
        path = tmp_path / f"r{attempt}.journal.sqlite"
        proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "run", "tutorial", "--seed", "2",
                                 "--journal", str(path)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        # from the moment the lock is taken (just before the journal is made): the
        # journal being made, the run, the closing; the last attempt once it exists
        wait_for = path if attempt == 2 else path.with_name(path.name + ".lock")
        deadline = time.monotonic() + 20
        while not wait_for.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.15) if attempt < 2 else 0)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not path.exists():  # killed before the journal was complete: nothing to resume
            assert not [p for p in tmp_path.iterdir() if p.name.startswith(path.name)
                        and not p.name.endswith(".lock")]
            continue
        s = DrillSession.resume(path)
        s.advance_to(loaded.scenario.drill.duration)
        s.close()
        assert log_to_jsonl(Journal.open(path, readonly=True).events()) == expected
        resumed += 1
    assert resumed >= 1


# --- damaged at random: never a traceback -------------------------------------------------

FUZZ_CASES = int(os.environ.get("ACID_DRILL_FUZZ_CASES", "100"))


def _mutate(rng: random.Random, data: bytes, path: Path) -> str:
    """Damage a copy of a journal one way or another; says how."""
    how = rng.choice(["flip", "cut", "value", "value, checksums redone", "version 1 value"])
    if how == "flip":
        raw = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        path.write_bytes(bytes(raw))
        return how
    if how == "cut":
        path.write_bytes(data[:rng.randrange(len(data))])
        return how
    path.write_bytes(data)
    if how == "version 1 value":
        to_version_1(path)
    table = rng.choice(["events", "commands", "meta"])
    column = rng.choice({"events": ["details", "type", "drill_time", "actor", "incident", "seq"],
                         "commands": ["payload", "kind", "drill_time", "who", "seq"],
                         "meta": ["value"]}[table])
    value = rng.choice(["'{}'", "'[]'", "NULL", "'x'", "1e308", "-1", "'{\"a\": 1}'", "X'00ff'",
                        "'null'", "'\"\\u001b[2J\"'"])
    with contextlib.suppress(sqlite3.Error):
        sql(path, f"UPDATE {table} SET {column}={value} WHERE rowid IN "
                  f"(SELECT rowid FROM {table} ORDER BY random() LIMIT {rng.randint(1, 3)})")
    if how == "value, checksums redone":
        with contextlib.suppress(Exception):
            rechain(path)
    return f"{how}: {table}.{column} = {value}"


def test_damaged_journals_never_give_a_traceback(journal, tmp_path, capsys, monkeypatch):
    import tui.app

    monkeypatch.setattr(tui.app.DrillApp, "run", lambda self, *a, **k: None)
    s = DrillSession.resume(journal)
    s.set_human("cert-b", True)  # a third kind of command to damage
    s.close()
    data = journal.read_bytes()
    rng = random.Random(int(os.environ.get("ACID_DRILL_FUZZ_SEED", "0")))
    for case in range(FUZZ_CASES):
        path = tmp_path / f"f{case}.journal.sqlite"
        how = _mutate(rng, data, path)
        for argv in (["report", str(path), "--runs", "0"], ["play", "--resume", str(path)]):
            capsys.readouterr()
            rc = main(argv)
            err = capsys.readouterr().err
            assert rc in (0, EXIT_INVALID, EXIT_CANNOT_RUN), (case, how, argv[0])
            if rc:
                assert len(err.strip().splitlines()) == 1, (case, how, argv[0], err)
                assert err.startswith(f"{path}: ") and "\x1b" not in err, (case, how, err)
    assert main(["journals", "--dir", str(tmp_path)]) == 0
