"""A player is told how its own expectation turned out no sooner than its to-do list.

An expectation that a message meets is met when the message arrives, and missed when
it never does. A team learns that an e-mail of its own arrived only from the
recipient's acknowledgement coming back (or a phone call that connected): until then
the server sends its terminal, and ``drill join --print`` prints, nothing of the
expectation, so that a delivered e-mail and one lost without a word look alike to
their sender. Exercise control sees every outcome as it happens.

The hand-computed drill: inject 1 reaches CERT-SG and CERT-TH at T+01:00; each one's
policy e-mails the council an escalation at T+01:45. CERT-SG's arrives at T+01:50 (its
expectation EA is met then), the council acknowledges it at T+02:00 and the receipt is
back at T+02:05. CERT-TH's end of e-mail is out of service from T+01:02 and loses its
escalation without a word: its expectation EB is missed at T+05:00.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import json
from typing import Any

from net_helpers import raw_join, serving, until

from sim.engine.events import Event
from sim.net.client import DrillClient
from sim.net.run import follow
from sim.net.server import ALL

ROLES = ("cert-a", "cert-b")


def drill(data: dict[str, Any], down: str = "cert-b", duration: str = "2d") -> dict[str, Any]:
    """Both teams escalate to the council by e-mail; ``down``'s end of e-mail loses
    what is sent from T+01:02 to T+06:00."""
    del data["frameworks"]["fw"]["rules"]["notify"]
    data["drill"]["duration"] = duration
    data["injects"][0]["to"] = list(ROLES)
    data["outages"] = [{"channel": "email", "actor": down, "start": "T+01:02",
                        "end": "T+06:00", "effect": "lose"}]
    data["expectations"] = [
        {"id": "EA", "description": "CERT-SG escalates", "actors": ["cert-a"],
         "action": "escalate", "incident": "x", "after": "1", "within": "4h"},
        {"id": "EB", "description": "CERT-TH escalates", "actors": ["cert-b"],
         "action": "escalate", "incident": "x", "after": "1", "within": "4h"},
    ]
    return data


def outcomes(events: list[Event]) -> list[tuple[str, str]]:
    """The expectation outcomes among ``events``: (type, expectation)."""
    return [(e.type, e.details["expectation"]) for e in events
            if e.type.startswith("expectation_")]


def printed(out: io.StringIO) -> list[str]:
    """The event lines ``drill join --print`` printed."""
    return [line for line in out.getvalue().splitlines() if line.startswith("T+")]


def todo(client: DrillClient, role: str) -> dict[str, str]:
    assert client.state is not None
    client.state.use_anchors(client.anchors)
    return {x.id: x.status for x in client.state.todo(role)}


async def test_a_player_learns_its_expectation_was_met_from_the_receipt_not_the_delivery(
        scenario_data, load, tmp_path):
    async with serving(load(drill(scenario_data)), tmp_path, human=()) as (server, urls):
        console = DrillClient(urls["facilitator"])
        await console.connect()
        seen: dict[str, list[Event]] = {}
        teams: dict[str, DrillClient] = {}
        raws, outs, followers = {}, {}, []
        stop = asyncio.Event()
        for role in ROLES:
            url = server.invite("player", role)[0]
            teams[role] = DrillClient(url)
            seen[role] = []
            teams[role].listen(seen[role].append)
            await teams[role].connect()
            raws[role] = await raw_join(url)
            outs[role] = io.StringIO()
            followers.append(asyncio.create_task(
                follow(url, cafile=None, out=outs[role], err=io.StringIO(), stop=stop)))

        async def caught_up() -> None:
            """Every terminal holds every event the server has for it."""
            for role in ROLES:
                last = server.streams[role].last
                await teams[role].wait_for_seq(last)
                await raws[role].until(lambda r, last=last: len(r.of("event")) == last)
                await until(lambda role=role: len(printed(outs[role])) == len(seen[role]))

        def sent(role: str) -> str:
            """Every event frame the server sent ``role``'s raw connection, as sent."""
            return "\n".join(json.dumps(m["event"]) for m in raws[role].of("event"))

        try:
            # T+01:58: CERT-SG's escalation has arrived, CERT-TH's is lost; nothing has
            # come back to either team yet
            server.session.advance_to(118)
            await until(lambda: console.state is not None
                        and ("expectation_met", "EA") in outcomes(list(console.state.recent)))
            await caught_up()
            for role in ROLES:
                assert outcomes(seen[role]) == []
                assert "expectation_" not in sent(role)
                assert not any("Expectation" in line for line in printed(outs[role]))
            assert todo(teams["cert-a"], "cert-a") == {"EA": "sent"}
            assert todo(teams["cert-b"], "cert-b") == {"EB": "sent"}

            # T+02:10: the council's receipt has reached CERT-SG: now it knows
            server.session.advance_to(130)
            await caught_up()
            assert outcomes(seen["cert-a"]) == [("expectation_met", "EA")]
            assert '"expectation_met"' in sent("cert-a")
            # printed as it is learned, after the receipt, saying when it was met
            lines = printed(outs["cert-a"])
            assert lines[-2:] == [
                "T+02:05  Council acknowledged news of x",
                "T+02:05  Expectation met: CERT-SG escalates (at T+01:50)"]
            assert todo(teams["cert-a"], "cert-a") == {"EA": "met"}
            assert outcomes(seen["cert-b"]) == []

            # T+05:10: EB's deadline has passed; CERT-TH sent its escalation in time and
            # has heard nothing since, so it is told nothing
            server.session.advance_to(310)
            await until(lambda: ("expectation_missed", "EB")
                        in outcomes(list(console.state.recent)))
            await caught_up()
            assert outcomes(seen["cert-b"]) == []
            assert "expectation_" not in sent("cert-b")
            assert not any("Expectation" in line for line in printed(outs["cert-b"]))
            assert todo(teams["cert-b"], "cert-b") == {"EB": "sent"}
            assert outcomes(seen["cert-a"]) == [("expectation_met", "EA")]
            # exercise control sees both outcomes, as they happened
            assert console.state is not None
            assert outcomes(list(console.state.recent)) == [
                ("expectation_met", "EA"), ("expectation_missed", "EB")]
            assert [x.status for x in map(console.state.shown,
                                          console.state.expectations.values())] == [
                "met", "missed"]
        finally:
            stop.set()
            for task in followers:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, 10)
            for client in (console, *teams.values()):
                await client.close()
            for raw in raws.values():
                await raw.close()
            await asyncio.sleep(0)


def stream(server: Any, role: str) -> list[tuple[float, str, dict[str, Any]]]:
    """What the server sends ``role``, without the engine's numbers (which differ when
    the drill has other events, such as an outage)."""
    events = [json.loads(frame)["event"] for frame in server.streams[role].frames]
    return [(e["time"], e["type"], _unnumbered(e)) for e in events]


def _unnumbered(e: dict[str, Any]) -> dict[str, Any]:
    d = dict(e["details"])
    d.pop("dispatch", None)
    d.pop("dispatches", None)
    d.pop("ref", None)
    d.pop("refs", None)
    return {**d, "then": [(x["time"], x["type"]) for x in e.get("outcomes", ())]}


async def test_a_delivered_and_a_lost_email_look_alike_to_their_sender_to_the_end(
        scenario_data, load, tmp_path):
    """The drill ends at T+02:00, before the council's receipt could come back: CERT-SG
    is sent the same events whether its escalation arrived or was lost, its expectation
    still open at the end in both; exercise control sees it met in one, open in the
    other."""
    got: dict[str, list[Any]] = {}
    control: dict[str, list[Any]] = {}
    for down in ("cert-a", "cert-b"):
        data = drill(copy.deepcopy(scenario_data), down=down, duration="2h")
        (tmp_path / down).mkdir()
        async with serving(load(data), tmp_path / down, human=()) as (server, _):
            server.session.advance_to(120)
            assert server.session.finished
            got[down] = stream(server, "cert-a")
            control[down] = [json.loads(f)["event"] for f in server.streams[ALL].frames]
    # down: whose end of e-mail loses what is sent (cert-a: its own escalation is lost)
    assert got["cert-a"] == got["cert-b"]
    assert [e for e in got["cert-b"] if e[1].startswith("expectation_")] == []
    assert got["cert-b"][-1][1:] == ("drill_ended", {"open_expectations": ["EA"], "then": []})
    # exercise control: EA met when the escalation arrived, open at the end when it was
    # lost (and EB the other way round)
    met = [e["details"]["expectation"] for e in control["cert-b"]
           if e["type"] == "expectation_met"]
    assert met == ["EA"]
    assert control["cert-b"][-1]["details"]["open_expectations"] == ["EB"]
    assert control["cert-a"][-1]["details"]["open_expectations"] == ["EA"]
