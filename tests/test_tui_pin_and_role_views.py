"""`drill play` keeps to each screen what it may show: the PIN prompt lets nothing of
the facilitator's run past it, a role's to-do list and inbox hold only what the role
was told (as over the network), and R in a review opens no second review."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_artefact_files import scenario as artefact_scenario
from test_tui import until
from textual.command import CommandPalette
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

import tui.app as app_module
from scenarios import load_scenario, resolve_scenario_arg
from sim.engine.events import Event
from sim.net.visibility import for_role, role_expectations
from sim.runs.session import DrillSession
from sim.runs.view import DrillState
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import ConfirmQuit, HelpScreen, PinPrompt
from tui.screens.review import ReviewScreen

DEFAULT = resolve_scenario_arg(None)
END = 3 * 24 * 60  # after the default drill's end
PIN = "4711"


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


def make_app(roles=("certph",), pin: str | None = None, tick: float | None = None) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=list(roles),
                                 record=False)
    if tick is None:
        return DrillApp(session, speed=60, roles=(), pin=pin)
    return DrillApp(session, speed=60, roles=(), pin=pin, tick=tick)


def reviews(app: DrillApp) -> list[ReviewScreen]:
    return [s for s in app.screen_stack if isinstance(s, ReviewScreen)]


async def open_role(pilot, app: DrillApp, role: str) -> ParticipantScreen:
    app.open_role(role)
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                and app.screen.role == role and app.screen.ready)
    screen = app.screen
    assert isinstance(screen, ParticipantScreen)
    return screen


def local(app: DrillApp) -> DrillSession:
    """The drill run here, in this terminal."""
    assert isinstance(app.session, DrillSession)
    return app.session


async def end_the_drill(pilot, app: DrillApp) -> None:
    """Run the clock past the drill's end and tick once (the app's own tick is too slow
    to come during the test), then let the screens settle."""
    app.clock.resume()
    app.clock.jump_to(END)
    app.tick()
    await until(pilot, lambda: app.session.finished)
    await pilot.pause(0.3)


async def give_pin(pilot, pin: str = PIN) -> None:
    for key in pin:
        await pilot.press(key)
    await pilot.press("enter")


async def from_the_palette(pilot, app: DrillApp, command: str) -> None:
    """ctrl+p, the command's name, enter: as a person at the keyboard chooses it."""
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    for ch in command:
        await pilot.press(ch)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
    await pilot.pause(0.3)


async def nothing_runs_past_the_prompt(pilot, app: DrillApp) -> None:
    """With the PIN prompt on top: ctrl+q and the palette's Review, Run/pause and
    Next leave the drill, the clock and the prompt as they were."""
    before = (app.session.now, app.clock.running, len(local(app).engine.log))
    await pilot.press("ctrl+q")
    await pilot.pause(0.2)
    assert app.is_running and isinstance(app.screen, PinPrompt)
    assert not any(isinstance(s, ConfirmQuit) for s in app.screen_stack)
    for command in ("Review", "Run/pause", "Next"):
        await from_the_palette(pilot, app, command)
        assert isinstance(app.screen, PinPrompt), command
        assert not reviews(app), command
    assert (app.session.now, app.clock.running, len(local(app).engine.log)) == before
    assert app.locked


# --- 1. hot seat: the PIN prompt itself ---------------------------------------------------


async def test_nothing_of_the_facilitators_runs_from_the_pin_prompt_and_the_pin_still_works():
    app = make_app(pin=PIN)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await open_role(pilot, app, "certph")
        await pilot.press("escape")  # the player tries to leave the role view
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await nothing_runs_past_the_prompt(pilot, app)
        assert any("for the facilitator" in n.message for n in app._notifications)
        await give_pin(pilot)  # the facilitator's PIN: back to the console
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert not app.locked and app.is_running


async def test_the_review_asked_for_from_a_role_view_opens_once_the_pin_is_given():
    app = make_app(pin=PIN)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_role(pilot, app, "certph")
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await nothing_runs_past_the_prompt(pilot, app)
        await give_pin(pilot)
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        assert len(reviews(app)) == 1


async def test_the_pin_prompt_at_the_drills_end_lets_nothing_past_it_either():
    # a tick far longer than the test: the test ticks the clock itself
    app = make_app(pin=PIN, tick=3600)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_role(pilot, app, "certph")
        await end_the_drill(pilot, app)
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await nothing_runs_past_the_prompt(pilot, app)
        await give_pin(pilot)  # the review the end of the drill asked for
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        assert len(reviews(app)) == 1


# --- 2. a role's to-do list: no deadline it was never told of -----------------------------


def todo_rows(screen: ParticipantScreen) -> dict[str, list[str]]:
    table = screen.query_one("#todo", DataTable)
    return {str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value):
            [str(c) for c in table.get_row_at(i)] for i in range(table.row_count)}


def over_the_network(session: DrillSession, role: str) -> dict[str, tuple[str, float | None]]:
    """The role's to-do list as ``drill join`` shows it: from the events it is sent."""
    state = DrillState(session.scenario)
    mine = role_expectations(session.scenario, role)
    for e in session.engine.log:
        seen = for_role(e, role, mine)
        if seen is not None:
            state.apply(Event.from_dict(seen))
    return {x.id: (x.status, x.deadline_at) for x in state.todo(role)}


async def test_a_roles_to_do_list_shows_no_deadline_anchored_on_what_it_never_saw():
    app = make_app(roles=("certph", "thaicert", "police-ph"))
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        await pilot.press("f")  # inject 1, to CERT-PH only: the incident opens
        await pilot.pause()
        app.session.fire_inject("4")  # TLP:RED, to CERT-PH only
        app.redraw()
        await pilot.pause()
        assert app.state.msel["4"].status == "delivered" and app.state.msel["4"].to == ["certph"]
        # exercise control sees both countdowns
        console = app.screen.query_one("#expectations", DataTable)
        assert [str(c) for c in console.get_row("E3")][1:3] == ["due", "T+06:00"]
        assert [str(c) for c in console.get_row("E6")][1] == "due"
        thai = await open_role(pilot, app, "thaicert")
        assert thai.query_one("#inbox", DataTable).row_count == 0
        assert todo_rows(thai)["E3"][:3] == ["waiting", "", ""]
        app.pop_screen()
        await pilot.pause()
        pnp = await open_role(pilot, app, "police-ph")
        # nothing says the RED inject reached CERT-PH, nor when
        assert todo_rows(pnp)["E6"][:3] == ["waiting", "", ""]
        assert over_the_network(local(app), "thaicert")["E3"] == ("waiting", None)
        assert over_the_network(local(app), "police-ph")["E6"] == ("waiting", None)
        app.pop_screen()
        await pilot.pause()
        # CERT-PH received both injects: its own countdowns show
        ph = todo_rows(await open_role(pilot, app, "certph"))
        assert ph["E1"][0] == "due" and ph["E1"][1].startswith("T+")
        assert ph["E5"][0] == "due" and ph["E5"][1].startswith("T+")


# --- 3. a password lost on the way is exercise control's to know ---------------------------


async def test_a_role_view_does_not_say_a_password_was_lost_but_the_console_log_does(tmp_path):
    # SingCERT's phone number is out of date: inject 1's password never reaches it
    path = artefact_scenario(tmp_path, {"file": "evidence/note.txt", "protected": {
        "password_via": "phone", "password": "infected", "delay": "10m"}}, stale_phone=True)
    session = DrillSession.start(load_scenario(path), seed=0, human=["singcert"],
                                 record=False)
    session.advance_to(61)
    assert [e.details["reason"] for e in session.engine.log if e.type == "password_lost"] \
        == ["stale_contact"]
    app = DrillApp(session)
    async with app.run_test(size=(160, 60)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        log = app.screen.query_one("#log", DataTable)
        lines = [str(log.get_row_at(i)[1]) for i in range(log.row_count)]
        assert any("password of note.txt" in x and "was lost: the contact is out of date" in x
                   for x in lines)
        role = await open_role(pilot, app, "singcert")
        shown = str(role.query_one("#detail", Static).render())
        assert "Password: protected; the password comes by phone" in shown
        assert "lost" not in shown and "out of date" not in shown
        assert "(its text shows once the password has arrived)" in shown


# --- 4. R in a review -----------------------------------------------------------------------


async def test_r_in_a_review_opens_no_second_review(monkeypatch):
    import sim.analysis.review as review_module

    model_runs: list[object] = []
    real = review_module.with_model

    def counted(*args, **kw):
        model_runs.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(review_module, "with_model", counted)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        first = app.screen
        for _ in range(2):
            await pilot.press("R")
            await pilot.pause(0.3)
        assert reviews(app) == [first] and app.screen is first
        assert len(model_runs) == 1  # one set of model runs, not one per R
        await pilot.press("question_mark")  # the review's keys do not offer R
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert isinstance(app.screen, HelpScreen)
        help_rows = app.screen.rows
        assert "Close" in [row[1] for row in help_rows]  # the review's own keys
        assert "app.review" not in [row[2] for row in help_rows]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is first)
        await pilot.press("escape")  # closed: R opens the review again
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        assert len(reviews(app)) == 1 and len(model_runs) == 2


async def test_the_drills_end_opens_no_second_review():
    # a review open when the drill ends is the hot wash: none opens on top of it
    app = make_app(tick=3600)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await end_the_drill(pilot, app)
        assert len(reviews(app)) == 1


async def test_the_drills_end_while_a_player_is_asked_for_the_pin_asks_once():
    # the drill ends while a player is asked for the PIN: one prompt, for the review
    app = make_app(pin=PIN, tick=3600)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_role(pilot, app, "certph")
        await pilot.press("escape")  # the player asks for the console: the PIN prompt
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await end_the_drill(pilot, app)
        assert sum(isinstance(s, PinPrompt) for s in app.screen_stack) == 1
        await give_pin(pilot)
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        assert len(reviews(app)) == 1
