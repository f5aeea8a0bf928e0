"""A form whose answer the drill refuses keeps everything typed: the evaluator's note, an
answer to a task, an ad-hoc inject or an inject's changes stay in the open form, with
the reason beside them, to change and send again. The same for a drill run here
(``drill play``) and one served elsewhere (``drill join``), where the refusal is the
server's ``error`` reply."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from net_helpers import net_scenario, serving
from test_net_tui import joined
from test_tui import make_app, until

from sim.net import protocol as P
from sim.net.server import largest_frames
from tui.app import FacilitatorScreen, ParticipantScreen
from tui.forms import ActionForm, InjectForm, ObservationForm, TaskForm

#: no character UTF-8 can hold: the drill refuses a note with it (the journal could not
#: write it)
LONE_SURROGATE = "\ud800"


def problem(form) -> str:
    shown = form.query_one("#problem")
    return str(shown.render()) if shown.display else ""


async def open_note(pilot, app, tab: str) -> ObservationForm:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    await pilot.press(tab)
    await pilot.pause()
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, ObservationForm)
                and bool(app.screen.query("#note-text")))
    return app.screen  # type: ignore[return-value]


# --- a drill run here ------------------------------------------------------------------


async def test_a_note_the_drill_refuses_stays_in_the_form_with_the_reason():
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        form = await open_note(pilot, app, "4")  # the Expectations tab: E1 under the cursor
        typed = f"CERT-PH was slow to pick up {LONE_SURROGATE}"
        form.query_one("#note-text").value = typed
        await pilot.press("enter")
        await until(pilot, lambda: "not valid Unicode" in problem(form))
        # nothing lost: the form is open, the text and what it is about as they were
        assert app.screen is form
        assert form.query_one("#note-text").value == typed
        assert str(form.query_one("#about").value) == "expectation:E1"
        assert app.session.notes == []
        assert app.focused is form.query_one("#note-text")  # to change it at once
        # changed, it is kept, and the form closes
        form.query_one("#note-text").value = "CERT-PH was slow to pick up"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert [(n.text, n.expectation) for n in app.session.notes] == [
            ("CERT-PH was slow to pick up", "E1")]


async def test_changes_to_an_inject_sent_meanwhile_stay_in_the_form():
    """The clock delivers the inject while the facilitator edits it: the changes are
    refused, and stay in the form with the reason."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        app.screen.action_show_tab("tab-msel")
        table = app.screen.query_one("#msel")
        await until(pilot, lambda: table.row_count > 0)
        table.move_cursor(row=table.get_row_index("3"))
        await pilot.pause()
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, InjectForm))
        form = app.screen
        form.query_one("#text").value = "Rewritten for the day"
        await pilot.pause()
        app.session.fire_inject("3")  # delivered meanwhile
        form.query_one("#send").press()
        await until(pilot, lambda: "already been delivered" in problem(form))
        assert app.screen is form
        assert form.query_one("#text").value == "Rewritten for the day"


async def test_an_adhoc_inject_the_drill_refuses_stays_in_the_form():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, InjectForm))
        form = app.screen
        form.query_one("#title").value = "Ransom note [b]seen[/b]"
        form.query_one("#text").value = "The bank's staff got a ransom note this morning."
        form.query_one("#to").select("mycert")
        form.query_one("#incident").value = "+new"
        await pilot.pause()
        form.query_one("#new-id").value = "ransom note"  # no id has a space
        await pilot.pause()
        form.query_one("#send").press()
        await until(pilot, lambda: "not valid" in problem(form))
        assert app.screen is form
        assert form.query_one("#title").value == "Ransom note [b]seen[/b]"
        assert form.query_one("#text").value.startswith("The bank's staff")
        assert form.query_one("#to").selected == ["mycert"]
        assert not any(i.startswith("adhoc") for i in app.state.msel)
        form.query_one("#new-id").value = "ransom"
        await pilot.pause()
        form.query_one("#send").press()
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert app.state.msel["adhoc-1"].title == "Ransom note [b]seen[/b]"


# --- while the answer is on its way ----------------------------------------------------


async def test_the_form_waits_for_the_answer_and_a_refusal_after_escape_is_still_told():
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        sent = []
        form = ObservationForm(app.state, send=lambda note, outcome: sent.append((note, outcome)))
        app.push_screen(form)
        await until(pilot, lambda: app.screen is form and bool(form.query("#note-text")))
        form.query_one("#note-text").value = "[red]a note[/red]"
        await pilot.press("enter")
        await pilot.pause()
        [(note, outcome)] = sent
        assert note["text"] == "[red]a note[/red]"
        # on its way: said so, and nothing can be changed or sent twice
        assert "Sending" in problem(form) and form.query_one("#form").disabled
        await pilot.press("enter")
        assert len(sent) == 1
        assert outcome("[b]refused[/b]: too long") is True  # shown in the form, as typed
        await pilot.pause()
        assert problem(form) == "[b]refused[/b]: too long"
        assert not form.query_one("#form").disabled
        assert form.query_one("#note-text").value == "[red]a note[/red]"
        await pilot.press("enter")  # sent again
        await pilot.pause()
        _, outcome = sent[1]
        await pilot.press("escape")  # closed while it is on its way
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert outcome("refused again") is False  # the app tells it instead


async def test_an_answer_carried_out_under_a_dialog_closes_the_form_once_back_on_top():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
        sent = []
        form = ObservationForm(app.state, send=lambda note, outcome: sent.append(outcome))
        app.push_screen(form)
        await until(pilot, lambda: app.screen is form and bool(form.query("#note-text")))
        form.query_one("#note-text").value = "a note"
        await pilot.press("enter")
        await pilot.pause()
        app.action_help()  # a dialog over the form
        await until(pilot, lambda: app.screen is not form)
        helper = app.screen
        assert sent[0](None) is True
        await pilot.pause()
        assert app.screen is helper  # help stays open
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))


# --- a drill served elsewhere ----------------------------------------------------------

NOTE = "CERT-SG waited for its manager before escalating. " * 70  # 3570 characters


@pytest.fixture
def loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    data["tasks"] = [{"id": "Q1", "to": ["cert-a"], "at": "T+01:30",
                      "question": "Who hosts the C2?"}]
    return load(data)


@pytest.fixture
def limit(monkeypatch):
    """Any change the test makes to the terminals' limit is undone after it."""
    monkeypatch.setattr(P, "MAX_SERVER_FRAME", P.MAX_SERVER_FRAME)


@pytest.mark.parametrize("who", ["facilitator", "observer"])
async def test_a_note_the_server_refuses_stays_in_the_form_with_its_reason(
        loaded, tmp_path, limit, who):
    async with serving(loaded, tmp_path) as (server, urls):
        # room in the welcome for about half a note more
        welcome = dict(largest_frames(server.session))["welcome"]
        P.MAX_SERVER_FRAME = welcome + int(0.5 * (len(NOTE) + 130))
        async with joined(urls[who]) as (app, pilot):
            form = await open_note(pilot, app, "4")  # about expectation E1
            form.query_one("#note-text").value = NOTE
            await pilot.press("enter")
            await until(pilot, lambda: "a shorter note may fit" in problem(form))
            assert "note not kept" in problem(form)
            assert app.screen is form
            assert form.query_one("#note-text").value == NOTE
            assert str(form.query_one("#about").value) == "expectation:E1"
            assert server.session.notes == []
            form.query_one("#note-text").value = "CERT-SG waited for its manager."
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
            assert [(n.text, n.expectation) for n in server.session.notes] == [
                ("CERT-SG waited for its manager.", "E1")]


async def test_an_answer_the_server_refuses_stays_in_the_form(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(100)  # task Q1 has been asked of cert-a
        server.clock.jump_to(server.session.now)
        async with joined(urls["cert-a"]) as (app, pilot):
            await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                        and bool(app.state.tasks_of("cert-a")))
            server.session.advance_to(5000)  # the drill ends before the answer is sent
            server.clock.jump_to(server.session.now)
            await pilot.press("t")
            await until(pilot, lambda: isinstance(app.screen, TaskForm))
            form = app.screen
            form.query_one("#answer").value = "an ISP in TH"
            await pilot.press("enter")
            await until(pilot, lambda: "the drill has ended" in problem(form))
            assert app.screen is form
            assert form.query_one("#answer").value == "an ISP in TH"


async def test_an_action_the_server_refuses_stays_in_the_form(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(100)  # inject 1 has reached cert-a
        server.clock.jump_to(server.session.now)
        async with joined(urls["cert-a"]) as (app, pilot):
            await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                        and bool(app.state.known["cert-a"]))
            server.session.advance_to(5000)  # the drill ends before the action is sent
            server.clock.jump_to(server.session.now)
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, ActionForm) and app.screen.ready)
            form = app.screen
            form.query_one("#targets").select("council")
            form.query_one("#text").value = "The C2 is hosted in TH; please take it down."
            await pilot.pause()
            form.query_one("#send").press()
            await until(pilot, lambda: "the drill has ended" in problem(form))
            assert app.screen is form
            assert form.query_one("#text").value == "The C2 is hosted in TH; please take it down."
            assert form.query_one("#targets").selected == ["council"]
