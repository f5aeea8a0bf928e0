"""`password-after-end`: a protected artefact's password that the engine would send only
once the drill has ended (the inject reaches the recipient, then the password's `delay`;
a holding outage or a desk that is closed can push it later still), so nobody can open
the file. An inject set off during the drill (a contingency) is warned about only when
even its earliest time is too late."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import write

from scenarios import load_scenario
from sim.authoring.lint import lint
from sim.engine import Engine

NOTE = b"DRILL: ransom note\n"


def _protected(tmp_path, data: dict[str, Any], *, at: str, delay: str, duration: str = "8h",
               always_on: bool = True, inject: dict[str, Any] | None = None) -> Any:
    """Inject 1 (to cert-a by e-mail, at ``at``) carries note.txt, whose password goes by
    phone ``delay`` after it arrives; the drill lasts ``duration``. ``inject`` replaces
    inject 1's fields."""
    (tmp_path / "note.txt").write_bytes(NOTE)
    data["drill"]["duration"] = duration
    if always_on:
        data["actors"]["cert-a"]["staffing"] = "24/7"
    first = data["injects"][0]
    first["at"] = at
    first["artefacts"] = [{"file": "note.txt", "protected": {
        "password_via": "phone", "password": "s3cret", "delay": delay}}]
    first.update(inject or {})
    return write(tmp_path, data)


def _found(path) -> list[tuple[str, str, int, str]]:
    """(field path, code, line, message) of each password-after-end warning."""
    return [(f.path, f.code, f.mark.line if f.mark else 0, f.message)
            for f in lint(load_scenario(path)) if f.code == "password-after-end"]


def _passwords(path, actor: str = "cert-a") -> list[str]:
    """What the engine does with the actor's password: 'delivered', 'lost', or nothing."""
    return [e.type.removeprefix("password_") for e in Engine(load_scenario(path), seed=0).run()
            if e.type in ("password_delivered", "password_lost") and e.actor == actor]


def _line_of(path, text: str) -> int:
    """The 1-based line of the file where ``text`` first appears."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


CASES = {
    # name: (inject time, password delay, drill length, warns)
    "sent after the end": ("T+07:00", "2h", "8h", True),
    "sent at the very end": ("T+07:00", "1h", "8h", True),
    "sent a minute before the end": ("T+06:00", "1h59m", "8h", False),
    "a longer drill": ("T+07:00", "2h", "10h", False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_lint_warns_exactly_when_the_engine_never_sends_the_password(tmp_path, scenario_data,
                                                                      case):
    at, delay, duration, warns = CASES[case]
    path = _protected(tmp_path, scenario_data, at=at, delay=delay, duration=duration)
    assert bool(_found(path)) == warns
    assert _passwords(path) == ([] if warns else ["delivered"])


def test_the_warning_is_at_the_delay_and_says_when_the_password_would_go(tmp_path,
                                                                        scenario_data):
    path = _protected(tmp_path, scenario_data, at="T+07:00", delay="2h")
    assert _found(path) == [(
        "injects[0].artefacts[0].protected.delay", "password-after-end",
        _line_of(path, "delay: 2h"),
        "the password of note.txt is sent 2h after inject 1 reaches cert-a, at T+09:00, "
        "after the drill ends (8h): it is never sent, so the file cannot be opened")]


def test_a_password_waiting_for_someone_at_the_desk_past_the_end(tmp_path, scenario_data):
    # inject 1 reaches cert-a at 16:50 local; the password is phoned at 17:20, after
    # office hours, and waits for the next morning, T+24:00: after a 10-hour drill
    path = _protected(tmp_path, scenario_data, at="T+07:50", delay="30m", duration="10h",
                      always_on=False)
    assert _found(path) == [(
        "injects[0].artefacts[0].protected.password_via", "password-after-end",
        _line_of(path, "password_via: phone"),
        "the password of note.txt is sent to cert-a at T+08:20, but on 'phone' it waits "
        "for someone at cert-a's desk until T+1d00:00, after the drill ends (10h): it "
        "never arrives, so the file cannot be opened")]
    assert _passwords(path) == []
    # in a drill of two days it arrives the next morning
    path = _protected(tmp_path, scenario_data, at="T+07:50", delay="30m", duration="2d",
                      always_on=False)
    assert _found(path) == []
    assert _passwords(path) == ["delivered"]


def test_a_password_held_by_an_outage_past_the_end(tmp_path, scenario_data):
    scenario_data["outages"] = [{"channel": "phone", "start": "T+07:00", "end": "T+09:00",
                                 "effect": "hold"}]
    path = _protected(tmp_path, scenario_data, at="T+07:30", delay="0m")
    [(where, _, _, message)] = _found(path)
    assert where == "injects[0].artefacts[0].protected.password_via"
    assert "an outage of 'phone' holds it until T+09:00, after the drill ends (8h)" in message
    assert _passwords(path) == []


def test_a_password_lost_for_another_reason_is_left_to_the_other_checks(tmp_path,
                                                                         scenario_data):
    # an out-of-date phone contact: password-unreachable says so, this check does not
    scenario_data["actors"]["cert-a"]["contacts"]["phone"]["stale"] = True
    path = _protected(tmp_path, scenario_data, at="T+06:00", delay="30m")
    codes = [f.code for f in lint(load_scenario(path))]
    assert "password-unreachable" in codes and "password-after-end" not in codes
    # an inject that itself comes after the end: inject-after-end says so
    scenario_data["actors"]["cert-a"]["contacts"]["phone"]["stale"] = False
    path = _protected(tmp_path, scenario_data, at="T+08:30", delay="30m")
    codes = [f.code for f in lint(load_scenario(path))]
    assert "inject-after-end" in codes and "password-after-end" not in codes


def test_each_recipient_is_named_once_and_those_alike_together(tmp_path, scenario_data):
    scenario_data["actors"]["cert-b"]["staffing"] = "24/7"
    path = _protected(tmp_path, scenario_data, at="T+07:00", delay="2h",
                      inject={"to": ["cert-a", "cert-b"]})
    [(_, _, _, message)] = _found(path)
    assert "after inject 1 reaches cert-a and cert-b, at T+09:00" in message
    assert _passwords(path, "cert-b") == []


# --- an inject set off during the drill --------------------------------------------------

C1 = {"id": "C1", "type": "contingency", "delay": "5h", "sender": "ctl", "to": ["cert-a"],
      "via": "email", "tlp": "GREEN", "title": "HiCON: the file from the provider",
      "incident": {"id": "x"}}


def _contingency(tmp_path, data: dict[str, Any], delay: str, pw_delay: str) -> Any:
    """C1 fires ``delay`` after E1 is missed (E1 falls due at T+02:00, and the policy
    never closes an incident), carrying note.txt, whose password follows ``pw_delay``
    later."""
    (tmp_path / "note.txt").write_bytes(NOTE)
    data["drill"]["duration"] = "8h"
    data["actors"]["cert-a"]["staffing"] = "24/7"
    data["injects"].append({**C1, "delay": delay, "artefacts": [{
        "file": "note.txt", "protected": {"password_via": "phone", "delay": pw_delay}}]})
    data["expectations"] = [{"id": "E1", "actors": ["cert-a"], "action": "close",
                             "incident": "x", "within": "1h", "contingency": "C1"}]
    return write(tmp_path, data)


def test_a_contingency_whose_password_comes_after_the_end_at_the_earliest(tmp_path,
                                                                          scenario_data):
    # C1 goes out at T+07:00 at the earliest (E1 falls due at T+02:00, then 5h)
    path = _contingency(tmp_path, scenario_data, "5h", "1h")
    [(where, _, line, message)] = _found(path)
    assert where == "injects[1].artefacts[0].protected.delay"
    assert line == _line_of(path, "delay: 1h")
    assert message == (
        "the password of note.txt is sent 1h after inject C1 reaches a recipient, and the "
        "inject goes out at T+07:00 at the earliest, so the password goes at T+08:00 or "
        "later, after the drill ends (8h): nobody gets it")
    log = Engine(load_scenario(path), seed=0).run()
    assert [e.time for e in log if e.type == "inject_delivered"
            and e.details["inject"] == "C1"] == [420.0]
    assert not [e for e in log if e.type.startswith("password_")]


def test_a_contingency_whose_password_may_come_in_time_is_not_warned_about(tmp_path,
                                                                           scenario_data):
    # C1 goes out at T+07:00 at the earliest, its password half an hour later: in time
    path = _contingency(tmp_path, scenario_data, "5h", "30m")
    assert _found(path) == []
    assert _passwords(path) == ["delivered"]


def test_a_contingency_set_off_by_what_is_known_only_during_the_drill(tmp_path,
                                                                      scenario_data):
    # E1 is anchored on C0, an inject sent once cert-a acknowledges: when E1 falls due
    # is not known before the drill, so C1 may go out as early as its own delay
    plain = copy.deepcopy(scenario_data)
    scenario_data["injects"].append({
        "id": "C0", "after_action": {"action": "acknowledge", "by": ["cert-a"]},
        "sender": "ctl", "to": ["cert-a"], "via": "email", "tlp": "GREEN",
        "title": "HiCON: thanks", "incident": {"id": "x"}})
    path = _contingency(tmp_path, scenario_data, "6h", "1h")
    path.write_text(path.read_text().replace("within: 1h", "within: 1h\n  after: C0"))
    assert _found(path) == []  # T+06:00 at the earliest, the password by T+07:00: maybe
    path.write_text(path.read_text().replace("delay: 6h", "delay: 7h"))
    [(_, _, _, message)] = _found(path)
    assert "the inject goes out at T+07:00 at the earliest, so the password goes at " \
        "T+08:00 or later" in message
    # with E1 due at T+02:00, C1 itself comes after the end: that is another warning
    path = _contingency(tmp_path, plain, "7h", "1h")
    assert _found(path) == []
    assert "contingency-never-triggers" in [f.code for f in lint(load_scenario(path))]
