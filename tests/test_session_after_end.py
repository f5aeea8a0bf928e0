"""A drill that has ended takes no more drill commands.

After the end, the engine has let go of what a running drill needs: an action or an
inject then would be logged after `drill_ended`, with messages that never arrive.
`drill play` (and the facilitator over the network) is told the drill has ended, and
nothing is recorded. A journal written before this rule, with such commands in it,
still resumes: recorded commands are replayed as they were.
"""

from __future__ import annotations

from dataclasses import asdict

import pytest
from test_session import loaded  # noqa: F401  (the same small drill as the session tests)

from sim.engine import Action, ActionError
from sim.runs.session import DrillSession, Journal


def _ended(tmp_path, loaded):  # noqa: F811
    path = tmp_path / "d.drill"
    session = DrillSession.start(loaded, seed=0, journal_path=path)
    session.advance_to(loaded.scenario.drill.duration)
    assert session.finished
    return session, path


@pytest.mark.parametrize("command", [
    lambda s: s.act(Action("cert-a", "notify", "x", targets=("cert-b",), channel="email",
                           tlp="GREEN")),
    lambda s: s.fire_inject("1"),
    lambda s: s.delay_inject("1", 30),
])
def test_no_drill_command_after_the_end(tmp_path, loaded, command):  # noqa: F811
    session, path = _ended(tmp_path, loaded)
    events = len(session.engine.log)
    with pytest.raises(ActionError, match="the drill has ended"):
        command(session)
    assert len(session.engine.log) == events
    assert session.engine.log[-1].type == "drill_ended"
    session.close()
    j = Journal.open(path)
    try:
        assert j.commands() == []
    finally:
        j.close()


def test_a_journal_with_a_command_after_the_end_still_resumes(tmp_path, loaded):  # noqa: F811
    # as an earlier version wrote it: the command carried out and recorded after the end
    session, path = _ended(tmp_path, loaded)
    payload = asdict(Action("cert-a", "notify", "x", targets=("cert-b",), channel="email",
                            tlp="GREEN"))
    session._apply("act", payload)
    session._unwritten.append((session._wall(), session.engine.now, "cert-a", "act",
                               payload))
    session._flush()
    before = [e.to_dict() for e in session.engine.log]
    assert before[-1]["type"] != "drill_ended"
    session.close()
    resumed = DrillSession.resume(path)
    try:
        assert [e.to_dict() for e in resumed.engine.log] == before
    finally:
        resumed.close()
