"""`password-unreachable` judges the recipient's point of contact as the engine does:
when the password is sent (the inject's time plus the password's `delay`), with every
contact change due by then (a change counts from its minute on)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from conftest import write

from scenarios import load_scenario
from sim.authoring.lint import lint
from sim.engine import Engine

NOTE = b"DRILL: ransom note\n"


def _scenario(tmp_path, data: dict[str, Any], *, stale: bool, changes: list[tuple[str, bool]],
              delay: str = "0m") -> Any:
    """The inject (T+01:00, to cert-a by e-mail, cert-a on duty) carries a file whose
    password goes by phone ``delay`` later; cert-a's phone starts ``stale`` and changes
    as ``changes`` say."""
    (tmp_path / "note.txt").write_bytes(NOTE)
    data["actors"]["cert-a"]["contacts"]["phone"]["stale"] = stale
    [inject] = [inj for inj in data["injects"] if inj["id"] == "1"]
    inject["artefacts"] = [
        {"file": "note.txt", "protected": {"password_via": "phone", "password": "s3cret",
                                           "delay": delay}}]
    data["contact_changes"] = [{"at": at, "actor": "cert-a", "channel": "phone",
                                "stale": to_stale} for at, to_stale in changes]
    return write(tmp_path, data)


def _warnings(path) -> list[str]:
    return [f.message for f in lint(load_scenario(path)) if f.code == "password-unreachable"]


def _password(path) -> str:
    """What the engine does with cert-a's password: 'delivered' or 'lost'."""
    [event] = [e for e in Engine(load_scenario(path), seed=0).run()
               if e.type in ("password_delivered", "password_lost") and e.actor == "cert-a"]
    return event.type.removeprefix("password_")


CASES = {
    # name: (initially stale, changes, password delay, lint warns)
    "stale, repaired only after the password is sent": (True, [("T+05:00", False)], "0m", True),
    "stale, repaired before the password is sent": (True, [("T+00:30", False)], "0m", False),
    "stale, repaired at the very minute it is sent": (True, [("T+01:00", False)], "0m", False),
    "working, out of date before it is sent": (False, [("T+00:10", True)], "0m", True),
    "working, out of date only after it is sent": (False, [("T+03:00", True)], "0m", False),
    "repaired before a delayed password": (True, [("T+02:00", False)], "2h", False),
    "repaired after a delayed password": (True, [("T+04:00", False)], "2h", True),
    "repaired, then out of date again by then": (
        True, [("T+00:20", False), ("T+00:40", True)], "0m", True),
    "two changes in one minute: the later in the file wins": (
        True, [("T+00:20", False), ("T+00:20", True)], "0m", True),
    "listed out of order": (True, [("T+00:40", False), ("T+00:20", True)], "0m", False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_lint_judges_the_contact_when_the_password_is_sent_as_the_engine_does(
        tmp_path, scenario_data, case):
    stale, changes, delay, warns = CASES[case]
    path = _scenario(tmp_path, scenario_data, stale=stale, changes=changes, delay=delay)
    assert bool(_warnings(path)) == warns
    assert _password(path) == ("lost" if warns else "delivered")


def test_the_warning_says_when_the_password_is_sent_and_when_the_contact_is_repaired(
        tmp_path, scenario_data):
    path = _scenario(tmp_path, scenario_data, stale=True, changes=[("T+05:00", False)],
                     delay="30m")
    assert _warnings(path) == [
        "cert-a has only an out-of-date point of contact on 'phone' at T+01:30, when the "
        "password of note.txt is sent (it is repaired only at T+05:00), so the password "
        "never reaches it"]


def test_a_contact_stale_throughout_keeps_its_warning(tmp_path, scenario_data):
    path = _scenario(tmp_path, scenario_data, stale=True, changes=[])
    assert _warnings(path) == ["cert-a has only an out-of-date point of contact on 'phone', "
                               "so the password of note.txt never reaches it"]


def _contingency(data: dict[str, Any]) -> None:
    """Inject 1 becomes a contingency that fires when E1 is missed: its time is not
    known before the drill."""
    inj = data["injects"][0]
    data["injects"].insert(0, {**inj, "id": "0", "artefacts": []})
    inj.update(type="contingency", delay="0m")
    del inj["at"]
    data["expectations"] = [{"id": "E1", "actors": ["cert-b"], "action": "publish",
                             "incident": "x", "within": "1h", "contingency": "1"}]


def test_a_password_sent_at_a_time_not_known_before_the_drill_is_judged_on_any_time(
        tmp_path, scenario_data):
    _contingency(scenario_data)
    path = _scenario(tmp_path, scenario_data, stale=True, changes=[("T+05:00", False)])
    assert _warnings(path) == []  # it may well be sent once the contact is repaired
    path = _scenario(tmp_path, scenario_data, stale=True, changes=[])
    assert _warnings(path) == ["cert-a has only an out-of-date point of contact on 'phone', "
                               "so the password of note.txt never reaches it"]


def _by_phone(tmp_path, data: dict[str, Any], changes: list[tuple[str, bool]],
              at: str = "T+01:00") -> Any:
    """The inject goes by phone, which waits for the recipient to be at its desk, and the
    password by e-mail, whose contact changes as ``changes`` say."""
    path = _scenario(tmp_path, data, stale=False, changes=[])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    [inject] = data["injects"]
    inject.update(via="phone", at=at)
    inject["artefacts"][0]["protected"]["password_via"] = "email"
    data["contact_changes"] = [{"at": t, "actor": "cert-a", "channel": "email",
                                "stale": to_stale} for t, to_stale in changes]
    return write(tmp_path, data)


@pytest.mark.parametrize(("at", "changes", "warns"), [
    # cert-a is on duty at T+01:00 (10:00 in Singapore): the call goes through at once
    ("T+01:00", [("T+00:05", True), ("T+06:00", False)], True),
    ("T+01:00", [("T+00:05", True), ("T+00:50", False)], False),
    # at T+09:00 (18:00) it is off duty: the call, and so the password, waits for
    # 09:00 the next day, T+1d00:00
    ("T+09:00", [("T+00:05", True), ("T+12:00", False)], False),
    ("T+09:00", [("T+12:00", True)], True),
])
def test_an_inject_that_waits_for_someone_at_the_desk_sends_its_password_later(
        tmp_path, scenario_data, at, changes, warns):
    path = _by_phone(tmp_path, scenario_data, changes, at)
    assert bool(_warnings(path)) == warns
    assert _password(path) == ("lost" if warns else "delivered")


OUTAGES = {
    # name: (outage of the password's channel, initially stale, changes, lint warns)
    "held until after the repair": (("T+00:30", "T+02:00", "hold"), True,
                                    [("T+01:30", False)], False),
    "held until before the repair": (("T+00:30", "T+01:15", "hold"), True,
                                     [("T+01:30", False)], True),
    "held until after it goes out of date": (("T+00:30", "T+02:00", "hold"), False,
                                             [("T+01:30", True)], True),
    "lost in the outage, and out of date too": (("T+00:30", "T+02:00", "lose"), True,
                                                [], True),
    "lost in the outage, though the contact works": (("T+00:30", "T+02:00", "lose"), False,
                                                     [], False),
}


@pytest.mark.parametrize("case", list(OUTAGES))
def test_a_password_held_by_an_outage_is_judged_when_service_returns(
        tmp_path, scenario_data, case):
    (start, stop, effect), stale, changes, warns = OUTAGES[case]
    scenario_data["outages"] = [{"channel": "phone", "start": start, "end": stop,
                                 "effect": effect}]
    path = _scenario(tmp_path, scenario_data, stale=stale, changes=changes)
    assert bool(_warnings(path)) == warns
    assert _password(path) == ("delivered" if not warns and effect == "hold" else "lost")


def test_a_held_inject_sends_its_password_when_it_arrives(tmp_path, scenario_data):
    scenario_data["outages"] = [{"channel": "email", "start": "T+00:30", "end": "T+03:00",
                                 "effect": "hold"}]
    path = _scenario(tmp_path, scenario_data, stale=True, changes=[("T+02:00", False)])
    assert _warnings(path) == []
    assert _password(path) == "delivered"
    path = _scenario(tmp_path, scenario_data, stale=False, changes=[("T+02:00", True)])
    assert _warnings(path) == [
        "cert-a has only an out-of-date point of contact on 'phone' at T+03:00, when the "
        "password of note.txt is sent, so the password never reaches it"]
    assert _password(path) == "lost"
