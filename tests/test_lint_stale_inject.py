"""`drill lint` warns of an inject sent to a recipient whose point of contact on its
channel is out of date when the engine judges it (``inject-to-stale-contact``), and the
run agrees: the inject is lost for that recipient (``message_lost``, ``stale_contact``),
never bounced nor sent again on another channel.

The base scenario (tests/conftest.py): exercise control tells cert-a of incident x by
e-mail at T+01:00.
"""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.authoring.lint import lint
from sim.engine import Engine


def _warnings(loaded) -> list[str]:
    return [f.message for f in lint(loaded) if f.code == "inject-to-stale-contact"]


def _lost(log, actor: str, inject: str = "1") -> list[str]:
    return [e.details["reason"] for e in events_of(log, "message_lost", actor)
            if e.details.get("inject") == inject]


def _delivered(log, actor: str, inject: str = "1") -> list[float]:
    return [e.time for e in events_of(log, "inject_delivered", actor)
            if e.details["inject"] == inject]


@pytest.mark.parametrize(("at", "words"), [
    (None, "an out-of-date point of contact"),
    ("T+00:30", "a point of contact out of date since T+00:30"),
    ("T+01:00", "a point of contact out of date since T+01:00"),
], ids=["from-the-start", "before", "at-its-minute"])
def test_an_inject_to_a_stale_contact_is_warned_of_and_lost_in_a_run(
        scenario_data, load, at, words):
    if at is None:
        scenario_data["actors"]["cert-a"]["contacts"]["email"]["stale"] = True
    else:
        scenario_data["contact_changes"] = [{"at": at, "actor": "cert-a",
                                             "channel": "email", "stale": True}]
    loaded = load(scenario_data)
    assert _warnings(loaded) == [
        f"inject 1 at T+01:00 goes by 'email' to {words}: it is lost for cert-a"]
    found = [f for f in lint(loaded) if f.code == "inject-to-stale-contact"]
    assert found[0].path == "injects[0].to"
    log = Engine(loaded, seed=0).run()
    assert _lost(log, "cert-a") == ["stale_contact"]
    assert _delivered(log, "cert-a") == []


def test_a_contact_repaired_in_time_or_gone_stale_later_is_not_warned_of(
        scenario_data, load):
    # repaired at T+00:30, before the inject; cert-b's address, stale from T+00:30, gets
    # no inject
    scenario_data["actors"]["cert-a"]["contacts"]["email"]["stale"] = True
    scenario_data["contact_changes"] = [
        {"at": "T+00:30", "actor": "cert-a", "channel": "email", "stale": False},
        {"at": "T+00:30", "actor": "cert-b", "channel": "email", "stale": True}]
    loaded = load(scenario_data)
    assert _warnings(loaded) == []
    assert _delivered(Engine(loaded, seed=0).run(), "cert-a") == [60.0]
    # going stale only after the inject is no loss either
    scenario_data["actors"]["cert-a"]["contacts"]["email"]["stale"] = False
    scenario_data["contact_changes"] = [{"at": "T+01:01", "actor": "cert-a",
                                         "channel": "email", "stale": True}]
    loaded = load(scenario_data)
    assert _warnings(loaded) == []
    assert _delivered(Engine(loaded, seed=0).run(), "cert-a") == [60.0]


def test_a_call_waiting_for_the_desk_is_judged_when_someone_answers(scenario_data, load):
    # the call comes at 19:00 Singapore time, nobody answers before 09:00 the next day
    # (T+1d00:00), and the phone contact is out of date from T+12:00
    scenario_data["injects"][0].update(at="T+10:00", via="phone")
    scenario_data["contact_changes"] = [{"at": "T+12:00", "actor": "cert-a",
                                         "channel": "phone", "stale": True}]
    loaded = load(scenario_data)
    assert _warnings(loaded) == [
        "inject 1 at T+10:00 goes by 'phone', and on 'phone' it waits for someone at "
        "cert-a's desk until T+1d00:00, when it finds a point of contact out of date since "
        "T+12:00: it is lost for cert-a"]
    log = Engine(loaded, seed=0).run()
    assert [e.time for e in events_of(log, "message_lost", "cert-a")] == [1440.0]
    assert _lost(log, "cert-a") == ["stale_contact"]
    # repaired before anyone answers, the call gets through: no warning
    scenario_data["contact_changes"].append({"at": "T+20:00", "actor": "cert-a",
                                             "channel": "phone", "stale": False})
    loaded = load(scenario_data)
    assert _warnings(loaded) == []
    assert _delivered(Engine(loaded, seed=0).run(), "cert-a") == [1440.0]


def test_an_inject_lost_in_an_outage_is_left_to_the_outage_warning(scenario_data, load):
    scenario_data["actors"]["cert-a"]["contacts"]["email"]["stale"] = True
    scenario_data["outages"] = [{"channel": "email", "actor": "cert-a", "start": "T+00:30",
                                 "end": "T+02:00"}]
    loaded = load(scenario_data)
    assert _warnings(loaded) == []
    assert [f.code for f in lint(loaded) if f.code == "inject-in-outage"] == \
        ["inject-in-outage"]
    assert _lost(Engine(loaded, seed=0).run(), "cert-a") == ["outage"]


def _contingency(data, changes: list[dict]) -> dict:
    """A contingency C1 to cert-b, fired when E1 (due T+02:00) is missed, which it is."""
    data["injects"].append(
        {"id": "C1", "type": "contingency", "sender": "ctl", "to": ["cert-b"],
         "via": "email", "tlp": "GREEN", "title": "Nudge", "incident": {"id": "x"}})
    data["expectations"] = [
        {"id": "E1", "description": "CERT-SG takes the site down", "actors": ["cert-a"],
         "action": "takedown", "incident": "x", "within": "1h", "score": 1,
         "contingency": "C1"}]
    data["contact_changes"] = changes
    return data


def test_an_inject_set_off_during_the_drill_is_warned_of_when_lost_whenever_it_goes(
        scenario_data, load):
    data = _contingency(scenario_data, [{"at": "T+00:30", "actor": "cert-b",
                                         "channel": "email", "stale": True}])
    loaded = load(data)
    assert _warnings(loaded) == [
        "contingency inject C1 goes by 'email' to a point of contact out of date since "
        "T+00:30, whenever it is sent (T+02:00 at the earliest): it is lost for cert-b"]
    log = Engine(loaded, seed=0).run()
    assert _lost(log, "cert-b", "C1") == ["stale_contact"]


def test_an_inject_set_off_during_the_drill_may_find_the_contact_repaired(
        scenario_data, load):
    # stale at the earliest C1 can go, repaired later: it may arrive, so no warning
    data = _contingency(scenario_data, [
        {"at": "T+00:30", "actor": "cert-b", "channel": "email", "stale": True},
        {"at": "T+10:00", "actor": "cert-b", "channel": "email", "stale": False}])
    assert _warnings(load(data)) == []
