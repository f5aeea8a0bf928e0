"""Lint judges teams' hours as the engine does.

- The on-call duty officer acts on the incident as the team knows it: the most severe
  assessment among what has reached it and been taken in (an unknown severity counts
  as medium), not what some other team was told, nor the latest word alone.
- A channel answered around the clock (the 24/7 network) is handled at once at the
  duty desk, whatever the team's office hours.
- A phone call held for a closed desk until after the drill ends never arrives.
- Calendar entries that can never apply (a standby after the end, a holiday or special
  hours outside the drill's dates, an on-call tier on a team staffed 24/7) are flagged.

Each case is checked against what the engine does with the same scenario.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from sim.analysis.metrics import compute
from sim.authoring.lint import lint
from sim.engine import Engine

LATE = {"off-duty-deadline", "deadline-too-short"}

# exercise control phones CERT-PH, whose duty officer acts on high incidents, at 21:00
# on Wednesday, about incident x; what CERT-PH was told before decides
ON_CALL = """\
drill:
  id: oncall
  title: on-call severity
  start: "2026-09-16T09:00:00+08:00"
  duration: 1d
actors:
  hicon: {{name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {{email: {{address: h@x}}, phone: {{address: "+0"}}}}}}
  singcert: {{name: SingCERT, kind: national_cert, country: SG, timezone: Asia/Singapore,
             working_hours: "08:00-17:00", contacts: {{email: {{address: s@x}}}}}}
  certph:
    name: CERT-PH
    kind: national_cert
    country: PH
    timezone: Asia/Manila
    working_hours: "08:00-17:00"
    on_call: {{channels: [phone], min_severity: high, answer_after: 30m}}
    contacts: {{email: {{address: a@x}}, phone: {{address: "+1"}}}}
    policy: {{ack_delay: 1m, analysis_time: 1m}}
channels:
  email: {{kind: email, name: E-mail, latency: 1m, source: assumption}}
  phone: {{kind: phone, name: Phone, latency: 1m, needs_receiver_on_duty: true,
          source: assumption}}
injects:
  - {{id: "1", at: "{first_at}", type: event, sender: hicon, to: [{first_to}], via: email,
     tlp: GREEN, title: a, incident: {{id: x, type: botnet, severity: high,
     affected: [SG, PH]}}}}
  - {{id: "2", at: "T+12:00", type: event, sender: hicon, to: [certph], via: phone,
     tlp: GREEN, title: b, incident: {{id: x{call_severity}}}}}
expectations:
  - {{id: E1, actors: [certph], action: acknowledge, incident: x, after: "2", within: 2h}}
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _codes(path: Path) -> set[str]:
    return {f.code for f in lint(load_scenario(path))}


def _status(path: Path, expectation: str = "E1") -> str:
    m = compute(Engine(load_scenario(path), seed=0).run())
    return next(x["status"] for x in m["expectations"] if x["id"] == expectation)


@pytest.mark.parametrize(("first_to", "first_at", "call_severity", "late"), [
    # only SingCERT is told the incident is high: CERT-PH's duty officer leaves the call
    ("singcert", "T+00:30", "", True),
    # CERT-PH itself was told it is high in the morning; the call says low: the most
    # severe assessment it has heard counts, and the duty officer acts
    ("certph", "T+00:30", ", severity: low", False),
    # CERT-PH was told it is high by e-mail at 20:30, but the mail waits unread in the
    # closed office: the duty officer does not know it
    ("certph", "T+11:30", "", True),
])
def test_the_on_call_test_reads_what_the_team_itself_knows(tmp_path, first_to, first_at,
                                                           call_severity, late):
    path = _write(tmp_path, ON_CALL.format(first_to=first_to, first_at=first_at,
                                           call_severity=call_severity))
    # the engine is the reference: the duty officer answers the call, or leaves it
    assert _status(path) == ("late" if late else "met")
    assert _codes(path) & LATE == (LATE if late else set())


# PNP is phoned on the 24/7 network on a Saturday night; the network is answered around
# the clock, so PNP's duty desk takes the request at once
AROUND_THE_CLOCK = """\
drill:
  id: n247
  title: 24/7 network inject at night
  start: "2026-09-19T20:00:00+08:00"
  duration: 1d
actors:
  hicon: {{name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {{n247: {{address: "+00"}}}}}}
  pnp:
    name: PNP
    kind: national_police
    country: PH
    timezone: Asia/Manila
    working_hours: "08:00-17:00"
    contacts: {{n247: {{address: "+1"}}}}
    policy: {{ack_delay: 1m, analysis_time: 1m}}
channels:
  n247: {{kind: network_247, name: 24/7 network, latency: 1m,
         handled_around_the_clock: {around}, needs_receiver_on_duty: {needs},
         source: assumption}}
injects:
  - {{id: "1", at: "T+02:00", type: event, sender: hicon, to: [pnp], via: n247, tlp: GREEN,
     title: preserve, incident: {{id: x, type: phishing, severity: high, affected: [PH]}}}}
expectations:
  - {{id: E1, actors: [pnp], action: acknowledge, incident: x, within: 1h}}
"""

OFF_HOURS = {"off-duty-deadline", "deadline-too-short", "inject-on-day-off"}


@pytest.mark.parametrize("needs", ["false", "true"])
def test_a_channel_answered_around_the_clock_is_handled_at_once(tmp_path, needs):
    path = _write(tmp_path, AROUND_THE_CLOCK.format(around="true", needs=needs))
    assert _status(path) == "met"
    assert _codes(path) & OFF_HOURS == set()


def test_an_office_hours_channel_still_waits_for_monday(tmp_path):
    path = _write(tmp_path, AROUND_THE_CLOCK.format(around="false", needs="false"))
    assert _status(path) == "missed"
    assert _codes(path) & OFF_HOURS == OFF_HOURS


# SingCERT's office closes at 17:00 on Friday and the drill ends at 19:00: exercise
# control's call at 18:00, and its contingency call when E1 is missed at 17:30, wait
# for someone at the desk until Monday
HELD = """\
drill:
  id: held
  title: Friday-evening calls
  start: "2026-09-18T09:00:00+08:00"
  duration: 10h
actors:
  hicon: {{name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {{email: {{address: h@x}}, phone: {{address: "+0"}}}}}}
  singcert:
    name: SingCERT
    kind: national_cert
    country: SG
    timezone: Asia/Singapore
    working_hours: "08:00-17:00"
    contacts: {{email: {{address: s@x}}, phone: {{address: "+1"}}}}{extra}
channels:
  email: {{kind: email, name: E-mail, latency: 1m, source: assumption}}
  phone: {{kind: phone, name: Phone, latency: 1m, needs_receiver_on_duty: true,
          source: assumption}}
injects:
  - {{id: "1", at: "T+00:30", type: event, sender: hicon, to: [singcert], via: email,
     tlp: GREEN, title: report, incident: {{id: x, type: phishing, severity: medium,
     affected: [SG], hosted_in: [MY]}}}}
  - {{id: "2", at: "{call_at}", type: information, sender: hicon, to: [singcert],
     via: phone, tlp: GREEN, title: late call, incident: {{id: x}}}}
  - {{id: C1, type: contingency, delay: 0m, sender: hicon, to: [singcert], via: phone,
     tlp: GREEN, title: "HiCON call: has anyone been told?", incident: {{id: x}}}}
expectations:
  - {{id: E1, actors: [singcert], action: publish, incident: x, within: {within},
     contingency: C1}}
"""


def _arrived(path: Path) -> set[str]:
    """The injects the engine delivers to SingCERT."""
    return {e.details["inject"] for e in Engine(load_scenario(path), seed=0).run()
            if e.type == "inject_delivered" and e.actor == "singcert"}


def _held(path: Path) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in lint(load_scenario(path))
            if f.code == "inject-held-past-end"]


def test_calls_held_for_a_closed_desk_past_the_end_are_flagged(tmp_path):
    path = _write(tmp_path, HELD.format(extra="", call_at="T+09:00", within="8h"))
    assert _arrived(path) == {"1"}
    held = _held(path)
    assert [where for where, _ in held] == ["injects[1].via", "injects[2].via"]
    timed, contingency = (message for _, message in held)
    assert "inject 2" in timed and "Mon 21 Sep 08:00" in timed
    assert "inject C1" in contingency and "at the earliest" in contingency


def test_calls_that_arrive_in_time_are_not_flagged(tmp_path):
    # the call at 16:00 and the contingency at 14:30 find someone at the desk
    path = _write(tmp_path, HELD.format(extra="", call_at="T+07:00", within="5h"))
    assert _arrived(path) == {"1", "2", "C1"}
    assert _held(path) == []


def test_calls_on_an_on_call_channel_are_answered_at_night(tmp_path):
    # the duty officer answers the phone out of hours: both calls arrive
    extra = "\n    on_call: {channels: [phone], min_severity: high}"
    path = _write(tmp_path, HELD.format(extra=extra, call_at="T+09:00", within="8h"))
    assert _arrived(path) == {"1", "2", "C1"}
    assert _held(path) == []


# calendar entries that can never apply in an 8-hour drill on Wednesday 16 September 2026
CALENDAR = """\
drill:
  id: cal
  title: calendar entries
  start: "2026-09-16T09:00:00+08:00"
  duration: 8h
  standby: [{{actors: [certph], start: "{standby}", end: "T+12:00"}}]
actors:
  hicon: {{name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {{email: {{address: h@x}}}}}}
  certph:
    name: CERT-PH
    kind: national_cert
    country: PH
    timezone: Asia/Manila
    holidays: [{holiday}]
    special_hours: [{{start: {special}, end: {special_end}, hours: ["08:00-12:00"]}}]
    contacts: {{email: {{address: a@x}}}}
  kr:
    name: KrCERT
    kind: partner_cert
    country: KR
    timezone: Asia/Seoul
    staffing: "{kr_staffing}"
    on_call: {{channels: [email]}}
    contacts: {{email: {{address: k@x}}}}
channels:
  email: {{kind: email, name: E-mail, latency: 1m, source: assumption}}
injects:
  - {{id: "1", at: "T+01:00", type: event, sender: hicon, to: [certph, kr], via: email,
     tlp: GREEN, title: a, incident: {{id: x, type: phishing, severity: high,
     affected: [PH]}}}}
"""

NEVER = {"standby-after-end", "holiday-outside-drill", "on-call-always-on"}


def _calendar(tmp_path: Path, **fields: str) -> list[tuple[str, str]]:
    path = _write(tmp_path, CALENDAR.format(**fields))
    return sorted((f.code, f.path) for f in lint(load_scenario(path)) if f.code in NEVER)


def test_calendar_entries_that_never_apply_are_flagged(tmp_path):
    found = _calendar(tmp_path, standby="T+10:00", holiday="2025-09-16",
                      special="2025-09-14", special_end="2025-09-18", kr_staffing="24/7")
    assert found == [("holiday-outside-drill", "actors.certph.holidays[0]"),
                     ("holiday-outside-drill", "actors.certph.special_hours[0]"),
                     ("on-call-always-on", "actors.kr.on_call"),
                     ("standby-after-end", "drill.standby[0].start")]


def test_calendar_entries_that_can_apply_are_not_flagged(tmp_path):
    # a holiday the day before (another time zone's date), special hours ending on the
    # drill's day, a standby within the drill, an on-call tier on an office-hours team
    found = _calendar(tmp_path, standby="T+07:00", holiday="2026-09-15",
                      special="2026-09-01", special_end="2026-09-16",
                      kr_staffing="office-hours")
    assert found == []


def test_the_holiday_warnings_tell_the_engines_story(tmp_path):
    # the typo'd holiday and special hours change nothing in a run: CERT-PH works
    # its usual hours on the day
    path = _write(tmp_path, CALENDAR.format(standby="T+10:00", holiday="2025-09-16",
                                            special="2025-09-14", special_end="2025-09-18",
                                            kr_staffing="24/7"))
    log = Engine(load_scenario(path), seed=0).run()
    [ack] = [e for e in log if e.type == "acknowledged" and e.actor == "certph"]
    assert ack.details["off_duty"] == 0.0
    message = next(f.message for f in lint(load_scenario(path))
                   if f.code == "holiday-outside-drill")
    assert "2025-09-16" in message and "never" in message


def test_a_team_another_team_may_tell_is_given_what_that_team_was_told(tmp_path):
    # SingCERT, told the incident is high, notifies the affected CERTs by e-mail in the
    # morning: CERT-PH knows it is high by the night call, and its duty officer acts
    rules = """\
frameworks:
  fw:
    title: notify the affected
    rules:
      notify: {by: [national_cert], on: [inject], action: notify, to: [affected_certs],
               channel: email, deadline: 4h, tlp: GREEN}
"""
    path = _write(tmp_path, ON_CALL.format(first_to="singcert", first_at="T+00:30",
                                           call_severity="") + rules)
    assert _status(path) == "met"
    assert _codes(path) & LATE == set()
