"""More of the scenario library's facts, checked against the domain primer.

Evidence before takedown, the Philippines' 24/7 point of contact, days of play that are
working days, and points of contact that belong to one team each.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import events_of

from scenarios import bundled_scenarios, load_scenario
from scenarios.loader import library_dir
from sim.engine import Engine
from sim.engine.clock import scenario_shift

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = library_dir() / "asean"
BUNDLED = {p.stem: p for p in bundled_scenarios()}
TEMPLATES = {p.stem: p for p in sorted((ROOT / "scenarios" / "templates").glob("*.yaml"))}
SEEDS = range(8)


def _library(name: str) -> dict:
    return yaml.safe_load((LIBRARY / f"{name}.yaml").read_text(encoding="utf-8"))


def _template(tmp_path: Path, name: str):
    """A template filled in as ``drill new`` fills it, loaded."""
    text = TEMPLATES[name].read_text(encoding="utf-8")
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace("__ID__", name).replace("__TITLE__", name), encoding="utf-8")
    return load_scenario(path).scenario


# --- takedown waits for preservation when a crime is suspected (domain primer §3) -------


def _takedowns(sc, log) -> list[tuple[str, str, float | None, float, float | None, float]]:
    """Each provider's takedown: (provider, incident, when it first heard that a crime is
    suspected, when it started on the takedown, when it had preserved the data, when the
    takedown was done)."""
    isps = {aid for aid, a in sc.actors.items() if a.kind == "isp"}
    heard: dict[tuple[str, str], float] = {}
    preserved: dict[tuple[str, str], float] = {}
    out = []
    for e in log:
        if e.actor not in isps:
            continue
        key = (e.actor, e.incident)
        if e.type in ("message_delivered", "inject_delivered") and "crime" in e.details.get(
                "facts", ()):
            heard.setdefault(key, e.time)
        elif e.type == "preserved":
            preserved.setdefault(key, e.time)
        elif e.type == "takedown_completed":
            started = e.time - e.details["worked"] - e.details["off_duty"]
            out.append((e.actor, e.incident, heard.get(key), started, preserved.get(key),
                        e.time))
    return out


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_no_provider_told_of_a_crime_takes_it_down_before_preserving(name):
    sc = load_scenario(BUNDLED[name]).scenario
    for seed in SEEDS:
        log = Engine(sc, seed=seed).run()
        for isp, inc, heard, started, preserved, done in _takedowns(sc, log):
            if heard is None or heard >= started:
                continue  # nobody had told it of a crime: it acts at once
            assert preserved is not None and preserved <= done, (name, seed, isp, inc)


def test_the_default_drill_tells_the_hosting_providers_a_crime_is_suspected():
    # the analysis that shows credential theft (inject 4) is what makes the botnet a
    # crime; its victim list is TLP:RED, but the incident facts must reach the hosting
    # CERTs and their providers, or the C2 servers go down before anyone preserves them
    sc = load_scenario(BUNDLED["acid-botnet"]).scenario
    told_in_time = 0
    for seed in SEEDS:
        log = Engine(sc, seed=seed).run()
        for cert in ("mycert", "vncert"):
            assert any("crime" in e.details["facts"]
                       for e in events_of(log, "message_delivered", cert)), (seed, cert)
        for _isp, _inc, heard, started, preserved, done in _takedowns(sc, log):
            if heard is not None and heard < started:
                told_in_time += 1
                assert preserved is not None and preserved <= done
    # two providers in eight runs: most of them hear of the crime before they act
    assert told_in_time >= 6


def test_an_inject_that_first_suspects_a_crime_lets_the_facts_travel():
    # the facts a framework exists to pass on (type, countries, suspected crime) may
    # travel under a laxer label than the report's own (facts_tlp); a RED or AMBER+STRICT
    # label on them keeps the crime from every team but the inject's recipients
    for name, path in sorted(BUNDLED.items()):
        sc = load_scenario(path).scenario
        for inj in sc.injects:
            if inj.incident.crime_suspected:
                assert inj.facts_label in ("CLEAR", "GREEN", "AMBER"), (name, inj.id)


def test_the_ransomware_leak_site_is_preserved_before_it_goes_down():
    sc = load_scenario(BUNDLED["apcert-ransomware"]).scenario
    rules = {rid: r for rid, (_, r) in sc.rules().items()}
    [takedown] = [rid for rid, r in rules.items() if r.action == "takedown"]
    [preserve] = [rid for rid, r in rules.items() if r.action == "preserve"]
    assert rules[takedown].hold_until == [preserve]
    downs = 0
    for seed in SEEDS:
        log = Engine(sc, seed=seed).run()
        preserved = [e.time for e in events_of(log, "preserved", "isp-sg")]
        for e in events_of(log, "takedown_completed", "isp-sg"):
            downs += 1
            assert preserved and preserved[0] <= e.time, seed
    assert downs >= 4


# --- the Philippines' 24/7 point of contact (domain primer §2) ------------------------

NIGHT = """
include: [asean/actors, asean/channels, asean/frameworks]
drill: {id: night, title: night, start: "2026-09-08T20:00:00+08:00", duration: 2d}
actors:
  # a PNP desk and a CERT-PH standing by around the clock, so that the referral and
  # the PNP's preservation request go out at night
  certph: {staffing: 24/7}
  police-ph: {staffing: 24/7}
  police-jp:
    name: Japan police (test)
    kind: national_police
    country: JP
    timezone: Asia/Tokyo
    staffing: 24/7
    contacts:
      network_247: {address: 24-7-poc/JP}
      police_network: {address: I-24/7/NCB-JP}
injects:
  - id: "1"
    at: T+00:10
    sender: hicon
    to: [certph]
    via: email
    incident: {id: i, type: botnet, severity: high, affected: [PH], hosted_in: [JP],
               crime_suspected: true}
"""


def test_the_philippine_24_7_point_handles_a_night_preservation_request_that_night(tmp_path):
    path = tmp_path / "night.yaml"
    path.write_text(NIGHT, encoding="utf-8")
    loaded = load_scenario(path)
    sc = loaded.scenario
    log = Engine(loaded, seed=0).run()
    shift = scenario_shift(sc, "ca-ph")
    opens = shift.next_on(12 * 60)  # the DOJ office opens the next morning ...
    assert shift.local(opens).strftime("%a %H:%M") == "Wed 08:00"
    [asked] = [e for e in events_of(log, "requested", "police-ph")
               if e.details["rule"] == "preservation-to-24-7-point"]
    assert asked.time < opens and not shift.on_duty(asked.time)  # ... asked at night
    [onward] = [e for e in events_of(log, "requested", "ca-ph")
                if e.details["rule"] == "preservation-over-24-7-network"]
    # the DOJ Office of Cybercrime, the 24/7 point of contact, acts on it that night
    assert onward.time < opens, (shift.when(onward.time), shift.when(opens))
    assert onward.details["targets"] == ["police-jp"]


HOSTED_IN_PH = """
include: [asean/actors, asean/channels, asean/frameworks]
drill: {id: ph-hosted, title: ph hosted, start: "2026-09-08T10:00:00+08:00", duration: 2d}
actors:
  # Japan, a Party: its police, and its 24/7 point of contact on the network
  police-jp:
    name: Japan police (test)
    kind: national_police
    country: JP
    timezone: Asia/Tokyo
    staffing: 24/7
    contacts:
      email: {address: police@jp.example}
      police_network: {address: I-24/7/NCB-JP}
  ca-jp:
    name: Japan 24/7 point (test)
    kind: central_authority
    country: JP
    timezone: Asia/Tokyo
    staffing: 24/7
    contacts:
      email: {address: ca@jp.example}
      network_247: {address: 24-7-poc/JP}
frameworks:
  test-referral:
    title: JPCERT/CC refers crimes to the Japanese police (test)
    rules:
      refer:
        by: [jpcert]
        on: [inject]
        when: {crime_suspected: true}
        action: refer_police
        to: [national_police]
        channel: email
        deadline: 1h
        tlp: GREEN
injects:
  - id: "1"
    at: T+00:10
    sender: hicon
    to: [jpcert]
    via: email
    incident: {id: i, type: botnet, severity: high, affected: [JP], hosted_in: [PH],
               crime_suspected: true}
"""


def test_a_preservation_request_over_the_network_reaches_the_philippine_24_7_point(
        tmp_path):
    # data held in the Philippines: Japan's 24/7 point asks the Philippines' (the DOJ
    # Office of Cybercrime), on the network, not the PNP (domain primer section 2)
    path = tmp_path / "ph-hosted.yaml"
    path.write_text(HOSTED_IN_PH, encoding="utf-8")
    log = Engine(load_scenario(path), seed=0).run()
    [onward] = [e for e in events_of(log, "requested", "ca-jp")
                if e.details["rule"] == "preservation-over-24-7-network"]
    assert onward.details["targets"] == ["ca-ph"]
    assert [e.details["channel"] for e in events_of(log, "message_delivered", "ca-ph")
            if e.details["verb"] == "request_preservation"] == ["network_247"]


def test_the_philippine_24_7_point_has_a_phone_and_a_round_the_clock_desk():
    ca = _library("actors")["actors"]["ca-ph"]
    # the rule that reaches it falls back on the phone
    rule = _library("frameworks")["frameworks"]["law-enforcement"]["rules"][
        "preservation-to-24-7-point"]
    for channel in (rule["channel"], *rule["fallback"]):
        assert channel in ca["contacts"]
    assert ca.get("staffing") == "24/7" or set(ca["on_call"]["channels"]) >= {
        rule["channel"], *rule["fallback"]}


# --- days of play are working days (domain primer §2, §5) ----------------------------


def _drills(tmp_path: Path):
    for name, path in sorted(BUNDLED.items()):
        yield name, load_scenario(path).scenario
    for name in TEMPLATES:
        yield f"template {name}", _template(tmp_path, name)


def _days_off_in_play(sc) -> list[str]:
    """Days a scored team is off (a weekend or public holiday, as the engine has it)
    although the drill runs during its usual hours that day."""
    return days_off(sc, dict.fromkeys(a for e in sc.expectations for a in e.actors))


def days_off(sc, aids) -> list[str]:
    """Days one of these teams is off although the drill runs during its usual hours."""
    start = sc.drill.start
    end = start + timedelta(minutes=sc.drill.duration)
    out = []
    for aid in aids:
        actor = sc.actors[aid]
        if actor.always_on:
            continue
        shift = scenario_shift(sc, aid)
        ranges = [r for day in actor.week for r in day]
        first, last = min(a for a, _ in ranges), max(b for _, b in ranges)
        day = start.astimezone(shift.tz).date()
        while day <= end.astimezone(shift.tz).date():
            midnight = datetime(day.year, day.month, day.day, tzinfo=shift.tz)
            usual = (midnight + timedelta(minutes=first), midnight + timedelta(minutes=last))
            if usual[0] < end and usual[1] > start and not shift.windows(day):
                out.append(f"{aid} {day:%a %d %b %Y}: {shift.holiday(day) or 'weekend'}")
            day += timedelta(days=1)
    return out


def test_every_day_of_play_is_a_working_day_for_the_teams_a_drill_scores(tmp_path):
    # a drill that runs into a team's day off measures the calendar, not the team: a
    # one-day drill from Tuesday 15 September 2026 ends on Malaysia Day
    found = {name: days for name, sc in _drills(tmp_path) if (days := _days_off_in_play(sc))}
    assert found == {}


def test_the_law_enforcement_template_police_can_send_the_mla_request_next_morning(tmp_path):
    sc = _template(tmp_path, "law-enforcement")
    assert sc.drill.duration == 24 * 60
    start = sc.drill.start
    for aid in ("mycert", "police-my", "ca-my", "police-id"):
        shift = scenario_shift(sc, aid)
        next_day = (start.astimezone(shift.tz) + timedelta(days=1)).date()
        assert shift.windows(next_day), (aid, next_day, shift.holiday(next_day))


# --- one point of contact, one team ---------------------------------------------------

#: addresses that several actors share on purpose, with the actors that share them
#: (none yet: a shared hotline would be listed here)
SHARED: dict[str, set[str]] = {}


def _shared_addresses(actors) -> dict[str, set[str]]:
    holders: dict[str, set[str]] = defaultdict(set)
    for aid, actor in actors.items():
        for contact in actor.contacts.values():
            holders[contact.address].add(aid)
    return {address: who for address, who in holders.items()
            if len(who) > 1 and SHARED.get(address) != who}


def test_no_two_library_actors_share_a_contact_address():
    holders: dict[str, set[str]] = defaultdict(set)
    for aid, actor in _library("actors")["actors"].items():
        for contact in actor.get("contacts", {}).values():
            holders[contact["address"]].add(aid)
    assert {a: w for a, w in holders.items() if len(w) > 1 and SHARED.get(a) != w} == {}


def test_no_two_actors_of_a_drill_share_a_contact_address(tmp_path):
    # a phone number or mailbox names one team: two teams on one number would make a
    # call to either reach both (HiCON and SingCERT were both on +SG-000-0000)
    found = {name: shared for name, sc in _drills(tmp_path)
             if (shared := _shared_addresses(sc.actors))}
    assert found == {}


# --- small facts -------------------------------------------------------------------------


def test_five_dialogue_partners_send_six_certs():
    # Australia sends two teams, AusCERT (Brisbane) and the ACSC (Canberra)
    partners = [a for a in _library("actors")["actors"].values() if a["kind"] == "partner_cert"]
    assert len(partners) == 6
    assert {a["country"] for a in partners} == set(_library("actors")["groups"][
        "dialogue_partners"])
    for path in (ROOT / "README.md", BUNDLED["acid-botnet"]):
        assert "five dialogue-partner CERTs" not in path.read_text(encoding="utf-8"), path


def test_acid_drills_are_set_in_september_or_october():
    # Singapore hosts ACID in September or October, not August (domain primer §2)
    from scenarios.model import Drill

    for name, path in sorted(BUNDLED.items()):
        if name.startswith("acid-"):
            assert load_scenario(path).scenario.drill.start.month in (9, 10), name
    example = Drill.model_fields["start"].description or ""
    month = int(example.split("'")[1][5:7])
    assert month in (9, 10), example


@pytest.mark.parametrize(("median_h", "factor"), [
    (6.8, "1.24"),   # 6.8 / 5.5 = 1.236...: not "1.2"
    (5.5, "1.00"),
    (11.0, "2.00"),
    (4.0, "1.38"),   # 5.5 / 4 = 1.375
])
def test_the_lifetime_check_never_understates_the_factor(median_h, factor):
    from sim.authoring.assumptions import _lifetime_text

    check = {"runs": 300, "scenario": "tutorial", "median_h": median_h, "mean_h": 14.9,
             "p90_h": 28.4, "taken_down": 300}
    text = " ".join(_lifetime_text(check))
    assert f"within a factor of {factor} of the published median" in text
