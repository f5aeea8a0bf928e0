"""Which pair latency applies does not depend on the order of the entries: sender and
recipient, then sender only, then recipient only; two entries for the same pair are
refused where the scenario is read."""

from __future__ import annotations

import pytest
from conftest import events_of

from scenarios import ScenarioError
from sim.engine import Engine

SENDER = {"sender": "cert-a", "latency": "2h"}
RECIPIENT = {"recipient": "cert-b", "latency": "10m"}


def _notification_arrives(data: dict, load, entries: list[dict]) -> list[float]:
    del data["frameworks"]["fw"]["rules"]["escalate"]
    data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = []
    data["actors"]["cert-a"]["policy"]["followup_after"] = "8h"
    data["channels"]["email"]["pair_latency"] = entries
    log = Engine(load(data), seed=0).run()
    return [e.time for e in events_of(log, "message_delivered", "cert-b")]


@pytest.mark.parametrize("entries", [[SENDER, RECIPIENT], [RECIPIENT, SENDER]],
                         ids=["sender-first", "recipient-first"])
def test_the_sender_s_entry_outweighs_the_recipient_s_whatever_their_order(
        scenario_data, load, entries):
    # sent at T+01:45 (105): two hours by cert-a's own entry
    assert _notification_arrives(scenario_data, load, entries) == [225]


def test_two_entries_for_the_same_pair_are_refused(scenario_data, load):
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"sender": "cert-a", "recipient": "cert-b", "latency": "2h"},
        {"sender": "cert-b", "recipient": "cert-a", "latency": "1h", "both_ways": True}]
    with pytest.raises(ScenarioError) as err:
        load(scenario_data)
    assert "pair_latency entries 0 and 1 both give the latency from cert-a to cert-b" in str(
        err.value)
