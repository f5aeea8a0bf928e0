"""Times in the console and the role views are the clock's minute: what arrived at drill
minute 213.8 shows as T+03:33, as the header does then, not a minute ahead (T+03:34)."""

from __future__ import annotations

import pytest

pytest.importorskip("textual")

from test_tui import make_app, until

from tui.screens.live import clock_line, fmt_time
from tui.screens.role import ParticipantScreen


def test_fmt_time_rounds_down_as_the_header_does():
    assert fmt_time(None) == ""
    assert fmt_time(213.770504) == "T+03:33"
    assert fmt_time(213.0) == "T+03:33"
    assert fmt_time(213.999999) == "T+03:33"
    assert fmt_time(1649.5) == "T+1d03:29"
    # a time stored to the event log's precision is not a minute early
    assert fmt_time(89.9999999) == "T+01:30"


async def test_an_item_received_this_minute_shows_the_headers_minute():
    probe = make_app().session
    probe.advance_to(400)
    ev = next(e for e in probe.engine.log
              if e.type == "message_delivered" and e.time % 1 >= 0.5)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.session.advance_to(ev.time + 0.05)
        app.clock.jump_to(app.session.now)
        app.open_role(ev.actor)
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen)
                    and app.screen.ready)
        await pilot.pause()
        header = clock_line(app).plain.split()[0]
        assert header == fmt_time(ev.time)
        inbox = app.screen.query_one("#inbox")
        times = {str(inbox.get_row_at(i)[1]) for i in range(inbox.row_count)}
        assert header in times
        later = [t for t in times if t > header]  # nothing shows a minute ahead of the clock
        assert later == []
        detail = str(app.screen.query_one("#detail").render())
        assert f"at {header}" in detail
