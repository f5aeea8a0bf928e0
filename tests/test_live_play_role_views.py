"""Live play in the terminal UI: a team the automated policy plays is not acted for from
its view, a role's view names incidents only as the role was told of them, `h` hands
the keyboard on only with the PIN, a note is not a rating, and the review's timeline
shows every lane, whatever its height and the script of the teams' names."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from rich.cells import cell_len, set_cell_size
from test_tui import until
from textual.widgets import DataTable, Input, Static, TabbedContent

import tui.app as app_module
from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.review import build_review
from sim.engine import Action
from sim.engine.events import Event
from sim.net.visibility import for_role, role_expectations, with_outcomes
from sim.runs.session import DrillSession, Journal
from sim.runs.view import DrillState
from tui.app import DrillApp, ParticipantScreen
from tui.forms import ActionForm, PinPrompt
from tui.review import ReviewApp
from tui.screens.review import NoteForm, ReviewScreen
from tui.widgets.swimlane import Swimlane

DEFAULT = resolve_scenario_arg(None)
TUTORIAL = resolve_scenario_arg("tutorial")
PIN = "4711"
RED_TITLE = "INSIDER AT BANK Z (TLP:RED)"
LABEL = 20  # terminal cells for a timeline lane's name


def lane_label(name: str) -> str:
    """A lane's name as the timeline draws it: cut or padded to LABEL cells."""
    return set_cell_size(name, LABEL)


@pytest.fixture(autouse=True)
def _no_model_runs(monkeypatch):
    monkeypatch.setattr(app_module, "MODEL_RUNS", 0)


async def open_role(pilot, app: DrillApp, role: str) -> ParticipantScreen:
    app.open_role(role)
    await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                and app.screen.role == role and app.screen.ready)
    await pilot.pause(0.1)
    screen = app.screen
    assert isinstance(screen, ParticipantScreen)
    return screen


def notes_of(app: DrillApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def detail(screen) -> str:
    return str(screen.query_one("#detail", Static).render())


async def run_to_the_end(pilot, app: DrillApp) -> None:
    """Run the drill to its end; the review opens."""
    app.clock.resume()
    app.clock.jump_to(10**5)
    app.tick()
    await until(pilot, lambda: app.state.finished and app.reviewing)
    await pilot.pause(0.3)


def people_acted(session: DrillSession) -> list[Event]:
    return [e for e in session.engine.log if e.details.get("by") == "human"]


# --- 1. a team the policy plays: its view is there to read -----------------------------

async def test_acknowledging_in_a_policy_team_s_view_leaves_the_team_to_the_policy():
    # the tutorial with every team the policy's: SingCERT acknowledges the inject at
    # T+00:34 and meets E2; the facilitator reading its view and pressing k changes nothing
    session = DrillSession.start(load_scenario(TUTORIAL), seed=3, human=[], record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        app.jump_to(31)
        screen = await open_role(pilot, app, "singcert")
        assert screen.query_one("#inbox", DataTable).row_count == 1  # open, to read
        for key in ("k", "a", "n"):
            await pilot.press(key)
            await pilot.pause(0.1)
        assert app.screen is screen  # no action form opened
        refusals = [m for m in notes_of(app) if "played by the automated policy" in m]
        assert len(refusals) == 3
        assert "r (Person/policy) on the console's Actors tab" in refusals[0]
        assert not people_acted(session)
        await pilot.press("escape")
        await run_to_the_end(pilot, app)
        assert not people_acted(session)
        assert app.state.played_by["singcert"] == "policy"
        assert app.state.expectations["E2"].status == "met"
        first_ack = next(e for e in session.engine.log
                         if e.type == "acknowledged" and e.actor == "singcert")
        assert first_ack.details["by"] == "policy" and round(first_ack.time) == 34


async def test_a_policy_team_keeps_handling_the_item_it_was_sent(scenario_data, load):
    # the hand-computed drill: cert-a acknowledges at T+01:10, analyses, notifies and
    # escalates; k in its view at T+01:01 takes none of that away
    session = DrillSession.start(load(scenario_data), seed=0, human=[], record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        app.jump_to(61)
        await open_role(pilot, app, "cert-a")
        await pilot.press("k")
        await pilot.pause(0.1)
        await pilot.press("escape")
        await run_to_the_end(pilot, app)
    acts = [(round(e.time), e.type, e.details.get("by")) for e in session.engine.log
            if e.actor == "cert-a" and e.type in ("acknowledged", "analysed", "notified",
                                                  "escalated")]
    assert acts == [(70, "acknowledged", "policy"), (100, "analysed", "policy"),
                    (105, "notified", "policy"), (110, "escalated", "policy")]


async def test_a_team_handed_to_a_person_on_the_console_is_acted_for(scenario_data, load):
    session = DrillSession.start(load(scenario_data), seed=0, human=[], record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        app.jump_to(61)
        await pilot.press("3")  # the Actors tab
        table = app.screen.query_one("#actors", DataTable)
        table.move_cursor(row=table.get_row_index("cert-a"))
        await pilot.press("r")  # Person/policy: a person plays cert-a now
        await until(pilot, lambda: app.state.played_by["cert-a"] == "human")
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.ready)
        await pilot.press("k")
        await until(pilot, lambda: people_acted(session))
    assert [(e.type, e.actor) for e in people_acted(session)] == [("acknowledged", "cert-a")]


async def test_hot_seat_players_act_as_before(scenario_data, load):
    session = DrillSession.start(load(scenario_data), seed=0, human=["cert-a"], record=False)
    app = DrillApp(session, speed=60, roles=(), pin=PIN)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        app.jump_to(61)
        await open_role(pilot, app, "cert-a")
        await pilot.press("k")
        await until(pilot, lambda: people_acted(session))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionForm))
    assert not [m for m in notes_of(app) if "automated policy" in m]


async def test_an_action_sent_once_the_policy_took_the_team_back_is_refused(
        scenario_data, load):
    # a form filled in while a person played the team, sent after the facilitator (on
    # another console of a served drill, say) gave the team back to the policy
    session = DrillSession.start(load(scenario_data), seed=0, human=["cert-a"], record=False)
    app = DrillApp(session, speed=60, roles=())
    said: list[str | None] = []
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        app.jump_to(61)
        session.set_human("cert-a", False)
        app.redraw()
        app.send_action(Action("cert-a", "analyse", "x"),
                        outcome=lambda reason: said.append(reason) or True)
        await pilot.pause(0.1)
    assert said and "played by the automated policy" in str(said[0])
    assert not people_acted(session)


async def test_a_facilitator_joined_over_the_network_reads_a_policy_team_s_view(
        scenario_data, load, tmp_path):
    # the server takes a facilitator's action for any team; the console refuses it in
    # the view of a team the policy plays, as drill play does
    from net_helpers import net_scenario, serving
    from test_net_tui import joined

    async with serving(load(net_scenario(scenario_data)), tmp_path, human=("cert-b",)) as (
            server, urls):
        server.session.advance_to(150)  # inject 1 reaches cert-a, which the policy plays
        server.clock.jump_to(server.session.now)
        async with joined(urls["facilitator"]) as (app, pilot):
            await until(pilot, lambda: app.state.inbox["cert-a"])
            await open_role(pilot, app, "cert-a")
            await pilot.press("k")
            await until(pilot, lambda: [m for m in notes_of(app)
                                        if "played by the automated policy" in m])
            await pilot.pause(0.2)
        assert not people_acted(server.session)


# --- 2. an incident as a role was told of it -------------------------------------------

def red_title_scenario(data: dict) -> dict:
    """cert-a and cert-b get a report on incident x; then cert-a alone, at TLP:RED, an
    inject that renames the incident."""
    data["injects"][0]["to"] = ["cert-a", "cert-b"]
    data["injects"].append({
        "id": "2", "at": "T+02:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "RED", "title": "Attribution (cert-a only)", "text": "Insider at Bank Z",
        "incident": {"id": "x", "title": RED_TITLE}})
    return data


async def test_a_role_s_view_never_shows_the_title_another_team_was_sent(scenario_data, load):
    loaded = load(red_title_scenario(scenario_data))
    session = DrillSession.start(loaded, seed=0, human=["cert-a", "cert-b"], record=False)
    app = DrillApp(session, speed=60, roles=(), pin=PIN)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        session.fire_inject("1")
        session.fire_inject("2")
        app.redraw()
        screen = await open_role(pilot, app, "cert-b")
        shown = detail(screen)
        assert "Report" in shown and RED_TITLE not in shown
        assert shown.splitlines()[0].split()[-1] == "x"  # as `drill join` names it
        await pilot.press("k")  # the toast says what was done, in the team's words
        await until(pilot, lambda: people_acted(session))
        await pilot.pause(0.1)
        assert not [m for m in notes_of(app) if RED_TITLE in m]
        # exercise control's console still names the incident by its title
        assert app.state.incident_title("x", control=True) == RED_TITLE


def test_a_role_s_sent_list_names_the_incident_as_the_network_view_does(scenario_data, load):
    loaded = load(red_title_scenario(scenario_data))
    session = DrillSession.start(loaded, seed=0, human=[], record=False)
    session.advance_to(24 * 60)
    local = DrillState(session.scenario)
    remote = DrillState(session.scenario)
    mine = role_expectations(session.scenario, "cert-b")
    for ev in session.engine.log:
        local.apply(ev)
        seen = for_role(ev, "cert-b", mine)
        if seen is not None:
            remote.apply(Event.from_dict(seen))
    from tui.screens.role import sent_what

    sent = [sent_what(local, item) for item in local.outbox["cert-b"]]
    assert sent and sent == [sent_what(remote, item) for item in remote.outbox["cert-b"]]
    assert not [s for s in sent if RED_TITLE in s]


# --- 3. hot seat: the next person's role is the facilitator's to open -------------------

async def test_h_asks_for_the_pin_before_opening_another_person_s_role():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph", "thaicert"],
                                 record=False)
    app = DrillApp(session, speed=60, roles=(), pin=PIN)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.2)
        session.fire_inject("4")  # TLP:RED, for CERT-PH only
        app.redraw()
        await open_role(pilot, app, "thaicert")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        await pilot.press("escape")  # no PIN: the player stays in their role
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen))
        assert app.screen.role == "thaicert"
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, PinPrompt))
        for key in PIN:
            await pilot.press(key)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.role == "certph")


async def test_without_a_pin_h_hands_the_view_on_at_once():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph", "thaicert"],
                                 record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await open_role(pilot, app, "thaicert")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.role == "certph")


# --- 4. a note on an expectation nobody rated --------------------------------------------

async def test_a_note_keeps_the_suggested_rating_a_suggestion(tmp_path):
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=[],
                                 journal_path=tmp_path / "d.journal.sqlite")
    session.advance_to(10**5)
    path = session.path
    events = list(session.engine.log)
    session.close()
    journal = Journal.open(path)
    review = build_review(session.scenario, events, journal.ratings())
    app = ReviewApp(review, journal)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.3)
        app.screen.query_one("#review-tabs", TabbedContent).active = "tab-exp"
        await pilot.pause(0.2)
        table = app.screen.query_one("#exp", DataTable)
        first = [str(c) for c in table.get_row_at(0)]
        eid, suggested = first[0], first[6]
        assert suggested.endswith(" (suggested)")
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteForm))
        app.screen.query_one("#note", Input).value = "Mail outage; the team did well"
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, NoteForm))
        await pilot.pause(0.1)
        row = [str(c) for c in app.screen.query_one("#exp", DataTable).get_row_at(0)]
        assert row[6] == suggested and row[7] == "Mail outage; the team did well"
        assert [m for m in notes_of(app) if m.startswith(f"note on {eid}, not rated")]
        assert not [m for m in notes_of(app) if m.startswith(f"{eid} rated")]
    journal.close()
    saved = Journal.open(path, readonly=True)
    assert saved.ratings()[eid]["rating"] == ""
    assert saved.ratings()[eid]["note"] == "Mail outage; the team did well"
    saved.close()


async def test_over_the_network_a_note_needs_no_rating_and_keeps_one_given():
    # a drill served elsewhere keeps a note on an expectation nobody rated as a note
    # alone (rating ""), never with the suggestion sent as the evaluator's rating; once
    # rated, a note goes with the evaluator's rating
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=[], record=False)
    session.advance_to(10**5)
    review = build_review(session.scenario, list(session.engine.log))
    sent: list[tuple[str, str, str]] = []

    async def rate(eid: str, rating: str, note: str) -> None:
        sent.append((eid, rating, note))

    app = ReviewApp(review)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause(0.3)
        await app.push_screen(ReviewScreen(review, None, rate=rate))  # as drill join's
        await pilot.pause(0.3)
        app.screen.query_one("#review-tabs", TabbedContent).active = "tab-exp"
        await pilot.pause(0.2)
        eid = str(app.screen.query_one("#exp", DataTable).get_row_at(0)[0])
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteForm))
        app.screen.query_one("#note", Input).value = "Seen late"
        await pilot.press("enter")
        await until(pilot, lambda: sent == [(eid, "", "Seen late")])
        app.screen.rating_given(eid, {"rating": "", "note": "Seen late", "who": "evaluator"})
        await pilot.press("p")
        await until(pilot, lambda: len(sent) == 2)
        assert sent[1] == (eid, "P", "Seen late")
        app.screen.rating_given(eid, {"rating": "P", "note": "Seen late", "who": "evaluator"})
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, NoteForm))
        app.screen.query_one("#note", Input).value = "Well done"
        await pilot.press("enter")
        await until(pilot, lambda: len(sent) == 3)
    assert sent[2] == (eid, "P", "Well done")


# --- 5 and 7. the review's timeline ---------------------------------------------------

def botnet_review():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=[], record=False)
    session.advance_to(10**5)
    return build_review(session.scenario, list(session.engine.log))


def lane_rows(sw: Swimlane) -> list[str]:
    """The timeline's lanes as drawn: each row's name, up to the lane's edge."""
    return [row.split("│")[0] for row in sw.render().plain.splitlines() if "│" in row]


async def test_every_lane_of_the_timeline_comes_into_view_at_80x24():
    review = botnet_review()
    lanes = [lane_label(review.name(a)) for a in review.lanes("botnet")]
    assert len(lanes) == 22
    app = ReviewApp(review, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        sw = app.screen.query_one(Swimlane)
        assert sw.has_focus
        await pilot.press("down")  # the key selects the next mark
        assert sw.selected == 1
        for _ in range(len(sw.marks)):  # every mark in turn, on whichever lane it is
            drawn = sw.render()
            assert len(drawn.wrap(app.console, sw.size.width)) <= sw.size.height
            assert lane_label(review.name(sw.selected_event().actor)) in lane_rows(sw)
            assert "Key:" in drawn.plain
            sw.action_select(1)  # as the key does, without a screen update for each
        await pilot.pause(0.1)
        assert "lanes " in sw.render().plain  # says which lanes are shown
        # the page keys reach the last lanes, and the first again
        for _ in range(3):
            await pilot.press("pagedown")
        assert lane_rows(sw)[-1] == lanes[-1]
        for _ in range(3):
            await pilot.press("pageup")
        assert lane_rows(sw)[0] == lanes[0]


async def test_lanes_with_wide_names_start_their_marks_in_the_same_column(scenario_data,
                                                                         load):
    scenario_data["actors"]["cert-b"]["name"] = "日本語チーム名前が長いです本当に長い"
    scenario_data["actors"]["council"]["name"] = "評議会"
    session = DrillSession.start(load(scenario_data), seed=0, human=[], record=False)
    session.advance_to(10**5)
    app = ReviewApp(build_review(session.scenario, list(session.engine.log)), None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        rows = [r for r in app.screen.query_one(Swimlane).render().plain.splitlines()
                if "│" in r]
        assert any("日本語" in r for r in rows) and any("評議会" in r for r in rows)
        assert {cell_len(r.split("│")[0]) for r in rows} == {LABEL}


# --- 6. a met expectation on a role's to-do list ----------------------------------------

async def test_a_met_expectation_shows_no_deadline_counted_from_what_the_role_never_saw():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["thaicert"],
                                 record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        app.jump_to(61)
        screen = await open_role(pilot, app, "thaicert")
        await pilot.press("n")  # ThaiCERT notifies ANSAC: E3 is met
        app.jump_to(200)
        await until(pilot, lambda: app.state.expectations["E3"].status == "met")
        await pilot.pause(0.2)
        table = screen.query_one("#todo", DataTable)
        row = [str(c) for c in table.get_row_at(table.get_row_index("E3"))]
        assert row[0] == "met" and row[1] == ""
    # as the role's view over the network has it
    over_net = DrillState(session.scenario)
    mine = role_expectations(session.scenario, "thaicert")
    for ev in session.engine.log:
        seen = for_role(ev, "thaicert", mine)
        for one in with_outcomes(seen) if seen is not None else ():
            over_net.apply(Event.from_dict(one))
    x = next(x for x in over_net.todo("thaicert") if x.id == "E3")
    assert (x.status, x.deadline_at) == ("met", None)
