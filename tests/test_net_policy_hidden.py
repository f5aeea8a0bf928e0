"""A player's welcome does not carry the automated teams' policy settings: an organiser's
staged surprise (a team that leaks RED material, one that seldom follows the framework)
stays with exercise control."""

from __future__ import annotations

import pytest
from net_helpers import net_scenario, raw_join, serving

from scenarios.model import Policy
from sim.net.client import DrillClient

#: exercise control's surprise for cert-b, and how slowly it works
STAGED = {"tlp_breach": 0.4, "follow_rules": 0.2, "rule_probability": {"notify": 0.1},
          "ack_delay": "3h", "analysis_time": {"dist": "uniform", "low": "7h", "high": "9h"},
          "queue": "fifo"}


@pytest.fixture
def loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    data["actors"]["cert-b"]["policy"] = dict(STAGED)
    return load(data)


async def test_a_player_is_not_sent_the_automated_teams_policies(loaded, tmp_path):
    defaults = Policy().model_dump(mode="json")
    async with serving(loaded, tmp_path) as (_server, urls):
        raw = await raw_join(urls["cert-a"])
        await raw.until(lambda r: r.of("welcome"))
        frame = raw.frames[0]
        scenario = raw.of("welcome")[0]["scenario"]
        # no trace of the staged settings in what the player receives
        assert "fifo" not in frame and '"tlp_breach":0.4' not in frame
        # every actor's policy, its own too, reads as the defaults
        for aid, actor in scenario["actors"].items():
            assert actor["policy"] == defaults, aid
        await raw.close()
        # the player's terminal still builds its scenario and view from it
        team = DrillClient(urls["cert-a"])
        await team.connect()
        assert team.scenario is not None
        assert team.scenario.actors["cert-b"].policy.tlp_breach == 0.0
        assert team.scenario.actors["cert-b"].name == "CERT-TH"
        await team.close()


async def test_exercise_control_keeps_the_real_policies(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_server, urls):
        for who in ("facilitator", "observer"):
            client = DrillClient(urls[who])
            await client.connect()
            assert client.scenario is not None
            policy = client.scenario.actors["cert-b"].policy
            assert (policy.tlp_breach, policy.follow_rules, policy.queue) == (0.4, 0.2, "fifo")
            assert policy.rule_probability == {"notify": 0.1}
            await client.close()
