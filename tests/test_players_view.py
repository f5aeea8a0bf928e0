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


def states(state: DrillState, actor: str, as_sender: bool = True) -> dict[str, tuple[str, str]]:
    return {dl.recipient: (dl.state, dl.reason) for _, dl in state.sent(actor, as_sender)}


def test_the_sent_list_starts_as_sent(played):
    _, state = played
    assert states(state, "cert-a") == {"cert-b": ("sent", ""),
                                       "cert-c": ("sent", ""),
                                       "cert-d": ("sent", "")}
    assert {s for s, _ in states(state, "cert-a", as_sender=False).values()} == {"in transit"}
    # one entry per action, newest first, with its recipients
    items = [item for item in reversed(state.outbox["cert-a"])]
    assert [(i.verb, list(i.deliveries)) for i in items] == [
        ("request_assistance", ["cert-d"]), ("notify", ["cert-b", "cert-c"])]
    assert all(i.by == "human" and i.tlp == "GREEN" and i.incident == "x" for i in items)


def test_the_sent_list_follows_bounce_loss_and_acknowledgement(played):
    session, state = played
    session.advance_to(61 + 4)  # past the bounce (2m) and the fax (3m), before e-mail (5m)
    # the fax to a stale number vanished without a word: its sender does not know
    assert states(state, "cert-a") == {
        "cert-b": ("sent", ""),
        "cert-c": ("bounced", "the contact is out of date"),
        "cert-d": ("sent", ""),
    }
    # exercise control sees the loss and why
    assert states(state, "cert-a", as_sender=False)["cert-d"] == (
        "lost", "the contact is out of date")
    session.advance_to(61 + 6)
    # the e-mail has arrived: exercise control knows, its sender does not (mail says
    # nothing of its arrival) until the acknowledgement's receipt comes back
    assert states(state, "cert-a", as_sender=False)["cert-b"] == ("delivered", "")
    assert states(state, "cert-a")["cert-b"] == ("sent", "")
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
    assert states(again, "cert-a", False) == states(state, "cert-a", False)
    assert {s for s, _ in states(again, "cert-a").values()} == {"acknowledged", "bounced",
                                                                "sent"}
    assert {s for s, _ in states(again, "cert-a", False).values()} == {"acknowledged",
                                                                       "bounced", "lost"}


def test_a_policy_retry_after_a_bounce_shows_the_later_try(load):
    """The policy tries the next channel after a bounce: the row is sent again, then
    delivered on the second try, a call that connected."""
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


def sent_at_one_moment(load, *actions: Action) -> tuple[DrillSession, DrillState]:
    """A person's separate actions at one drill minute (the clock paused between them)."""
    session = DrillSession.start(load(base_scenario()), seed=0, human=["cert-a"], record=False)
    state = DrillState(session.scenario)
    for ev in session.engine.log:
        state.apply(ev)
    session.listen(state.apply)
    session.advance_to(61)
    for action in actions:
        session.act(action)
    session.advance_to(200)
    return session, state


def received(session: DrillSession, actor: str) -> list[tuple[str, str, str]]:
    return [(e.details["tlp"], e.details["subject"], e.details["text"])
            for e in session.engine.log if e.type == "message_delivered" and e.actor == actor]


def test_separate_actions_at_the_same_minute_are_separate_sent_entries(load):
    session, state = sent_at_one_moment(
        load,
        Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN", text="C2 at 10.0.0.1"),
        Action("cert-a", "notify", "x", targets=("council",), tlp="RED", text="An insider"))
    items = state.outbox["cert-a"]
    assert [list(i.deliveries) for i in items] == [["cert-b"], ["council"]]
    # each recipient is shown with what it was sent
    for item, dl in state.sent("cert-a"):
        assert [(item.tlp, item.subject, item.text)] == received(session, dl.recipient)
    assert {item.tlp for item, _ in state.sent("cert-a")} == {"GREEN", "RED"}


def test_separate_actions_alike_in_all_but_recipient_stay_separate(load):
    """Two actions with the same label and words, at the same minute: two entries, as
    one action to both recipients is one (test_the_sent_list_starts_as_sent)."""
    _, state = sent_at_one_moment(
        load,
        Action("cert-a", "notify", "x", targets=("cert-b",), tlp="GREEN", text="Same words"),
        Action("cert-a", "notify", "x", targets=("council",), tlp="GREEN", text="Same words"))
    assert [list(i.deliveries) for i in state.outbox["cert-a"]] == [["cert-b"], ["council"]]
    _, state = sent_at_one_moment(
        load,
        Action("cert-a", "notify", "x", targets=("cert-b", "council"), tlp="GREEN",
               text="Same words"))
    assert [list(i.deliveries) for i in state.outbox["cert-a"]] == [["cert-b", "council"]]


# --- the role view's Sent list, and the console, through Textual's pilot ----------

textual = pytest.importorskip("textual")

from test_tui import keys, until  # noqa: E402  (the UI tests' settling helpers)

from scenarios import load_scenario, resolve_scenario_arg  # noqa: E402
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen  # noqa: E402
from tui.screens.live import fmt_time  # noqa: E402

DEFAULT = resolve_scenario_arg(None)


def make_app(roles=("certph",)) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=list(roles), record=False)
    return DrillApp(session, speed=60, roles=())


def detail(app) -> str:
    return str(app.screen.query_one("#detail").render())


def column(table, name: str) -> list[str]:
    key = next(c.key for c in table.ordered_columns if str(c.label) == name)
    return [table.get_cell(r, key).plain for r in table.rows]


async def test_the_sent_list_shows_each_recipient_and_what_became_of_it():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        await pilot.press("s")  # short screen: the Sent list takes the Inbox's place
        await pilot.pause()
        sent = app.screen.query_one("#sent")
        assert sent.display and not app.screen.query_one("#inbox").display
        assert sent.row_count == 0 and "Nothing sent yet." in detail(app)
        app.session.act(Action("certph", "request_takedown", "botnet",
                               targets=("mycert", "vncert"), channel="email", tlp="AMBER"))
        app.redraw()
        await pilot.pause()
        assert column(sent, "To") == ["MyCERT", "VNCERT/CC"]
        assert column(sent, "State") == ["sent", "sent"]
        assert all(w.startswith("Takedown") for w in column(sent, "What"))
        app.session.advance_to(app.session.now + 60)  # delivered, then acknowledged
        app.redraw()
        await pilot.pause()
        # e-mail says nothing of its arrival: sent until the acknowledgement comes back
        assert set(column(sent, "State")) <= {"sent", "acknowledged"}
        assert "acknowledged" in column(sent, "State")
        shown = detail(app)
        assert "Takedown request sent at T+00:00 by a person" in shown
        assert "To MyCERT by e-mail: acknowledged at" in shown
        assert "To VNCERT/CC by e-mail:" in shown
        assert "TLP:AMBER" in shown and "d1" not in shown  # words, no internal ids
        # k belongs to the Inbox: on the Sent list it says so and acknowledges nothing
        before = len(app.session.engine.log)
        await pilot.press("k")
        await pilot.pause()
        assert len(app.session.engine.log) == before
        await pilot.press("s")  # back to the Inbox
        await pilot.pause()
        assert app.screen.query_one("#inbox").display and not sent.display
        assert "Customers' PCs beaconing" in detail(app)


async def test_a_tall_screen_shows_the_inbox_and_the_sent_list_together():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        await pilot.press("n")  # notify ANSAC
        await pilot.pause()
        inbox, sent = app.screen.query_one("#inbox"), app.screen.query_one("#sent")
        assert inbox.display and sent.display
        assert column(sent, "To") == ["ANSAC (ASEAN Ne…"]  # the detail pane has it whole
        await pilot.press("s")  # moves to the Sent list, which the detail pane then shows
        await pilot.pause()
        assert app.focused is sent and "Escalation sent at" in detail(app)


async def test_the_console_tells_what_a_person_did_and_marks_the_team():
    app = make_app()
    async with app.run_test(size=(120, 34)) as pilot:
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        app.clear_notifications()
        await pilot.press("n")  # the person notifies ANSAC
        await pilot.pause()
        app.clear_notifications()  # the role view's own "sent" toast
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        assert "CERT-PH (person) escalated the incident to ANSAC (ASEAN Network Security " \
               "Action Council) (TLP:GREEN)" in toasts, toasts
        app.screen.query_one("#tabs").active = "tab-actors"
        await pilot.pause()
        actors = app.screen.query_one("#actors")
        last = dict(zip([str(k.value) for k in actors.rows], column(actors, "Last acted"),
                        strict=True))
        assert last["certph"] == "T+00:00 person"
        assert column(actors, "Id")[list(actors.rows).index("certph")] == "► certph"
        # the policy's own actions count too, and are said to be the policy's
        app.session.advance_to(240)
        app.redraw()
        await pilot.pause()
        last = dict(zip([str(k.value) for k in actors.rows], column(actors, "Last acted"),
                        strict=True))
        acted = app.state.last_acted["ansac"]
        assert acted.by == "policy" and acted.what.startswith("ANSAC (ASEAN Network Security "
                                                              "Action Council) ")
        assert acted.at > 0
        assert last["ansac"] == f"{fmt_time(acted.at)} policy"
        # no news is not told twice
        app.clear_notifications()
        app.redraw()
        await pilot.pause()
        assert not [n for n in app._notifications if "(person)" in n.message]


async def test_the_mark_wears_off():
    app = make_app()
    async with app.run_test(size=(120, 34)) as pilot:
        app.session.fire_inject("1")
        app.session.act(Action("certph", "acknowledge", "botnet"))
        app.redraw()
        await pilot.pause()
        screen = app.screen
        assert "certph" in screen._marks
        screen._marks["certph"] = 0.0  # its time is up
        app.redraw()
        await pilot.pause()
        ids = column(screen.query_one("#actors"), "Id")
        assert "certph" in ids and "► certph" not in ids


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_role_view_with_sent_list(snap_compare, size):
    async def run_before(pilot):
        app = pilot.app
        await keys("j", "j", "v", "n")(pilot)
        app.session.act(Action("certph", "request_takedown", "botnet",
                               targets=("mycert", "vncert"), channel="email", tlp="AMBER"))
        app.session.advance_to(app.session.now + 7)
        await keys("s")(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
