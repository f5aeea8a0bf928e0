"""What players see of what they sent (the Sent list), and what the console sees of
what people do (a toast, a highlighted row, the Actors tab's "Last acted")."""

from __future__ import annotations

import copy

import pytest
from conftest import base_scenario, cert

from sim.engine import Action
from sim.runs.session import DrillSession
from sim.runs.view import DrillState


def outbox_scenario() -> dict:
    """CERT-SG (a person) writes to three CERTs: one answers, one's e-mail address is out
    of date (the mail bounces), one's fax number is out of date (the fax vanishes)."""
    data = copy.deepcopy(base_scenario())
    data["channels"]["email"]["bounce"] = "2m"
    data["channels"]["fax"] = {"kind": "phone", "name": "Fax", "latency": "3m"}
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    data["actors"]["cert-c"]["contacts"]["email"]["stale"] = True
    data["actors"]["cert-d"] = cert("VN", "Asia/Ho_Chi_Minh")
    data["actors"]["cert-d"]["contacts"]["fax"] = {"address": "+84-2", "stale": True}
    return data


@pytest.fixture
def played(load):
    """The drill after CERT-SG's two messages, an hour later: (session, read model)."""
    session = DrillSession.start(load(outbox_scenario()), seed=0, human=["cert-a"],
                                 record=False)
    state = DrillState(session.scenario)
    for ev in session.engine.log:
        state.apply(ev)
    session.listen(state.apply)
    session.advance_to(61)  # the inject has reached CERT-SG
    session.act(Action("cert-a", "notify", "x", targets=("cert-b", "cert-c"), channel="email",
                       tlp="GREEN", text="Please look at this."))
    session.act(Action("cert-a", "request_assistance", "x", targets=("cert-d",), channel="fax",
                       tlp="GREEN"))
    return session, state


def states(state: DrillState, actor: str) -> dict[str, tuple[str, str]]:
    return {dl.recipient: (dl.state, dl.reason) for _, dl in state.sent(actor)}


def test_the_sent_list_starts_in_transit(played):
    _, state = played
    assert states(state, "cert-a") == {"cert-b": ("in transit", ""),
                                       "cert-c": ("in transit", ""),
                                       "cert-d": ("in transit", "")}
    # one entry per action, newest first, with its recipients
    items = [item for item in reversed(state.outbox["cert-a"])]
    assert [(i.verb, list(i.deliveries)) for i in items] == [
        ("request_assistance", ["cert-d"]), ("notify", ["cert-b", "cert-c"])]
    assert all(i.by == "human" and i.tlp == "GREEN" and i.incident == "x" for i in items)


def test_the_sent_list_follows_delivery_bounce_loss_and_acknowledgement(played):
    session, state = played
    session.advance_to(61 + 4)  # past the bounce (2m) and the fax (3m), before e-mail (5m)
    assert states(state, "cert-a") == {
        "cert-b": ("in transit", ""),
        "cert-c": ("bounced", "the contact is out of date"),
        "cert-d": ("lost", "the contact is out of date"),
    }
    session.advance_to(61 + 6)
    assert states(state, "cert-a")["cert-b"] == ("delivered", "")
    notify = state.outbox["cert-a"][0]
    assert "Please look at this." in notify.text  # what the recipient read
    session.advance_to(61 + 30)  # CERT-TH's policy acknowledges after 10 minutes
    assert states(state, "cert-a")["cert-b"] == ("acknowledged", "")
    assert states(state, "cert-a")["cert-c"][0] == "bounced"  # a person's bounce is not retried


def test_the_sent_list_is_built_from_events_alone(played):
    """A second read model fed the recorded events (another UI, a resumed drill) agrees."""
    session, state = played
    session.advance_to(61 + 30)
    again = DrillState(session.scenario)
    for ev in session.engine.log:
        again.apply(ev)
    assert states(again, "cert-a") == states(state, "cert-a")
    assert {s for s, _ in states(again, "cert-a").values()} == {"acknowledged", "bounced", "lost"}


def test_a_policy_retry_after_a_bounce_shows_the_later_try(load):
    """The policy tries the next channel after a bounce: the row is in transit again,
    then delivered on the second try."""
    data = outbox_scenario()
    data["injects"][0]["incident"]["affected"] = ["SG", "TH", "MY"]
    session = DrillSession.start(load(data), seed=0, human=[], record=False)
    state = DrillState(session.scenario)
    session.listen(state.apply)
    for ev in session.engine.log:
        state.apply(ev)
    session.advance_to(60 * 8)
    rows = [(item.verb, dl) for item, dl in state.sent("cert-a") if dl.recipient == "cert-b"]
    assert rows and rows[0][1].state in ("delivered", "acknowledged")
    retried = [dl for item, dl in state.sent("cert-a") if dl.attempts > 1]
    # CERT-MY's e-mail bounces; the policy calls instead, and the call gets through
    assert any(dl.recipient == "cert-c" and dl.channel == "phone"
               and dl.state in ("delivered", "acknowledged") for dl in retried), retried


def test_last_acted_says_when_and_who(played):
    session, state = played
    assert state.last_acted["cert-a"].by == "human"
    assert state.last_acted["cert-a"].what.startswith("CERT-SG asked CERT-VN for assistance")
    assert [a.actor for a in state.person_actions] == ["cert-a", "cert-a"]
    session.advance_to(61 + 30)
    acked = state.last_acted["cert-b"]
    assert acked.by == "policy" and acked.what.startswith("CERT-TH acknowledged")
    assert acked.at == pytest.approx(61 + 5 + 10)
    assert "cert-b" not in {a.actor for a in state.person_actions}
