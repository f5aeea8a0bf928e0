"""The live-drill app, driven through Textual's pilot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("textual")

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession, Journal
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import ActionForm, ConfirmQuit, HelpScreen

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = resolve_scenario_arg(None)


def make_app(journal: Path | None = None, roles=("certph",)) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=list(roles),
                                 journal_path=journal, record=journal is not None)
    return DrillApp(session, speed=60, roles=())


async def until(pilot, condition, seconds: float = 10.0) -> None:
    """Let the app settle until ``condition()`` holds and the screen on top has finished
    mounting (screens mount asynchronously: a screen just pushed or switched to is on top
    before its widgets are there to query)."""
    for _ in range(int(seconds / 0.05)):
        if condition() and pilot.app.screen.is_mounted:
            return
        await pilot.pause(0.05)
    raise AssertionError("the app never reached the expected state")


def room_for_columns(table) -> int:
    """The cells a table shows its columns in: its width beside the vertical scrollbar,
    when that shows (a fitted table's columns must fit there, or it scrolls sideways)."""
    return table.scrollable_content_region.width


def fits_beside_the_scrollbar(table) -> bool:
    """Every column of ``table`` within what it shows beside its vertical scrollbar, if
    any: nothing to scroll to sideways, and no horizontal scrollbar."""
    width = sum(c.get_render_width(table) for c in table.ordered_columns)
    return (width <= room_for_columns(table)
            and table.virtual_size.width <= room_for_columns(table)
            and not table.show_horizontal_scrollbar)


async def fire_first_inject(pilot) -> None:
    """As the facilitator: the cursor is on inject 1 of the MSEL; fire it now."""
    await pilot.press("f")
    await pilot.pause()


async def test_facilitator_fires_participant_acknowledges_and_notifies_ansac():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert isinstance(app.screen, FacilitatorScreen)
        await fire_first_inject(pilot)
        assert app.state.msel["1"].status == "delivered"
        assert app.state.expectations["E1"].status == "due"
        await pilot.press("v")  # the role a person plays: CERT-PH
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        assert isinstance(app.screen, ParticipantScreen) and app.screen.role == "certph"
        assert [i.ref for i in app.state.inbox["certph"]] == ["inject:1"]
        await pilot.press("k")  # acknowledge the selected inbox item
        await pilot.pause()
        assert app.state.expectations["E1"].status == "met"
        await pilot.press("n")  # notify ANSAC
        await pilot.pause()
        # sent, not yet delivered: the expectation asks for delivery
        assert app.state.expectations["E3"].status == "due"
        # automated actors answer as play goes on: ANSAC acknowledges
        await pilot.press("space")
        app.clock.jump_to(240)
        app.tick()
        await pilot.pause()
        assert app.state.expectations["E3"].status == "met"
        assert any(e.type == "acknowledged" and e.actor == "ansac" for e in app.session.engine.log)
        await pilot.press("escape")
        assert isinstance(app.screen, FacilitatorScreen)
        table = app.screen.query_one("#expectations")
        assert table.get_cell("E3", table.ordered_columns[1].key).plain == "met"


async def test_action_form_sends_a_chosen_action():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await fire_first_inject(pilot)
        await pilot.press("v")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionForm)
                    and bool(app.screen.query("#send")))
        form = app.screen
        form.query_one("#verb").value = "request_takedown"
        targets = form.query_one("#targets")
        targets.select("mycert")
        targets.select("vncert")
        form.query_one("#tlp").value = "AMBER"
        await pilot.click("#send")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
        assert app.state.expectations["E2"].status == "due"  # asked, not yet delivered
        app.clock.resume()
        app.clock.jump_to(60)
        app.tick()
        await pilot.pause()
        assert app.state.expectations["E2"].status == "met"  # takedown asked of hosting CERTs


async def test_a_participant_sees_only_their_own_inbox():
    app = make_app(roles=("certph", "thaicert"))
    async with app.run_test(size=(100, 30)) as pilot:
        # the TLP:RED analysis goes to CERT-PH only
        app.session.fire_inject("4")
        app.session.fire_inject("2")
        await pilot.pause()
        app.open_role("thaicert")
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        inbox = app.screen.query_one("#inbox")
        refs = [str(k.value) for k in inbox.rows]
        assert refs == ["inject:2"]
        assert "victim list" not in str(app.screen.query_one("#detail").render()).lower()
        # hot seat: hand the view to the other person
        await pilot.press("h")
        await until(pilot, lambda: getattr(app.screen, "role", "") == "certph" and app.screen.ready)
        refs = [str(k.value) for k in app.screen.query_one("#inbox").rows]
        assert "inject:4" in refs


async def test_clock_runs_pauses_and_jumps():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.clock.running
        await pilot.press("j")  # next inject
        assert app.session.now == pytest.approx(15, abs=0.01)
        assert app.state.msel["1"].status == "delivered"
        await pilot.press("plus")
        assert app.clock.speed == 300
        await pilot.press("space")
        assert app.clock.running
        # the clock ticks on its own: wait for a tick, however busy the machine is
        await until(pilot, lambda: app.session.now > 15)
        await pilot.press("space")
        assert not app.clock.running


async def test_quitting_a_running_drill_asks_first():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmQuit)
        await pilot.press("n")
        assert isinstance(app.screen, FacilitatorScreen)
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
    assert app.return_code == 0


async def test_help_and_palette_list_every_action():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for binding in [*FacilitatorScreen.BINDINGS, *DrillApp.BINDINGS]:
            assert binding.id, f"{binding.action} has no id"
            # the invitations are a drill served over the network's (drill join)
            assert (binding.description in titles) == (binding.id != "app.tokens")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        ids = {table.get_row_at(i)[2] for i in range(table.row_count)}
        assert {"msel.fire", "clock.toggle", "app.quit"} <= ids


async def test_resume_continues_the_drill_in_the_app(tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    app = make_app(journal)
    async with app.run_test(size=(80, 24)) as pilot:
        await fire_first_inject(pilot)
        await pilot.press("v")
        await pilot.press("k")
        await pilot.pause()
    resumed = DrillApp(DrillSession.resume(journal))
    async with resumed.run_test(size=(80, 24)) as pilot:
        assert resumed.state.expectations["E1"].status == "met"
        assert [i.acknowledged for i in resumed.state.inbox["certph"]] == [True]
        await pilot.press("v")
        await pilot.press("n")
        await pilot.pause()
    kinds = [(c.kind, c.payload.get("verb")) for c in Journal.open(journal).commands()]
    assert kinds == [("fire_inject", None), ("act", "acknowledge"), ("act", "escalate")]


KILLED = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    sys.path.insert(0, {root!r})
    from scenarios import load_scenario
    from sim.runs.session import DrillSession
    from tui.app import DrillApp

    async def main():
        s = DrillSession.start(load_scenario({scenario!r}), human=["certph"],
                               journal_path={journal!r})
        app = DrillApp(s)
        async with app.run_test(size=(80, 24)) as pilot:
            for key in ("f", "v", "k", "n"):
                await pilot.press(key)
                await pilot.pause()
            os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main())
    """
)


def test_killing_the_app_loses_nothing(tmp_path):
    journal = tmp_path / "k.journal.sqlite"
    script = KILLED.format(root=str(ROOT), scenario=str(DEFAULT), journal=str(journal))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    session = DrillSession.resume(journal)
    kinds = [(c.kind, c.payload.get("verb")) for c in session.journal.commands()]
    assert kinds == [("fire_inject", None), ("act", "acknowledge"), ("act", "escalate")]
    assert any(e.type == "escalated" and e.actor == "certph" and e.details["targets"] == ["ansac"]
               for e in session.engine.log)
    session.close()
    assert os.path.exists(journal)


# --- snapshots of the main screens -------------------------------------------------


def keys(*presses: str):
    """A run_before that presses keys one at a time, then settles the screen."""

    async def run_before(pilot) -> None:
        for key in presses:
            await pilot.press(key)
            await until(pilot, lambda: getattr(pilot.app.screen, "ready", True))
            # let the screen settle (a pane's height, a scrollbar) before the next key: a
            # dialog opened on top shows the screen behind it as it was at that moment
            pilot.app.redraw()
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            await pilot.pause()
        # draw once more now that every widget has its size: fitted columns are
        # measured against the real width, not the one before layout
        pilot.app.redraw()
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        await settled(pilot)

    return run_before


async def settled(pilot, tries: int = 40) -> None:
    """Wait until two screenshots in a row are the same: Textual lays some widgets out
    over several frames (a list's height, then its scrollbar), on its own schedule.
    Text cursors stop blinking first: a blink would be caught at whatever phase the
    machine's load made it."""
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False
    await pilot.pause()
    before = None
    for _ in range(tries):
        shot = pilot.app.export_screenshot()
        if shot == before:
            return
        before = shot
        await pilot.pause(0.05)


def test_snapshot_facilitator_console(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=keys("f", "j"))


def test_snapshot_actors_tab_wide(snap_compare):
    async def run_before(pilot):
        await keys("f")(pilot)
        pilot.app.screen.query_one("#tabs").active = "tab-actors"
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 34), run_before=run_before)


def test_snapshot_participant_view(snap_compare):
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=keys("f", "v", "k"))


def dialog_alone(*presses: str):
    """A run_before for a dialog's snapshot: the screen behind it is left out, as Textual
    lays out a screen under a dialog on its own schedule."""

    async def run_before(pilot) -> None:
        await keys(*presses)(pilot)
        for widget in pilot.app.screen_stack[-2].children:
            widget.display = False
        await settled(pilot)

    return run_before


def test_snapshot_action_form(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=dialog_alone("f", "v", "a"))


async def test_the_review_opens_when_the_drill_ends():
    from tui.screens.review import ReviewScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        app.clock.jump_to(3 * 24 * 60)
        app.tick()
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        assert app.session.finished
        assert app.screen.review.metrics["score"]["of"] == 7
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))


async def test_a_journal_that_cannot_be_written_halts_the_drill_instead_of_crashing(tmp_path):
    from sim.runs.session import JournalError

    app = make_app(tmp_path / "j.sqlite")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        def disk_full(*args, **kwargs):
            raise JournalError(f"{tmp_path / 'j.sqlite'}: cannot write: No space left on device.")

        app.session.advance_to = disk_full
        await pilot.press("space")  # the clock runs: the next tick fails to record
        await until(pilot, lambda: app.halted is not None)
        assert not app.clock.running
        assert "No space left on device" in app.halted and "--resume" in app.halted
        now = app.session.now
        await pilot.press("j")  # nothing more is played once the journal stops
        await pilot.press("space")
        await pilot.pause(0.3)
        assert app.session.now == now
        assert app.is_running
