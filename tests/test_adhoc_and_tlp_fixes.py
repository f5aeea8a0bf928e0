"""Ad-hoc injects that are lost or held are listed as what they are, and never block the
next one; the console and the review carry the drill's TLP label as its report does."""

from __future__ import annotations

import pytest
from conftest import events_of

from scenarios import load_scenario, resolve_scenario_arg
from scenarios.model import Inject
from sim.analysis.report import drill_tlp
from sim.runs.session import DrillSession
from sim.runs.view import DrillState

pytest.importorskip("textual")

from test_tui import until

from tui.app import DrillApp, FacilitatorScreen


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def spec(to: str, via: str = "email", tlp: str = "GREEN", title: str = "Heads-up",
         incident: str = "leak", when: str = "now") -> dict:
    """What the inject form gives :meth:`DrillApp.send_adhoc`."""
    return {"to": [to], "via": via, "tlp": tlp, "title": title, "text": "Check your logs",
            "incident": incident, "type": "information", "when": when}


def outage_session(tmp_path=None) -> DrillSession:
    """CERT Tonga's e-mail address is out of date until T+02:00; its desk closes at
    16:30 Tonga time (T+03:30) and opens again after the drill's end."""
    path = tmp_path / "d.journal.sqlite" if tmp_path is not None else None
    return DrillSession.start(load_scenario(resolve_scenario_arg("apcert-outage")), seed=0,
                              human=["jpcert"], journal_path=path, record=path is not None)


def state_of(session: DrillSession) -> DrillState:
    """A read model fed only the drill's events, as a console joining it would be."""
    state = DrillState(session.scenario)
    for e in session.engine.log:
        state.apply(e)
    return state


# --- ad-hoc injects: lost, held, and the next id ------------------------------------------


async def test_an_adhoc_inject_lost_is_listed_as_lost_and_the_next_one_goes_out():
    app = DrillApp(outage_session())
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        app.jump_to(40)
        app.send_adhoc(spec("tonga-cert"))  # the stale address: lost
        await pilot.pause()
        row = app.state.msel["adhoc-1"]
        assert (row.status, row.to, row.lost, row.title, row.tlp) == (
            "lost", ["tonga-cert"], ["tonga-cert"], "Heads-up", "GREEN")
        assert "inject adhoc-1 sent, but lost for every recipient" in screen_text(app)
        app.send_adhoc(spec("jpcert", title="Second"))
        await pilot.pause()
        assert app.state.msel["adhoc-2"].status == "delivered"
        app.send_adhoc(spec("jpcert", title="Third"))
        await pilot.pause()
        assert app.state.msel["adhoc-3"].status == "delivered"
        assert "already used" not in screen_text(app)
        app.screen.action_show_tab("tab-msel")
        await pilot.pause()
        table = app.screen.query_one("#msel")
        assert table.get_cell("adhoc-1", table.ordered_columns[2].key).plain == "lost"


def test_the_read_model_lists_an_adhoc_inject_lost_for_everyone_from_its_events():
    session = outage_session()
    session.advance_to(40)
    session.add_inject(Inject(id="adhoc-1", sender="excon", to=["tonga-cert"], via="email",
                              title="Heads-up", incident={"id": "leak"}))
    assert not events_of(session.engine.log, "inject_delivered", "tonga-cert")
    state = state_of(session)
    row = state.msel["adhoc-1"]
    assert (row.status, row.to, row.sender, row.at) == ("lost", ["tonga-cert"], "excon", 40)
    lost = events_of(session.engine.log, "message_lost", "tonga-cert")[-1]
    assert state.describe(lost).startswith("Inject adhoc-1 for CERT Tonga by ")


async def test_an_adhoc_inject_held_for_office_hours_is_listed_as_held_and_blocks_nothing(
        tmp_path):
    session = outage_session(tmp_path)
    app = DrillApp(session)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        app.jump_to(4 * 60)  # 17:00 in Tonga: nobody answers its phone until after the end
        app.send_adhoc(spec("tonga-cert", via="phone"))
        await pilot.pause()
        row = app.state.msel["adhoc-1"]
        assert (row.status, row.to) == ("held", ["tonga-cert"]) and row.at == pytest.approx(240)
        assert "inject adhoc-1 sent, held" in screen_text(app)
        app.send_adhoc(spec("jpcert", title="Second"))
        await pilot.pause()
        assert app.state.msel["adhoc-2"].status == "delivered"
        assert "already used" not in screen_text(app)
        app.jump_to(10 * 60)  # the end: still held, never delivered
        await pilot.pause()
        assert app.state.finished and row.status == "held"
    session.close()
    # resumed from its journal: still listed, and its id still taken
    again = DrillSession.resume(tmp_path / "d.journal.sqlite")
    app = DrillApp(again)
    assert app.state.msel["adhoc-1"].status == "held"
    assert {"adhoc-1", "adhoc-2"} <= app.inject_ids()
    again.close()


async def test_an_adhoc_inject_held_then_delivered_is_listed_delivered(scenario_data, load):
    session = DrillSession.start(load(scenario_data), seed=0, human=["cert-a"], record=False)
    app = DrillApp(session)
    async with app.run_test(size=(160, 40)) as pilot:
        app.jump_to(9 * 60)  # 18:00 in Singapore: CERT-SG's desk is closed until 09:00
        app.send_adhoc(spec("cert-a", via="phone", incident="x"))
        await pilot.pause()
        row = app.state.msel["adhoc-1"]
        assert row.status == "held"
        app.jump_to(24 * 60 + 1)
        await pilot.pause()
        assert (row.status, row.delivered_at) == ("delivered", 24 * 60)


async def test_an_adhoc_inject_lost_for_one_recipient_and_held_for_another_is_held():
    app = DrillApp(outage_session())
    async with app.run_test(size=(160, 40)) as pilot:
        app.jump_to(4 * 60)
        # the secretariat has no phone: lost; Tonga's desk is closed: held
        app.send_adhoc({**spec("apcert-sec", via="phone"), "to": ["apcert-sec", "tonga-cert"]})
        await pilot.pause()
        row = app.state.msel["adhoc-1"]
        assert (row.status, row.to, row.lost) == (
            "held", ["apcert-sec", "tonga-cert"], ["apcert-sec"])


def test_a_scheduled_inject_lost_for_every_recipient_is_lost_not_pending():
    session = outage_session()
    session.edit_inject("1", {"to": ["tonga-cert"]})  # the stale address, until T+02:00
    session.advance_to(31)
    state = state_of(session)
    assert state.msel["1"].status == "lost"
    session.advance_to(10 * 60)  # and at the end
    state = state_of(session)
    assert state.finished and state.msel["1"].status == "lost"


def test_a_scheduled_inject_lost_for_some_recipients_is_held_then_delivered():
    session = outage_session()
    session.edit_inject("1", {"to": ["tonga-cert", "jpcert"]})
    session.advance_to(31)
    state = state_of(session)
    row = state.msel["1"]
    assert (row.status, row.lost) == ("delivered", ["tonga-cert"])
    state = DrillState(session.scenario)
    first_lost = next(e for e in session.engine.log if e.type == "message_lost")
    for e in session.engine.log:
        state.apply(e)
        if e is first_lost:
            break
    assert state.msel["1"].status == "held"  # sent: it waits no longer


# --- the drill's TLP label ------------------------------------------------------------------


def tutorial() -> DrillSession:
    """The tutorial drill: labelled CLEAR, its injects GREEN."""
    return DrillSession.start(load_scenario(resolve_scenario_arg("tutorial")), seed=0,
                              human=["mycert"], record=False)


def red(inject_id: str = "adhoc-1", **fields) -> Inject:
    return Inject(id=inject_id, sender="hicon", to=["mycert"], via="email", tlp="RED",
                  title="Victim list", incident={"id": "phish"}, **fields)


async def test_the_console_and_role_view_show_the_label_of_the_report_as_events_arrive():
    session = tutorial()
    app = DrillApp(session)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen)
                    and app.screen.ready)
        app.jump_to(40)
        await pilot.pause()
        assert "TLP:GREEN " in screen_text(app).splitlines()[0]
        app.send_adhoc(spec("mycert", tlp="RED", incident="phish"))
        await pilot.pause()
        assert app.state.msel["adhoc-1"].status == "delivered"
        assert drill_tlp(session.scenario, session.engine.log) == "RED"
        assert "TLP:RED " in screen_text(app).splitlines()[0]
        app.open_role("mycert")
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.pause()
        assert "TLP:RED " in screen_text(app).splitlines()[0]


async def test_the_review_shows_the_label_of_the_report():
    from sim.analysis.review import build_review
    from tui.review import ReviewApp

    session = tutorial()
    session.advance_to(40)
    session.add_inject(red())
    session.advance_to(8 * 60)
    log = list(session.engine.log)
    assert drill_tlp(session.scenario, log) == "RED"
    app = ReviewApp(build_review(session.scenario, log, {}, runs=0, seed=0))
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        assert "TLP:RED " in screen_text(app).splitlines()[0]


def test_an_inject_added_for_later_raises_the_label_before_it_is_delivered():
    session = tutorial()
    session.advance_to(40)
    assert drill_tlp(session.scenario, session.engine.log) == "GREEN"
    session.add_inject(red(at="T+06:00"), now=False)
    assert drill_tlp(session.scenario, session.engine.log) == "RED"
    assert state_of(session).tlp == "RED"


def test_an_inject_edited_to_red_raises_the_label_even_if_skipped():
    session = tutorial()
    waiting = next(i for i in session.scenario.injects if i.at is not None
                   and i.at != "T+00:00")
    session.edit_inject(waiting.id, {"tlp": "RED"})
    session.skip_inject(waiting.id)
    assert drill_tlp(session.scenario, session.engine.log) == "RED"
    assert state_of(session).tlp == "RED"


async def test_a_held_adhoc_inject_over_the_network_is_listed_and_blocks_nothing(
        scenario_data, load, tmp_path):
    from net_helpers import net_scenario, serving

    from sim.net.client import DrillClient
    from sim.net.remote import RemoteSession

    async with serving(load(net_scenario(scenario_data)), tmp_path) as (server, urls):
        server.session.advance_to(9 * 60)  # 18:00 in Singapore: CERT-SG's desk is closed
        server.clock.jump_to(server.session.now)
        client = DrillClient(urls["facilitator"])
        await client.connect()
        app = DrillApp(RemoteSession(client), tick=0.05)
        try:
            async with app.run_test(size=(160, 40), notifications=True) as pilot:
                await until(pilot, lambda: getattr(app.screen, "ready", False))
                app.send_adhoc(spec("cert-a", via="phone", incident="x"))
                await until(pilot, lambda: "adhoc-1" in app.state.msel)
                assert app.state.msel["adhoc-1"].status == "held"
                app.send_adhoc(spec("cert-b", incident="x", title="Second"))
                await until(pilot, lambda: "adhoc-2" in app.state.msel)
                await until(pilot, lambda: app.state.msel["adhoc-2"].status == "delivered")
                assert "already used" not in screen_text(app)
        finally:
            await client.close()
