"""The live drill's console and role views: a role view never shows toasts about
another team, every way the drill reaches its end opens the review, `drill play --role`
opens at the console, the Log tab lists the whole event log, and `d` on a contingency
says why it cannot be delayed."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import until
from textual.widgets import Button, DataTable, Select, TabbedContent

import tui.app as app_module
from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Action, ActionError
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import ActionForm, PinPrompt
from tui.screens.review import ReviewScreen

DEFAULT = resolve_scenario_arg(None)
PIN = "4711"
#: inject 4 of the default drill: TLP:RED, for CERT-PH only
RED_TITLE = "Sample analysis - credential theft confirmed"


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


def hot_seat(pin: str | None = PIN, roles: tuple[str, ...] = ()) -> DrillApp:
    """CERT-PH and VNCERT/CC played by people at one keyboard (``drill play --role
    certph --role vncert [--pin]`` passes their roles as ``roles``)."""
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph", "vncert"],
                                 record=False)
    return DrillApp(session, speed=60, roles=roles, pin=pin)


def toasts(app: DrillApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def give_pin(pilot) -> None:
    for key in PIN:
        await pilot.press(key)
    await pilot.press("enter")


async def role_view(pilot, app: DrillApp, role: str) -> ParticipantScreen:
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                and app.screen.role == role and app.screen.ready)
    await pilot.pause(0.1)
    assert isinstance(app.screen, ParticipantScreen)
    return app.screen


async def certph_acts_on_the_red_inject(pilot, app: DrillApp) -> None:
    """CERT-PH's player acknowledges the TLP:RED inject 4 and marks its incident analysed."""
    app.jump_to(240)  # T+04:00: inject 4 reaches CERT-PH
    await pilot.press("v")  # the facilitator opens the first person's role: CERT-PH
    await role_view(pilot, app, "certph")
    assert app.state.inbox["certph"][-1].title == RED_TITLE
    await pilot.press("k")  # the cursor is on the newest item: inject 4
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, ActionForm)
                and bool(app.screen.query("#send")))
    app.screen.query_one("#verb", Select).value = "analyse"
    await pilot.pause()
    app.screen.query_one("#send", Button).press()
    await role_view(pilot, app, "certph")
    assert len(app.state.person_actions) == 2


def about_certph(messages: list[str]) -> list[str]:
    return [m for m in messages if "CERT-PH" in m or RED_TITLE in m or "analys" in m]


# --- 1. a role view shows no toast about another team ---------------------------------


async def test_h_hands_over_to_the_next_person_without_toasts_about_the_last_one():
    app = hot_seat()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        await certph_acts_on_the_red_inject(pilot, app)
        await pilot.press("h")  # the next person: the facilitator types the PIN
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await give_pin(pilot)
        await role_view(pilot, app, "vncert")
        await pilot.pause(0.3)
        # neither CERT-PH's own toasts nor the console's news of what CERT-PH did
        assert about_certph(toasts(app)) == []
        # the console still says what people did once the facilitator is back there
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await give_pin(pilot)
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        await pilot.pause(0.2)
        said = toasts(app)
        assert f"CERT-PH (person) acknowledged {RED_TITLE}" in said
        assert any(m.startswith("CERT-PH (person) analysed") for m in said)


async def test_a_role_opened_just_after_the_console_said_what_people_did_shows_none_of_it():
    app = hot_seat(pin=None)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        await certph_acts_on_the_red_inject(pilot, app)
        await pilot.press("escape")  # back at the console: it says what CERT-PH did
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        await pilot.pause(0.2)
        assert any(m.startswith("CERT-PH (person)") for m in toasts(app))
        console = app.screen
        await pilot.press("3")  # the Actors tab: VNCERT/CC's view, within seconds
        table = console.query_one("#actors", DataTable)
        table.move_cursor(row=table.get_row_index("vncert"))
        await pilot.press("v")
        await role_view(pilot, app, "vncert")
        await pilot.pause(0.2)
        assert about_certph(toasts(app)) == []


# --- 2. every way to the drill's end opens the review -----------------------------------


def ended_toasts(app: DrillApp) -> int:
    return sum(1 for m in toasts(app) if m == "The drill has ended.")


def reviews(app: DrillApp) -> int:
    return sum(1 for s in app.screen_stack if isinstance(s, ReviewScreen))


async def test_j_to_an_inject_after_the_end_ends_the_drill_and_opens_the_review():
    sc = load_scenario(resolve_scenario_arg("apcert-ransomware"))
    people = [a for a, x in sc.scenario.actors.items() if x.kind == "national_cert"]
    session = DrillSession.start(sc, seed=0, human=people, record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        app.jump_to(465)  # T+07:45; the drill lasts 8 hours
        # a takedown request: inject 2 is timed 30 minutes after it, past the end
        app.send_action(Action("singcert", "request_takedown", "ransom",
                               targets=("isp-sg",), channel="email", tlp="AMBER"))
        assert (session.next_inject_time() or 0) > session.engine.end
        app.clock.resume()
        await pilot.press("j")
        await until(pilot, lambda: reviews(app) == 1)
        assert session.finished and not app.clock.running
        for _ in range(3):  # the clock's ticks go on: the end is said once
            app.tick()
        await pilot.pause(0.2)
        assert reviews(app) == 1 and ended_toasts(app) == 1


async def test_jumping_past_the_end_opens_the_review_once():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        app.clock.resume()
        app.jump_to(session.engine.end + 60)
        await until(pilot, lambda: reviews(app) == 1)
        assert not app.clock.running
        app.tick()
        app.jump_to(session.engine.end + 120)
        await pilot.pause(0.2)
        assert reviews(app) == 1 and ended_toasts(app) == 1


# --- 3. drill play --role opens at the console ------------------------------------------


async def test_drill_play_with_roles_and_a_pin_opens_at_the_console():
    app = hot_seat(roles=("certph", "vncert"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.pause(0.2)
        assert isinstance(app.screen, FacilitatorScreen)
        assert not any(isinstance(s, ParticipantScreen) for s in app.screen_stack)
        assert not app.locked
        await pilot.press("space")  # the facilitator's key, without a PIN
        assert app.clock.running and not isinstance(app.screen, PinPrompt)
        await pilot.press("space")
        assert app.state.played_by["certph"] == app.state.played_by["vncert"] == "human"
        await pilot.press("v")  # the first person's role, now locked by the PIN
        await role_view(pilot, app, "certph")
        assert app.locked


# --- 4. the Log tab: the whole event log ------------------------------------------------


async def test_the_log_tab_lists_every_event_of_a_long_drill_and_follows_the_newest():
    session = DrillSession.start(load_scenario(resolve_scenario_arg("acid-hacktivism")),
                                 seed=0, human=["mycert"], record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        console = app.screen
        await pilot.press("5")
        log = console.query_one("#log", DataTable)
        cleared: list[int] = []
        real_clear = log.clear

        def clear(*args, **kw):
            cleared.append(1)
            return real_clear(*args, **kw)

        log.clear = clear  # type: ignore[method-assign]
        app.jump_to(session.engine.end - 60)
        await pilot.pause(0.2)
        events = session.engine.log
        assert len(events) > (app.state.recent.maxlen or 0)  # more than the Overview keeps
        assert log.row_count == len(events)
        rows = [[str(c) for c in log.get_row_at(i)] for i in range(log.row_count)]
        # oldest first, from the drill's start; the cursor follows the newest line
        assert rows[0][1] == console_line(app, events[0])
        assert rows[-1][1] == console_line(app, events[-1])
        assert log.cursor_row == log.row_count - 1
        # new events are added to the table, not the table built again
        before = log.row_count
        app.jump_to(session.engine.end - 1)
        await pilot.pause(0.2)
        assert log.row_count == len(session.engine.log) > before
        assert cleared == []
        # the Overview's Latest panel keeps its cap
        assert console.query_one("#ov-log", DataTable).row_count <= 50


def console_line(app: DrillApp, event) -> str:
    return app.state.describe(event)


# --- 5. d on a contingency that has not fired -------------------------------------------


@pytest.mark.parametrize(("keymap", "reschedule"),
                         [(None, "(t)"), ({"msel.reschedule": "ctrl+r"}, "(ctrl+r)")])
async def test_d_on_a_contingency_says_it_has_no_time_yet_and_how_to_give_it_one(keymap,
                                                                                 reschedule):
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 record=False)
    app = DrillApp(session, speed=60, roles=(), keymap=keymap)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        console = app.screen
        await pilot.press("2")
        await until(pilot, lambda: console.query_one("#tabs", TabbedContent).active
                    == "tab-msel")
        msel = console.query_one("#msel", DataTable)
        msel.move_cursor(row=msel.get_row_index("C1"))
        assert str(msel.get_row("C1")[2]) == "pending"
        await pilot.press("d")
        await pilot.pause(0.2)
        said = toasts(app)[-1]
        assert "C1" in said and "no time yet" in said and "trigger" in said
        # what to do: Reschedule gives it a time, on the key the keymap put it on
        assert f"Reschedule {reschedule}" in said and ("(t)" in said) == (keymap is None)
        assert "not waiting" not in said


def test_other_refusals_to_delay_are_as_they_were():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"],
                                 record=False)
    session.fire_inject("1")
    with pytest.raises(ActionError, match="inject '1' is not waiting to be delivered"):
        session.delay_inject("1", 30)
    with pytest.raises(ActionError, match="no time yet"):
        session.delay_inject("C1", 30)
