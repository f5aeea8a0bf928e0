"""A message lost without a word (a stale contact that swallows mail, an outage, the
channel's random loss) is exercise control's to know: its sender's Sent list keeps it
as sent, with no acknowledgement yet, as the automated policy knows it. A message that
could not be sent at all (no contact on that channel) is known to its sender at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from net_helpers import serving, until

from sim.engine import Action, Engine
from sim.engine.events import Event
from sim.net.client import DrillClient
from sim.net.visibility import for_role
from sim.runs.view import DrillState
from tui.screens.role import delivery_line

ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="AMBER", text="please coordinate")
#: the policy's notification of cert-b by e-mail leaves at T+01:45 and would arrive at
#: T+01:50; the policy chases on the phone at T+02:45 (follow-up after 1h)
BEFORE_CHASE = 150.0


def silent_council(data: dict[str, Any]) -> dict[str, Any]:
    """The council's e-mail address is out of date, and takes mail nobody reads."""
    data["actors"]["council"]["contacts"]["email"].update(stale=True, bounces=False)
    return data


def sent_lines(state: DrillState, role: str, as_sender: bool = True) -> list[str]:
    return [delivery_line(state, dl) for _, dl in state.sent(role, as_sender)]


def told(client: DrillClient) -> list[str]:
    assert client.state is not None
    return [client.state.describe(ev, control=False) for ev in client.state.recent]


async def test_a_team_is_not_told_its_mail_vanished_into_a_stale_mailbox(
        scenario_data, load, tmp_path):
    async with serving(load(silent_council(scenario_data)), tmp_path) as (server, urls):
        server.session.advance_to(70)  # inject 1 has reached cert-a
        team = DrillClient(urls["cert-a"])
        control = DrillClient(urls["facilitator"])
        await team.connect()
        await control.connect()
        await team.act(ESCALATE)
        server.session.advance_to(120)  # the e-mail vanished at T+01:15
        await until(lambda: control.state is not None and any(
            e.type == "message_lost" for e in control.state.recent))
        await team.wait_for_seq(server.streams["cert-a"].last)
        assert team.state is not None and control.state is not None
        # the team's Sent list still says the message is on its way, as a sender knows it
        assert sent_lines(team.state, "cert-a") == ["To Council by e-mail: sent"]
        assert not any("lost" in line or "out of date" in line for line in told(team))
        # exercise control knows what became of it
        assert [e.details["reason"] for e in control.state.recent
                if e.type == "message_lost"] == ["stale_contact"]
        assert sent_lines(control.state, "cert-a", as_sender=False) == [
            "To Council by e-mail: lost at T+01:15 (the contact is out of date)"]
        # a terminal joining now (or coming back) is sent the same, from the start
        again = DrillClient(urls["cert-a"])
        await again.connect()
        await again.wait_for_seq(server.streams["cert-a"].last)
        assert again.state is not None
        assert sent_lines(again.state, "cert-a") == ["To Council by e-mail: sent"]
        assert not any(e.type == "message_lost" for e in again.state.recent)
        for client in (team, control, again):
            await client.close()
        await asyncio.sleep(0)


def _silent_stale(data: dict[str, Any]) -> None:
    data["actors"]["cert-b"]["contacts"]["email"].update(stale=True, bounces=False)


def _outage(data: dict[str, Any]) -> None:
    data["outages"] = [{"channel": "email", "actor": "cert-b", "start": "T+01:02",
                        "end": "T+06:00", "effect": "lose"}]


def _random_loss(data: dict[str, Any]) -> None:
    data["channels"]["email"]["loss"] = 1.0


@pytest.mark.parametrize(("change", "reason"), [
    (_silent_stale, "stale_contact"), (_outage, "outage"), (_random_loss, "channel_failure")])
def test_a_silent_loss_leaves_the_message_as_sent(scenario_data, load, change, reason):
    """The automated policy's notification of cert-b is lost without a word: until it
    chases, cert-a's terminal over the network, and its role view in a hot-seat drill,
    show it as sent and not yet acknowledged; exercise control's list says lost, and why."""
    change(scenario_data)
    log = Engine(load(scenario_data), seed=0).run()
    [lost] = [e for e in log if e.type == "message_lost" and e.actor == "cert-b"
              and e.details.get("sender") == "cert-a"]
    assert lost.details["reason"] == reason and lost.time < BEFORE_CHASE
    loaded = load(scenario_data)
    remote, local = DrillState(loaded.scenario), DrillState(loaded.scenario)
    for e in log:
        if e.time > BEFORE_CHASE:
            break
        local.apply(e)
        seen = for_role(e, "cert-a", frozenset())
        if seen is not None:
            remote.apply(Event.from_dict(seen))
    to_b = [line for line in sent_lines(remote, "cert-a") if line.startswith("To CERT-TH")]
    assert to_b == ["To CERT-TH by e-mail: sent"]
    assert [line for line in sent_lines(local, "cert-a") if line.startswith("To CERT-TH")] \
        == to_b
    # the detail of the message in the hot-seat role view lists its recipients the same way
    found = local.sent_item(lost.details["dispatch"])
    assert found is not None
    assert [delivery_line(local, dl) for dl in found[0].deliveries.values()
            if dl.recipient == "cert-b"] == to_b
    [truth] = [line for line in sent_lines(local, "cert-a", as_sender=False)
               if line.startswith("To CERT-TH")]
    assert truth.startswith("To CERT-TH by e-mail: lost at ")


def test_a_message_that_could_not_be_sent_is_known_to_its_sender(scenario_data, load):
    """No e-mail address for cert-b: cert-a knows at once, and goes on by phone."""
    del scenario_data["actors"]["cert-b"]["contacts"]["email"]
    loaded = load(scenario_data)
    log = Engine(loaded, seed=0).run()
    remote = DrillState(loaded.scenario)
    seen_lines = []
    for e in log:
        seen = for_role(e, "cert-a", frozenset())
        if seen is not None:
            remote.apply(Event.from_dict(seen))
            if seen["type"] == "message_lost":
                seen_lines += sent_lines(remote, "cert-a")
    assert "To CERT-TH by e-mail: lost at T+01:45 (no contact on that channel)" in seen_lines
