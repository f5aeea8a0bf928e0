"""What a player is told is what the command did: a takedown by a team that hosts
nothing is not "done", and acknowledging again acknowledges nothing."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Action
from sim.runs.session import DrillSession
from sim.runs.view import DrillState
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen

DEFAULT = resolve_scenario_arg(None)  # the botnet's C2 is hosted in MY and VN


def session(human=("certph", "mycert")) -> DrillSession:
    s = DrillSession.start(load_scenario(DEFAULT), seed=0, human=list(human), record=False)
    s.fire_inject("1")
    return s


def hears_of_botnet(s: DrillSession, actor: str) -> None:
    """Let the drill run until ``actor`` has been told of the botnet."""
    while not any(e.actor == actor and e.incident == "botnet"
                  and e.type in ("message_delivered", "inject_delivered") for e in s.engine.log):
        assert not s.finished
        s.advance_to(s.now + 30)


def takedown(s: DrillSession, actor: str):
    [event] = [e for e in s.act(Action(actor, "takedown", "botnet"))
               if e.type == "takedown_completed"]
    return event


def test_a_takedown_with_nothing_hosted_says_so_in_the_log():
    s = session()
    state = DrillState(s.scenario)
    for e in s.engine.log:
        state.apply(e)
    s.listen(state.apply)
    event = takedown(s, "certph")  # the Philippines hosts none of it
    assert event.details.get("nothing_hosted") is True
    line = state.describe(event)
    assert "took down" not in line
    assert line.startswith("CERT-PH had nothing hosted in its country to take down")
    assert state.last_acted["certph"].what == line


def test_a_takedown_where_something_is_hosted_still_reads_as_done():
    s = session()
    state = DrillState(s.scenario)
    for e in s.engine.log:
        state.apply(e)
    hears_of_botnet(s, "mycert")
    for e in s.engine.log[state.events:]:
        state.apply(e)
    event = takedown(s, "mycert")  # Malaysia hosts part of the botnet
    assert not event.details.get("nothing_hosted")
    state.apply(event)
    assert "took down what" in state.describe(event)


def make_app(human=("certph",)) -> DrillApp:
    s = DrillSession.start(load_scenario(DEFAULT), seed=0, human=list(human), record=False)
    return DrillApp(s, speed=60)


async def open_role(pilot, app: DrillApp, role: str) -> ParticipantScreen:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    app.session.fire_inject("1")
    app.open_role(role)
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


def toasts(app: DrillApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_players_toast_says_nothing_was_hosted_to_take_down():
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_role(pilot, app, "certph")
        app.clear_notifications()
        app.send_action(Action("certph", "takedown", "botnet"))
        await pilot.pause()
        said = toasts(app)
        assert not any("takedown sent" in t for t in said)
        assert any("had nothing hosted in its country to take down" in t for t in said)
        # and the console, told what a person did, says the same
        app.clear_notifications()
        app.pop_screen()
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        app.redraw()
        await pilot.pause()
        assert any("had nothing hosted" in t for t in toasts(app))
        assert not any("took down" in t for t in toasts(app))


async def test_a_sent_message_is_toasted_from_its_event():
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_role(pilot, app, "certph")
        app.clear_notifications()
        app.send_action(Action("certph", "notify", "botnet", targets=("thaicert",),
                               channel="email", tlp="GREEN"))
        await pilot.pause()
        assert any(t.startswith("CERT-PH notified ThaiCERT") for t in toasts(app))


async def test_acknowledging_again_says_it_was_already_acknowledged():
    app = make_app()
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await open_role(pilot, app, "certph")

        def acks() -> int:
            return sum(1 for e in app.session.engine.log
                       if e.type == "acknowledged" and e.actor == "certph")

        app.clear_notifications()
        await pilot.press("k")
        await pilot.pause()
        assert acks() == 1
        first = toasts(app)
        assert first and first[-1].startswith("CERT-PH acknowledged")
        app.clear_notifications()
        await pilot.press("k")
        await pilot.pause()
        assert acks() == 1
        again = toasts(app)
        assert again and not any(t.startswith("acknowledged") or "CERT-PH acknowledged" in t
                                 for t in again)
        assert any("already acknowledged" in t for t in again)
