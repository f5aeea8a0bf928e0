"""The duty desk analyses before it carries out the rules, as the office desk does.

Base scenario (tests/conftest.py): the drill starts Wednesday 09:00 Singapore time;
cert-a (Singapore) works 09:00-17:00. Here cert-a analyses for 2h; acknowledging
takes 10m, drafting 5m. Report 1 opens incident x; report 2 adds that the malicious
infrastructure is hosted in Thailand, which sets off cert-a's takedown request to
cert-b. Report 2 comes either by e-mail (the office desk) or over a channel handled
around the clock, or by phone to an on-call officer at night (the duty desk).
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine

TAKEDOWN = {"by": ["national_cert"], "on": ["inject"], "when": {"hosted_abroad": True},
            "action": "request_takedown", "to": ["hosting_certs"], "channel": "email",
            "deadline": "4h", "tlp": "GREEN"}


def _drill(data, first_at: str, second_at: str, via: str, severity: str = "medium"):
    data["actors"]["cert-a"]["policy"]["analysis_time"] = "2h"
    data["actors"]["cert-a"]["contacts"]["net247"] = {"address": "247/sg"}
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    data["channels"]["net247"] = {"kind": "network_247", "latency": "5m",
                                  "handled_around_the_clock": True}
    data["frameworks"]["fw"]["rules"] = {"takedown": dict(TAKEDOWN)}
    data["injects"] = [
        {"id": "1", "at": first_at, "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Report",
         "incident": {"id": "x", "type": "botnet", "severity": severity, "affected": ["SG"]}},
        {"id": "2", "at": second_at, "sender": "ctl", "to": ["cert-a"], "via": via,
         "tlp": "GREEN", "title": "Hosting", "incident": {"id": "x", "hosted_in": ["TH"]}},
    ]
    return data


def _times(log, type_):
    return [e.time for e in events_of(log, type_, "cert-a")]


def test_duty_desk_waits_for_the_office_analysis(scenario_data, load):
    # report 1 at T+01:00 (10:00): acknowledged 10:10, analysed 10:10-12:10 (T+03:10).
    # Report 2 at T+01:20 reaches the duty desk (T+01:25), acknowledged at T+01:35:
    # the office is analysing, so the duty desk waits and drafts after it, as it would
    # for the same report by e-mail.
    by_duty = Engine(load(_drill(scenario_data, "T+01:00", "T+01:20", "net247")),
                     seed=0).run()
    assert _times(by_duty, "analysed") == [190]
    assert _times(by_duty, "requested") == [195]
    [req] = events_of(by_duty, "requested", "cert-a")
    assert req.details["targets"] == ["cert-b"]


def test_duty_desk_acts_as_the_office_desk_does_in_office_hours(scenario_data, load):
    import copy

    email = Engine(load(_drill(copy.deepcopy(scenario_data), "T+01:00", "T+01:20",
                               "email")), seed=0).run()
    duty = Engine(load(_drill(scenario_data, "T+01:00", "T+01:20", "net247")), seed=0).run()
    assert _times(email, "requested") == _times(duty, "requested") == [195]
    assert _times(email, "analysed") == _times(duty, "analysed") == [190]


def test_duty_officer_finishes_an_analysis_the_office_left_at_closing(scenario_data, load):
    # report 1 at T+06:50 (15:50): acknowledged 16:00, analysed from 16:00; at 17:00
    # (T+08:00) the office closes with 60 of the 120 minutes left. Report 2 on the
    # 24/7 channel at T+07:10 is acknowledged at the duty desk at T+07:25 (16:25): the
    # duty officer waits while the office works on it, then does the last hour itself.
    log = Engine(load(_drill(scenario_data, "T+06:50", "T+07:10", "net247")), seed=0).run()
    [analysed] = events_of(log, "analysed", "cert-a")
    assert analysed.time == 480 + 60
    assert analysed.details["worked"] == 60
    assert _times(log, "requested") == [545]


def _on_call(data):
    data["actors"]["cert-a"]["on_call"] = {"channels": ["phone"], "min_severity": "high",
                                           "answer_after": "30m"}
    return data


def test_night_call_carries_on_the_analysis_paused_at_closing(scenario_data, load):
    # report 1 at T+07:40 (16:40): acknowledged 16:50, 10 minutes analysed before
    # closing. The night call (T+11:00, 20:00) is answered at T+11:30 and acknowledged
    # at T+11:40: the duty officer does not wait for the morning; it carries out the
    # remaining 110 minutes itself (T+13:30), then drafts the request (T+13:35).
    data = _on_call(_drill(scenario_data, "T+07:40", "T+11:00", "phone", severity="high"))
    log = Engine(load(data), seed=0).run()
    [analysed] = events_of(log, "analysed", "cert-a")
    assert analysed.time == 700 + 110
    assert analysed.details["worked"] == 110
    assert _times(log, "requested") == [815]
    # the office does not analyse again in the morning, nor ask twice
    assert len(events_of(log, "requested", "cert-a")) == 1


def test_an_earlier_start_saves_only_the_analysis_already_done(scenario_data, load):
    import copy

    def drill(data, first_at):
        # the night call says itself how severe the incident is: a report that waits
        # unread in the closed office tells the duty officer nothing
        data = _on_call(_drill(data, first_at, "T+11:00", "phone", severity="high"))
        data["injects"][1]["incident"]["severity"] = "high"
        return Engine(load(data), seed=0).run()

    started = drill(copy.deepcopy(scenario_data), "T+07:40")
    not_started = drill(scenario_data, "T+08:05")
    # with nothing started before closing (report 1 at T+08:05, 17:05, waits unread for
    # the morning) the night call analyses the whole 2h itself: T+11:40 + 120 = T+13:40
    assert _times(not_started, "analysed") == [820]
    assert _times(not_started, "requested") == [825]
    # 10 minutes were analysed before closing: the request goes 10 minutes sooner
    assert _times(not_started, "requested")[0] - _times(started, "requested")[0] == 10
