"""The policy acts only when its desk is on duty, and reads every arrival a rule waits
for: the retry after a bounce that comes back after hours, and a rule waiting for an
inject (``when.received``) that adds no fact."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def test_a_bounce_after_hours_is_retried_when_the_desk_opens(scenario_data, load):
    # CERT-SG (09:00-17:00 Singapore) hears at 16:00 and e-mails CERT-TH at 16:45; the
    # address is out of date and the mail bounces at 17:15, after CERT-SG has gone home
    scenario_data["injects"][0]["at"] = "T+07:00"
    scenario_data["channels"]["email"]["bounce"] = "30m"
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    log = Engine(load(scenario_data), seed=0).run()
    to_b = [e for e in events_of(log, "message_sent", "cert-a") if e.details["to"] == "cert-b"]
    assert [(e.time, e.details["channel"]) for e in to_b] == [(465.0, "email"),
                                                              (1440.0, "phone")]
    bounced = events_of(log, "message_bounced", "cert-a")
    assert [e.time for e in bounced] == [495.0]
    assert to_b[1].details["retry"] == "bounced"
    # the call reaches CERT-TH at 09:01 Singapore time, 08:01 in Bangkok: it waits for
    # the desk there to open at 09:00 Bangkok time
    delivered = [e for e in events_of(log, "message_delivered", "cert-b")
                 if e.details["dispatch"] == to_b[0].details["dispatch"]]
    assert [e.time for e in delivered] == [1500.0]


def test_a_bounce_on_duty_is_retried_at_once(scenario_data, load):
    scenario_data["channels"]["email"]["bounce"] = "30m"
    scenario_data["actors"]["cert-b"]["contacts"]["email"]["stale"] = True
    log = Engine(load(scenario_data), seed=0).run()
    bounced = events_of(log, "message_bounced", "cert-a")
    retried = [e for e in events_of(log, "message_sent", "cert-a")
               if e.details.get("retry") == "bounced"]
    assert bounced and [e.time for e in retried] == [bounced[0].time]


def test_a_rule_waiting_for_an_inject_without_facts_looks_again_when_it_arrives(
        scenario_data, load):
    # CERT-TH escalates to the council only once control's go-ahead (inject 2, which
    # adds no fact) has reached it: it arrives long after CERT-SG's notification
    rules = scenario_data["frameworks"]["fw"]["rules"]
    del rules["escalate"]
    rules["go"] = {"by": ["cert-b"], "on": ["notify"], "when": {"received": ["2"]},
                   "action": "escalate", "to": ["regional_council"], "channel": "email",
                   "deadline": "1h", "tlp": "GREEN"}
    scenario_data["injects"].append(
        {"id": "2", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "You may escalate now", "incident": {"id": "x"}})
    log = Engine(load(scenario_data), seed=0).run()
    assert events_of(log, "notified", "cert-b") == []
    notified = events_of(log, "message_delivered", "cert-b")
    assert notified and notified[0].time < 300
    escalated = events_of(log, "escalated", "cert-b")
    # the go-ahead arrives at T+05:00, is acknowledged in 10 minutes and the escalation
    # drafted in 5: due from the go-ahead's arrival
    assert [(e.time, e.details["rule"], e.details["trigger_at"]) for e in escalated] == [
        (315.0, "go", 300.0)]


def test_a_remote_sender_sees_its_message_acknowledged_and_nothing_else(scenario_data, load):
    """Over the network a player's view is built from the events the server lets it
    see: the recipient's acknowledgement reaches the sender, reduced to its own
    messages, so its Sent list says acknowledged as ``drill play`` does."""
    from sim.engine import Action
    from sim.engine.events import Event
    from sim.net.visibility import for_role, role_expectations
    from sim.runs.session import DrillSession
    from sim.runs.view import DrillState

    scenario_data["injects"].append(
        {"id": "2", "at": "T+01:10", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Also seen here", "incident": {"id": "x"}})
    session = DrillSession.start(load(scenario_data), seed=0, human=["cert-a"], record=False)
    session.advance_to(70)
    session.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                       tlp="AMBER", text="please coordinate"))
    session.advance_to(300)
    log = session.engine.log
    council_acks = [e for e in events_of(log, "acknowledged", "council")]
    assert council_acks
    mine = role_expectations(session.scenario, "cert-a")
    seen = [for_role(e, "cert-a", mine) for e in log]
    remote = DrillState(session.scenario)
    for shown in seen:
        if shown is not None:
            remote.apply(Event.from_dict(shown))
    local = DrillState(session.scenario)
    for e in log:
        local.apply(e)
    states = {(item.verb, dl.state) for item, dl in remote.sent("cert-a") if item.by == "human"}
    assert states == {("escalate", "acknowledged")}
    assert states == {(item.verb, dl.state) for item, dl in local.sent("cert-a")
                      if item.by == "human"}
    # what the council's acknowledgement shows cert-a: its own message, nothing more
    shown = [s for s in seen if s is not None and s["type"] == "acknowledged"
             and s["actor"] == "council"]
    assert shown and all(set(s["details"]) == {"by", "refs", "senders", "dispatches"}
                         and s["details"]["senders"] == ["cert-a"] for s in shown)
    # another team's acknowledgement of an inject, or of another team's message, is not
    others = [e for e in log if e.type == "acknowledged" and e.actor != "cert-a"
              and "cert-a" not in e.details["senders"]]
    assert others and all(for_role(e, "cert-a", mine) is None for e in others)


def test_a_place_freed_at_closing_goes_to_the_most_urgent_work_at_opening(
        scenario_data, load):
    # CERT-SG has one analyst. Inject 1 keeps them busy until 17:00 sharp (acknowledged
    # 16:20-16:30, analysed until 17:00); inject 2 (medium) waits for them from 16:25;
    # inject 3 (critical) arrives at 21:00. Nobody takes up inject 2 on the way out:
    # at 09:00 the critical incident goes first.
    scenario_data["actors"]["cert-a"]["capacity"] = 1
    scenario_data["frameworks"]["fw"]["rules"] = {}
    first = scenario_data["injects"][0]
    first["at"] = "T+07:20"

    def inject(iid: str, at: str, incident: str, severity: str) -> dict:
        return {"id": iid, "at": at, "sender": "ctl", "to": ["cert-a"], "via": "email",
                "tlp": "GREEN", "title": f"Incident {incident}",
                "incident": {"id": incident, "type": "phishing", "severity": severity,
                             "affected": ["SG"]}}

    scenario_data["injects"] += [inject("2", "T+07:25", "y", "medium"),
                                 inject("3", "T+12:00", "z", "critical")]
    log = Engine(load(scenario_data), seed=0).run()
    analysed = events_of(log, "analysed", "cert-a")
    assert [(e.incident, e.time) for e in analysed][:1] == [("x", 480.0)]
    acks = {e.details["refs"][0]: e.time for e in events_of(log, "acknowledged", "cert-a")}
    # delivered 5 minutes after each inject's time; the desk opens at T+24:00
    assert acks["inject:3"] == 1450.0
    assert acks["inject:2"] > acks["inject:3"]


def test_each_recipient_of_one_message_is_due_from_when_it_became_due(scenario_data, load):
    # CERT-SG hears at T+01:00 that Thailand is affected, and at T+01:10 that Malaysia
    # is too; it analyses until T+01:40 and then notifies both at once. Thailand's
    # message is due from T+01:00, Malaysia's from T+01:10: the hop to Thailand took
    # the longer, and its deadline is the earlier
    from conftest import cert

    scenario_data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    scenario_data["groups"]["asean"].append("MY")
    scenario_data["injects"].append(
        {"id": "2", "at": "T+01:10", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Malaysia too",
         "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    engine = Engine(load(scenario_data), seed=0)
    log = engine.run()
    sent = {e.details["to"]: e for e in events_of(log, "message_sent", "cert-a")
            if e.details["verb"] == "notify"}
    assert sent["cert-b"].time == sent["cert-c"].time
    assert (sent["cert-b"].details["trigger_at"], sent["cert-c"].details["trigger_at"]) == (
        60.0, 70.0)
    notified = events_of(log, "notified", "cert-a")
    # the action as a whole is set off by the newest fact it rests on
    assert [(sorted(e.details["targets"]), e.details["trigger_at"]) for e in notified] == [
        (["cert-b", "cert-c"], 70.0)]
    # the recipients read their own deadlines: four hours from when each was due
    deadlines = {d.recipient: d.deadline_at for d in engine.messaging.dispatches.values()
                 if d.verb == "notify"}
    assert deadlines == {"cert-b": 60.0 + 240, "cert-c": 70.0 + 240}


def _stale_email_to_b(scenario_data, silent: float, bounces: bool | None):
    scenario_data["channels"]["email"].update({"bounce": "30m", "silent_when_stale": silent})
    contact = scenario_data["actors"]["cert-b"]["contacts"]["email"]
    contact["stale"] = True
    if bounces is not None:
        contact["bounces"] = bounces
    return scenario_data


def _fates(log) -> list[str]:
    return [e.type for e in log if e.type in ("message_bounced", "message_lost")
            and (e.details.get("to") == "cert-b" or e.actor == "cert-b")
            and e.details.get("channel") == "email"]


def test_a_closed_mailbox_always_bounces_and_one_nobody_reads_never_does(scenario_data, load):
    import copy

    # the channel says every message to a stale address vanishes; the contact knows better
    closed = Engine(load(_stale_email_to_b(copy.deepcopy(scenario_data), 1.0, True)),
                    seed=0).run()
    assert _fates(closed) == ["message_bounced"]
    # the channel says every one bounces; this mailbox still takes mail nobody reads
    unread = Engine(load(_stale_email_to_b(copy.deepcopy(scenario_data), 0.0, False)),
                    seed=0).run()
    assert _fates(unread) == ["message_lost"]
    # as the channel says when the contact does not
    assert _fates(Engine(load(_stale_email_to_b(copy.deepcopy(scenario_data), 1.0, None)),
                         seed=0).run()) == ["message_lost"]


def test_the_closed_mailboxes_of_the_bundled_drills_always_bounce():
    from scenarios import load_scenario, resolve_scenario_arg

    for name, recipient in (("acid-hacktivism", "isp-vn"), ("acid-botnet", "mmcert")):
        loaded = load_scenario(resolve_scenario_arg(name))
        assert loaded.scenario.actors[recipient].contacts["email"].bounces is True
        for seed in range(12):
            log = Engine(loaded, seed=seed, words=False).run()
            silent = [e for e in events_of(log, "message_lost", recipient)
                      if e.details["channel"] == "email"
                      and e.details["reason"] == "stale_contact"]
            assert silent == [], (name, seed)


def test_explain_says_when_a_stale_contact_has_no_fallback(capsys):
    from sim.cli import main

    assert main(["explain", "acid-botnet"]) == 0
    out = capsys.readouterr().out
    # ANSAC's broadcast goes by e-mail alone: mmCERT's closed mailbox bounces it for good
    broadcast = next(ln for ln in out.splitlines() if "[ansac-broadcast]" in ln)
    assert "mmCERT (STALE email contact: bounces, and no fallback)" in broadcast
    # a rule with a fallback goes on by it
    assert main(["explain", "acid-hacktivism"]) == 0
    assert "bounces, then the fallback" in capsys.readouterr().out
