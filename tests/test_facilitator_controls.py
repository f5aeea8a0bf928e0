"""The facilitator's controls over the MSEL and the clock: reschedule, edit and un-skip
injects, ad-hoc injects for later, jumping the clock, scheduled breaks."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from conftest import events_of

from scenarios.model import Inject
from sim.engine import ActionError
from sim.runs.breaks import Break, BreakPlan, parse_break
from sim.runs.session import DrillSession, Journal
from sim.runs.view import DrillState
from sim.runs.when import parse_when, when_in_words


@pytest.fixture
def loaded(scenario_data, load):
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "AMBER", "title": "Update", "text": "More hosts seen",
         "incident": {"id": "x", "severity": "high"}})
    return load(scenario_data)


def start(loaded, tmp_path, name="f.journal.sqlite") -> DrillSession:
    return DrillSession.start(loaded, seed=1, human=["cert-a"], journal_path=tmp_path / name)


def resume_matches(session: DrillSession) -> DrillSession:
    """Close, resume, and check the replay gives the very same events."""
    path = session.path
    log = [e.to_json() for e in session.engine.log]
    session.close()
    again = DrillSession.resume(path)
    assert [e.to_json() for e in again.engine.log] == log
    return again


def delivered(session, inject):
    return [e for e in events_of(session.engine.log, "inject_delivered")
            if e.details["inject"] == inject]


# --- times the facilitator types --------------------------------------------------------


def test_drill_times_and_clock_times(loaded):
    sc = loaded.scenario  # starts 09:00 Singapore time, the drill clock's zone
    assert parse_when("T+02:30", sc, 10) == 150
    assert parse_when("t+1d03:00", sc, 10) == 1440 + 180
    assert parse_when("14:30", sc, 10) == 330  # today
    assert parse_when("08:00", sc, 10) == 1440 - 60  # passed today: tomorrow
    assert parse_when("09:10", sc, 10.5) == 10  # the minute the clock shows is today
    assert parse_when("now", sc, 12.5, allow_now=True) == 12.5
    assert when_in_words(sc, 330, 10) == "T+05:30 (today 14:30 +08)"
    assert when_in_words(sc, 1380, 10).startswith("T+23:00 (tomorrow 08:00")
    for bad in ("soon", "25:00", "T+2h", "now"):
        with pytest.raises(ValueError, match="write T\\+02:30"):
            parse_when(bad, sc, 10)


# --- reschedule ---------------------------------------------------------------------------


def test_reschedule_to_a_chosen_time_survives_resume(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(30)
    s.reschedule_inject("2", "T+00:45")
    s.advance_to(50)
    assert delivered(s, "2") and delivered(s, "2")[0].time == 45
    s.reschedule_inject("1", "14:30")  # drill clock: T+05:30
    s.advance_to(100)
    assert not delivered(s, "1")
    resched = events_of(s.engine.log, "inject_rescheduled")
    assert [e.details["at"] for e in resched] == [45, 330]
    s = resume_matches(s)
    s.advance_to(400)
    assert delivered(s, "1")[0].time == 330
    s.close()


@pytest.mark.parametrize(("inject", "at", "words"), [
    ("1", "T+00:10", "T+00:10 has already passed (the drill is at T+00:30)"),
    ("1", "T+3d00:00", "after the drill ends"),
    ("1", "later", "is not a time"),
    ("nope", "T+01:00", "unknown inject"),
])
def test_reschedule_refusals_record_nothing(loaded, tmp_path, inject, at, words):
    s = start(loaded, tmp_path)
    s.advance_to(30.5)
    before = len(s.engine.log)
    with pytest.raises(ActionError, match=re.escape(words)):
        s.reschedule_inject(inject, at)
    assert len(s.engine.log) == before
    path = s.path
    s.close()
    assert Journal.open(path).commands() == []


def test_a_delivered_inject_cannot_be_rescheduled(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(70)
    with pytest.raises(ActionError, match="already delivered"):
        s.reschedule_inject("1", "T+05:00")
    s.close()


# --- edit ---------------------------------------------------------------------------------


def test_the_edited_inject_is_what_is_delivered(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(20)
    events = s.edit_inject("1", {"text": "Edited body", "to": ["cert-a", "cert-b"],
                                 "tlp": "AMBER", "title": "Report"})  # title unchanged
    (edited,) = events
    assert edited.type == "inject_edited"
    assert edited.details["changed"] == ["text", "to", "tlp"]
    state = DrillState(s.scenario)
    for e in s.engine.log:
        state.apply(e)
    assert state.describe(edited) == "Facilitator edited inject 1 (text, to, tlp)"
    assert state.msel["1"].to == ["cert-a", "cert-b"] and state.msel["1"].text == "Edited body"
    s = resume_matches(s)
    s.advance_to(70)
    got = delivered(s, "1")
    assert {e.actor for e in got} == {"cert-a", "cert-b"}
    assert {e.details["text"] for e in got} == {"Edited body"}
    assert {e.details["tlp"] for e in got} == {"AMBER"}
    s.close()


@pytest.mark.parametrize(("changes", "words"), [
    ({"to": ["cert-a", "ghost"]}, "unknown actor 'ghost'"),
    ({"to": []}, "at least one actor"),
    ({"tlp": "PURPLE"}, "TLP label must be one of"),
    ({"sender": "cert-b"}, "cannot be edited"),
    ({"title": "Report"}, "nothing changed"),
    ({}, "nothing to change"),
])
def test_edit_refusals_record_nothing(loaded, tmp_path, changes, words):
    s = start(loaded, tmp_path)
    before = len(s.engine.log)
    with pytest.raises(ActionError, match=re.escape(words)):
        s.edit_inject("1", changes)
    assert len(s.engine.log) == before
    assert s.engine.injects["1"].inject.to == ["cert-a"]
    path = s.path
    s.close()
    assert Journal.open(path).commands() == []


def test_a_delivered_inject_cannot_be_edited_but_a_skipped_one_can(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(70)
    with pytest.raises(ActionError, match="already been delivered"):
        s.edit_inject("1", {"text": "too late"})
    s.skip_inject("2")
    s.edit_inject("2", {"title": "Quieter update"})
    s.unskip_inject("2")
    s.advance_to(200)
    assert delivered(s, "2")[0].details["title"] == "Quieter update"
    resume_matches(s).close()


# --- un-skip ------------------------------------------------------------------------------


def test_unskip_goes_back_to_its_own_time_while_it_is_ahead(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(30)
    s.skip_inject("1")
    (ev,) = s.unskip_inject("1")
    assert ev.type == "inject_unskipped" and ev.details["at"] == 60
    state = DrillState(s.scenario)
    for e in s.engine.log:
        state.apply(e)
    assert state.msel["1"].status == "pending" and state.msel["1"].at == 60
    assert state.describe(ev) == "Facilitator put back skipped inject 1 for T+01:00"
    s = resume_matches(s)
    s.advance_to(70)
    assert delivered(s, "1")[0].time == 60
    s.close()


def test_unskip_after_its_time_asks_for_a_time_or_now(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(30)
    s.skip_inject("1")
    s.advance_to(90)
    before = len(s.engine.log)
    with pytest.raises(ActionError, match="was due at T\\+01:00, which has passed"):
        s.unskip_inject("1")
    with pytest.raises(ActionError, match="already passed"):
        s.unskip_inject("1", "T+01:00")
    assert len(s.engine.log) == before
    events = s.unskip_inject("1", 90)  # now: delivered at once
    assert [e.type for e in events][:1] == ["inject_unskipped"]
    assert delivered(s, "1")[0].time == 90
    with pytest.raises(ActionError, match="not skipped"):
        s.unskip_inject("2")
    resume_matches(s).close()


# --- ad-hoc injects for later ---------------------------------------------------------------


def test_an_adhoc_inject_scheduled_for_later_waits_in_the_msel(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(10)
    inject = Inject(id="adhoc-1", at="T+02:00", sender="cert-b", to=["cert-a"], via="email",
                    tlp="RED", type="media", title="Press call",
                    incident={"id": "y", "type": "ddos"})
    (added,) = s.add_inject(inject, now=False)
    assert added.type == "inject_added"
    state = DrillState(s.scenario)
    for e in s.engine.log:
        state.apply(e)
    row = state.msel["adhoc-1"]
    assert (row.status, row.at, row.type, row.sender, row.tlp) == (
        "pending", 120, "media", "cert-b", "RED")
    assert state.describe(added) == (
        "Facilitator added inject adhoc-1 from CERT-TH for T+02:00 (TLP:RED): Press call")
    s = resume_matches(s)
    s.advance_to(130)
    (got,) = delivered(s, "adhoc-1")
    assert got.time == 120 and got.details["sender"] == "cert-b"
    assert "y" in s.engine.incidents and s.engine.incidents["y"].type == "ddos"
    s.close()


def test_an_adhoc_inject_for_the_past_is_refused(loaded, tmp_path):
    s = start(loaded, tmp_path)
    s.advance_to(130)
    inject = Inject(id="adhoc-1", at="T+02:00", sender="ctl", to=["cert-a"], via="email",
                    incident={"id": "x"})
    with pytest.raises(ActionError, match="already passed"):
        s.add_inject(inject, now=False)
    assert "adhoc-1" not in s.engine.injects
    s.close()


def test_an_adhoc_inject_sent_now_records_what_it_always_did(loaded, tmp_path):
    """Journals from before scheduled ad-hoc injects replay unchanged."""
    s = start(loaded, tmp_path)
    s.add_inject(Inject(id="adhoc-1", sender="ctl", to=["cert-a"], via="email",
                        incident={"id": "x", "type": "botnet"}))
    path = s.path
    s.close()
    (cmd,) = Journal.open(path).commands()
    assert set(cmd.payload) == {"inject"}


# --- breaks -------------------------------------------------------------------------------

SGT = timezone(timedelta(hours=8))


def test_a_break_is_planned_today_or_tomorrow():
    now = datetime(2026, 8, 19, 11, 0, 20, tzinfo=SGT)
    b = parse_break("12:30", "45", now)
    assert b.at == datetime(2026, 8, 19, 12, 30, tzinfo=SGT) and b.minutes == 45
    assert parse_break("10:00", "1h", now).at.day == 20
    assert parse_break("11:00", "15m", now).at.day == 19  # the current minute is today
    for at, minutes, words in (("noon", "45", "time of day"), ("12:30", "soon", "length"),
                               ("12:30", "0", "more than 0"), ("12:30", "2d", "24 hours")):
        with pytest.raises(ValueError, match=words):
            parse_break(at, minutes, now)


def test_a_break_starts_and_ends_with_the_wall_clock():
    at = datetime(2026, 8, 19, 12, 30, tzinfo=SGT)
    plan = BreakPlan()
    plan.add(Break(at, 30))
    with pytest.raises(ValueError, match="overlaps"):
        plan.add(Break(at + timedelta(minutes=10), 5))
    assert plan.update(at - timedelta(seconds=1)) is None
    assert plan.update(at) == "start" and plan.current is not None
    assert plan.to_json() == [{"at_wall_iso": "2026-08-19T12:30:00+08:00", "minutes": 30}]
    assert plan.update(at + timedelta(minutes=29)) is None
    assert plan.update(at + timedelta(minutes=30)) == "end" and plan.to_json() == []


def test_breaks_wholly_past_are_dropped_and_bad_entries_ignored():
    at = datetime(2026, 8, 19, 12, 30, tzinfo=SGT)
    plan = BreakPlan.from_json([
        {"at_wall_iso": at.isoformat(), "minutes": 30},
        {"at_wall_iso": "yesterday", "minutes": 30}, {"minutes": -1}, "x",
        {"at_wall_iso": "2026-08-19T12:30:00", "minutes": 5},  # no offset
    ])
    assert len(plan.planned) == 1
    assert plan.update(at + timedelta(hours=1)) is None and plan.planned == []


def test_a_break_that_would_end_after_the_last_date_is_ignored(loaded, tmp_path):
    # the dates parse, but an hour later is past the year 9999: the clock could not
    # tell when such a break ends (it crashed the console on its first tick)
    at = datetime(2026, 8, 19, 12, 30, tzinfo=SGT)
    entries = [{"at_wall_iso": "9999-12-31T23:30:00+00:00", "minutes": 60},
               {"at_wall_iso": "9999-12-31T23:59:59-23:59", "minutes": 1},
               {"at_wall_iso": at.isoformat(), "minutes": 30}]
    s = start(loaded, tmp_path)
    s.set_breaks(entries)
    path = s.path
    s.close()
    again = DrillSession.resume(path)
    plan = BreakPlan.from_json(again.breaks())
    again.close()
    assert [(b.at, b.minutes) for b in plan.planned] == [(at, 30)]
    assert plan.update(datetime.now(SGT)) is None and plan.planned == []
    assert BreakPlan.from_json(entries[:2]).update(at) is None


def test_breaks_are_kept_in_the_journal(loaded, tmp_path):
    s = start(loaded, tmp_path)
    plan = [{"at_wall_iso": "2026-08-19T12:30:00+08:00", "minutes": 60}]
    s.set_breaks(plan)
    s.advance_to(20)
    path = s.path
    s.close()
    again = DrillSession.resume(path)
    assert again.breaks() == plan
    assert Journal.open(path).commands() == []  # a plan, not a drill command
    again.close()


# --- the console's keys and forms ---------------------------------------------------------

textual = pytest.importorskip("textual")

from test_tui import until  # noqa: E402  (the same settling helper as the other UI tests)

from scenarios import load_scenario, resolve_scenario_arg  # noqa: E402
from sim.runs.session import DrillClock  # noqa: E402
from tui.app import DrillApp, FacilitatorScreen  # noqa: E402
from tui.forms import BreakForm, Confirm, InjectForm, TimeForm  # noqa: E402
from tui.screens.live import clock_line  # noqa: E402

DEFAULT = resolve_scenario_arg(None)  # starts Wed 9 Sep 2026, 09:00 Singapore time


class FakeTime:
    """A wall clock and a monotonic clock that move only when told."""

    def __init__(self) -> None:
        self.wall = datetime(2026, 9, 9, 12, 0, tzinfo=SGT)
        self.mono = 1000.0

    def advance(self, minutes: float) -> None:
        self.wall += timedelta(minutes=minutes)
        self.mono += minutes * 60


def make_app(fake: FakeTime | None = None) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"], record=False)
    if fake is None:
        return DrillApp(session, speed=60)
    clock = DrillClock(speed=60, start=session.now, now=lambda: fake.mono)
    # a tick far longer than any test: the test moves the clocks and ticks itself
    return DrillApp(session, clock=clock, wall=lambda: fake.wall, tick=3600)


async def select_inject(pilot, app: DrillApp, inject: str) -> None:
    app.screen.action_show_tab("tab-msel")
    table = app.screen.query_one("#msel")
    await until(pilot, lambda: app.screen.ready and table.row_count > 0)
    table.move_cursor(row=table.get_row_index(inject))
    await pilot.pause()


async def type_into(pilot, app, widget_id: str, value: str) -> None:
    app.screen.query_one(widget_id).value = value
    await pilot.pause()


async def test_t_reschedules_the_selected_inject_to_a_typed_time():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await select_inject(pilot, app, "3")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimeForm))
        assert app.screen.query_one("#when").value == "T+02:30"  # prefilled
        await type_into(pilot, app, "#when", "yesterday")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TimeForm)  # stays open and says what to write
        assert "write T+02:30" in str(app.screen.query_one("#problem").render())
        await type_into(pilot, app, "#when", "16:45")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert app.state.msel["3"].at == 7 * 60 + 45
        assert app.state.describe(app.state.recent[-1]) == (
            "Facilitator rescheduled inject 3 to T+07:45")


async def test_t_refuses_a_time_in_the_past():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.advance_to(100)
        await select_inject(pilot, app, "3")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimeForm))
        await type_into(pilot, app, "#when", "T+01:00")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TimeForm)
        assert "has already passed" in str(app.screen.query_one("#problem").render())
        await pilot.press("escape")
        await pilot.pause()
        assert app.state.msel["3"].at == 150
        assert not events_of(app.session.engine.log, "inject_rescheduled")


async def test_e_edits_a_waiting_inject_before_it_is_delivered():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await select_inject(pilot, app, "3")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, InjectForm))
        form = app.screen
        assert form.query_one("#title").value == app.state.msel["3"].title  # prefilled
        assert form.query_one("#to").selected == ["jpcert"]
        await type_into(pilot, app, "#text", "Rewritten for the day")
        form.query_one("#to").select("krcert")
        await pilot.pause()
        await pilot.click("#send")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        edited = events_of(app.session.engine.log, "inject_edited")[-1]
        assert edited.details["changed"] == ["text", "to"]
        assert app.state.describe(edited) == "Facilitator edited inject 3 (text, to)"
        app.jump_to(151)
        got = [e for e in events_of(app.session.engine.log, "inject_delivered")
               if e.details["inject"] == "3"]
        assert {e.actor for e in got} == {"jpcert", "krcert"}
        assert {e.details["text"] for e in got} == {"Rewritten for the day"}
        # once delivered, e says it cannot be edited
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, FacilitatorScreen)


async def test_u_puts_a_skipped_inject_back_and_the_skip_says_so():
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await select_inject(pilot, app, "3")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert "put it back with u" in str(app.screen.query_one(".hint").render())
        await pilot.press("y")
        await pilot.pause()
        assert app.state.msel["3"].status == "skipped"
        assert any("press u" in n.message for n in app._notifications)
        await pilot.press("u")  # its time is still ahead: back at once
        await pilot.pause()
        assert (app.state.msel["3"].status, app.state.msel["3"].at) == ("pending", 150)


async def test_u_after_the_inject_time_asks_for_a_time_or_now():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await select_inject(pilot, app, "3")
        app.session.skip_inject("3")
        app.jump_to(200)
        await pilot.pause()
        await select_inject(pilot, app, "3")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, TimeForm))
        assert app.screen.query_one("#when").value == "now"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert app.state.msel["3"].status == "delivered"


async def test_a_schedules_an_adhoc_inject_from_a_chosen_sender_on_a_new_incident():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.jump_to(20)  # incident "botnet" is open
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, InjectForm))
        form = app.screen
        assert form.query_one("#sender").value == "hicon"  # exercise control first
        await type_into(pilot, app, "#title", "Ransom note")
        form.query_one("#sender").value = "bank-ph"
        form.query_one("#type").value = "media"
        form.query_one("#tlp").value = "RED"
        form.query_one("#incident").value = "+new"
        await pilot.pause()
        assert not form.query_one("#new-id").disabled
        await type_into(pilot, app, "#new-id", "ransom")
        form.query_one("#new-type").value = "other"
        await type_into(pilot, app, "#when", "T+05:00")
        form.query_one("#to").select("mycert")
        await pilot.pause()
        await pilot.click("#send")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        row = app.state.msel["adhoc-1"]
        assert (row.status, row.at, row.type, row.sender, row.tlp, row.to) == (
            "pending", 300, "media", "bank-ph", "RED", ["mycert"])
        app.jump_to(300)
        assert row.status == "delivered"
        assert app.session.engine.incidents["ransom"].type == "other"


async def test_the_adhoc_form_refuses_a_past_time_and_a_new_incident_without_id():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.jump_to(100)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, InjectForm))
        form = app.screen
        form.query_one("#to").select("mycert")
        form.query_one("#incident").value = "+new"
        await pilot.pause()
        problem = form.query_one("#problem")
        form.query_one("#send").press()  # the button may sit below the fold at 100x30
        await until(pilot, lambda: "Give the new incident an id" in str(problem.render()))
        await type_into(pilot, app, "#new-id", "fresh")
        await type_into(pilot, app, "#when", "T+00:30")
        form.query_one("#send").press()
        await until(pilot, lambda: "already passed" in str(problem.render()))
        assert isinstance(app.screen, InjectForm)
        assert not any(i.startswith("adhoc") for i in app.state.msel)


async def test_g_jumps_the_clock_to_a_chosen_time():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, TimeForm))
        await type_into(pilot, app, "#when", "T+3d00:00")
        await pilot.press("enter")
        await pilot.pause()
        assert "after the drill ends" in str(app.screen.query_one("#problem").render())
        await type_into(pilot, app, "#when", "T+02:30")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert app.session.now == pytest.approx(150, abs=1e-3)
        assert app.state.msel["3"].status == "delivered"  # due at T+02:30: it happened
        assert app.clock.drill_time() == pytest.approx(app.session.now)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, TimeForm))
        await type_into(pilot, app, "#when", "T+01:00")
        await pilot.press("enter")
        await pilot.pause()
        assert "already passed" in str(app.screen.query_one("#problem").render())


async def test_a_break_pauses_the_clock_and_resumes_it_by_itself():
    fake = FakeTime()  # 12:00 local
    app = make_app(fake)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BreakForm))
        await type_into(pilot, app, "#at", "12:30")
        await type_into(pilot, app, "#minutes", "30")
        await pilot.click("#ok")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert "next break 12:30" in clock_line(app).plain
        assert app.session.breaks() == [{"at_wall_iso": "2026-09-09T12:30:00+08:00",
                                         "minutes": 30.0}]
        await pilot.press("space")  # the clock runs
        fake.advance(1)
        app.tick()
        assert app.session.now == pytest.approx(60)  # a wall minute is a drill hour at 60x
        fake.advance(29)  # 12:30: the break begins
        app.tick()
        paused_at = app.session.now
        assert not app.clock.running
        assert "BREAK until 13:00 (resumes automatically)" in clock_line(app).plain
        fake.advance(20)
        app.tick()
        assert app.session.now == paused_at  # nothing moves during the break
        fake.advance(10)  # 13:00: over
        app.tick()
        assert app.clock.running and "BREAK" not in clock_line(app).plain
        fake.advance(0.5)
        app.tick()
        assert app.session.now == pytest.approx(paused_at + 30)
        assert app.session.breaks() == []


async def test_space_ends_a_break_early():
    fake = FakeTime()
    app = make_app(fake)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.screen.ready)
        app.plan_break("now", "45")
        await pilot.press("space")  # the clock was paused when the break began
        await pilot.pause()
        assert app.breaks.current is None and app.clock.running
        assert "BREAK" not in clock_line(app).plain


def open_form(*presses: str, form=TimeForm, inject: str = "2"):
    """A run_before: the first inject delivered (j) and the console drawn, the cursor on
    ``inject``, then the keys that open a form."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        await pilot.press("j")
        await select_inject(pilot, app, inject)
        app.redraw()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        for key in presses:
            await pilot.press(key)
            await pilot.pause()
        await until(pilot, lambda: isinstance(app.screen, form))
        # the snapshot is of the form: the console's tables behind it are left out, as
        # Textual sizes their columns on its own schedule
        app.screen_stack[-2].query_one("#tabs").display = False
        # a blinking text cursor would be caught at whatever phase the machine's load
        # made it: it stays shown
        for field in app.screen.query("Input, TextArea"):
            field.cursor_blink = False
        await pilot.pause()
        app.clear_notifications()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


def test_snapshot_reschedule_form(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_form("t"))


def test_snapshot_adhoc_form(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24),
                        run_before=open_form("a", form=InjectForm))
