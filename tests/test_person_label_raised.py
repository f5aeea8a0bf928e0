"""A message that passes on material stricter than the label chosen for it goes under
the stricter label, and the action says so.

The action's event (``notified``, ``escalated``, ...) gives the label its messages
actually went under (the strictest, when its recipients' messages differ), and, when
that is not the one chosen, the one chosen as ``tlp_asked``: the toast and the log
read the label the messages carry. The action form warns before sending when what is
ticked to pass on would raise the label.
"""

from __future__ import annotations

import pytest
from conftest import cert, events_of

from sim.engine import Action, Engine


def _red_report(data):
    """A RED report for cert-a alone, about an incident affecting SG and TH."""
    data["injects"][0].update(tlp="RED", title="For cert-a only")
    return data


def test_a_persons_raised_message_is_told_under_the_label_it_went_under(scenario_data, load):
    engine = Engine(load(_red_report(scenario_data)), seed=0, human=["cert-a"])
    engine.run_until(70)  # the RED report reached cert-a
    # nothing stricter passed on: the message goes as chosen, and the action says so
    engine.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                      tlp="GREEN", text="Something is going on."))
    [plain] = events_of(engine.log, "escalated", "cert-a")
    assert plain.details["tlp"] == "GREEN" and "tlp_asked" not in plain.details
    # passing the RED report on raises the message to RED: the action says RED, and
    # that GREEN was asked for
    engine.act(Action("cert-a", "escalate", "x", targets=("council",), channel="email",
                      tlp="GREEN", refs=("inject:1",)))
    raised = events_of(engine.log, "escalated", "cert-a")[-1]
    sent = [e for e in events_of(engine.log, "message_sent", "cert-a")
            if e.details["to"] == "council"][-1]
    assert sent.details["tlp"] == "RED"
    assert (raised.details["tlp"], raised.details["tlp_asked"]) == ("RED", "GREEN")


def test_the_action_gives_the_strictest_label_its_recipients_got(scenario_data, load):
    # cert-a notifies cert-b (named on the RED report: it gets RED) and cert-c (left
    # out: it gets the report's GREEN facts under GREEN)
    d = scenario_data
    d["groups"]["asean"] = ["SG", "TH", "MY"]
    d["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    d["frameworks"]["fw"]["rules"] = {
        "notify": {"by": ["cert-a"], "on": ["inject"], "action": "notify",
                   "to": ["cert-b", "cert-c"], "channel": "email", "deadline": "4h",
                   "tlp": "GREEN"},
    }
    d["injects"] = [
        {"id": "1", "at": "T+01:00", "sender": "ctl", "to": ["cert-a", "cert-b"],
         "via": "email", "tlp": "RED", "facts_tlp": "GREEN", "title": "For a and b",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG", "TH", "MY"]}},
    ]
    log = Engine(load(d), seed=0).run()
    sent = {e.details["to"]: e.details["tlp"] for e in events_of(log, "message_sent", "cert-a")}
    assert sent == {"cert-b": "RED", "cert-c": "GREEN"}
    [notified] = events_of(log, "notified", "cert-a")
    assert sorted(notified.details["targets"]) == ["cert-b", "cert-c"]
    assert (notified.details["tlp"], notified.details["tlp_asked"]) == ("RED", "GREEN")


pytest.importorskip("textual")

from test_tui import DEFAULT, until  # noqa: E402

from scenarios import load_scenario  # noqa: E402
from sim.runs.session import DrillSession  # noqa: E402
from tui.app import DrillApp  # noqa: E402
from tui.forms import ActionForm  # noqa: E402

WARNING = "passes on TLP:RED material: the message will go as TLP:RED"


def _warning(form: ActionForm) -> str:
    shown = form.query_one("#tlp-warning")
    return str(shown.render()) if shown.display else ""


async def test_the_form_warns_and_the_toast_and_log_tell_the_label_sent():
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=["certph"])
    app = DrillApp(session, speed=60, roles=["certph"])
    async with app.run_test(size=(160, 48)) as pilot:
        app.session.fire_inject("4")  # the TLP:RED analysis, for CERT-PH
        await pilot.pause()
        app.open_role("certph")
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionForm) and app.screen.ready)
        form = app.screen
        assert isinstance(form, ActionForm)
        form.query_one("#verb").value = "escalate"
        form.query_one("#targets").select("ansac")
        form.query_one("#tlp").value = "CLEAR"
        await pilot.pause()
        assert _warning(form) == ""  # nothing ticked yet
        form.query_one("#refs").select("inject:4")
        await until(pilot, lambda: WARNING in _warning(form))
        # chosen as strict as what is passed on: nothing to warn of
        form.query_one("#tlp").value = "RED"
        await until(pilot, lambda: _warning(form) == "")
        form.query_one("#tlp").value = "CLEAR"
        await until(pilot, lambda: WARNING in _warning(form))
        await pilot.click("#send")
        await until(pilot, lambda: not isinstance(app.screen, ActionForm))
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        told = [t for t in toasts if "escalated" in t]
        assert told and "(TLP:RED)" in told[-1] and "TLP:CLEAR" not in told[-1], toasts
        [logged] = [e for e in app.state.recent if e.type == "escalated"]
        line = app.state.describe(logged)
        assert "(TLP:RED)" in line and "TLP:CLEAR" not in line, line
