"""More of the regional library's and the bundled drills' facts (review of 2026).

The ACSC's 24/7 Hotline, the Singapore CII rule's reach, VNCERT/CC's name, TLP:AMBER as
TLP 2.0 defines it, the sources of the escalation rules, the order of the
law-enforcement hops and who runs ACID (domain primer §1-§3), and days of play that
are working days for every team that receives an inject.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import events_of
from test_library_facts_more import days_off  # the same calendar check, other teams

from scenarios import bundled_scenarios, load_scenario
from scenarios.loader import library_dir
from sim.analysis.metrics import LAW_ENFORCEMENT_HOPS
from sim.engine import Engine
from sim.engine.clock import scenario_shift
from sim.engine.core import Action

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = library_dir() / "asean"
BUNDLED = {p.stem: p for p in bundled_scenarios()}
TEMPLATES = {p.stem: p for p in sorted((ROOT / "scenarios" / "templates").glob("*.yaml"))}


def _library(name: str) -> dict:
    return yaml.safe_load((LIBRARY / f"{name}.yaml").read_text(encoding="utf-8"))


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


# --- the ACSC's 24/7 Hotline (cyber.gov.au: "call the 24/7 Hotline for urgent
# assistance on 1300 CYBER1") --------------------------------------------------------


def test_the_acsc_has_a_phone_duty_officer_for_its_hotline():
    acsc = _library("actors")["actors"]["acsc"]
    assert "phone" in acsc["on_call"]["channels"]
    assert "email" not in acsc["on_call"]["channels"]  # e-mail waits for office hours
    assert acsc["on_call"]["min_severity"] in ("low", "medium", "high")
    assert "phone" in acsc["contacts"]
    assert "1300 CYBER1" in acsc["source"] and "Hotline" in acsc["source"]


# 16:00 in Singapore, 19:00 in Canberra (AEDT, UTC+11) on a Tuesday: an hour after the
# ACSC's office day, while SingCERT is still at work
NIGHT = """
include: [asean/actors, asean/channels, asean/frameworks]
drill: {{id: night, title: night, start: "2026-10-06T16:00:00+08:00", duration: 1d}}
injects:
  - id: "1"
    at: T+00:10
    sender: hicon
    to: [{to}]
    via: {via}
    tlp: GREEN
    incident: {{id: i, type: botnet, severity: high, affected: [AU], hosted_in: [AU]}}
"""


def _night(tmp_path: Path, via: str, to: str = "acsc"):
    path = tmp_path / f"night-{via}-{to}.yaml"
    path.write_text(NIGHT.format(via=via, to=to), encoding="utf-8")
    return load_scenario(path)


def test_the_acsc_answers_an_urgent_phone_call_at_night(tmp_path):
    loaded = _night(tmp_path, "phone")
    shift = scenario_shift(loaded.scenario, "acsc")
    assert not shift.on_duty(10)
    opens = shift.next_on(10)
    assert shift.local(opens).strftime("%a %H:%M") == "Wed 09:00"
    log = Engine(loaded, seed=0).run()
    [got] = events_of(log, "inject_delivered", "acsc")
    assert got.time < 11 and got.details["duty_wait"] == 0.0
    acks = events_of(log, "acknowledged", "acsc")
    assert acks and acks[0].time < opens, (shift.when(acks[0].time), shift.when(opens))


def test_a_cert_phoning_the_acsc_at_night_reaches_the_hotline(tmp_path):
    loaded = _night(tmp_path, "email", to="singcert")
    shift = scenario_shift(loaded.scenario, "acsc")
    assert not shift.on_duty(30)
    engine = Engine(loaded, seed=0, human=["singcert"])
    engine.run_until(30)
    engine.act(Action("singcert", "notify", "i", targets=("acsc",), channel="phone",
                      tlp="GREEN"))
    log = engine.run()
    got = [e for e in events_of(log, "message_delivered", "acsc")
           if e.details.get("channel") == "phone"]
    assert got and got[0].time < shift.next_on(30) and got[0].details["duty_wait"] == 0.0


def test_e_mail_to_the_acsc_at_night_still_waits_for_canberra_s_morning(tmp_path):
    loaded = _night(tmp_path, "email")
    shift = scenario_shift(loaded.scenario, "acsc")
    log = Engine(loaded, seed=0).run()
    acks = events_of(log, "acknowledged", "acsc")
    assert acks and acks[0].time >= shift.next_on(10)


def test_the_supply_chain_drill_says_the_hotline_takes_urgent_calls():
    sc = load_scenario(BUNDLED["acid-supply-chain"]).scenario
    [c1] = [i for i in sc.injects if i.id == "C1"]
    [e4] = [e for e in sc.expectations if e.id == "E4"]
    for text in (c1.title, c1.text, e4.description):
        assert "closes" not in text, text  # the ACSC never closes: its Hotline is 24/7
    for text in (c1.text, e4.description):
        assert "Hotline" in text and "urgent" in text, text


# --- the Singapore CII rule binds CII owners only (domain primer §2) -------------------


def test_the_singapore_cii_rule_binds_only_cii_owners():
    sc = load_scenario(BUNDLED["acid-supply-chain"]).scenario
    _, rule = sc.rules()["cii-report-to-regulator"]
    bound = sc.binds(rule)
    assert bound == {"cii-sg"}
    for aid in bound:
        assert sc.actors[aid].country == "SG" and "CII owner" in sc.actors[aid].name
    # the vendor is a Singapore victim but no CII owner
    assert sc.actors["vendor-sg"].kind == "victim" and "vendor-sg" not in bound


# --- VNCERT is now VNCERT/CC (domain primer §2) ------------------------------------------


def test_no_scenario_text_calls_viet_nam_s_cert_plain_vncert():
    paths = [*BUNDLED.values(), *TEMPLATES.values(), *sorted(LIBRARY.glob("*.yaml")),
             ROOT / "README.md"]
    found = [f"{p.name}:{n}" for p in paths
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"VNCERT(?!/CC)", line)]
    assert found == []


# --- TLP 2.0: AMBER lets the recipient share with its organisation and its clients
# on a need-to-know basis; AMBER+STRICT keeps it within the organisation ---------------


def test_no_expected_action_reads_amber_as_amber_strict():
    found = []
    for name, path in sorted(BUNDLED.items()):
        for inject in load_scenario(path).scenario.injects:
            for action in inject.expected_actions:
                if "TLP:AMBER)" in action and "TLP:AMBER+STRICT" not in action \
                        and re.search(r"\b(keep|within)\b", action, re.I) \
                        and "client" not in action:
                    found.append(f"{name} {inject.id}: {action}")
    assert found == []


# --- sources of the escalation rules (domain primer §3; seed) --------------------------


def test_the_typical_escalation_paths_are_not_credited_to_the_atrc_framework():
    # the seed says only that ATRC adopted (2005) and revised (2013) a framework; the
    # rules themselves are the domain primer's typical escalation paths
    rules = _library("frameworks")["frameworks"]["cert-cooperation"]["rules"]
    for rid in ("notify-affected-certs", "request-foreign-takedown"):
        source = rules[rid]["source"]
        assert "ATRC" not in source, rid
        assert "domain primer §3" in source and "assumption" in source, rid


def test_the_ansac_broadcast_is_a_drill_assumption_not_the_masterplan():
    # Initiative 4.2 of the ICT Masterplan only says to establish ANSAC (seed)
    rule = _library("frameworks")["frameworks"]["ansac-coordination"]["rules"][
        "ansac-broadcast"]
    assert "Masterplan" not in rule["source"] and "4.2" not in rule["source"]
    assert "drill assumption" in rule["source"] and "domain primer" in rule["source"]


# --- the README --------------------------------------------------------------------------


def test_the_readme_lists_the_law_enforcement_hops_in_the_report_s_order():
    text = " ".join(_readme().split())
    [hops] = re.findall(r"law-enforcement hop \(([^)]*)\)", text)
    words = {"refer_police": "CERT to police", "request_preservation": "preservation",
             "intl_police_channel": "police to an international police body",
             "national_police": "to foreign police",
             "refer_central_authority": "police to their central authority",
             "request_mla": "MLA"}
    # requests for assistance differ by whom they go to, the other steps by their verb
    expected = [words[kind if verb == "request_assistance" else verb]
                for _, verb, kind in LAW_ENFORCEMENT_HOPS]
    assert [h.strip() for h in hops.split(",")] == expected


def test_the_readme_says_singcert_runs_acid_for_national_certs():
    # domain primer §1: SingCERT has run ACID every year since 2006 for the national
    # CERTs (and dialogue partners' CERTs); ANSAC and police channels do not run it
    text = " ".join(_readme().split("## A short tour")[0].split())
    assert "SingCERT runs every year for national CERTs" in text
    assert "police channels between countries run every year" not in text
    # the opening commands stay as they are
    assert _readme().startswith(
        "# acid-drill\n\n```sh\npip install . && drill run\n"
        "pip install '.[test]' && python -m pytest\n```\n")


# --- days of play are working days for every team sent an inject (domain primer §5) ----


def _recipients_off_in_play(sc) -> list[str]:
    """Days a team sent an inject is off (a weekend or public holiday, as the engine has
    it) although the drill runs during its usual hours that day.
    tests/test_library_facts_more.py checks the teams a drill scores."""
    sent = dict.fromkeys(a for i in sc.injects for a in sc.expand(list(i.to)))
    return days_off(sc, [a for a in sent if sc.actors[a].kind != "exercise_control"])


def test_every_day_of_play_is_a_working_day_for_the_teams_sent_injects():
    found = {name: days for name, path in sorted(BUNDLED.items())
             if (days := _recipients_off_in_play(load_scenario(path).scenario))}
    assert found == {}


def test_the_check_sees_a_thai_holiday(tmp_path):
    # 13 October is King Bhumibol Memorial Day in Thailand (holidays package): ThaiCERT
    # gets an inject on the first day of the supply-chain drill
    text = BUNDLED["acid-supply-chain"].read_text(encoding="utf-8")
    path = tmp_path / "acid-supply-chain.yaml"
    path.write_text(text.replace('start: "2026-10-06T', 'start: "2026-10-13T'), encoding="utf-8")
    off = _recipients_off_in_play(load_scenario(path).scenario)
    assert [d for d in off if d.startswith("thaicert Tue 13 Oct 2026")]
