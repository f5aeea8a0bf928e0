"""What the authoring tools work out about who hears what, and when.

- A team that hears of an incident only through another team's answer to ``sender``
  (a rule with ``to: [sender]``) hears of it: lint neither says an expectation on it
  can never be met nor leaves it out of the deadline check.
- The severity a team knows at a given time (for its on-call officer) is the same
  however often it is asked, and is worked out once per team and incident, not once
  per duty line.
- A role's packet holds only the injects that reach the role: not one held past the
  drill's end, lost in an outage or sent to an out-of-date or missing contact.
"""

from __future__ import annotations

import random
import re
from html import unescape
from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import handouts
from sim.authoring.lint import Reach, lint
from sim.engine import Engine
from sim.engine.knowledge import Picture, stated_facts

BUNDLED = sorted(p.stem for p in bundled_dir().glob("*.yaml"))

# --- 1. a team told through an answer to the sender ------------------------------------

ANSWER = """\
drill:
  id: answer
  title: Answer to the reporter
  start: "2026-09-14T09:00:00+08:00"   # a Monday
  duration: 8h
  public_holidays: false
actors:
  bank:
    name: Bank SG
    kind: victim
    country: SG
    timezone: Asia/Singapore
    working_hours: "08:00-17:00"
    contacts: {{email: {{address: soc@bank.example}}}}
  singcert:
    name: SingCERT
    kind: national_cert
    country: SG
    timezone: Asia/Singapore
    working_hours: "08:00-17:00"
    contacts: {{email: {{address: incident@singcert.example}}}}
  hicon:
    name: HiCON
    kind: exercise_control
    timezone: Asia/Singapore
    staffing: 24/7
    contacts: {{email: {{address: hicon@example}}}}
channels:
  email: {{kind: email, latency: 5m}}
frameworks:
  advice:
    title: Advice to whoever reports
    rules:
      advise-reporter:
        by: [national_cert]
        on: [inject]
        action: notify
        to: [sender]
        channel: email
        deadline: 2h
        tlp: AMBER
injects:
  - id: "1"
    at: T+00:30
    sender: bank
    to: [singcert]
    via: email
    tlp: GREEN
    title: The bank reports a phishing site
    incident: {{id: phish, type: phishing, severity: medium, affected: [SG]}}
  - id: "2"
    at: T+01:00
    sender: hicon
    to: [singcert]
    via: email
    tlp: GREEN
    title: A DDoS the bank never hears of
    incident: {{id: ddos, type: ddos, severity: medium, affected: [SG]}}
expectations:
  - id: E9
    description: The bank acknowledges SingCERT's advice.
    actors: [bank]
    action: acknowledge
    target: singcert
    incident: phish
    within: {within}
    score: 1
  - id: E8
    description: The bank acknowledges SingCERT's word on the DDoS.
    actors: [bank]
    action: acknowledge
    target: singcert
    incident: ddos
    within: 4h
    score: 1
"""


def _answer(tmp_path: Path, within: str = "4h"):
    path = tmp_path / "answer.yaml"
    path.write_text(ANSWER.format(within=within), encoding="utf-8")
    return load_scenario(path)


def _about(findings, code: str, eid: str) -> list[str]:
    return [f.message for f in findings if f.code == code and f"expectation {eid} " in f.message]


def test_a_team_told_by_an_answer_to_the_sender_hears_of_the_incident(tmp_path):
    loaded = _answer(tmp_path)
    findings = lint(loaded)
    assert _about(findings, "expectation-never-met", "E9") == []
    # the bank sent nothing about the DDoS, so nobody answers it about that
    assert _about(findings, "expectation-never-met", "E8") == [
        "expectation E8 can never be met: no inject or framework rule ever tells Bank SG "
        "of incident 'ddos'"]
    # and a run bears it out: the bank hears SingCERT's advice and acknowledges it
    for seed in (0, 1, 2):
        log = Engine(loaded.scenario, seed=seed).run()
        met = {e.details["expectation"] for e in log if e.type == "expectation_met"}
        assert "E9" in met and "E8" not in met, seed


def test_the_deadline_check_counts_a_team_told_by_an_answer_to_the_sender(tmp_path):
    findings = lint(_answer(tmp_path, within="1m"))
    assert _about(findings, "expectation-never-met", "E9") == []
    [too_short] = _about(findings, "deadline-too-short", "E9")
    assert "Bank SG cannot complete it" in too_short


# --- 2. the severity a team knows, worked out once -------------------------------------


def _scanned(reach: Reach, aid: str, incident: str, at: float) -> str | None:
    """The severity ``aid`` knows at ``at``, by looking at every inject afresh."""
    told = aid in reach.messaged()
    facts: list[str] = []
    for inj in reach.sc.injects:
        sent = reach.at.get(inj.id)
        if inj.incident.id != incident or sent is None or sent > at \
                or not inj.incident.severity:
            continue
        if not told:
            if aid not in inj.to:
                continue
            arrived = reach.reaches(aid, inj, sent)
            if arrived is None or reach.answers(aid, inj.via, arrived) > at:
                continue
        facts.extend(stated_facts(inj.incident))
    return Picture.of(facts).severity or None


@pytest.mark.parametrize("name", BUNDLED)
def test_the_severity_a_team_knows_is_the_same_as_a_full_scan(name):
    sc = load_scenario(bundled_dir() / f"{name}.yaml").scenario
    reach = Reach(sc)
    rng = random.Random(name)
    end = sc.drill.duration
    incidents = sorted({inj.incident.id for inj in sc.injects})
    # the times injects go out and are taken in (where the answer changes), and others
    edges = sorted({t for t in reach.at.values()} | {
        reach.answers(aid, inj.via, got) for inj in sc.injects if inj.id in reach.at
        for aid in inj.to if (got := reach.reaches(aid, inj, reach.at[inj.id])) is not None})
    times = [0.0, end, *edges, *(t + d for t in edges for d in (-0.5, 0.5)),
             *(rng.uniform(0, end * 1.2) for _ in range(40))]
    for aid in sc.actors:
        for incident in incidents:
            for at in times:
                assert reach.severity(aid, incident, at) == _scanned(reach, aid, incident, at), \
                    (aid, incident, at)


def test_severities_differ_with_time_and_team(tmp_path):
    """The scenario of the test above changes severity over time, for one team only."""
    path = tmp_path / "sev.yaml"
    path.write_text(SEVERITY, encoding="utf-8")
    reach = Reach(load_scenario(path).scenario)
    # an inject to a closed office counts once the office opens (08:00, T+23:00)
    seen = [reach.severity("certa", "x", t) for t in (0, 30, 60, 90, 1380, 1440)]
    assert seen == [None, "low", "high", "high", "critical", "critical"]
    assert [reach.severity("certb", "x", t) for t in (0, 30, 1440)] == [None, "low", "low"]
    for aid in ("certa", "certb"):
        for t in range(0, 1500, 7):
            assert reach.severity(aid, "x", t) == _scanned(reach, aid, "x", t)


SEVERITY = """\
drill:
  id: sev
  title: Severity over time
  start: "2026-09-14T09:00:00+08:00"
  duration: 1d
  public_holidays: false
actors:
  hicon: {name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {email: {address: h@x}}}
  certa: {name: CERT-A, kind: national_cert, country: SG, timezone: Asia/Singapore,
          working_hours: "08:00-17:00", contacts: {email: {address: a@x}}}
  certb: {name: CERT-B, kind: national_cert, country: MY, timezone: Asia/Kuala_Lumpur,
          working_hours: "08:00-17:00", contacts: {email: {address: b@x}}}
channels:
  email: {kind: email, latency: 5m}
injects:
  - {id: "1", at: T+00:30, sender: hicon, to: [certa, certb], via: email, tlp: GREEN,
     incident: {id: x, type: ddos, severity: low, affected: [SG]}}
  - {id: "2", at: T+01:00, sender: hicon, to: [certa], via: email, tlp: GREEN,
     incident: {id: x, severity: high}}
  - {id: "3", at: T+01:10, sender: hicon, to: [certa], via: email, tlp: GREEN,
     incident: {id: x, severity: medium}}
  - {id: "4", at: T+12:00, sender: hicon, to: [certa], via: email, tlp: GREEN,
     incident: {id: x, severity: critical}}
"""


def test_the_severity_is_worked_out_once_per_team_and_incident(tmp_path, monkeypatch):
    """A controller's packet asks the on-call test once for each off-duty recipient of
    each inject; each inject's delivery is worked out once, not once per question."""
    lines = [SEVERITY.split("injects:")[0] + "injects:"]
    for k in range(96):  # one a quarter hour, day and night, to an on-call team
        lines.append(f'  - {{id: "{k}", at: T+{k // 4:02d}:{k % 4 * 15:02d}, sender: hicon, '
                     "to: [certa], via: phone, tlp: GREEN, incident: {id: x, type: ddos, "
                     "severity: high, affected: [SG]}}")
    text = "\n".join(lines) + "\n"
    text = text.replace("contacts: {email: {address: a@x}}}",
                        'contacts: {email: {address: a@x}, phone: {address: "+65 1"}},\n'
                        "          on_call: {channels: [phone], min_severity: high, "
                        "answer_after: 20m}}")
    text = text.replace("  email: {kind: email, latency: 5m}",
                        "  email: {kind: email, latency: 5m}\n"
                        "  phone: {kind: phone, latency: 1m, needs_receiver_on_duty: true}")
    text = text.replace("contacts: {email: {address: h@x}}",
                        'contacts: {email: {address: h@x}, phone: {address: "+65 0"}}')
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(path).scenario
    asked: list[str] = []
    real = Reach.reaches

    def counted(self, aid, inj, at):
        asked.append(inj.id)
        return real(self, aid, inj, at)

    monkeypatch.setattr(Reach, "reaches", counted)
    page = handouts.controller_packet(sc)
    assert page.count("on call takes it after about 20m") > 50  # the nights' injects
    assert len(asked) <= len(sc.injects)


# --- 3. a role's packet holds only what reaches it -------------------------------------

PACKET = """\
drill:
  id: packet
  title: What reaches each role
  start: "2026-09-14T09:00:00+08:00"   # a Monday
  duration: 8h
  public_holidays: false
actors:
  hicon: {name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {email: {address: h@x}, phone: {address: "+65 0"}}}
  mycert:
    name: MyCERT
    kind: national_cert
    country: MY
    timezone: Asia/Kuala_Lumpur
    working_hours: "08:00-12:00"
    contacts: {email: {address: m@x}, phone: {address: "+60 1"}}
  singcert:
    name: SingCERT
    kind: national_cert
    country: SG
    timezone: Asia/Singapore
    working_hours: "08:00-17:00"
    contacts: {email: {address: s@x}, phone: {address: "+65 1"}}
channels:
  email: {kind: email, latency: 5m, loss: 0.5}
  phone: {kind: phone, latency: 1m, needs_receiver_on_duty: true}
outages:
  - {channel: email, actor: singcert, start: T+02:00, end: T+03:00, effect: lose}
  - {channel: email, actor: mycert, start: T+02:00, end: T+03:00, effect: hold}
contact_changes:
  - {at: T+04:00, actor: singcert, channel: phone, stale: true}
injects:
  - {id: "1", at: T+00:30, sender: hicon, to: [mycert, singcert], via: email, tlp: GREEN,
     title: Morning mail, incident: {id: x, type: ddos, severity: medium, affected: [MY]}}
  - {id: "2", at: T+05:00, sender: hicon, to: [mycert, singcert], via: phone, tlp: GREEN,
     title: Afternoon call, incident: {id: x}}
  - {id: "3", at: T+02:30, sender: hicon, to: [mycert, singcert], via: email, tlp: GREEN,
     title: Mail in the outage, incident: {id: x}}
  - {id: "4", at: T+01:00, sender: hicon, to: [mycert, singcert], via: phone, tlp: GREEN,
     title: Morning call, incident: {id: x}}
"""


def _inject_ids(page: str) -> list[str]:
    return [unescape(m) for m in re.findall(r"<b>Inject (.*?)</b>", page)]


@pytest.fixture(scope="module")
def packet(tmp_path_factory):
    path = tmp_path_factory.mktemp("packet") / "packet.yaml"
    path.write_text(PACKET, encoding="utf-8")
    return load_scenario(path)


def test_a_role_packet_leaves_out_injects_that_never_reach_the_role(packet):
    sc = packet.scenario
    # MyCERT's office closes at 12:00, so the call at T+05:00 (14:00) would wait until
    # the next morning, after the drill's end; the mail in its outage is held, and comes
    assert _inject_ids(handouts.role_packet(sc, "mycert")) == ["1", "3", "4"]
    # SingCERT loses the mail in the outage, and its phone is out of date from T+04:00
    assert _inject_ids(handouts.role_packet(sc, "singcert")) == ["1", "4"]
    # the cards and the controller's packet keep them all, for exercise control
    assert _inject_ids(handouts.cards_page(sc)) == ["1", "2", "3", "4"]
    found = {(f.code, f.path) for f in lint(packet)}
    assert ("inject-held-past-end", "injects[1].via") in found
    assert ("inject-in-outage", "injects[2].at") in found


def test_every_role_packet_agrees_with_a_run(packet):
    """What a packet holds is what every run delivers to the role: a channel's random
    loss touches teams' messages, never exercise control's injects."""
    sc = packet.scenario
    for seed in (0, 1, 2, 3):
        log = Engine(sc, seed=seed).run()
        for aid in ("mycert", "singcert"):
            got = {e.details["inject"] for e in log
                   if e.type == "inject_delivered" and e.actor == aid}
            assert got == set(_inject_ids(handouts.role_packet(sc, aid))), (seed, aid)


def test_the_reported_phone_call_after_hours_is_not_in_the_packet(tmp_path):
    text = (bundled_dir() / "tutorial.yaml").read_text(encoding="utf-8")
    text = text.replace('working_hours: "08:00-17:00"   # assumption (the ASEAN',
                        'working_hours: "08:00-12:00"   # (the ASEAN')
    text = text.replace("    at: T+03:00\n    type: information\n    sender: hicon\n"
                        "    to: [singcert, mycert]\n    via: email",
                        "    at: T+05:00\n    type: information\n    sender: hicon\n"
                        "    to: [singcert, mycert]\n    via: phone")
    path = tmp_path / "t5.yaml"
    path.write_text(text, encoding="utf-8")
    for evidence in (bundled_dir() / "evidence").iterdir():
        (tmp_path / "evidence").mkdir(exist_ok=True)
        (tmp_path / "evidence" / evidence.name).write_bytes(evidence.read_bytes())
    loaded = load_scenario(path)
    assert "inject-held-past-end" in {f.code for f in lint(loaded)}
    assert "<b>Inject 2</b>" not in handouts.role_packet(loaded.scenario, "mycert")
    assert "<b>Inject 2</b>" in handouts.role_packet(loaded.scenario, "singcert")


@pytest.mark.parametrize("name", BUNDLED)
def test_no_bundled_role_packet_holds_an_inject_that_misses_the_role(name):
    sc = load_scenario(bundled_dir() / f"{name}.yaml").scenario
    reach = Reach(sc)
    for aid in sc.actors:
        for iid in _inject_ids(handouts.role_packet(sc, aid)):
            inj = next(i for i in sc.injects if i.id == iid)
            assert reach.reaches(aid, inj, reach.at[iid]) is not None, (name, aid, iid)
