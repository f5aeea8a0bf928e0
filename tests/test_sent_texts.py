"""A role's Sent list keeps the text each recipient was sent: the automated policy
writes each recipient its own message."""

from __future__ import annotations

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import Engine
from sim.runs.view import DrillState


def test_each_recipient_of_one_action_keeps_its_own_text():
    loaded = load_scenario(resolve_scenario_arg(None))
    state = DrillState(loaded.scenario)
    for ev in Engine(loaded, seed=0).run():
        state.apply(ev)
    names = {aid: a.name for aid, a in loaded.scenario.actors.items()}
    several = [item for items in state.outbox.values() for item in items
               if sum(1 for dl in item.deliveries.values() if dl.text) >= 2]
    assert several, "the default drill has an action with two delivered messages"
    item = several[0]
    texts = {dl.recipient: dl.text for dl in item.deliveries.values() if dl.text}
    assert len(set(texts.values())) == len(texts)  # one text per recipient
    for recipient, body in texts.items():
        assert names[recipient] in body  # each addressed to its own recipient


async def test_the_sent_detail_shows_the_chosen_recipients_text():
    import pytest

    pytest.importorskip("textual")
    from test_tui import until
    from textual.widgets import DataTable

    from sim.runs.session import DrillSession
    from tui.app import DrillApp
    from tui.screens.role import ParticipantScreen

    loaded = load_scenario(resolve_scenario_arg(None))
    session = DrillSession.start(loaded, seed=0, record=False)
    session.advance_to(loaded.scenario.drill.duration)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        item = next(item for items in app.state.outbox.values() for item in items
                    if sum(1 for dl in item.deliveries.values() if dl.text) >= 2)
        sender = next(a for a, items in app.state.outbox.items() if item in items)
        app.open_role(sender)
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.ready)
        screen = app.screen
        table = screen.query_one("#sent", DataTable)
        for dl in [dl for dl in item.deliveries.values() if dl.text]:
            table.move_cursor(row=table.get_row_index(dl.dispatch))
            # the detail of the Sent row under the cursor, read before anything redraws it
            screen._show_sent_detail()
            shown = str(screen.query_one("#detail").render())
            assert dl.text.splitlines()[0] in shown
            others = [o.text for o in item.deliveries.values() if o.text and o is not dl]
            assert all(o.splitlines()[0] not in shown for o in others
                       if o.splitlines()[0] != dl.text.splitlines()[0])
