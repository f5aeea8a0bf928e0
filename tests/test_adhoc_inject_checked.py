"""An ad-hoc inject is checked against the scenario as the loader checks the MSEL: one
that names a phase, an expectation, an actor or team, an incident, an objective or a
channel the scenario does not have is refused in one line, before anything is recorded,
instead of failing the drill when its time comes. And a jump on which the drill engine
fails halts the drill where it stopped, and says so, instead of calling the jump
refused while the clock runs on."""

from __future__ import annotations

from typing import Any

import pytest
from net_helpers import net_scenario, serving, until

from scenarios.model import Inject
from sim.engine import Action, ActionError
from sim.net.client import DrillClient, Unrecorded
from sim.runs.session import DrillSession

ESCALATE = Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                  tlp="AMBER", text="please coordinate")


@pytest.fixture
def loaded(scenario_data, load):
    data = net_scenario(scenario_data)
    data["drill"]["phases"] = {"triage": {"start": "T+00:00", "end": "T+06:00"}}
    data["drill"]["objectives"] = [{"id": "O1", "text": "Coordinate"}]
    return load(data)


def adhoc(**fields: Any) -> Inject:
    """An ad-hoc inject for cert-a at T+01:40, about incident x (opened at T+01:00)."""
    return Inject.model_validate({
        "id": "A1", "at": "T+01:40", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "title": "Heads-up", "text": "Check your logs", "incident": {"id": "x"}, **fields})


def commands(session: DrillSession) -> int:
    assert session.journal is not None
    return len(session.journal.commands())


@pytest.mark.parametrize(("fields", "why"), [
    ({"when": {"phase": ["nope"]}}, "when.phase[0]: unknown phase 'nope'"),
    ({"when": {"met": ["E9"]}}, "when.met[0]: no expectation 'E9'"),
    ({"when": {"missed": ["E1", "E7"]}}, "when.missed[1]: no expectation 'E7'"),
    ({"when": {"done": [{"action": "escalate", "by": ["cert-z"]}]}},
     "when.done[0].by[0]: unknown actor or team 'cert-z'"),
    ({"when": {"not_done": [{"action": "escalate", "incident": "y"}]}},
     "when.not_done[0].incident: no inject opens incident 'y'"),
    ({"objective": "O9"}, "objective: unknown objective 'O9'"),
    ({"artefacts": [{"file": "key.zip", "protected": {"password_via": "pigeon"}}]},
     "artefacts[0].protected.password_via: unknown channel 'pigeon'"),
])
def test_an_adhoc_inject_naming_what_the_scenario_lacks_is_refused_unrecorded(
        loaded, tmp_path, fields, why):
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=tmp_path / "j.sqlite")
    try:
        session.advance_to(70)
        before, log = commands(session), len(session.engine.log)
        with pytest.raises(ActionError) as refused:
            session.add_inject(adhoc(**fields), now=False)
        said = str(refused.value)
        assert said.startswith(why) and "\n" not in said
        # nothing was recorded, nothing waits in the MSEL
        assert commands(session) == before and len(session.engine.log) == log
        assert "A1" not in session.engine.injects
        # the drill goes on to its end, and its journal resumes
        session.act(ESCALATE)
        session.advance_to(24 * 60)
    finally:
        session.close()
    resumed = DrillSession.resume(tmp_path / "j.sqlite")
    resumed.close()


def test_an_adhoc_inject_naming_what_the_scenario_has_is_added(loaded, tmp_path):
    session = DrillSession.start(loaded, human=["cert-a"], journal_path=tmp_path / "j.sqlite")
    try:
        session.advance_to(70)
        session.add_inject(adhoc(when={"phase": ["triage"], "not_done": [
            {"action": "escalate", "by": ["cert-b"], "incident": "x"}]}, objective="O1"),
            now=False)
        session.advance_to(120)
        assert [e.actor for e in session.engine.log if e.type == "inject_delivered"
                and e.details.get("inject") == "A1"] == ["cert-a"]
    finally:
        session.close()


async def test_the_facilitator_is_told_why_an_adhoc_inject_is_refused(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        server.session.advance_to(70)
        fac = DrillClient(urls["facilitator"])
        await fac.connect()
        try:
            before = commands(server.session)
            with pytest.raises(ActionError, match=r"^when\.phase\[0\]: unknown phase 'nope'"):
                await fac.command("add_inject", {
                    "inject": adhoc(when={"phase": ["nope"]}).model_dump(mode="json"),
                    "fire_now": False})
            assert commands(server.session) == before
            # the drill runs on past the inject's time, and nothing fails
            await fac.jump(120)
            assert server.halted is None and server.session.now == pytest.approx(120)
        finally:
            await fac.close()


async def test_a_jump_on_which_the_engine_fails_halts_the_drill_where_it_stopped(
        loaded, tmp_path, monkeypatch):
    notices: list[str] = []
    async with serving(loaded, tmp_path, notice=notices.append) as (server, urls):
        session = server.session
        session.advance_to(70)
        said: dict[str, list[str]] = {"facilitator": [], "cert-a": []}
        fac = DrillClient(urls["facilitator"], on_status=said["facilitator"].append)
        team = DrillClient(urls["cert-a"], on_status=said["cert-a"].append)
        await fac.connect()
        await team.connect()
        try:
            # the engine fails as inject 2 (T+02:00) is delivered
            def broken(_inject: Inject) -> None:
                raise KeyError("nope")

            monkeypatch.setattr(session.engine.msel, "deliver", broken)
            with pytest.raises(Unrecorded) as told:
                await fac.jump(200)
            # not "refused": the drill moved on to T+02:00 and stopped there
            answer = str(told.value)
            assert "T+02:00" in answer and "halted" in answer and "refused" not in answer
            assert server.halted is not None
            assert session.now == pytest.approx(120)
            assert any("T+02:00" in line for line in notices)
            # the clock does not run on: every terminal shows it paused where it stopped
            await until(lambda: not fac.clock_state().running
                        and fac.clock_state().drill_time == pytest.approx(120)
                        and team.clock_state().drill_time == pytest.approx(120))
            # every terminal is told that the drill is halted, unasked
            await until(lambda: all(any("the drill is halted" in line for line in lines)
                                    for lines in said.values()))
            # and nothing more is carried out or recorded in it
            before = commands(session)
            with pytest.raises(ActionError, match="the drill is halted"):
                await team.act(ESCALATE)
            with pytest.raises(ActionError, match="the drill is halted"):
                await fac.resume()
            assert commands(session) == before
        finally:
            await fac.close()
            await team.close()
