"""A team a person takes over mid-drill is not sent what its automated policy decided
before: which framework rules it chose not to follow (``declined``), and how likely it
was to follow each, are exercise control's surprise, as its policy settings are."""

from __future__ import annotations

import json

import pytest
from net_helpers import net_scenario, raw_join, serving, until

from sim.net.client import DrillClient

#: exercise control's surprise: cert-b never passes on what it learns
SELDOM = {"rule_probability": {"notify": 0.0, "escalate": 0.2}}


@pytest.fixture
def loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    # inject 3 tells cert-b which countries are affected: the framework has it notify
    # the other affected team and escalate, which its policy declines
    data["injects"][2]["incident"] = {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}
    data["actors"]["cert-b"]["policy"] = {**data["actors"]["cert-b"].get("policy", {}),
                                          **SELDOM}
    return load(data)


def declined_by(session, actor: str) -> list[dict]:
    return [e.to_dict() for e in session.engine.log
            if e.type == "declined" and e.actor == actor]


async def test_a_team_taken_over_mid_drill_is_not_sent_its_policys_decisions(
        loaded, tmp_path):
    # cert-b is played by the automated policy until the facilitator hands it over
    async with serving(loaded, tmp_path, human=("cert-a",)) as (server, urls):
        server.session.advance_to(240)  # inject 3 reached cert-b at T+03:00
        mine = declined_by(server.session, "cert-b")
        assert mine and mine[0]["details"]["reason"] == "policy"  # the staged surprise
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        await fac.set_human("cert-b", True)
        url, _ = server.invite("player", "cert-b")
        raw = await raw_join(url)
        team = DrillClient(url)
        await team.connect()
        try:
            await raw.until(lambda r: r.of("event") and r.of("event")[-1]["seq"]
                            == server.streams["cert-b"].last)
            # the team's own past reaches it (the inject it was sent) ...
            events = [m["event"] for m in raw.of("event")]
            assert any(e["type"] == "inject_delivered" for e in events)
            # ... but nothing of what its automated policy chose not to do, or how likely
            # it was to follow the framework, not even in a field the view does not show
            assert not [e for e in events if e["type"] == "declined"]
            for frame in raw.frames:
                assert '"probability"' not in frame and '"reason":"policy"' not in frame
            await until(lambda: team.seq == server.streams["cert-b"].last)
            assert team.state is not None
            assert team.scenario is not None
            assert team.scenario.actors["cert-b"].policy.rule_probability == {}
        finally:
            await raw.close()
            await team.close()
            await fac.close()


async def test_exercise_control_still_sees_the_policys_decisions_whole(loaded, tmp_path):
    async with serving(loaded, tmp_path, human=("cert-a",)) as (server, urls):
        server.session.advance_to(240)
        mine = declined_by(server.session, "cert-b")
        for who in ("facilitator", "observer"):
            raw = await raw_join(urls[who])
            await raw.until(lambda r: r.of("event") and r.of("event")[-1]["seq"]
                            == server.streams["*"].last)
            seen = [m["event"] for m in raw.of("event")
                    if m["event"]["type"] == "declined" and m["event"]["actor"] == "cert-b"]
            assert [json.dumps(e, sort_keys=True) for e in seen] == [
                json.dumps(e, sort_keys=True) for e in mine]
            assert seen[0]["details"]["probability"] == 0.0
            await raw.close()
