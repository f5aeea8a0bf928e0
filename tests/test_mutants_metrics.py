"""The run's figures read off small hand-written event logs (the cases mutation testing
found untested): every expected value below is worked out by hand from the log above it.

Times are minutes after the drill start.
"""

from __future__ import annotations

from typing import Any

from sim.analysis.metrics import (
    actor_metrics,
    as_events,
    compute,
    expectation_metrics,
    hop_metrics,
    incident_metrics,
)
from sim.engine.events import Event

ACTORS = {
    "A": {"kind": "national_cert", "name": "CERT A"},
    "B": {"kind": "national_cert", "name": "CERT B"},
    "R": {"kind": "regional_council", "name": "Council"},
    "P": {"kind": "national_police", "name": "Police A"},
    "Q": {"kind": "national_police", "name": "Police B"},
    "C": {"kind": "intl_police_channel", "name": "Channel"},
    "K": {"kind": "central_authority", "name": "Central authority A"},
    "L": {"kind": "central_authority", "name": "Central authority B"},
}


class Log:
    """Events numbered in the order they are written."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, time: float, kind: str, actor: str | None = None,
                 incident: str | None = None, /, **details: Any) -> None:
        self.events.append(Event.make(len(self.events), time, kind, actor, incident, details))


def started(log: Log, **extra: Any) -> None:
    log(0, "drill_started", actors=ACTORS, expectations=[], **extra)


def opened(log: Log, time: float, iid: str, certs: list[str], **extra: Any) -> None:
    log(time, "incident_opened", None, iid, title=f"title {iid}", type="phishing",
        severity="high", affected=certs, hosted_in=["X"], affected_certs=certs, **extra)


def delivered(log: Log, time: float, to: str, iid: str, sender: str, verb: str) -> None:
    log(time, "message_delivered", to, iid, sender=sender, verb=verb)


def sent(log: Log, time: float, sender: str, iid: str, verb: str, to_kind: str) -> None:
    log(time, "message_sent", sender, iid, verb=verb, to_kind=to_kind)


def police_chain_log(**start: Any) -> Log:
    """One incident followed from its opening at T+10 to containment at T+100."""
    log = Log()
    started(log, **start)
    log(5, "acknowledged", "A", "ghost")  # an incident never opened: ignored
    opened(log, 10, "I1", ["A", "B"])
    log(12, "inject_delivered", "A", "I1", sender="control")
    log(14, "acknowledged", "A", "I1")
    log(16, "acknowledged", "B", "I1")  # not the first
    sent(log, 18, "A", "I1", "notify", "national_cert")
    delivered(log, 20, "B", "I1", "A", "notify")
    delivered(log, 22, "A", "I1", "B", "notify")  # A heard from control first, at 12
    log(30, "incident_updated", None, "I1", affected=["A", "B", "Z"], hosted_in=["X", "Y"],
        affected_certs=["A", "B"])
    delivered(log, 35, "R", "I1", "B", "escalate")
    delivered(log, 36, "R", "I1", "A", "escalate")  # the council was reached at 35
    sent(log, 40, "A", "I1", "refer_police", "national_police")
    sent(log, 41, "A", "I1", "refer_police", "national_police")
    delivered(log, 45, "P", "I1", "A", "refer_police")
    sent(log, 50, "P", "I1", "request_preservation", "isp")  # never arrives
    sent(log, 55, "P", "I1", "request_assistance", "national_police")
    sent(log, 58, "P", "I1", "request_assistance", "intl_police_channel")  # never arrives
    delivered(log, 65, "R", "I1", "P", "request_assistance")  # a council is neither kind
    delivered(log, 70, "Q", "I1", "P", "request_assistance")
    delivered(log, 70, "L", "I1", "K", "request_mla")  # between central authorities
    log(90, "takedown_completed", "HX", "I1", country="X")
    log(95, "takedown_completed", "HY", "I1", country="Y", nothing_hosted=True)
    log(100, "contained", None, "I1")
    return log


def test_one_incident_from_opening_to_containment():
    [inc] = incident_metrics(police_chain_log().events)
    assert (inc["id"], inc["title"], inc["type"], inc["severity"]) == (
        "I1", "title I1", "phishing", "high")
    assert inc["opened_at"] == 10
    # the update at T+30 replaced the lists
    assert (inc["affected"], inc["hosted_in"]) == (["A", "B", "Z"], ["X", "Y"])
    assert inc["first_acknowledgement"] == {"at": 14, "after": 4, "by": "A"}
    assert inc["ansac_reached"] == {"at": 35, "after": 25, "by": "B"}
    assert inc["first_heard"] == {
        "A": {"at": 12, "after": 2, "from": "control", "via": "control"},
        "B": {"at": 20, "after": 10, "from": "A", "via": "peer"},
        "R": {"at": 35, "after": 25, "from": "B", "via": "peer"},
        "P": {"at": 45, "after": 35, "from": "A", "via": "peer"},
        "Q": {"at": 70, "after": 60, "from": "P", "via": "peer"},
        "L": {"at": 70, "after": 60, "from": "K", "via": "peer"},
    }
    # peers reached A at 22 and B at 20; counting control, A was reached at 12
    peers = {"at": 22, "after": 12, "reached": 2, "of": 2, "missing": [], "counts": "peers"}
    assert inc["all_affected_certs_reached_by_peers"] == peers
    assert inc["all_affected_certs_reached"] == peers  # control does not count here
    assert inc["all_affected_certs_reached_incl_control"] == {
        "at": 20, "after": 10, "reached": 2, "of": 2, "missing": [],
        "counts": "control or peers"}
    assert inc["takedowns"] == [{"country": "X", "at": 90, "after": 80, "by": "HX"}]
    assert inc["contained"] == {"at": 100, "after": 90}
    # no name given: reports name the regional council the incident reached
    assert inc["regional_coordinator"] == "Council"


def test_the_police_chain_hop_by_hop():
    [inc] = incident_metrics(police_chain_log().events)
    assert inc["law_enforcement"]["hops"] == [
        {"hop": "CERT -> national police", "from": "A", "to": "P", "at": 45, "after": 35,
         "hop_duration": 35},
        # sent, never arrived: when it was sent (a log without message ids: in transit)
        {"hop": "preservation request", "at": None, "after": None, "hop_duration": None,
         "sent_at": 50, "outcome": "in_transit"},
        {"hop": "police -> international channel", "at": None, "after": None,
         "hop_duration": None, "sent_at": 58, "outcome": "in_transit"},
        {"hop": "police -> foreign police", "from": "P", "to": "Q", "at": 70, "after": 60,
         "hop_duration": 25},
        # never sent
        {"hop": "police -> central authority", "at": None, "after": None,
         "hop_duration": None, "sent_at": None, "outcome": None},
        # reached in the same minute as the foreign police: a hop of no time
        {"hop": "formal MLA request", "from": "K", "to": "L", "at": 70, "after": 60,
         "hop_duration": 0},
    ]
    # of two steps reached in the same minute, the later in the chain ends it
    assert inc["law_enforcement"]["end_to_end"] == {"to": "formal MLA request", "after": 60,
                                                    "at": 70}


def test_a_step_reached_before_an_earlier_one_is_timed_from_the_last_step_before_it():
    log = Log()
    started(log)
    opened(log, 0, "I1", ["A"])
    delivered(log, 30, "Q", "I1", "P", "request_preservation")  # preservation first
    delivered(log, 50, "P", "I1", "A", "refer_police")
    delivered(log, 40, "C", "I1", "P", "request_assistance")  # logged late, reached at 40
    [inc] = incident_metrics(log.events)
    hops = {h["hop"]: h for h in inc["law_enforcement"]["hops"]}
    assert hops["CERT -> national police"]["hop_duration"] == 50
    assert hops["preservation request"]["hop_duration"] == 30
    assert hops["police -> international channel"]["hop_duration"] == 10  # since T+30
    assert hops["police -> foreign police"]["sent_at"] is None  # never sent
    # the step reached last ends the chain, wherever it is listed
    assert inc["law_enforcement"]["end_to_end"] == {"to": "CERT -> national police",
                                                    "after": 50, "at": 50}


def test_an_incident_nobody_handled():
    log = police_chain_log()
    opened(log, 100, "I2", ["A", "B"])
    log(110, "inject_delivered", "B", "I2", sender="control")
    opened(log, 120, "I3", [])  # no CERT to reach: reached when opened
    _, i2, i3 = incident_metrics(log.events)
    assert i2["id"] == "I2"
    assert i2["first_acknowledgement"] is None and i2["ansac_reached"] is None
    assert i2["contained"] is None and i2["takedowns"] == []
    assert i2["first_heard"] == {"B": {"at": 110, "after": 10, "from": "control",
                                       "via": "control"}}
    assert i2["all_affected_certs_reached"] == {
        "at": None, "after": None, "reached": 0, "of": 2, "missing": ["A", "B"],
        "counts": "peers"}
    assert i2["all_affected_certs_reached_incl_control"] == {
        "at": None, "after": None, "reached": 1, "of": 2, "missing": ["A"],
        "counts": "control or peers"}
    assert i2["law_enforcement"]["end_to_end"] is None
    assert [h["at"] for h in i2["law_enforcement"]["hops"]] == [None] * 6
    assert [h["sent_at"] for h in i2["law_enforcement"]["hops"]] == [None] * 6
    # no affected CERT in the drill: nothing to reach, so no time (not "at once")
    assert i3["all_affected_certs_reached"] == {
        "at": None, "after": None, "reached": 0, "of": 0, "missing": [], "counts": "peers"}


def test_control_counts_as_reach_when_the_scenario_says_so():
    log = police_chain_log(control_counts_as_reach=True)
    [inc] = incident_metrics(log.events)
    assert inc["all_affected_certs_reached"]["at"] == 20
    assert inc["all_affected_certs_reached"]["counts"] == "control or peers"


def test_a_scenario_naming_its_own_stages():
    names = {"police_referral": "To the police", "mla": "Treaty request",
             "regional_coordinator": "ASEANAPOL"}
    [inc] = incident_metrics(police_chain_log(names=names).events)
    hops = inc["law_enforcement"]["hops"]
    assert [(h["hop"], h["stage"]) for h in hops] == [
        ("To the police", "police_referral"),
        ("preservation request", "preservation"),
        ("police -> international channel", "international_channel"),
        ("police -> foreign police", "foreign_police"),
        ("police -> central authority", "central_authority"),
        ("Treaty request", "mla"),
    ]
    assert hops[0]["at"] == 45 and hops[5]["at"] == 70
    assert hops[1]["sent_at"] == 50  # the renamed chain still records what was sent
    assert inc["law_enforcement"]["end_to_end"]["to"] == "Treaty request"
    assert inc["regional_coordinator"] == "ASEANAPOL"
    # names given, but not the coordinator's: the council reached
    [plain] = incident_metrics(police_chain_log(names={}).events)
    assert plain["regional_coordinator"] == "Council"
    assert plain["law_enforcement"]["hops"][0]["hop"] == "CERT -> national police"


def test_the_last_drill_start_in_the_log_describes_the_actors():
    log = Log()
    log(0, "drill_started", actors={"A": {"kind": "national_cert", "name": "x"}},
        expectations=[], control_counts_as_reach=True)
    started(log)  # the run restarted: R is the council now, control does not count
    opened(log, 0, "I1", ["A"])
    log(1, "inject_delivered", "A", "I1", sender="control")
    delivered(log, 2, "R", "I1", "A", "escalate")
    [inc] = incident_metrics(log.events)
    assert inc["ansac_reached"] == {"at": 2, "after": 2, "by": "A"}
    assert inc["all_affected_certs_reached"]["at"] is None


def expectations_log(end: float | None) -> list[Event]:
    log = Log()
    specs = [{"id": f"E{i}", "score": 10 * i, "verb": "notify"} for i in (1, 2, 3, 4)]
    log(0, "drill_started", actors={}, expectations=specs)
    log(30, "expectation_met", "A", "I1", expectation="E1", deadline_at=60, score=10)
    log(60, "expectation_missed", None, "I1", expectation="E2", deadline_at=60,
        contingency="phone the duty officer")
    log(90, "expectation_late", "B", "I1", expectation="E2", late_by=30)
    log(100, "expectation_missed", None, "I1", expectation="E3", deadline_at=100)
    if end is not None:
        log(end, "drill_ended")
    return log.events


def test_an_update_that_adds_a_cert_waits_for_it_to_be_reached():
    log = Log()
    started(log)
    opened(log, 0, "I1", ["A"])
    delivered(log, 5, "A", "I1", "B", "notify")
    log(10, "incident_updated", None, "I1", affected=["A", "B"], hosted_in=["X"],
        affected_certs=["A", "B"])
    delivered(log, 12, "B", "I1", "A", "notify")
    [inc] = incident_metrics(log.events)
    assert inc["all_affected_certs_reached"] == {
        "at": 12, "after": 12, "reached": 2, "of": 2, "missing": [], "counts": "peers"}


def test_a_log_without_its_drill_start_knows_no_council_and_counts_peers_only():
    log = Log()
    opened(log, 0, "I1", ["A"])
    delivered(log, 5, "R", "I1", "A", "escalate")
    log(6, "inject_delivered", "A", "I1", sender="control")
    [inc] = incident_metrics(log.events)
    assert inc["ansac_reached"] is None  # nothing says R is the council
    assert inc["all_affected_certs_reached"]["at"] is None  # control does not count
    assert inc["all_affected_certs_reached_incl_control"]["at"] == 6


def test_expectations_met_late_missed_and_open():
    e1, e2, e3, e4 = expectation_metrics(expectations_log(end=480))
    assert e1 == {"id": "E1", "score": 10, "verb": "notify", "status": "met", "at": 30,
                  "deadline_at": 60, "lateness": None, "earned": 10, "by": "A"}
    # done 30 minutes after its deadline: late, and it earns nothing
    assert e2 == {"id": "E2", "score": 20, "verb": "notify", "status": "late", "at": 90,
                  "deadline_at": 60, "lateness": 30, "earned": 0.0, "by": "B",
                  "contingency": "phone the duty officer"}
    # still not done when the drill ended at T+480: 380 minutes overdue
    assert e3 == {"id": "E3", "score": 30, "verb": "notify", "status": "missed", "at": None,
                  "deadline_at": 100, "lateness": 380, "earned": 0.0, "contingency": None,
                  "never_done": True}
    assert e4 == {"id": "E4", "score": 40, "verb": "notify", "status": "open", "at": None,
                  "deadline_at": None, "lateness": None, "earned": 0.0}


def test_a_missed_expectation_in_a_log_that_has_not_ended_has_no_lateness_yet():
    e3 = expectation_metrics(expectations_log(end=None))[2]
    assert e3["status"] == "missed"
    assert e3["lateness"] is None and "never_done" not in e3


def hops_log() -> list[Event]:
    log = Log()
    msg = {"to": "B", "verb": "notify", "trigger_at": 4, "rule": "tell-b"}
    log(10, "message_sent", "A", "I1", msg="m1", dispatch="d1", **msg)
    log(12, "message_lost", "B", "I1", dispatch="d1", reason="stale_contact")
    log(13, "message_lost", "B", "I1", reason="no_contact")  # lost before any dispatch
    log(20, "message_sent", "A", "I1", msg="m2", dispatch="d1", **msg)
    log(21, "message_bounced", "A", "I1", dispatch="d1")
    log(25, "message_sent", "A", "I1", msg="m3", dispatch="d1", **msg)
    log(30, "message_delivered", "B", "I1", msg="m3", dispatch="d1")
    log(35, "message_delivered", "B", "I1", msg="m2", dispatch="d1")  # a late copy
    log(40, "acknowledged", "B", "I1", dispatches=["d1", "unknown"])
    log(50, "acknowledged", "B", "I1", dispatches=["d1"])
    # sent twice, never delivered
    esc = {"to": "R", "verb": "escalate", "trigger_at": 50}
    log(60, "message_sent", "A", None, msg="m4", dispatch="d2", **esc)
    log(64, "message_sent", "A", None, msg="m5", dispatch="d2", **esc)
    # delivered, never acknowledged
    log(70, "message_sent", "A", "I1", msg="m6", dispatch="d3", to="C", verb="share",
        trigger_at=65)
    log(80, "message_delivered", "C", "I1", msg="m6", dispatch="d3")
    log(81, "acknowledged", "C", "I1")  # acknowledges no dispatch
    return log.events


def test_a_hop_from_its_trigger_to_the_acknowledgement():
    d1, d2, d3 = hop_metrics(hops_log())
    assert d1 == {
        "dispatch": "d1", "from": "A", "to": "B", "verb": "notify", "incident": "I1",
        "rule": "tell-b", "trigger_at": 4, "first_sent_at": 10, "last_sent_at": 25,
        "delivered_at": 30, "sent_at": 25, "acknowledged_at": 40, "attempts": 3,
        "lost": ["stale_contact", "bounced"],
        # 4 -> 40: 6 handling, 15 on attempts that never arrived, 5 transit, 10 to ack
        "duration": 36, "handling": 6, "lost_time": 15, "held_time": 0, "transit": 5,
        "office_hours_wait": 0, "awaiting_ack": 10,
    }
    assert d2 == {
        "dispatch": "d2", "from": "A", "to": "R", "verb": "escalate", "incident": None,
        "rule": None, "trigger_at": 50, "first_sent_at": 60, "last_sent_at": 64,
        "delivered_at": None, "acknowledged_at": None, "attempts": 2, "lost": [],
        "duration": None, "handling": 10, "lost_time": 4, "held_time": None,
        "transit": None, "office_hours_wait": None, "awaiting_ack": None,
    }
    assert (d3["delivered_at"], d3["acknowledged_at"]) == (80, None)
    # not acknowledged: the hop ends on delivery
    assert (d3["duration"], d3["transit"], d3["awaiting_ack"]) == (15, 10, None)


def test_an_acknowledgement_without_its_delivery_in_the_log_has_no_waiting_time():
    log = Log()
    log(10, "message_sent", "A", "I1", msg="m1", dispatch="d1", to="B", verb="notify",
        trigger_at=0)
    log(30, "acknowledged", "B", "I1", dispatches=["d1"])
    [d1] = hop_metrics(log.events)
    assert (d1["duration"], d1["transit"], d1["awaiting_ack"]) == (30, None, None)


def test_a_resent_message_overtaken_by_its_first_copy_is_timed_from_that_copy():
    log = Log()
    msg = {"to": "B", "verb": "notify", "trigger_at": 0}
    log(10, "message_sent", "A", "I1", msg="m1", dispatch="d1", **msg)
    log(20, "message_sent", "A", "I1", msg="m2", dispatch="d1", **msg)  # chased
    log(22, "message_delivered", "B", "I1", msg="m1", dispatch="d1")  # the first arrives
    [d1] = hop_metrics(log.events)
    assert (d1["sent_at"], d1["last_sent_at"]) == (10, 20)
    # nothing was lost: the first copy took 12 minutes to arrive
    assert (d1["lost_time"], d1["transit"], d1["duration"]) == (0, 12, 22)


def test_acknowledgement_latency_per_actor():
    log = Log()
    log(0, "drill_started", actors={"A": {"kind": "national_cert", "name": "CERT A"},
                                    "B": {"kind": "national_cert", "name": "CERT B"}},
        expectations=[])
    log(14, "acknowledged", "A", "I1", received_at=10)
    log(30, "acknowledged", "A", "I1", received_at=20)
    log(33, "acknowledged", "Z", "I1", received_at=30)  # not in the scenario
    assert actor_metrics(log.events) == {
        "A": {"name": "CERT A", "acknowledgements": 2, "mean_ack_latency": 7,
              "max_ack_latency": 10},
        "B": {"name": "CERT B", "acknowledgements": 0, "mean_ack_latency": None,
              "max_ack_latency": None},
        "Z": {"name": "Z", "acknowledgements": 1, "mean_ack_latency": 3,
              "max_ack_latency": 3},
    }
    assert list(actor_metrics(log.events)) == ["A", "B", "Z"]


def run_log() -> list[Event]:
    log = Log()
    specs = [{"id": "E1", "score": 10}, {"id": "E2", "score": 5}, {"id": "E3", "score": 1}]
    log(0, "drill_started", scenario="s1", title="A drill", start="2026-08-19T09:00:00+08:00",
        clock_timezone="Asia/Singapore", duration=480, seed=7, actors={}, expectations=specs)
    for i, (trigger, ack) in enumerate([(0, 30), (0, 50), (10, 60), (0, 20)]):
        log(trigger + 1, "message_sent", "A", "I1", msg=f"m{i}", dispatch=f"d{i}", to="B",
            verb="notify", trigger_at=trigger)
        log(trigger + 2, "message_delivered", "B", "I1", msg=f"m{i}", dispatch=f"d{i}")
        log(ack, "acknowledged", "B", "I1", dispatches=[f"d{i}"], received_at=trigger + 2)
    log(61, "message_sent", "A", "I1", msg="m9", dispatch="d9", to="R", verb="notify",
        trigger_at=0)  # never delivered: not among the slowest
    log(62, "message_lost", "R", "I1", dispatch="d9", sender="A", channel="email",
        reason="stale_contact")
    log(63, "message_lost", "R", None, channel="phone", reason="stale_contact")
    log(64, "message_lost", "C", "I1", dispatch="d9", sender="A", channel="phone",
        reason="outage")
    log(65, "message_bounced", "A", "I1", dispatch="d9")
    log(65, "message_bounced", "A", "I1", dispatch="d9")
    log(66, "message_chased", "A", "I1")
    log(67, "message_chased", "A", "I1")
    log(70, "tlp_violation", "A", "I1", to="C", ref="report", tlp="AMBER", action="share")
    log(75, "expectation_met", "A", "I1", expectation="E1", deadline_at=80, score=10)
    log(76, "expectation_met", "A", "I1", expectation="E3", deadline_at=80, score=0.5)
    return log.events


def test_the_whole_run_in_one_document():
    events = run_log()
    m = compute([e.to_dict() for e in events], slowest=2)  # as read back from a file
    assert (m["format"], m["version"], m["seed"], m["events"]) == ("drill-run", 1, 7, 24)
    assert m["scenario"] == {"id": "s1", "title": "A drill",
                             "start": "2026-08-19T09:00:00+08:00",
                             "clock_timezone": "Asia/Singapore", "duration": 480}
    assert m["score"] == {"earned": 10.5, "possible": 16, "met": 2, "of": 3}
    assert [x["status"] for x in m["expectations"]] == ["met", "open", "met"]
    # durations 30, 50, 50, 20: the two slowest, ties by dispatch
    assert [(h["dispatch"], h["duration"]) for h in m["slowest_hops"]] == [("d1", 50),
                                                                           ("d2", 50)]
    assert len(compute(events)["slowest_hops"]) == 4  # five by default, four finished
    assert m["messages"] == {
        "sent": 5, "delivered": 4, "bounced": 2, "chased": 2,
        "lost": {"stale_contact": 2, "outage": 1}, "injects_lost": {},
        "lost_list": [
            {"at": 62, "to": "R", "from": "A", "channel": "email", "reason": "stale_contact",
             "incident": "I1", "inject": None},
            {"at": 63, "to": "R", "from": None, "channel": "phone",
             "reason": "stale_contact", "incident": None, "inject": None},
            {"at": 64, "to": "C", "from": "A", "channel": "phone", "reason": "outage",
             "incident": "I1", "inject": None},
        ],
    }
    assert m["tlp_violations"] == [{"at": 70, "by": "A", "to": "C", "ref": "report",
                                    "tlp": "AMBER", "action": "share", "incident": "I1"}]
    # acknowledged 28, 48, 48 and 18 minutes after delivery
    assert m["actors"] == {"B": {"name": "B", "acknowledgements": 4, "mean_ack_latency": 35.5,
                                 "max_ack_latency": 48}}
    assert m["incidents"] == []


def test_the_five_slowest_hops_by_default():
    log = Log()
    for i in range(7):
        log(i, "message_sent", "A", "I1", msg=f"m{i}", dispatch=f"d{i}", to="B",
            verb="notify", trigger_at=0)
        log(10 * i, "message_delivered", "B", "I1", msg=f"m{i}", dispatch=f"d{i}")
    slowest = compute(log.events)["slowest_hops"]
    assert [h["duration"] for h in slowest] == [60, 50, 40, 30, 20]


def test_a_log_that_does_not_open_with_the_drill_start_has_no_header():
    events = [e for e in run_log()[1:] if not e.type.startswith("expectation_")]
    m = compute(events)
    assert m["scenario"] == dict.fromkeys(("id", "title", "start", "clock_timezone",
                                           "duration"))
    assert m["seed"] is None and m["events"] == 21
    assert compute([])["events"] == 0 and compute([])["scenario"]["id"] is None


def test_events_read_back_from_a_file_equal_the_originals():
    events = run_log()
    assert as_events([e.to_dict() for e in events]) == events
    assert as_events(events)[3] is events[3]


def test_an_incident_is_described_as_last_updated():
    # a later inject raises the severity and renames the incident: the report says so
    log = Log()
    started(log)
    opened(log, 0, "I1", ["A"])
    log(10, "incident_updated", None, "I1", title="worse", type="ransomware",
        severity="critical", affected=["A"], hosted_in=["X"], affected_certs=["A"])
    [inc] = incident_metrics(log.events)
    assert (inc["title"], inc["type"], inc["severity"]) == ("worse", "ransomware", "critical")
    assert inc["opened_at"] == 0


def test_a_bundled_update_that_raises_the_severity_is_reported():
    from scenarios import load_scenario, resolve_scenario_arg
    from sim.engine import Engine

    log = Engine(load_scenario(resolve_scenario_arg("acid-supply-chain")), seed=0).run()
    updated = [e for e in log if e.type == "incident_updated" and e.incident == "supply-chain"]
    assert updated and updated[-1].details["severity"] == "critical"
    inc = next(i for i in incident_metrics(log) if i["id"] == "supply-chain")
    assert inc["severity"] == "critical"
