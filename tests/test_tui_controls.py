"""The console's controls: keys act on the tab that is shown, skipping asks, quitting
asks, the header's clocks agree, hot seat keeps a player in their role, keys read as
people write them."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import fits_beside_the_scrollbar, keys, until  # the same settling helpers as the other UI tests

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import ActionForm, Confirm, ConfirmQuit, HelpScreen, PinPrompt
from tui.screens.live import clock_line

DEFAULT = resolve_scenario_arg(None)


def make_app(roles=("certph",), pin: str | None = None) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=list(roles), record=False)
    return DrillApp(session, speed=60, roles=(), pin=pin)


def msel_cursor(app: DrillApp) -> str:
    table = app.screen.query_one("#msel")
    return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)


# --- keys act only on the tab that is shown ------------------------------------------


@pytest.mark.parametrize("tab", ["tab-actors", "tab-expectations", "tab-log"])
async def test_msel_keys_do_nothing_on_other_tabs(tab):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#tabs").active = tab
        await pilot.pause()
        before = {i: r.status for i, r in app.state.msel.items()}
        at = {i: r.at for i, r in app.state.msel.items()}
        for key in ("f", "s", "d"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, Confirm)
        assert {i: r.status for i, r in app.state.msel.items()} == before
        assert {i: r.at for i, r in app.state.msel.items()} == at
        assert app.session.journal is None or not app.session.journal.commands()


async def test_r_on_the_log_tab_hands_no_role_to_a_person():
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        played = dict(app.state.played_by)
        await pilot.press("5")  # the Log tab
        await pilot.pause()
        assert app.screen.query_one("#tabs").active == "tab-log"
        await pilot.press("r")
        await pilot.pause()
        assert app.state.played_by == played
        assert any("Actors tab (press 3)" in n.message for n in app._notifications)
        # on the Actors tab the same key does its job
        await pilot.press("3")
        await pilot.pause()
        first = next(iter(app.state.scenario.actors))
        await pilot.press("r")
        await pilot.pause()
        assert app.state.played_by[first] != played[first]


async def test_number_keys_switch_tabs():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tabs = app.screen.query_one("#tabs")
        assert tabs.active == "tab-overview"  # the console opens on the overview
        for key, tab in (("2", "tab-msel"), ("3", "tab-actors"), ("4", "tab-expectations"),
                         ("5", "tab-log"), ("1", "tab-overview")):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == tab


# --- skipping asks and can be undone -------------------------------------------------


async def test_skip_asks_first_and_a_skipped_inject_can_still_be_delivered():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        inject = msel_cursor(app)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert app.state.msel[inject].status == "pending"
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await pilot.pause()
        assert app.state.msel[inject].status == "skipped"
        # the Overview's cursor waits on the next inject; undo: select the skipped one,
        # f delivers it after all
        table = app.screen.query_one("#ov-msel")
        table.move_cursor(row=table.get_row_index(inject))
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        assert app.state.msel[inject].status == "delivered"


# --- quitting ------------------------------------------------------------------------


async def test_ctrl_q_asks_before_quitting_a_running_drill():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, ConfirmQuit)
        await pilot.press("ctrl+q")  # a second press does not stack a second question
        await pilot.pause()
        assert sum(isinstance(s, ConfirmQuit) for s in app.screen_stack) == 1
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))


async def test_the_palette_offers_one_quit():
    app = make_app()
    async with app.run_test(size=(80, 24)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles.count("Quit") == 1


# --- the header's clocks -------------------------------------------------------------


@pytest.mark.parametrize(("now", "drill", "local"), [
    (97.6, "T+01:37", "10:37"),  # 09:00 start: T+01:37 is 10:37, never 01:38 and 10:37
    (97.0, "T+01:37", "10:37"),
    (59.99, "T+00:59", "09:59"),
    (60.0, "T+01:00", "10:00"),
])
async def test_drill_time_and_local_time_show_the_same_minute(now, drill, local):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.advance_to(now)
        await until(pilot, lambda: f"{drill} " in clock_line(app).plain)
        header = clock_line(app).plain
        start = app.session.scenario.drill.start
        assert start.hour == 9 and start.minute == 0  # the bundled drill starts at 09:00
        assert f"{drill} " in header and f" {local} " in header, header


# --- hot seat ------------------------------------------------------------------------


async def open_role(pilot, app, role="certph"):
    app.open_role(role)
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)


async def test_a_player_cannot_leave_their_role_without_the_pin():
    app = make_app(pin="4711")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_role(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await pilot.press("1", "2", "3", "4", "enter")  # a wrong guess
        await pilot.pause()
        assert isinstance(app.screen, PinPrompt)
        await pilot.press("escape")  # give up: still in the role
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
        assert app.screen.role == "certph"
        # the right PIN opens the console
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await pilot.press("4", "7", "1", "1", "enter")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))


@pytest.mark.parametrize("key", ["R", "space", "j", "q", "ctrl+q"])
async def test_a_player_cannot_reach_the_review_or_the_clock_without_the_pin(key):
    from tui.screens.review import ReviewScreen

    app = make_app(pin="4711")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_role(pilot, app)
        now, running = app.session.now, app.clock.running
        await pilot.press(key)
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        assert not any(isinstance(s, ReviewScreen | ConfirmQuit) for s in app.screen_stack)
        assert (app.session.now, app.clock.running) == (now, running)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
        assert (app.session.now, app.clock.running) == (now, running)


async def test_the_palette_does_not_bypass_the_pin():
    from tui.screens.review import ReviewScreen

    app = make_app(pin="4711")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_role(pilot, app)
        review = next(c for c in app.get_system_commands(app.screen) if c.title == "Review")
        app.call_later(review.callback)  # as the palette runs a command
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        assert not any(isinstance(s, ReviewScreen) for s in app.screen_stack)


async def test_the_pin_is_not_kept_in_clear():
    app = make_app(pin="4711")
    assert "4711" not in repr(vars(app))
    assert app.pin_matches("4711") and not app.pin_matches("4712")


async def test_without_a_pin_escape_returns_to_the_console():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_role(pilot, app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))


# --- keys and forms ------------------------------------------------------------------


async def test_help_shows_keys_as_people_write_them():
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        keys = {table.get_row_at(i)[2]: table.get_row_at(i)[0] for i in range(table.row_count)}
        assert keys["clock.faster"] == "+ ="
        assert keys["app.help"] == "? F1"
        assert keys["clock.slower"] == "-"
        assert not any("_" in k for k in keys.values()), keys


async def test_the_action_form_opens_on_its_first_field_and_marks_recipients():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.fire_inject("1")
        await open_role(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionForm)
                    and bool(app.screen.query("#send")))
        await pilot.pause()
        assert app.focused is app.screen.query_one("#verb")
        targets = app.screen.query_one("#targets")
        first = targets.get_option_at_index(0).value
        assert targets.render_line(0).text.startswith("▐ ▌")
        targets.select(first)
        targets.refresh()
        assert targets.render_line(0).text.startswith("▐x▌")


def test_the_timeline_has_a_legend_for_every_mark():
    from tui.widgets.swimlane import MARKS, legend

    key = legend().plain
    for mark, _ in MARKS.values():
        assert mark in key
    assert "┊ deadline" in key and "■ inject" in key and "✗ lost" in key


def test_play_with_an_empty_pin_refuses_before_any_journal(monkeypatch, tmp_path, capsys):
    import getpass

    from sim.cli import main

    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path))
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "  ")
    assert main(["play", "--pin"]) == 2
    assert "--pin: no PIN was given" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.sqlite"))


# --- 80x24 first ---------------------------------------------------------------------


async def test_every_column_fits_at_80_by_24():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for inject in ("1", "2", "3", "4"):
            app.session.fire_inject(inject)
        await pilot.press("2")  # the MSEL tab
        app.redraw()
        await pilot.pause()
        msel = app.screen.query_one("#msel")
        assert fits_beside_the_scrollbar(msel)
        assert [str(c.label) for c in msel.ordered_columns][-1] == "To"
        title = msel.get_cell("4", msel.ordered_columns[4].key).plain
        assert title.endswith("…")  # shortened, not cut off at the edge
        await open_role(pilot, app)
        app.redraw()
        await pilot.pause()
        for tid in ("#todo", "#inbox"):
            table = app.screen.query_one(tid)
            assert table.row_count, tid
            assert fits_beside_the_scrollbar(table), tid


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_console_after_three_injects(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("j", "j", "j"))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_role_view(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("j", "j", "j", "v"))
