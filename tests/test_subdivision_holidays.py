"""A team takes the public holidays of the state or territory it works in (ACSC in
Canberra, AusCERT in Brisbane), not only its country's."""

from __future__ import annotations

import pytest
import yaml
from conftest import events_of, write

from scenarios import load_scenario
from scenarios.loader import ScenarioError
from sim.cli import main
from sim.engine import Engine

# Monday 5 Oct 2026 is Labour Day in the ACT and the King's Birthday in Queensland;
# neither is a national holiday in Australia
LABOUR_DAY = """
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: au-labour-day
  title: State holidays
  start: "2026-10-05T09:00:00+08:00"
  public_holidays: true
  duration: 2d
injects:
  - id: "1"
    at: T+00:00
    sender: hicon
    to: [acsc, auscert]
    via: email
    tlp: GREEN
    title: Malware C2 in Australia
    incident: {id: c2, type: malware, severity: medium, affected: [AU], hosted_in: [AU]}
"""


def test_the_library_s_australian_teams_take_their_state_holidays(tmp_path):
    path = tmp_path / "au.yaml"
    path.write_text(LABOUR_DAY, encoding="utf-8")
    loaded = load_scenario(path)
    actors = loaded.scenario.actors
    assert actors["acsc"].calendar(True) == ("AU", "ACT")
    assert actors["auscert"].calendar(True) == ("AU", "QLD")
    engine = Engine(loaded, seed=0)
    assert not engine.on_duty("acsc") and not engine.on_duty("auscert")
    log = engine.run()
    acks = {e.actor: e.time for e in events_of(log, "acknowledged")}
    # e-mail waits for Tuesday: 09:00 in Canberra (AEDT, UTC+11) is T+21:00, 09:00 in
    # Brisbane (AEST, UTC+10) T+22:00
    assert acks["acsc"] >= 21 * 60 and acks["auscert"] >= 22 * 60


def _one_actor(data, **extra):
    data["actors"]["cert-a"].update(extra)
    return data


def test_a_subdivision_needs_a_country(tmp_path, scenario_data):
    data = _one_actor(scenario_data, subdivision="ACT")
    del data["actors"]["cert-a"]["country"]
    with pytest.raises(ScenarioError, match="a subdivision needs a country"):
        load_scenario(write(tmp_path, data))


def test_a_subdivision_the_package_does_not_know_is_refused_where_it_is_taken(
        tmp_path, scenario_data, capsys):
    # taken by the team itself: refused when the scenario is validated
    data = _one_actor(scenario_data, subdivision="XX", public_holidays=True)
    with pytest.raises(ScenarioError, match="'XX' is not a subdivision of SG"):
        load_scenario(write(tmp_path, data))
    # taken as the drill says: refused as well, at the team's subdivision
    data["actors"]["cert-a"].pop("public_holidays")
    data["drill"]["public_holidays"] = True
    path = tmp_path / "drill.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert f"{path}:" in out and "actors.cert-a.subdivision: 'XX' is not a subdivision of SG" \
        in out
    # with public holidays off, the subdivision is never taken: nothing to refuse
    data["drill"]["public_holidays"] = False
    load_scenario(write(tmp_path, data))


def test_every_subdivision_in_the_library_is_one_the_package_knows():
    # validation takes the library's on trust, to keep the holidays package unloaded
    from scenarios.loader import library_dir
    from scenarios.model import check_calendar

    found = []
    for path in sorted(library_dir().rglob("*.yaml")):
        actors = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("actors") or {}
        for aid, actor in actors.items():
            if isinstance(actor, dict) and "subdivision" in actor:
                check_calendar(actor["country"], actor["subdivision"])
                found.append(aid)
    assert {"acsc", "auscert"} <= set(found)
