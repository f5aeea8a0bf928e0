"""What a hand-back leaves the automated policy to do, and what the log says was dropped.

The hand-computed drill (tests/conftest.py): control's report on incident x reaches
cert-a at T+01:00 (60); the policy acknowledges it in 10 minutes (70), analyses for 30
(100), drafts the notification to cert-b for 5 (105), then the escalation to the council
for 5 more (110). cert-a has one desk, open 09:00-17:00 Singapore time (T+00:00 to
T+08:00, and T+24:00 to T+32:00 the next day).

- A role handed back to the policy after a person did everything the rules ask on an
  incident costs the policy no analysis of it: the analysis is spent only before an
  action the policy still owes.
- A role handed to a person and straight back, nothing happening in between, logs no
  ``work_dropped`` for work that had not begun (it waits its turn again, as it was);
  work in hand is still dropped and logged.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Action, Engine
from sim.runs.session import DrillSession

NEXT_OPENING = 24 * 60.0  # Thursday 09:00 in Singapore


def _second_report(data, at: str = "T+03:20", incident: str = "y"):
    """Another incident, affecting both countries, reported to cert-a at ``at``."""
    data["injects"].append(
        {"id": "2", "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Another report",
         "incident": {"id": incident, "type": "botnet", "affected": ["SG", "TH"]}})
    return data


def _person_plays(engine: Engine, acts, back: float) -> list:
    """cert-a goes to a person at the start; the person acts at T+61 and hands the role
    back at ``back``."""
    engine.set_human("cert-a", True)
    engine.run_until(61)
    engine.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
    for action in acts:
        engine.act(action)
    engine.run_until(back)
    engine.set_human("cert-a", False)
    return engine.run()


def _straight_back_of(engine: Engine, role: str, at: float) -> list:
    """``role`` goes to a person and straight back at ``at``."""
    engine.run_until(at)
    engine.set_human(role, True)
    engine.set_human(role, False)
    return engine.run()


def _straight_back(engine: Engine, at: float) -> list:
    return _straight_back_of(engine, "cert-a", at)


NOTIFY = Action("cert-a", "notify", "x", targets=("cert-b",), channel="email", tlp="GREEN",
                refs=("inject:1",))
ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="GREEN", refs=("inject:1",))


def _done_by_cert_a(log, incident: str) -> list[tuple[float, str, str]]:
    return [(e.time, e.type, e.details["by"]) for e in log
            if e.actor == "cert-a" and e.incident == incident
            and e.type in ("acknowledged", "analysed", "notified", "escalated", "preserved")]


# --- defect: an analysis spent on an incident the person had finished -------------------


def test_a_person_who_did_everything_leaves_the_policy_no_analysis(scenario_data, load):
    """The person notified, escalated and preserved: back at T+200, the policy has
    nothing left to do on x, spends no time at its one desk on it, and takes up the
    report on y that arrives then at once (acknowledged 210, analysed 240, then its
    actions), not after a needless half-hour analysis of x."""
    scenario_data["actors"]["cert-a"]["capacity"] = 1
    scenario_data["frameworks"]["fw"]["rules"]["preserve"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "preserve", "deadline": "4h"}
    _second_report(scenario_data)
    preserve = Action("cert-a", "preserve", "x")
    log = _person_plays(Engine(load(scenario_data), seed=0), [NOTIFY, ESCALATE, preserve], 200)
    assert _done_by_cert_a(log, "x") == [
        (61, "acknowledged", "human"), (61, "notified", "human"),
        (61, "escalated", "human"), (61, "preserved", "human")]
    assert _done_by_cert_a(log, "y") == [
        (210, "acknowledged", "policy"), (240, "analysed", "policy"),
        (245, "notified", "policy"), (250, "escalated", "policy"),
        (255, "preserved", "policy")]


def test_what_the_person_left_undone_is_still_analysed_first(scenario_data, load):
    """The person notified but did not escalate: back at T+200, the policy analyses x
    (200 to 230) before it escalates (235), and does not notify cert-b again."""
    log = _person_plays(Engine(load(scenario_data), seed=0), [NOTIFY], 200)
    assert _done_by_cert_a(log, "x") == [
        (61, "acknowledged", "human"), (61, "notified", "human"),
        (230, "analysed", "policy"), (235, "escalated", "policy")]
    [analysed] = events_of(log, "analysed", "cert-a")
    assert analysed.details["started_at"] == 200


def test_a_rule_held_until_what_the_person_did_is_analysed_before_it_is_sent(
        scenario_data, load):
    """A share held until the escalation: the person did both messages the rules ask
    for but not the share, so back at T+200 the policy analyses (to 230) and shares
    (235)."""
    scenario_data["frameworks"]["fw"]["rules"]["sitrep"] = {
        "by": ["national_cert"], "on": ["inject"], "action": "share", "to": ["cert-b"],
        "channel": "email", "deadline": "4h", "tlp": "GREEN", "hold_until": ["escalate"]}
    log = _person_plays(Engine(load(scenario_data), seed=0), [NOTIFY, ESCALATE], 200)
    assert [(e.time, e.type) for e in log if e.actor == "cert-a"
            and e.type in ("analysed", "message_sent")][-2:] == [
        (230, "analysed"), (235, "message_sent")]
    assert [e.details["verb"] for e in events_of(log, "message_sent", "cert-a")] == [
        "notify", "escalate", "share"]


def test_a_phase_rule_after_a_hand_back_is_analysed_when_it_applies(scenario_data, load):
    """The escalation waits for the response phase (T+300). The person notified; back at
    T+200 the policy owes nothing yet and does not analyse; when the phase begins it
    analyses (300 to 330) and escalates (335)."""
    scenario_data["drill"]["phases"] = {"detection": {"start": "T+00:00", "end": "T+05:00"},
                                        "response": {"start": "T+05:00"}}
    scenario_data["frameworks"]["fw"]["rules"]["escalate"]["when"]["phase"] = ["response"]
    log = _person_plays(Engine(load(scenario_data), seed=0), [NOTIFY], 200)
    assert _done_by_cert_a(log, "x") == [
        (61, "acknowledged", "human"), (61, "notified", "human"),
        (330, "analysed", "policy"), (335, "escalated", "policy")]
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.details["trigger"] == "phase:response"


def test_an_analysis_dropped_while_nobody_acted_is_done_again(scenario_data, load):
    """cert-b is told of x at T+110 and analyses it from T+120; no rule asks anything more
    of it. Handed to a person and straight back at T+130, nobody acted on x: the policy
    analyses it again, from T+130, as it would have without the hand-over."""
    log = _straight_back_of(Engine(load(scenario_data), seed=0), "cert-b", 130)
    [dropped] = events_of(log, "work_dropped", "cert-b")
    assert (dropped.time, [i["stage"] for i in dropped.details["items"]]) == (
        130, ["analysing"])
    assert [(e.time, e.details["started_at"]) for e in events_of(log, "analysed", "cert-b")] \
        == [(160, 130)]


# --- defect: work_dropped logged for a role handed over and straight back ---------------




def test_work_waiting_for_the_office_is_not_dropped_by_a_role_handed_straight_back(
        scenario_data, load):
    """The report reaches cert-a at T+10:00, after hours, and waits for the office to open
    (T+24:00). The role goes to a person and straight back at T+11:00: nothing had begun,
    nothing is dropped, and the report is handled at the opening as before."""
    scenario_data["injects"][0]["at"] = "T+10:00"
    plain = Engine(load(scenario_data), seed=0).run()
    log = _straight_back(Engine(load(scenario_data), seed=0), 660)
    assert [(e.time, e.type) for e in log if e.type in ("role_changed", "work_dropped")] == [
        (660, "role_changed"), (660, "role_changed")]
    expected = [(NEXT_OPENING + 10, "acknowledged", "policy"),
                (NEXT_OPENING + 40, "analysed", "policy"),
                (NEXT_OPENING + 45, "notified", "policy"),
                (NEXT_OPENING + 50, "escalated", "policy")]
    assert _done_by_cert_a(plain, "x") == _done_by_cert_a(log, "x") == expected


def test_a_role_handed_straight_back_lists_only_the_work_it_had_begun(scenario_data, load):
    """A second report (y) arrives at T+01:20 and waits for cert-a's one desk, busy
    analysing x.
    Straight back at T+01:30: only the analysis, in hand, is dropped (and done again
    from T+90); y, which had not begun, is not listed."""
    scenario_data["actors"]["cert-a"]["capacity"] = 1
    _second_report(scenario_data, at="T+01:20")
    log = _straight_back(Engine(load(scenario_data), seed=0), 90)
    [dropped] = events_of(log, "work_dropped", "cert-a")
    assert (dropped.time, dropped.details["items"]) == (
        90, [{"ref": "inject:1", "incident": "x", "stage": "analysing"}])
    assert [(e.time, e.type) for e in log if e.type in ("role_changed", "work_dropped")] == [
        (90, "role_changed"), (90, "work_dropped"), (90, "role_changed")]


def test_a_role_handed_back_and_straight_over_again_drops_nothing(scenario_data, load):
    """A person plays cert-a from the start and has not acknowledged the report. Handed to
    the policy and straight back to the person at T+100, the policy never began anything:
    nothing is dropped, and nothing is done for the role."""
    engine = Engine(load(scenario_data), seed=0, human=["cert-a"])
    engine.run_until(100)
    engine.set_human("cert-a", False)
    engine.set_human("cert-a", True)
    log = engine.run()
    assert [(e.time, e.type) for e in log if e.actor == "cert-a"
            and e.type not in ("inject_delivered", "message_delivered")] == [
        (100, "role_changed"), (100, "role_changed")]


def test_a_real_hand_over_still_drops_waiting_work(scenario_data, load):
    """The same waiting report, but the person holds the role for 40 minutes: the work the
    policy had waiting is dropped at T+11:00, and logged then."""
    scenario_data["injects"][0]["at"] = "T+10:00"
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(660)
    engine.set_human("cert-a", True)
    engine.run_until(700)
    engine.set_human("cert-a", False)
    log = engine.run()
    assert [(e.time, e.type) for e in log if e.type in ("role_changed", "work_dropped")] == [
        (660, "role_changed"), (660, "work_dropped"), (700, "role_changed")]
    [dropped] = events_of(log, "work_dropped", "cert-a")
    assert dropped.details["items"] == [{"ref": "inject:1", "incident": "x",
                                         "stage": "waiting"}]


def test_a_role_handed_over_back_and_over_again_at_once_is_one_hand_over(
        scenario_data, load):
    """To a person, back and to a person again at T+11:00: the role ends up with the
    person, as after one hand-over, and the waiting work is logged as dropped once."""
    scenario_data["injects"][0]["at"] = "T+10:00"
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(660)
    for human in (True, False, True):
        engine.set_human("cert-a", human)
    engine.run_until(700)
    engine.set_human("cert-a", False)
    log = engine.run()
    assert [(e.time, e.type) for e in log if e.type in ("role_changed", "work_dropped")] == [
        (660, "role_changed"), (660, "role_changed"), (660, "role_changed"),
        (660, "work_dropped"), (700, "role_changed")]
    [dropped] = events_of(log, "work_dropped", "cert-a")
    assert dropped.details["items"] == [{"ref": "inject:1", "incident": "x",
                                         "stage": "waiting"}]


def test_a_person_acting_in_between_makes_the_hand_over_real(scenario_data, load):
    """Handed to a person at T+11:00, who acknowledges the waiting report at once, and
    straight back: the person acted, so the policy's work was dropped, and the log
    says so before the person's acknowledgement."""
    scenario_data["injects"][0]["at"] = "T+10:00"
    engine = Engine(load(scenario_data), seed=0)
    engine.run_until(660)
    engine.set_human("cert-a", True)
    engine.act(Action("cert-a", "acknowledge", "x", refs=("inject:1",)))
    engine.set_human("cert-a", False)
    log = engine.run()
    assert [(e.time, e.type) for e in log if e.actor == "cert-a" and e.time == 660] == [
        (660, "role_changed"), (660, "work_dropped"), (660, "acknowledged"),
        (660, "role_changed")]


def test_a_duty_officer_called_out_is_dropped_by_a_role_handed_straight_back(
        scenario_data, load):
    """A severe call at T+10:00, after hours, with a duty officer who answers after 3h:
    straight back at T+11:00, the call-out is dropped (logged as waiting) and the duty
    officer is called again, answering at T+14:00."""
    scenario_data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+ctl"}
    scenario_data["actors"]["cert-a"]["on_call"] = {
        "channels": ["phone"], "min_severity": "high", "answer_after": "3h"}
    inject = scenario_data["injects"][0]
    inject.update({"at": "T+10:00", "via": "phone"})
    inject["incident"]["severity"] = "high"
    log = _straight_back(Engine(load(scenario_data), seed=0), 660)
    [dropped] = events_of(log, "work_dropped", "cert-a")
    assert (dropped.time, [i["stage"] for i in dropped.details["items"]]) == (660, ["waiting"])
    assert [e.time for e in events_of(log, "on_call_answered", "cert-a")] == [660 + 180]


def test_a_journal_of_a_role_handed_straight_back_replays_as_it_was_played(
        tmp_path, scenario_data, load):
    """Through a recorded drill: the facilitator hands cert-a to a person and back at
    T+11:00 while its report waits for the office. The journal holds no work_dropped,
    and the drill resumed from it plays on exactly as an unbroken one."""
    scenario_data["injects"][0]["at"] = "T+10:00"
    loaded = load(scenario_data)

    def play(s: DrillSession) -> None:
        s.advance_to(660)
        s.set_human("cert-a", True)
        s.set_human("cert-a", False)

    reference = DrillSession.start(loaded, record=False)
    play(reference)
    reference.advance_to(3000)
    path = tmp_path / "straight-back.journal.sqlite"
    first = DrillSession.start(loaded, journal_path=path)
    play(first)
    first.close()
    resumed = DrillSession.resume(path)
    resumed.advance_to(3000)
    log = resumed.engine.log
    assert [e.to_json() for e in log] == [e.to_json() for e in reference.engine.log]
    assert not events_of(log, "work_dropped")
    resumed.close()
