"""A role's Sent list keeps the text each recipient was sent: the automated policy
writes each recipient its own message."""

from __future__ import annotations

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Engine
from sim.runs.view import DrillState


def test_each_recipient_of_one_action_keeps_its_own_text():
    loaded = load_scenario(resolve_scenario_arg(None))
    state = DrillState(loaded.scenario)
    for ev in Engine(loaded, seed=0).run():
        state.apply(ev)
    names = {aid: a.name for aid, a in loaded.scenario.actors.items()}
    several = [item for items in state.outbox.values() for item in items
               if sum(1 for dl in item.deliveries.values() if dl.text) >= 2]
    assert several, "the default drill has an action with two delivered messages"
    item = several[0]
    texts = {dl.recipient: dl.text for dl in item.deliveries.values() if dl.text}
    assert len(set(texts.values())) == len(texts)  # one text per recipient
    for recipient, body in texts.items():
        assert names[recipient] in body  # each addressed to its own recipient
