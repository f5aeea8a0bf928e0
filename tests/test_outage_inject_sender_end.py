"""An outage of exercise control's own end of a channel holds or loses the injects it
sends on that channel, as an outage of the recipient's end does: in a run, in lint and
in `drill explain`.

Base scenario (tests/conftest.py): control (ctl) sends inject 1 to cert-a by e-mail at
T+01:00 (60); cert-a is on duty then.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import events_of

from scenarios.durations import format_drill_time
from sim.authoring.explain import explain
from sim.authoring.lint import Reach, lint
from sim.engine import Engine


def outage(actor: str | None, effect: str, channel: str = "email",
           start: str = "T+00:30", end: str = "T+02:00") -> dict[str, Any]:
    out = {"channel": channel, "start": start, "end": end, "effect": effect}
    if actor is not None:
        out["actor"] = actor
    return out


def _with(data: dict[str, Any], *outages: dict[str, Any]) -> dict[str, Any]:
    return dict(data, outages=list(outages))


def _inject_fate(log) -> list[tuple[Any, ...]]:
    """What became of control's inject 1, as the log has it."""
    return [(e.time, e.type, e.actor, e.details.get("reason"), e.details.get("until"))
            for e in log if e.details.get("inject") == "1"
            and e.type in ("inject_held", "inject_delivered", "message_lost")]


def _run(load, data: dict[str, Any]):
    return Engine(load(data), seed=0).run()


# --- in a run ----------------------------------------------------------------------------


def test_without_the_outage_the_inject_arrives_when_sent(scenario_data, load):
    log = _run(load, scenario_data)
    assert [(e.time, e.actor) for e in events_of(log, "inject_delivered")] == [(60, "cert-a")]


@pytest.mark.parametrize("effect", ["hold", "lose", "bounce"])
def test_an_outage_of_controls_end_does_to_an_inject_what_the_recipients_does(
        scenario_data, load, effect):
    senders = _inject_fate(_run(load, _with(scenario_data, outage("ctl", effect))))
    recipients = _inject_fate(_run(load, _with(scenario_data, outage("cert-a", effect))))
    assert senders == recipients
    assert "inject_delivered" not in [f[1] for f in senders if f[0] == 60]


def test_a_holding_outage_of_controls_end_holds_the_inject_until_service_returns(
        scenario_data, load):
    log = _run(load, _with(scenario_data, outage("ctl", "hold")))
    assert [(e.time, e.actor, e.details["reason"], e.details["until"])
            for e in events_of(log, "inject_held")] == [(60, "cert-a", "outage", 120)]
    assert [e.time for e in events_of(log, "inject_delivered", "cert-a")] == [120]


def test_an_outage_of_controls_end_of_another_channel_leaves_the_inject_alone(
        scenario_data, load):
    scenario_data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+65-0"}
    plain = _inject_fate(_run(load, scenario_data))
    other = _inject_fate(_run(load, _with(scenario_data, outage("ctl", "lose", "phone"))))
    assert other == plain


def test_control_sends_an_inject_when_service_returns_as_to_a_recipient_whose_end_was_down(
        scenario_data, load):
    # control's end is down from T+01:30: its inject at T+01:00 is already on its way
    later = _inject_fate(_run(load, _with(scenario_data, outage("ctl", "lose",
                                                                  start="T+01:30"))))
    assert later == _inject_fate(_run(load, scenario_data))


def _protected(data: dict[str, Any], tmp_path) -> dict[str, Any]:
    """Inject 1 carries a file whose password control phones to cert-a, 10 minutes after
    the inject reaches it (T+01:10, 70, cert-a on duty)."""
    (tmp_path / "evidence").mkdir(exist_ok=True)
    (tmp_path / "evidence" / "note.txt").write_text("a ransom note\n")
    data["actors"]["ctl"]["contacts"]["phone"] = {"address": "+65-0"}
    data["injects"][0]["artefacts"] = [
        {"file": "evidence/note.txt",
         "protected": {"password_via": "phone", "password": "pw-2026", "delay": "10m"}}]
    return data


def _password_fate(log) -> list[tuple[Any, ...]]:
    return [(e.time, e.type, e.actor, e.details.get("reason")) for e in log
            if e.type in ("password_delivered", "password_lost")]


@pytest.mark.parametrize("effect", ["hold", "lose"])
def test_an_outage_of_controls_end_does_to_a_password_what_the_recipients_does(
        scenario_data, load, tmp_path, effect):
    data = _protected(scenario_data, tmp_path)
    plain = _password_fate(_run(load, data))
    assert plain == [(70, "password_delivered", "cert-a", None)]
    senders = _password_fate(_run(load, _with(data, outage("ctl", effect, "phone"))))
    recipients = _password_fate(_run(load, _with(data, outage("cert-a", effect, "phone"))))
    assert senders == recipients != plain


# --- lint and explain agree with the run --------------------------------------------------


def _findings(load, data: dict[str, Any], code: str) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in lint(load(data)) if f.code == code]


@pytest.mark.parametrize("effect", ["hold", "lose"])
def test_lint_warns_of_an_inject_sent_into_an_outage_of_controls_end(
        scenario_data, load, effect):
    senders = _findings(load, _with(scenario_data, outage("ctl", effect)), "inject-in-outage")
    recipients = _findings(load, _with(scenario_data, outage("cert-a", effect)),
                           "inject-in-outage")
    assert senders == recipients
    [(path, message)] = senders
    assert path == "injects[0].at" and message.endswith("for cert-a")


@pytest.mark.parametrize("effect", ["hold", "lose"])
def test_lint_knows_when_an_inject_reaches_its_recipient_past_an_outage_of_controls_end(
        scenario_data, load, effect):
    data = _with(scenario_data, outage("ctl", effect))
    sc = load(data).scenario
    reach = Reach(sc)
    inj = sc.injects[0]
    arrived = [e.time for e in events_of(_run(load, data), "inject_delivered", "cert-a")]
    got = reach.reaches("cert-a", inj, reach.at[inj.id])
    assert ([] if got is None else [got]) == arrived


def test_lint_warns_of_a_password_held_past_the_end_by_an_outage_of_controls_end(
        scenario_data, load, tmp_path):
    data = _protected(scenario_data, tmp_path)
    end = format_drill_time(60 * 60)  # past the drill's two days

    def late(actor: str) -> list[tuple[str, str]]:
        return _findings(load, _with(data, outage(actor, "hold", "phone", "T+01:00", end)),
                         "password-after-end")

    assert late("ctl") == late("cert-a") != []


@pytest.mark.parametrize("effect", ["hold", "lose"])
def test_explain_shows_an_inject_lost_in_an_outage_of_controls_end(
        scenario_data, load, effect):
    def shown(actor: str) -> str:
        return explain(load(_with(scenario_data, outage(actor, effect))).scenario)

    senders = shown("ctl")
    # the same account of the inject as for the recipient's end, but the outage named
    assert senders.replace("HiCON's email", "CERT-SG's email") == shown("cert-a")
    lost = "LOST (an outage of email)" in senders
    assert lost == (effect == "lose")
    assert ("NEVER reached by inject 1 (an outage of email)" in senders) == lost
