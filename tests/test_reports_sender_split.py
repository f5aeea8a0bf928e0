"""Where the time went: the sender's own analysis, and the nights its office was closed,
are not "queued behind other work".

The hand-computed drill: CERT-SG (Singapore, 09:00-17:00) hears of incident x at
T+07:30 (16:30) and acknowledges it by 16:40; its analysis (30 worked minutes) starts
then, and runs over the night to 09:10 the next morning (T+1d00:10). At T+07:45, while it
is under way, a second inject says Thailand is affected too: CERT-SG's notification of
CERT-TH becomes due then (the hop starts at T+07:45), and goes out when the analysis and
5 minutes of drafting are done. The acknowledgement of the second inject (16:45-16:55)
falls within the analysis.
"""

from __future__ import annotations

from typing import Any

import pytest

from sim.analysis import aar
from sim.analysis.review import ANALYSING, HOURS, QUEUED, build_review
from sim.engine import Engine

NIGHT = 16 * 60  # 17:00 to 09:00
ROW = "| CERT-SG -> CERT-TH (notify) |"


def _update_during_analysis(data: dict[str, Any]) -> dict[str, Any]:
    del data["frameworks"]["fw"]["rules"]["escalate"]
    data["injects"] = [
        {"id": "1", "at": "T+07:30", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Report",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG"]}},
        {"id": "2", "at": "T+07:45", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Update",
         "incident": {"id": "x", "type": "botnet", "affected": ["SG", "TH"]}},
    ]
    return data


def _review(scenario_data, load):
    scenario = load(_update_during_analysis(scenario_data)).scenario
    return build_review(scenario, Engine(scenario, seed=0).run())


def _row(markdown: str) -> dict[str, str]:
    """The after-action report's "where the time went" row of the notification."""
    lines = markdown.splitlines()
    [header] = [ln for ln in lines if ln.startswith("| Hop | Duration |")]
    [row] = [ln for ln in lines if ln.startswith(ROW)]
    cells = [c.strip() for c in header.strip("|").split("|")]
    return dict(zip(cells, (c.strip() for c in row.strip("|").split("|")), strict=True))


def test_the_analysis_under_way_and_its_night_are_not_queued(scenario_data, load):
    review = _review(scenario_data, load)
    [hop] = [h for h in review.hops if h.recipient == "cert-b"]
    assert hop.trigger_at == 465  # T+07:45: the second inject
    # CERT-SG: the night, the 25 minutes of its analysis after the update (it began 5
    # minutes before), then 5 minutes drafting; CERT-TH (Bangkok, an hour behind): the
    # mail arrives at 08:20 its time, waits 40 minutes for the office and 10 to be read
    sender_work = (30 - (465 - 460)) + 5
    assert hop.parts[QUEUED] == pytest.approx(0.0, abs=1e-9)
    assert hop.parts[HOURS] == pytest.approx(NIGHT + 40)
    assert hop.parts[ANALYSING] == pytest.approx(sender_work + 10)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-9)
    # as the after-action report shows it
    values = _row(aar.render_markdown(review))
    assert values["Queued behind other work"] == "0.00 h"
    assert values["Waiting for working hours"] == f"{(NIGHT + 40) / 60:.2f} h"
    assert values["Analysing"] == f"{(sender_work + 10) / 60:.2f} h"
    assert values["Duration"] == f"{hop.duration / 60:.2f} h"


def test_the_parts_of_a_bundled_run_add_up_and_none_is_negative():
    from scenarios import load_scenario, resolve_scenario_arg

    scenario = load_scenario(resolve_scenario_arg("acid-supply-chain"))
    review = build_review(scenario, Engine(scenario, seed=0).run())
    assert review.hops
    for hop in review.hops:
        assert min(hop.parts.values()) >= 0
        assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-6)
