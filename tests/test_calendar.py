"""Calendars and working patterns, computed by hand.

Every run uses the constant delays of tests/conftest.py: acknowledging takes 10m,
analysing 30m, drafting 5m; e-mail takes 5m, the phone 1m (and waits for someone to
answer). Kuala Lumpur and Singapore are both UTC+8, like the drill clock.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import cert, events_of

from scenarios import load_scenario
from scenarios.loader import ScenarioError
from sim.authoring.explain import explain
from sim.authoring.lint import lint
from sim.engine import Engine
from sim.engine.clock import scenario_shift


def _ack(log, actor: str, incident: str | None = None) -> float:
    [ack] = [e for e in events_of(log, "acknowledged", actor)
             if incident is None or e.incident == incident]
    return ack.time


def _local(loaded, actor: str, t: float) -> str:
    return scenario_shift(loaded.scenario, actor).local(t).strftime("%a %d %b %H:%M")


def _inject(at: str, to: list[str], incident: dict, via: str = "email", iid: str = "1") -> dict:
    return {"id": iid, "at": at, "sender": "ctl", "to": to, "via": via, "tlp": "GREEN",
            "incident": incident}


def _my_sg(scenario_data, start: str, duration: str) -> dict:
    scenario_data["drill"].update(start=start, duration=duration, public_holidays=True)
    scenario_data["groups"] = {"asean": ["MY", "SG"]}
    scenario_data["actors"].pop("cert-b")
    scenario_data["actors"]["mycert"] = cert("MY", "Asia/Kuala_Lumpur")
    scenario_data["injects"] = [
        _inject("T+00:00", ["mycert", "cert-a"],
                {"id": "x", "type": "phishing", "affected": ["MY", "SG"]}),
    ]
    scenario_data["frameworks"] = {}
    return scenario_data


# --- public holidays ---------------------------------------------------------------


def test_an_inject_on_hari_raya_puasa_2025_waits_for_the_next_working_day(scenario_data, load):
    # Hari Raya Puasa (Eid al-Fitr) 2025 fell on Monday 31 March: a public holiday in
    # Singapore (one day) and Malaysia (31 March and 1 April).
    loaded = load(_my_sg(scenario_data, "2025-03-31T10:00:00+08:00", "4d"))
    log = Engine(loaded, seed=0).run()
    # SingCERT (cert-a): Tuesday 1 April 09:00 = 23 h after Monday 10:00, ack 10m later
    assert _ack(log, "cert-a") == 23 * 60 + 10
    assert _local(loaded, "cert-a", _ack(log, "cert-a")) == "Tue 01 Apr 09:10"
    # MyCERT: Wednesday 2 April 09:00 = 47 h after the start
    assert _ack(log, "mycert") == 47 * 60 + 10
    assert _local(loaded, "mycert", _ack(log, "mycert")) == "Wed 02 Apr 09:10"
    # the holiday and its name come from the holidays package
    assert scenario_shift(loaded.scenario, "mycert").holiday(date(2025, 3, 31)) == "Eid al-Fitr"


def test_hari_raya_puasa_2026_in_malaysia_and_singapore(scenario_data, load):
    # Hari Raya Puasa 2026 is Saturday 21 March in both countries. Malaysia also keeps
    # its second day, Sunday 22 March, and gives Monday 23 March in lieu of it;
    # Singapore does not replace a holiday that falls on a Saturday.
    loaded = load(_my_sg(scenario_data, "2026-03-21T10:00:00+08:00", "5d"))
    log = Engine(loaded, seed=0).run()
    # SingCERT: Monday 23 March 09:00 = 47 h after Saturday 10:00
    assert _ack(log, "cert-a") == 47 * 60 + 10
    # MyCERT: Tuesday 24 March 09:00 = 71 h after the start
    assert _ack(log, "mycert") == 71 * 60 + 10
    assert _local(loaded, "mycert", _ack(log, "mycert")) == "Tue 24 Mar 09:10"
    found = {f.message for f in lint(loaded) if f.code == "inject-on-holiday"}
    assert ("inject 1 reaches CERT-MY on Eid al-Fitr (Sat 21 Mar), a public holiday in MY; "
            "it waits until Tue 24 Mar 09:00 local") in found
    assert ("inject 1 reaches CERT-SG on Eid al-Fitr (Sat 21 Mar), a public holiday in SG; "
            "it waits until Mon 23 Mar 09:00 local") in found
    text = explain(loaded.scenario)
    assert "OFF duty (Eid al-Fitr) until Tue 09:00" in text
    assert ("public holidays of MY: Sat 21 Mar Eid al-Fitr; Sun 22 Mar Eid al-Fitr (Second "
            "Day); Mon 23 Mar Eid al-Fitr (Second Day) (observed)") in text


def test_public_holidays_are_off_unless_the_scenario_or_the_actor_asks(scenario_data, load):
    data = _my_sg(scenario_data, "2025-03-31T10:00:00+08:00", "4d")
    data["drill"]["public_holidays"] = False
    log = Engine(load(data), seed=0).run()
    assert _ack(log, "cert-a") == _ack(log, "mycert") == 10  # an ordinary Monday
    data["actors"]["mycert"]["public_holidays"] = True
    log = Engine(load(data), seed=0).run()
    assert (_ack(log, "cert-a"), _ack(log, "mycert")) == (10, 47 * 60 + 10)


def test_a_state_holiday_and_a_friday_saturday_weekend_in_kelantan(scenario_data, load):
    # Kelantan (subdivision '03') rests on Friday and Saturday and works on Sunday.
    # Nuzul Al-Quran (17 Ramadan) is a state holiday there, not a national one: in
    # 2026 Saturday 7 March, a rest day, so it is replaced on Sunday 8 March.
    data = _my_sg(scenario_data, "2026-03-06T10:00:00+08:00", "4d")
    data["actors"]["mycert"]["working_pattern"] = {"sun-thu": "09:00-17:00"}
    data["actors"]["mycert"]["public_holidays"] = {"subdivision": "03"}
    loaded = load(data)
    log = Engine(loaded, seed=0).run()
    # Friday 10:00: off; Saturday off; Sunday 8 March is the replacement holiday;
    # Monday 9 March 09:00 = 71 h after the start
    assert _ack(log, "mycert") == 71 * 60 + 10
    shift = scenario_shift(loaded.scenario, "mycert")
    assert shift.holiday(date(2026, 3, 8)) == "Nuzul Al-Quran Day (observed)"
    found = [f.message for f in lint(loaded) if f.code == "inject-on-day-off"]
    assert found == ["inject 1 reaches CERT-MY on a Friday, not a working day in its week; "
                     "it waits until Mon 09 Mar 09:00 local"]


# --- working patterns --------------------------------------------------------------


def test_a_friday_prayer_break_delays_a_malaysian_acknowledgement(scenario_data, load):
    scenario_data["drill"]["start"] = "2026-08-21T12:00:00+08:00"  # Friday noon
    scenario_data["actors"]["mycert"] = cert(
        "MY", "Asia/Kuala_Lumpur",
        working_pattern={"mon-thu": ["08:00-13:00", "14:00-17:00"],
                         "fri": ["08:00-12:15", "14:45-17:00"]})
    scenario_data["injects"] = [
        _inject("T+00:10", ["mycert"], {"id": "x", "type": "phishing", "affected": ["MY"]}),
    ]
    loaded = load(scenario_data)
    log = Engine(loaded, seed=0).run()
    # the inject arrives at 12:10; 5 minutes of the 10-minute acknowledgement are done
    # by 12:15, the other 5 after the break, from 14:45: acknowledged at 14:50 (T+170),
    # 150 minutes of it off duty
    [ack] = events_of(log, "acknowledged", "mycert")
    assert ack.time == 170 and ack.details["off_duty"] == 150
    # analysing (30m) then runs 14:50-15:20
    assert events_of(log, "analysed", "mycert")[0].time == 200
    assert "fri 08:00-12:15,14:45-17:00" in explain(loaded.scenario)


def test_special_hours_shorten_the_day_in_ramadan(scenario_data, load):
    scenario_data["drill"]["start"] = "2026-03-04T14:30:00+08:00"  # a Wednesday
    scenario_data["actors"]["mycert"] = cert(
        "MY", "Asia/Kuala_Lumpur", working_hours="08:00-17:00",
        special_hours=[{"start": "2026-02-19", "end": "2026-03-19", "hours": "08:00-14:00",
                        "note": "Ramadan hours (assumption)"}])
    scenario_data["injects"] = [
        _inject("T+00:00", ["mycert"], {"id": "x", "type": "phishing", "affected": ["MY"]}),
    ]
    loaded = load(scenario_data)
    log = Engine(loaded, seed=0).run()
    # 14:30 is after the Ramadan day's close: Thursday 08:00 = 17h30 later
    assert _ack(log, "mycert") == 17 * 60 + 30 + 10
    assert "special hours 2026-02-19..2026-03-19: mon-fri 08:00-14:00" in explain(loaded.scenario)


def test_two_zones_of_one_country_open_at_different_drill_times(scenario_data, load):
    scenario_data["drill"]["start"] = "2026-08-19T06:00:00+07:00"  # Wednesday, Jakarta
    scenario_data["actors"]["id-west"] = cert("ID", "Asia/Jakarta")
    scenario_data["actors"]["id-east"] = cert("ID", "Asia/Jayapura")
    scenario_data["frameworks"] = {}
    scenario_data["injects"] = [
        _inject("T+00:00", ["id-west", "id-east"],
                {"id": "x", "type": "phishing", "affected": ["ID"]}),
    ]
    log = Engine(load(scenario_data), seed=0).run()
    # Jayapura is UTC+9: 09:00 there is 07:00 in Jakarta, one hour after the start;
    # Jakarta opens at 09:00, three hours after it
    assert _ack(log, "id-east") == 60 + 10
    assert _ack(log, "id-west") == 180 + 10


# --- on call and standby -----------------------------------------------------------


def _night(scenario_data) -> dict:
    scenario_data["drill"]["start"] = "2026-08-19T22:00:00+08:00"  # Wednesday night
    scenario_data["actors"]["cert-a"]["on_call"] = {
        "channels": ["phone"], "answer_after": "20m", "min_severity": "high"}
    scenario_data["frameworks"] = {}
    scenario_data["injects"] = [
        _inject("T+00:00", ["cert-a"], {"id": "severe", "type": "ransomware",
                                        "severity": "critical", "affected": ["SG"]},
                via="phone", iid="1"),
        _inject("T+00:00", ["cert-a"], {"id": "minor", "type": "phishing",
                                        "severity": "low", "affected": ["SG"]},
                via="phone", iid="2"),
        _inject("T+00:00", ["cert-a"], {"id": "mailed", "type": "ransomware",
                                        "severity": "critical", "affected": ["SG"]},
                via="email", iid="3"),
    ]
    return scenario_data


def test_an_on_call_officer_answers_a_severe_phone_report_at_night(scenario_data, load):
    loaded = load(_night(scenario_data))
    log = Engine(loaded, seed=0).run()
    # every call gets through at 22:00: the duty officer answers the phone
    assert {e.incident: e.details["duty_wait"]
            for e in events_of(log, "inject_delivered")} == {
                "severe": 0, "minor": 0, "mailed": 0}
    # critical, by phone: picked up 20m later, acknowledged 10m after that (22:30)
    [answered] = events_of(log, "on_call_answered", "cert-a")
    assert (answered.incident, answered.time) == ("severe", 20)
    assert _ack(log, "cert-a", "severe") == 30
    assert events_of(log, "analysed", "cert-a")[0].time == 60  # worked through the night
    # low severity waits for office hours: Thursday 09:00 = 11 h after the start
    assert _ack(log, "cert-a", "minor") == 11 * 60 + 10
    # critical but by e-mail, not an on-call channel: office hours too
    assert _ack(log, "cert-a", "mailed") == 11 * 60 + 10
    text = explain(loaded.scenario)
    assert "on call out of hours on phone: acts on high severity and above" in text


def test_without_an_on_call_tier_the_phone_rings_until_morning(scenario_data, load):
    data = _night(scenario_data)
    del data["actors"]["cert-a"]["on_call"]
    log = Engine(load(data), seed=0).run()
    assert not events_of(log, "on_call_answered")
    assert _ack(log, "cert-a", "severe") == 11 * 60 + 10
    assert {e.details["duty_wait"] for e in events_of(log, "inject_delivered")
            if e.incident != "mailed"} == {11 * 60}


def test_standby_teams_answer_at_07_30_local_inside_the_window(scenario_data, load):
    scenario_data["drill"]["start"] = "2026-08-19T07:00:00+08:00"  # Wednesday 07:00 SGT
    scenario_data["drill"]["standby"] = [{"actors": ["cert-a"], "start": "T+00:00",
                                          "end": "T+03:00"}]
    scenario_data["frameworks"] = {}
    scenario_data["injects"] = [
        _inject("T+00:30", ["cert-a", "cert-b"],
                {"id": "x", "type": "phishing", "affected": ["SG", "TH"]}),
    ]
    loaded = load(scenario_data)
    log = Engine(loaded, seed=0).run()
    # cert-a stands by: it takes the inject at 07:30 and acknowledges at 07:40
    assert _ack(log, "cert-a") == 40
    assert _local(loaded, "cert-a", 30) == "Wed 19 Aug 07:30"
    # cert-b (Bangkok, 06:30 there) does not: 09:00 Bangkok is 10:00 SGT, T+03:00
    assert _ack(log, "cert-b") == 180 + 10
    # the standby (07:00-10:00) runs on into office hours (09:00-17:00): one shift
    shift = scenario_shift(loaded.scenario, "cert-a")
    assert shift.on_duty(0) and shift.shift_end(0) == 10 * 60
    assert not shift.on_duty(10 * 60)
    text = explain(loaded.scenario)
    assert "on duty (standby)" in text
    assert "standby T+00:00 to T+03:00 (Wed 07:00 to Wed 10:00 local)" in text


# --- the format refuses what makes no sense -----------------------------------------


@pytest.mark.parametrize(("field", "value", "message"), [
    ("working_pattern", {"mon": ["08:00-12:00", "11:00-17:00"]}, "overlap"),
    ("working_pattern", {"mon-fri": "08:00-17:00", "fri": "08:00-12:00"}, "fri is given twice"),
    ("working_pattern", {"someday": "08:00-17:00"}, "is not a day or a range of days"),
    ("public_holidays", {"subdivision": "99"}, "is not a subdivision of SG in the holidays "
     "package (it has none)"),
    ("public_holidays", {"country": "MY", "subdivision": "99"}, "(known: 01, 02, 03"),
    ("special_hours", [{"start": "2026-03-19", "end": "2026-02-19", "hours": "08:00-14:00"}],
     "comes before start"),
])
def test_bad_calendars_are_one_line_errors(scenario_data, tmp_path, field, value, message):
    from conftest import write

    scenario_data["actors"]["cert-a"][field] = value
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, scenario_data))
    assert message in str(err.value)
    assert "Traceback" not in str(err.value)


def test_unknown_actors_and_channels_in_the_calendar_are_named(scenario_data, tmp_path):
    from conftest import write

    scenario_data["drill"]["standby"] = [{"actors": ["nobody"]}]
    scenario_data["actors"]["cert-a"]["on_call"] = {"channels": ["pager"]}
    with pytest.raises(ScenarioError) as err:
        load_scenario(write(tmp_path, scenario_data))
    assert "unknown actor 'nobody'" in str(err.value)
    assert "unknown channel 'pager'" in str(err.value)


def test_a_scenario_with_calendars_survives_a_json_round_trip(scenario_data, load):
    # batch runs and journals store the scenario as JSON and read it back
    from scenarios.model import Scenario

    data = _night(scenario_data)
    data["drill"]["public_holidays"] = True
    data["drill"]["standby"] = [{"actors": ["cert-b"], "end": "T+02:00"}]
    data["actors"]["cert-b"].update(
        working_pattern={"sun-thu": ["08:00-12:00", "13:00-17:00"]},
        public_holidays={"country": "MY", "subdivision": "03"},
        special_hours=[{"start": "2026-08-01", "end": "2026-08-31",
                        "hours": {"mon-fri": "09:00-15:00"}}])
    sc = load(data).scenario
    again = Scenario.model_validate_json(sc.model_dump_json())
    assert again == sc
    assert again.actors["cert-b"].calendar(True) == ("MY", "03")
    assert again.actors["cert-a"].on_call.answer_after.value == 20
