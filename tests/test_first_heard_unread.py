"""A team first hears of an incident when it takes an item about it in: mail that
reached a closed office waits unread, and the team hears of it once it reads it.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-b (Bangkok, one hour behind) works 09:00-17:00 local, so its office is closed
from T+09:00 to T+25:00. Acknowledging takes 10m; e-mail takes 5m.
"""

from __future__ import annotations

import json

from conftest import events_of, write

from scenarios.durations import format_drill_time
from sim.analysis.metrics import compute
from sim.cli import main
from sim.engine import Engine
from sim.runs.session import DrillSession


def _at_night_to_cert_b(data):
    """The inject reaches cert-b by e-mail at T+10:00, its office closed."""
    data["injects"][0]["at"] = "T+10:00"
    data["injects"][0]["to"] = ["cert-b"]
    return data


def _acknowledged(log, actor, ref):
    """When ``actor`` acknowledged the item ``ref``."""
    return next(e.time for e in events_of(log, "acknowledged", actor) if ref in e.details["refs"])


def test_an_inject_read_in_the_morning_is_heard_when_acknowledged(scenario_data, load, tmp_path,
                                                                   capsys):
    path = write(tmp_path, _at_night_to_cert_b(scenario_data))
    log = Engine(load(scenario_data), seed=0).run()
    [delivered] = events_of(log, "inject_delivered", "cert-b")
    read = _acknowledged(log, "cert-b", "inject:1")
    assert delivered.details["unread"] is True and read > delivered.time + 12 * 60
    [inc] = compute(log)["incidents"]
    assert inc["first_heard"]["cert-b"] == {
        "at": read, "after": read - inc["opened_at"], "from": "ctl", "via": "control"}
    # it reached cert-b all the same: reach counts deliveries, read or not
    assert "cert-b" not in inc["all_affected_certs_reached_incl_control"]["missing"]

    # the run report shows the morning, not the night
    capsys.readouterr()
    assert main(["run", str(path), "--seed", "0"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines()[out.splitlines().index(
        "    first heard (team, when, from whom)"):] if "CERT-TH" in line)
    assert format_drill_time(read) in row and format_drill_time(delivered.time) not in row


def test_a_night_e_mail_then_a_morning_call_is_heard_from_the_call(scenario_data, load):
    # cert-a, staffed around the clock, e-mails cert-b at night, then phones it: the
    # call rings once the office opens, and is taken in before the e-mail is read
    scenario_data["actors"]["cert-a"]["staffing"] = "24/7"
    scenario_data["injects"][0]["at"] = "T+10:00"
    log = Engine(load(scenario_data), seed=0).run()
    email, call = events_of(log, "message_delivered", "cert-b")
    assert (email.details["channel"], email.details.get("unread")) == ("email", True)
    assert call.details["channel"] == "phone" and "unread" not in call.details
    assert _acknowledged(log, "cert-b", email.details["msg"]) > call.time
    [inc] = compute(log)["incidents"]
    assert inc["first_heard"]["cert-b"] == {
        "at": call.time, "after": call.time - inc["opened_at"], "from": "cert-a", "via": "peer"}


def test_a_person_taking_the_role_hears_of_what_waited_unread(scenario_data, load):
    eng = Engine(load(_at_night_to_cert_b(scenario_data)), seed=0)
    eng.run_until(700)
    eng.set_human("cert-b", True)
    log = eng.run()
    [changed] = events_of(log, "role_changed", "cert-b")
    [inc] = compute(log)["incidents"]
    assert inc["first_heard"]["cert-b"]["at"] == changed.time == 700


def test_mail_still_unread_at_the_end_is_not_heard(scenario_data, load):
    scenario_data["drill"]["duration"] = "20h"  # ends before cert-b's office opens
    log = Engine(load(_at_night_to_cert_b(scenario_data)), seed=0).run()
    assert events_of(log, "inject_delivered", "cert-b")
    assert "cert-b" not in compute(log)["incidents"][0]["first_heard"]


def test_only_a_delivery_that_waits_unread_says_so(scenario_data, load):
    log = Engine(load(scenario_data), seed=0).run()  # every delivery in office hours
    deliveries = [e for e in log if e.type in ("inject_delivered", "message_delivered")]
    assert deliveries and not any("unread" in e.details for e in deliveries)


def test_a_journal_with_mail_waiting_unread_resumes(scenario_data, load, tmp_path):
    loaded = load(_at_night_to_cert_b(scenario_data))
    reference = DrillSession.start(loaded, seed=0, record=False)
    reference.advance_to(3000)
    path = tmp_path / "u.journal.sqlite"
    first = DrillSession.start(loaded, seed=0, journal_path=path)
    first.advance_to(700)  # the inject waits unread
    first.close()
    resumed = DrillSession.resume(path)
    resumed.advance_to(3000)
    log = resumed.engine.log
    assert [e.to_json() for e in log] == [e.to_json() for e in reference.engine.log]
    assert events_of(log, "inject_delivered", "cert-b")[0].details["unread"] is True
    resumed.close()


def test_the_after_action_report_shows_when_the_team_read_it(scenario_data, load, tmp_path,
                                                             capsys):
    journal = tmp_path / "r.journal.sqlite"
    session = DrillSession.start(load(_at_night_to_cert_b(scenario_data)), seed=0,
                                 journal_path=journal)
    session.advance_to(3000)
    log = list(session.engine.log)
    session.close()
    read = _acknowledged(log, "cert-b", "inject:1")
    capsys.readouterr()
    assert main(["report", str(journal), "--runs", "1", "--format", "json"]) == 0
    [inc] = json.loads(capsys.readouterr().out)["metrics"]["incidents"]
    assert inc["first_heard"]["cert-b"]["at"] == read
    assert main(["report", str(journal), "--runs", "1", "--format", "text"]) == 0
    text = capsys.readouterr().out
    row = next(line for line in text[text.index("first heard"):].splitlines()
               if "CERT-TH" in line)
    assert format_drill_time(read) in row
