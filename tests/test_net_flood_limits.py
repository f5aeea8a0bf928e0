"""One invitation cannot flood the host: a player's or observer's requests have a budget,
and a player's message a size (its text times its recipients), both well beyond real
play; over them a request is refused with its reason and the connection is kept."""

from __future__ import annotations

from typing import Any

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.net import protocol as P

#: ten more teams, so that a message may go to many
OTHERS = [f"t{i}" for i in range(10)]


class Clock:
    """The server's monotonic clock, moved on by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    for aid in OTHERS:
        data["actors"][aid] = {"name": aid.upper(), "kind": "national_cert",
                               "timezone": "Asia/Singapore",
                               "contacts": {"email": {"address": f"{aid}@x.example"}}}
    return load(data)


def share(rid: int, text: str, targets: list[str]) -> dict[str, Any]:
    return {"type": "command", "id": rid, "kind": "act", "payload": {
        "actor": "cert-a", "verb": "share", "incident": "x", "targets": targets,
        "channel": "email", "tlp": "GREEN", "text": text}}


def answers(raw, first: int, count: int) -> list[dict[str, Any]]:
    """The answers to the requests numbered ``first`` on, in order."""
    got = {m["id"]: m for m in raw.messages() if m["type"] in ("result", "error")
           and m.get("id") is not None}
    return [got[i] for i in range(first, first + count)]


async def send_all(raw, frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first = frames[0]["id"]
    for frame in frames:
        await raw.send(frame)
    await raw.until(lambda r: all(i in {m.get("id") for m in r.messages()
                                         if m["type"] in ("result", "error")}
                                  for i in range(first, first + len(frames))), timeout=30)
    return answers(raw, first, len(frames))


def shares_sent(server, text: str) -> int:
    return sum(1 for e in server.session.engine.log
               if e.type == "message_sent" and e.details.get("text") == text)


async def test_one_players_flood_is_refused_and_the_connection_kept(loaded, tmp_path):
    clock = Clock()
    async with serving(loaded, tmp_path) as (server, urls):
        server.monotonic = clock
        server.session.advance_to(70)  # inject 1 has told cert-a of incident x
        journal = server.session.path
        assert journal is not None
        raw = await raw_join(urls["cert-a"])
        await raw.until(lambda r: r.of("welcome"))
        big = "x" * 15_000
        everyone = ["cert-b", "council", "ctl", *OTHERS]
        flood = await send_all(raw, [share(i, big, everyone) for i in range(1, 101)])
        # none of it is carried out: too large for its recipients, then too many
        assert all(a["type"] == "error" and a["code"] == "refused" for a in flood)
        assert "13 recipients" in flood[0]["message"] and "fewer recipients" in flood[0][
            "message"]
        assert "too many requests" in flood[-1]["message"]
        assert all("\n" not in a["message"] for a in flood)
        assert shares_sent(server, big) == 0
        assert journal.stat().st_size < 2 * 1024 * 1024
        # the connection is kept: a few seconds on, the team's next message goes
        clock.now += 10
        [ok] = await send_all(raw, [share(101, "takedown requested", ["cert-b"])])
        assert ok["type"] == "result"
        assert shares_sent(server, "takedown requested") == 1
        assert raw.ws.close_code is None
        await raw.close()


async def test_many_small_requests_are_refused_past_the_budget(loaded, tmp_path):
    clock = Clock()
    async with serving(loaded, tmp_path) as (server, urls):
        server.monotonic = clock
        server.session.advance_to(70)
        raw = await raw_join(urls["cert-a"])
        await raw.until(lambda r: r.of("welcome"))
        said = await send_all(raw, [share(i, f"update {i}", ["cert-b"])
                                    for i in range(1, 61)])
        done = [a for a in said if a["type"] == "result"]
        assert len(done) == P.REQUEST_BURST
        refused = said[P.REQUEST_BURST:]
        assert all(a["code"] == "refused" and "too many requests" in a["message"]
                   for a in refused)
        # a request refused for the budget is not remembered under its key: sent again
        # once there is room, it is carried out
        key = "k" * 16
        [first] = await send_all(raw, [{**share(61, "again", ["cert-b"]), "key": key}])
        assert first["type"] == "error"
        clock.now += 60 / P.REQUEST_RATE
        [again] = await send_all(raw, [{**share(62, "again", ["cert-b"]), "key": key}])
        assert again["type"] == "result"
        assert raw.ws.close_code is None
        await raw.close()


async def test_a_players_text_times_recipients_has_a_budget_too(loaded, tmp_path):
    clock = Clock()
    async with serving(loaded, tmp_path) as (server, urls):
        server.monotonic = clock
        server.session.advance_to(70)
        raw = await raw_join(urls["cert-a"])
        await raw.until(lambda r: r.of("welcome"))
        text = "y" * 15_000
        six = OTHERS[:6]  # 90 000 characters a message: within what one may carry
        said = await send_all(raw, [share(i, text, six) for i in range(1, 6)])
        fits = P.VOLUME_BURST // (15_000 * 6)
        assert [a["type"] for a in said] == ["result"] * fits + ["error"] * (5 - fits)
        assert "too much text" in said[-1]["message"]
        clock.now += 60
        [later] = await send_all(raw, [share(6, text, six)])
        assert later["type"] == "result"
        await raw.close()


async def test_real_play_never_meets_the_limits(loaded, tmp_path):
    clock = Clock()
    async with serving(loaded, tmp_path) as (server, urls):
        server.monotonic = clock
        server.session.advance_to(70)
        team = await raw_join(urls["cert-a"])
        fac = await raw_join(urls["facilitator"])
        await team.until(lambda r: r.of("welcome"))
        await fac.until(lambda r: r.of("welcome"))
        rid = 1
        # a quick run of messages, an advisory of 3000 characters to all twelve teams
        # among them, then two hours of a message every twenty seconds
        quick = [share(rid + i, f"note {i} " + "z" * 2000, ["cert-b", "council", "t0"])
                 for i in range(12)]
        said = await send_all(team, quick)
        rid += len(quick)
        said += await send_all(team, [share(rid, "w" * 3000,
                                            ["cert-b", "council", *OTHERS])])
        rid += 1
        for _ in range(360):
            clock.now += 20
            said += await send_all(team, [share(rid, "status " + "s" * 1500,
                                                ["cert-b", "council"])])
            rid += 1
        assert [a for a in said if a["type"] != "result"] == []
        # the facilitator, who runs the drill, has no request budget
        listed = await send_all(fac, [{"type": "tokens", "id": i} for i in range(1, 101)])
        assert all(a["type"] == "result" for a in listed)
        await team.close()
        await fac.close()
