"""An inject exercise control skipped and then fired all the same (``f`` on a skipped
inject) is back in play from its delivery: an expectation counted from it that is still
open at the end is not yet due, not "not in play", and it is in the score.

The hand-computed drill (two days long) with a second inject, N, to CERT-TH at T+05:00;
E9 expects CERT-TH to escalate within 3 hours of it. Exercise control skips N at
T+00:10, then fires it at T+1d22:00: it falls due at T+2d01:00, after the drill's end.
"""

from __future__ import annotations

from typing import Any

from sim.analysis import aar
from sim.analysis.metrics import compute
from sim.analysis.report import render_text
from sim.analysis.review import load_review
from sim.runs.session import DrillSession

FIRED_AT = 46 * 60  # T+1d22:00
END = 48 * 60


def _with_nudge(data: dict[str, Any]) -> dict[str, Any]:
    data["injects"].append(
        {"id": "N", "at": "T+05:00", "sender": "ctl", "to": ["cert-b"], "via": "email",
         "tlp": "GREEN", "title": "Nudge", "incident": {"id": "x"}})
    data["expectations"].append(
        {"id": "E9", "actors": ["cert-b"], "action": "escalate", "incident": "x",
         "within": "3h", "after": "N", "score": 7})
    return data


def _played(scenario_data, load, tmp_path, fire: bool):
    journal = tmp_path / f"fired-{fire}.journal.sqlite"
    session = DrillSession.start(load(_with_nudge(scenario_data)),
                                 journal_path=journal)
    session.advance_to(10)
    session.skip_inject("N")
    if fire:
        session.advance_to(FIRED_AT)
        session.fire_inject("N")
    session.advance_to(END)
    session.close()
    review, j = load_review(journal, readonly=True)
    j.close()
    return review


def test_an_inject_fired_after_it_was_skipped_is_in_play(scenario_data, load, tmp_path):
    review = _played(scenario_data, load, tmp_path, fire=True)
    assert [e.time for e in review.events
            if e.type == "inject_delivered" and e.details.get("inject") == "N"] == [FIRED_AT]
    m = compute(review.events)
    [e9] = [x for x in m["expectations"] if x["id"] == "E9"]
    assert e9["status"] == "open" and "skipped" not in e9
    assert (m["score"]["possible"], m["score"]["of"]) == (7, 1)
    # the run report: not due yet, nothing said of a skipped inject
    text = render_text(m)
    assert "inject N was skipped" not in text
    assert "Expectations: 0 of 1 met, score 0 of 7" in text
    # the after-action report: not yet due when the drill ended, not "not in play"
    markdown = aar.render_markdown(review)
    assert "**Not in play**" not in markdown
    due = markdown[markdown.index("**Not yet due when the drill ended**"):]
    assert due.splitlines()[2].startswith("- E9: ")


def test_an_inject_skipped_and_never_fired_is_still_not_in_play(scenario_data, load,
                                                                tmp_path):
    review = _played(scenario_data, load, tmp_path, fire=False)
    [e9] = [x for x in compute(review.events)["expectations"] if x["id"] == "E9"]
    assert (e9["status"], e9["skipped"]) == ("open", "N")
    assert "**Not in play**" in aar.render_markdown(review)
