"""Memberships and groups as they stood on the drill's date: a member may be given with
the date it joined (``{PH: 2018-07-01}``), and a drill that starts before that date
leaves it out, so a replay of a past drill offers only the legal channels and counts only
the member states of its own day."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from conftest import base_scenario, events_of

from scenarios import ScenarioError, load_scenario
from scenarios.model import Members, Scenario
from scenarios.schema import json_schema
from scenarios.yamlsrc import read_yaml_file
from sim.authoring.explain import explain
from sim.engine import Engine

#: a replay of a 2017 drill: ransomware in the Philippines and Timor-Leste, its servers
#: in Australia (a Budapest Convention Party since 2013)
REPLAY = """
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: y{year}
  title: ACID replay
  start: "{year}-09-13T09:00:00+08:00"
  public_holidays: true
  duration: 2d
actors:
  isp-au:
    name: Sydney host
    kind: isp
    country: AU
    timezone: Australia/Sydney
    contacts: {{email: {{address: abuse@x.example}}}}
  police-au:
    name: AFP
    kind: national_police
    country: AU
    timezone: Australia/Sydney
    contacts: {{email: {{address: a@afp.example}}, network_247: {{address: 24-7/AU}},
               police_network: {{address: I-24/7/AU}}}}
injects:
  - id: "1"
    at: T+00:30
    type: event
    sender: hicon
    to: [certph]
    via: email
    tlp: GREEN
    title: ransomware
    incident: {{id: x, type: ransomware, severity: high, affected: [PH, TL], hosted_in: [AU],
               crime_suspected: true}}
"""
#: the rules a Budapest Convention Party's preservation request and a two-state
#: ASEAN incident set off
PARTY_RULES = {"preservation-to-24-7-point", "preservation-over-24-7-network"}


def _replay(tmp_path, year: int):
    path = tmp_path / f"y{year}.yaml"
    path.write_text(REPLAY.format(year=year), encoding="utf-8")
    return load_scenario(path)


def _sent_rules(loaded) -> set[str]:
    log = Engine(loaded, seed=0).run()
    return {e.details.get("rule") for e in events_of(log, "message_sent")}


def test_a_2017_replay_has_no_budapest_channel_from_the_philippines(tmp_path):
    # the Philippines has been a Party only since 1 July 2018
    assert _sent_rules(_replay(tmp_path, 2026)) >= PARTY_RULES
    assert not PARTY_RULES & _sent_rules(_replay(tmp_path, 2017))
    sets = _replay(tmp_path, 2017).scenario.country_sets()
    assert "PH" not in sets["budapest"] and {"JP", "AU"} <= set(sets["budapest"])


def test_a_2017_replay_does_not_count_timor_leste_as_an_asean_member(tmp_path):
    # Timor-Leste joined ASEAN in October 2025: in 2017 only the Philippines is an
    # affected member state, below the two-state threshold for escalating to ANSAC
    assert "escalate-to-ansac" in _sent_rules(_replay(tmp_path, 2026))
    assert "escalate-to-ansac" not in _sent_rules(_replay(tmp_path, 2017))
    old = _replay(tmp_path, 2017).scenario
    assert "TL" not in old.groups["asean"] and "PH" in old.groups["asean"]
    assert "TL" in _replay(tmp_path, 2026).scenario.groups["asean"]


def test_explain_lists_the_memberships_of_the_drills_date(tmp_path):
    old = explain(_replay(tmp_path, 2017).scenario)
    assert "members: JP, AU, as of 2017-09-13" in old
    assert "not yet members: PH (from 2018-07-01)" in old
    assert "asean: not yet members: TL (from 2025-10-26)" in old
    new = explain(_replay(tmp_path, 2026).scenario)
    assert "members: PH, JP, AU, as of 2026-09-13" in new
    assert "not yet members" not in new


def _with(tmp_path, countries: list, group: list | None = None, start: str | None = None):
    data = base_scenario()
    data["memberships"] = {"pact": {"title": "A pact", "countries": countries}}
    if group is not None:
        data["groups"]["asean"] = group
    if start is not None:
        data["drill"]["start"] = start
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_member_that_joins_after_the_start_is_left_out(tmp_path):
    # the drill starts on 19 August 2026
    sc = load_scenario(_with(tmp_path, ["SG", {"TH": "2026-08-20"}, {"MY": "2026-08-19"}],
                             group=["SG", {"TH": "2026-08-20"}])).scenario
    assert sc.country_sets()["pact"] == ["SG", "MY"]
    assert sc.memberships["pact"].countries == ["SG", "MY"]
    assert sc.groups["asean"] == ["SG"]
    # a team of the group's countries has Singapore's CERT only
    data = read_yaml_file(_with(tmp_path, ["SG"], group=["SG", {"TH": "2026-08-20"}])).data
    data["teams"] = {"members": {"country_in": ["asean"]}}
    assert Scenario.model_validate(data).team_members["members"] == ("cert-a",)


def test_the_plain_form_still_works(tmp_path):
    sc = load_scenario(_with(tmp_path, ["sg", "TH"], group=["SG", "TH"])).scenario
    assert sc.country_sets()["pact"] == ["SG", "TH"]
    assert sc.groups["asean"] == ["SG", "TH"]
    dumped = sc.model_dump(mode="json")
    assert dumped["memberships"]["pact"]["countries"] == ["SG", "TH"]
    assert dumped["groups"]["asean"] == ["SG", "TH"]


def test_a_dump_keeps_the_dates_for_a_drill_of_another_day(tmp_path):
    sc = load_scenario(_with(tmp_path, ["SG", {"TH": "2026-08-20"}],
                             group=["SG", {"th": "2026-08-20"}])).scenario
    dumped = sc.model_dump(mode="json")
    assert dumped["memberships"]["pact"]["countries"] == ["SG", {"TH": "2026-08-20"}]
    assert Scenario.model_validate(dumped).memberships["pact"].countries == ["SG"]
    dumped["drill"]["start"] = "2026-08-20T09:00:00+08:00"
    later = Scenario.model_validate(dumped)
    assert later.memberships["pact"].countries == ["SG", "TH"]
    assert later.groups["asean"] == ["SG", "TH"]
    assert later.memberships["pact"].countries.joined == {"TH": date(2026, 8, 20)}


@pytest.mark.parametrize(("member", "message"), [
    ({"TH": "2026-13-01"}, "'TH': '2026-13-01' is not a date of the calendar"),
    ({"TH": 20260820}, "'TH': 20260820 is not a date; write it as YYYY-MM-DD"),
    ({"TH": "2026-08-20", "MY": "2026-08-20"}, "one country and the date it joined"),
    ({}, "one country and the date it joined"),
    ({"T1": "2026-08-20"}, "'T1' is not a two-letter country code"),
])
def test_a_member_written_wrongly_is_one_clear_error(tmp_path, member, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario(_with(tmp_path, ["SG", member]))
    [line] = str(err.value).splitlines()
    assert "memberships.pact.countries" in line and message in line


def test_the_schema_takes_both_forms():
    jsonschema = pytest.importorskip("jsonschema")
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    validator = jsonschema.Draft7Validator(json_schema(), format_checker=checker)

    def errors(countries: list) -> list[str]:
        data = {"groups": {"asean": countries},
                "memberships": {"pact": {"title": "A pact", "countries": countries}}}
        return [e.message for e in validator.iter_errors(data)]

    assert errors(["SG", "th", {"MY": "2026-08-20"}]) == []
    assert errors([{"MY": "2026-08-20", "SG": "2026-08-20"}])
    assert errors([{"M1": "2026-08-20"}])
    assert errors([{"MY": "20 Aug 2026"}])
    assert errors([{}])


def test_the_library_dates_its_members_from_their_sources(tmp_path):
    sc = _replay(tmp_path, 2026).scenario
    budapest = sc.memberships["budapest"].countries
    assert isinstance(budapest, Members)
    assert budapest.joined == {"PH": date(2018, 7, 1), "JP": date(2012, 11, 1),
                               "AU": date(2013, 3, 1)}
    # in ASEAN only the Philippines is a Party
    assert {"BN", "KH", "ID", "LA", "MY", "MM", "SG", "TH", "VN", "TL"} & set(budapest) == set()
    asean = sc.groups["asean"]
    assert isinstance(asean, Members) and asean.joined == {"TL": date(2025, 10, 26)}
