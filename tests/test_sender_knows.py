"""A sender knows of its message what comes back to it: a bounce, a call that connected,
the recipient's acknowledgement receipt. Mail, a portal, the police networks say nothing
when a message arrives, so a player (a remote terminal, or a role view in a hot-seat
drill) sees a message to a working contact and one to a dead, silent address alike:
sent, not acknowledged yet, until the receipt comes back. Exercise control sees both as
they are."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from conftest import base_scenario
from net_helpers import serving

from sim.engine import Action, Engine
from sim.engine.events import Event
from sim.net.client import DrillClient
from sim.net.server import ALL
from sim.net.visibility import for_role
from sim.runs.view import DrillState, call_channels
from tui.screens.role import delivery_line

#: cert-a (a person) writes to cert-b and the council by e-mail at T+01:10: it reaches
#: cert-b at T+01:15, cert-b acknowledges at T+01:25, the receipt is back at T+01:30
SENT_AT = 70.0
NOTIFY = Action("cert-a", "notify", "x", targets=("cert-b", "council"), channel="email",
                tlp="GREEN", text="heads up")


def silent_council() -> dict[str, Any]:
    """The council's e-mail address is out of date, and takes mail nobody reads."""
    data = copy.deepcopy(base_scenario())
    data["actors"]["council"]["contacts"]["email"].update(stale=True, bounces=False)
    return data


def played(load, data: dict[str, Any], action: Action | None, until: float):
    """The drill with cert-a played by a person who takes ``action`` at T+01:10, up to
    ``until``: (remote terminal's state, hot-seat state, the log)."""
    loaded = load(data)
    eng = Engine(loaded, seed=0)
    eng.set_human("cert-a", True)
    if action is not None:
        eng.run_until(SENT_AT)
        eng.act(action)
    eng.run_until(until)
    calls = call_channels(loaded.scenario)  # what the server gives for_role
    remote, local = DrillState(loaded.scenario), DrillState(loaded.scenario)
    for e in eng.log:
        local.apply(e)
        seen = for_role(e, "cert-a", frozenset(), calls=calls)
        if seen is not None:
            remote.apply(Event.from_dict(seen))
    return remote, local, eng.log


def sent_lines(state: DrillState, role: str = "cert-a", as_sender: bool = True) -> list[str]:
    return [delivery_line(state, dl) for _, dl in state.sent(role, as_sender)]


def detail(state: DrillState, dispatch: str) -> tuple[list[str], str]:
    """A Sent entry's detail as the role view lists it: each recipient, and the text."""
    found = state.sent_item(dispatch)
    assert found is not None
    item, dl = found
    return [delivery_line(state, d) for d in item.deliveries.values()], dl.text or item.text


def test_a_working_and_a_dead_address_look_alike_until_the_receipt(load):
    for until, council, cert_b in [
            (SENT_AT + 1, "sent", "sent"),            # both on their way
            (SENT_AT + 10, "sent", "sent"),           # one arrived, the other vanished
            (SENT_AT + 25, "sent", "acknowledged at T+01:30")]:
        remote, local, _ = played(load, silent_council(), NOTIFY, until)
        expected = [f"To CERT-TH by e-mail: {cert_b}", f"To Council by e-mail: {council}"]
        assert sent_lines(remote) == expected, until
        assert sent_lines(local) == expected, until
        # exercise control knows what became of each
        truth = sent_lines(local, as_sender=False)
        if until > SENT_AT + 5:
            assert truth[1] == "To Council by e-mail: lost at T+01:15 (the contact is out " \
                "of date)"
            assert truth[0].startswith(("To CERT-TH by e-mail: delivered at T+01:15",
                                        "To CERT-TH by e-mail: acknowledged at T+01:25"))


def test_a_phone_call_that_connected_is_known_to_the_caller(load):
    call = Action("cert-a", "notify", "x", targets=("cert-b",), channel="phone",
                  tlp="GREEN", text="calling you")
    remote, local, _ = played(load, copy.deepcopy(base_scenario()), call, SENT_AT + 5)
    assert sent_lines(remote) == sent_lines(local) == [
        "To CERT-TH by phone: delivered at T+01:11"]


def test_a_fax_says_nothing_of_its_arrival(load):
    """A phone line that takes messages whether or not anyone is there (a fax): the
    sender is not told it arrived."""
    data = copy.deepcopy(base_scenario())
    data["channels"]["fax"] = {"kind": "phone", "name": "Fax", "latency": "3m"}
    data["actors"]["cert-b"]["contacts"]["fax"] = {"address": "+66-2"}
    fax = Action("cert-a", "notify", "x", targets=("cert-b",), channel="fax", tlp="GREEN")
    remote, local, log = played(load, data, fax, SENT_AT + 5)
    assert [e.time for e in log if e.type == "message_delivered" and e.actor == "cert-b"] \
        == [SENT_AT + 3]
    assert sent_lines(remote) == sent_lines(local) == ["To CERT-TH by phone: sent"]


def test_the_policys_mail_reads_alike_whatever_became_of_it(load):
    """The automated policy's notification of cert-b by e-mail (its words are written
    out as it arrives): the sender's view of it, in a hot-seat drill as over the
    network, neither says it arrived nor shows the words it arrived with."""
    data = copy.deepcopy(base_scenario())
    loaded = load(data)
    eng = Engine(loaded, seed=0)
    eng.run_until(120)  # arrived at T+01:50, not acknowledged yet
    log = list(eng.log)
    [sent] = [e for e in log if e.type == "message_sent" and e.actor == "cert-a"
              and e.details["to"] == "cert-b"]
    remote, local = DrillState(loaded.scenario), DrillState(loaded.scenario)
    for e in log:
        local.apply(e)
        seen = for_role(e, "cert-a", frozenset(), calls=call_channels(loaded.scenario))
        if seen is not None:
            remote.apply(Event.from_dict(seen))
    assert any(e.type == "message_delivered" and e.details["dispatch"]
               == sent.details["dispatch"] for e in log)
    dispatch = sent.details["dispatch"]
    assert detail(local, dispatch) == detail(remote, dispatch) == (
        ["To CERT-TH by e-mail: sent"], "")
    # once the receipt is back, the hot-seat view shows what the message said
    eng.run_until(150)
    for e in eng.log[len(log):]:
        local.apply(e)
    lines, text = detail(local, dispatch)
    assert lines == ["To CERT-TH by e-mail: acknowledged at T+02:05"]
    assert text.startswith("To CERT-TH") and "CERT-SG" in text


def test_a_chase_tells_the_player_nothing_of_the_delivery(load):
    """cert-b takes three hours to acknowledge: the policy chases its notification,
    which had arrived. Exercise control's copy of the chase says it had; cert-a's
    does not, nor is cert-a sent the e-mail's arrival; the call that follows it is."""
    data = copy.deepcopy(base_scenario())
    data["actors"]["cert-b"]["policy"]["ack_delay"] = "3h"
    loaded = load(data)
    eng = Engine(loaded, seed=0)
    eng.run_until(240)
    log = eng.log
    [chased] = [e for e in log if e.type == "message_chased" and e.actor == "cert-a"]
    assert chased.details["delivered"] is True
    mine = for_role(chased, "cert-a", frozenset())
    assert mine is not None and "delivered" not in mine["details"]
    assert mine["details"]["to"] == "cert-b"
    arrived = [e for e in log if e.type == "message_delivered"
               and e.details["dispatch"] == chased.details["dispatch"]]
    assert [e.details["channel"] for e in arrived] == ["email", "phone"]
    calls = call_channels(loaded.scenario)  # what the server gives for_role
    assert [for_role(e, "cert-a", frozenset(), calls=calls) is not None for e in arrived] \
        == [False, True]
    # the recipient is told of what reached it, whichever channel it came by
    assert all(for_role(e, "cert-b", frozenset()) is not None for e in arrived)


async def test_a_remote_terminal_and_one_joining_later_see_the_same(load, tmp_path):
    async with serving(load(silent_council()), tmp_path, human=("cert-a",)) as (
            server, urls):
        server.session.advance_to(SENT_AT)
        team = DrillClient(urls["cert-a"])
        control = DrillClient(urls["facilitator"])
        await team.connect()
        await control.connect()
        await team.act(NOTIFY)
        server.session.advance_to(SENT_AT + 10)  # delivered to cert-b, lost for the council
        await team.wait_for_seq(server.streams["cert-a"].last)
        await control.wait_for_seq(server.streams[ALL].last)
        assert team.state is not None and control.state is not None
        expected = ["To CERT-TH by e-mail: sent", "To Council by e-mail: sent"]
        assert sent_lines(team.state) == expected
        assert not any(e.type == "message_delivered" for e in team.state.recent)
        # exercise control sees the arrival, the loss, and the chase's whole copy
        assert sent_lines(control.state, as_sender=False) == [
            "To CERT-TH by e-mail: delivered at T+01:15",
            "To Council by e-mail: lost at T+01:15 (the contact is out of date)"]
        # a terminal joining now (or coming back) is sent the same, from the start
        again = DrillClient(urls["cert-a"])
        await again.connect()
        await again.wait_for_seq(server.streams["cert-a"].last)
        assert again.state is not None and sent_lines(again.state) == expected
        server.session.advance_to(SENT_AT + 25)  # cert-b's receipt is back at T+01:30
        await team.wait_for_seq(server.streams["cert-a"].last)
        assert sent_lines(team.state) == [
            "To CERT-TH by e-mail: acknowledged at T+01:30", "To Council by e-mail: sent"]
        for client in (team, control, again):
            await client.close()
        await asyncio.sleep(0)
