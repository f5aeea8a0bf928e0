"""Lint warns of an inject sent into one of the scenario's own outages, and the run
agrees: the inject is lost, or held until service returns."""

from __future__ import annotations

import pytest
from conftest import events_of

from sim.authoring.lint import lint
from sim.engine import Engine


def _outage(scenario_data, effect: str | None, actor: str | None = "cert-a"):
    # inject 1 goes to cert-a by e-mail at T+01:00
    outage = {"channel": "email", "start": "T+00:30", "end": "T+02:00"}
    if actor is not None:
        outage["actor"] = actor
    if effect is not None:
        outage["effect"] = effect
    scenario_data["outages"] = [outage]
    return scenario_data


def _warnings(loaded) -> list[str]:
    return [f.message for f in lint(loaded) if f.code == "inject-in-outage"]


@pytest.mark.parametrize(("effect", "fate"), [(None, "lost"), ("hold", "held until T+02:00")])
def test_an_inject_into_an_outage_is_warned_of_as_the_run_treats_it(
        scenario_data, load, effect, fate):
    loaded = load(_outage(scenario_data, effect))
    assert _warnings(loaded) == [
        f"inject 1 at T+01:00 goes by 'email' during outage 0 (T+00:30 to T+02:00): it is "
        f"{fate} for cert-a"]
    log = Engine(loaded, seed=0).run()
    delivered = [e.time for e in events_of(log, "inject_delivered", "cert-a")]
    lost = [e for e in events_of(log, "message_lost", "cert-a") if e.details.get("inject")]
    if effect == "hold":
        assert delivered and delivered[0] >= 120 and not lost
    else:
        assert not delivered and lost[0].details["reason"] == "outage"


def test_an_outage_of_another_team_or_at_another_time_is_not_warned_of(scenario_data, load):
    assert _warnings(load(_outage(scenario_data, None, actor="cert-b"))) == []
    data = _outage(scenario_data, None)
    data["outages"][0]["start"] = "T+01:30"
    assert _warnings(load(data)) == []


@pytest.mark.parametrize("order", ["hold-first", "lose-first"])
def test_overlapping_outages_are_warned_of_as_the_run_decides(scenario_data, load, order):
    # everyone's e-mail holds messages T+00:30-T+02:00 while cert-a's end loses them
    # T+00:45-T+01:30: the inject at T+01:00 is lost, whichever outage is written first
    data = _outage(scenario_data, "hold", actor=None)
    losing = {"channel": "email", "actor": "cert-a", "start": "T+00:45", "end": "T+01:30",
              "effect": "lose"}
    data["outages"] = [data["outages"][0], losing] if order == "hold-first" else \
        [losing, data["outages"][0]]
    loaded = load(data)
    index = 1 if order == "hold-first" else 0
    assert _warnings(loaded) == [
        f"inject 1 at T+01:00 goes by 'email' during outage {index} (T+00:45 to T+01:30): "
        f"it is lost for cert-a"]
    log = Engine(loaded, seed=0).run()
    assert not events_of(log, "inject_delivered", "cert-a")
    assert [e.details["reason"] for e in events_of(log, "message_lost", "cert-a")
            if e.details.get("inject")] == ["outage"]
