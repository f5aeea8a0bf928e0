"""A branch due at the very minute an expectation falls due reads its outcome.

An inject with ``when: {missed: [E]}`` timed at E's deadline (the usual way to write
"if they have not done it by then, HiCON calls") is decided once everything due at
that moment has happened: E is missed then, so the call goes out. It used to be decided
first, while E was still pending, and was always skipped.
"""

from __future__ import annotations

from test_branching import load, of  # the same small drill as the branching tests

from sim.engine.core import Engine

DRILL = """
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [sg]
    via: email
    incident: {id: inc, type: botnet, severity: high, affected: [SG]}
  - id: "2"
    at: T+01:30
    when: {missed: [E1]}
    sender: hicon
    to: [sg]
    via: email
    title: HiCON calls
    incident: {id: inc}
  - id: "3"
    at: T+01:30
    when: {met: [E1]}
    sender: hicon
    to: [sg]
    via: email
    incident: {id: inc}
expectations:
  - id: E1
    actors: [sg]
    action: close
    incident: inc
    within: 1h
"""


def test_a_branch_at_the_deadline_sees_the_expectation_missed(tmp_path):
    engine = Engine(load(tmp_path, DRILL), seed=0)
    engine.run()
    # the incident opens at T+00:30: E1 falls due an hour later, at T+01:30
    assert [e.time for e in of(engine, "expectation_missed")] == [90.0]
    assert [e.time for e in of(engine, "inject_delivered", inject="2")] == [90.0]
    assert [e.details["inject"] for e in of(engine, "inject_skipped")] == ["3"]
    # the log reads in order: the miss, then what it set off
    types = [e.type for e in engine.log if e.time == 90.0]
    assert types.index("expectation_missed") < types.index("inject_skipped")
