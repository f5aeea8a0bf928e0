"""Where the time went: a night (or a lunch break) the sender's office was closed while
it drafted another message about the same incident is waiting for working hours, not
"queued behind other work".

A team that owes two messages about one incident drafts them one after the other; when
the first draft runs over the night, the second goes out the next morning. The night is
recorded on the first draft only, and both hops read it as the office being closed; the
minutes spent drafting the first are still queued behind other work for the second.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import docx
import pytest

from sim.analysis import aar
from sim.analysis.docx_report import render_docx
from sim.analysis.metrics import hop_metrics
from sim.analysis.review import (
    ANALYSING,
    HOURS,
    PARTS,
    QUEUED,
    Hop,
    Review,
    build_review,
    load_review,
)
from sim.cli import EXIT_OK, main
from sim.engine import Engine
from sim.engine.clock import scenario_shift
from sim.engine.policy import worked_between

NIGHT = 16 * 60  # 17:00 to 09:00


def _journal_review(tmp_path: Path, scenario: str, seed: int) -> Review:
    """The review of ``drill run SCENARIO --seed SEED --journal ...``, as ``drill review``
    and ``drill report`` read it."""
    path = tmp_path / f"{scenario}-{seed}.journal.sqlite"
    assert main(["run", scenario, "--seed", str(seed), "--journal", str(path)]) == EXIT_OK
    review, journal = load_review(path, readonly=True)
    journal.close()
    return review


def _closed_before_sending(review: Review, hop: Hop) -> float:
    """The minutes the sender's office was closed from the hop's start to its sending."""
    shift = scenario_shift(review.scenario, hop.sender)
    span = hop.first_sent_at - hop.trigger_at
    return span - worked_between(shift, hop.trigger_at, hop.first_sent_at)


def _run_hop(review: Review, hop: Hop) -> dict[str, Any]:
    """The same hop as ``drill run --json`` reports it."""
    [h] = [h for h in hop_metrics(review.events) if h["dispatch"] == hop.dispatch]
    return h


def _md_rows(review: Review) -> list[dict[str, str]]:
    """The after-action report's "where the time went" rows."""
    rows: list[dict[str, str]] = []
    header: list[str] = []
    for line in aar.render_markdown(review).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| Hop | Duration |"):
            header = cells
        elif header and line.startswith("| ") and len(cells) == len(header):
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _docx_rows(review: Review) -> list[dict[str, str]]:
    """The same rows, in the Word report."""
    rows: list[dict[str, str]] = []
    for table in docx.Document(io.BytesIO(render_docx(review))).tables:
        header = [c.text for c in table.rows[0].cells]
        if header[:2] != ["Hop", "Duration"]:
            continue
        for row in table.rows[1:]:
            cells = [c.text for c in row.cells]
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


def _label(review: Review, hop: Hop) -> str:
    return f"{review.name(hop.sender)} -> {review.name(hop.recipient)} ({hop.verb})"


def _assert_shown_alike(review: Review, hop: Hop) -> None:
    """The after-action report, in Markdown, HTML and Word, shows the review's figures."""
    hours, queued = f"{hop.parts[HOURS] / 60:.2f} h", f"{hop.parts[QUEUED] / 60:.2f} h"
    label = _label(review, hop)
    md_label = (f"{aar.md(review.name(hop.sender))} -> {aar.md(review.name(hop.recipient))} "
                f"({aar.md(hop.verb)})")
    duration = f"{hop.duration / 60:.2f} h"
    for rows, shown_label in ((_md_rows(review), md_label), (_docx_rows(review), label)):
        [row] = [r for r in rows if r["Hop"] == shown_label and r["Duration"] == duration]
        assert row["Waiting for working hours"] == hours
        assert row["Queued behind other work"] == queued
    e = aar.escape
    html_label = (f"{e(review.name(hop.sender))} &rarr; {e(review.name(hop.recipient))} "
                  f"({e(hop.verb)})")
    [html_row] = [r for r in aar.render_html(review).split("<tr>")
                  if r.startswith(f"<td>{html_label}</td><td>{duration}</td>")]
    cells = re.findall(r"<td>(.*?)</td>", html_row)
    # the hop, its duration, the split drawn as a bar, then the parts in order
    shown = dict(zip(PARTS, cells[3:], strict=False))
    assert shown[HOURS] == hours and shown[QUEUED] == queued


def _assert_adds_up(review: Review, hop: Hop) -> None:
    """The parts add up to the hop, none is negative, and the run report agrees: the
    same duration, and the sender's night plus the recipient's closed time (the run
    report's office-hours wait) is the review's waiting for working hours."""
    run = _run_hop(review, hop)
    assert min(hop.parts.values()) >= 0
    assert sum(hop.parts.values()) == pytest.approx(hop.duration, abs=1e-6)
    assert run["duration"] == pytest.approx(hop.duration, abs=1e-6)
    assert run["handling"] == pytest.approx(hop.first_sent_at - hop.trigger_at, abs=1e-6)
    closed = _closed_before_sending(review, hop)
    assert hop.parts[HOURS] == pytest.approx(closed + run["office_hours_wait"], abs=1e-3)


# --- the bundled drills the night was seen in -----------------------------------------


def test_a_request_for_assistance_after_a_preservation_drafted_overnight(tmp_path, capsys):
    """acid-botnet, seed 3: the Philippine police draft a preservation request over the
    night, then the request for assistance to the same foreign police. Both hops started
    when the referral arrived; both read the night as the office being closed."""
    review = _journal_review(tmp_path, "acid-botnet", 3)
    hops = [h for h in review.hops if h.sender == "police-ph"
            and h.verb in ("request_preservation", "request_assistance")]
    assistance = [h for h in hops if h.verb == "request_assistance"]
    assert assistance
    for hop in assistance:
        closed = _closed_before_sending(review, hop)
        assert closed >= 14 * 60  # a night is in it
        assert hop.parts[HOURS] >= closed
        # what is left queued is the desk drafting the preservation request
        assert hop.parts[QUEUED] < 60
        _assert_adds_up(review, hop)
        _assert_shown_alike(review, hop)
        # the preservation request to the same police force read the same night
        [preservation] = [h for h in hops if h.verb == "request_preservation"
                          and h.recipient == hop.recipient]
        assert _closed_before_sending(review, preservation) == pytest.approx(closed)
        assert (hop.parts[HOURS] - _run_hop(review, hop)["office_hours_wait"]
                == pytest.approx(preservation.parts[HOURS]
                                 - _run_hop(review, preservation)["office_hours_wait"]))


@pytest.mark.parametrize("seed", [0, 5])
def test_no_police_request_reads_a_night_as_queued(tmp_path, capsys, seed):
    """acid-botnet, seeds 0 and 5: the Indonesian police's requests for assistance too."""
    review = _journal_review(tmp_path, "acid-botnet", seed)
    police = [h for h in review.hops if h.verb == "request_assistance"
              and h.sender in ("police-id", "police-ph")
              and _closed_before_sending(review, h) >= 14 * 60]
    assert police
    for hop in police:
        _assert_adds_up(review, hop)
        assert hop.parts[QUEUED] < 60  # what is left is the recipient's own queue


def test_a_lunch_break_during_another_draft_is_waiting_for_working_hours(tmp_path, capsys):
    """acid-hacktivism, seed 0: MyCERT drafts its takedown request over its lunch break,
    then refers the leak to the Malaysian police."""
    review = _journal_review(tmp_path, "acid-hacktivism", 0)
    [hop] = [h for h in review.hops if h.sender == "mycert" and h.verb == "refer_police"
             and h.incident == "leak"]
    assert _closed_before_sending(review, hop) == pytest.approx(60)
    assert hop.parts[HOURS] >= 60
    assert hop.parts[QUEUED] < 60  # the desk drafting the takedown request
    _assert_adds_up(review, hop)
    _assert_shown_alike(review, hop)


# --- hand-computed -----------------------------------------------------------------------


def _night_in_the_first_draft(data: dict[str, Any]) -> dict[str, Any]:
    """CERT-SG (09:00-17:00) hears of x at T+07:17 (16:17): it acknowledges it by 16:27,
    analyses it by 16:57, and drafts its notification of CERT-TH for 3 minutes before
    closing and 2 after opening (T+1d00:02); its escalation to the council, due since
    T+07:17 too, is drafted next, until T+1d00:07."""
    data["injects"][0]["at"] = "T+07:17"
    return data


def test_the_second_message_of_a_night_reads_it_as_the_office_closed(scenario_data, load):
    scenario = load(_night_in_the_first_draft(scenario_data)).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    [hop] = [h for h in review.hops if h.verb == "escalate"]
    assert (hop.trigger_at, hop.first_sent_at) == (437, 437 + 10 + 30 + 5 + NIGHT + 5)
    # sent at 09:07; the council (Singapore) has it at 09:12 and reads it by 09:22. The
    # notification's 5 minutes drafting are queued behind other work, its night is not
    assert hop.parts[HOURS] == pytest.approx(NIGHT)
    assert hop.parts[QUEUED] == pytest.approx(5)
    assert hop.parts[ANALYSING] == pytest.approx(10 + 30 + 5 + 10)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration) == NIGHT + 65
    _assert_shown_alike(review, hop)


def _desk_busy_with_other_work(data: dict[str, Any]) -> dict[str, Any]:
    """CERT-SG has one desk. Incident z reaches it at T+01:00 and takes the desk until
    T+01:45 (acknowledged, analysed, CERT-TH notified); x reaches it at T+01:05 and waits
    for the desk, in office hours, until then: 40 minutes queued behind other work."""
    del data["frameworks"]["fw"]["rules"]["escalate"]
    data["actors"]["cert-a"]["capacity"] = 1
    z = {"id": "z", "at": "T+01:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Report z",
         "incident": {"id": "z", "type": "phishing", "affected": ["SG", "TH"]}}
    data["injects"][0]["at"] = "T+01:05"
    data["injects"].insert(0, z)
    return data


def test_a_desk_busy_with_other_work_in_office_hours_is_still_queued(scenario_data, load):
    scenario = load(_desk_busy_with_other_work(scenario_data)).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    [hop] = [h for h in review.hops if h.incident == "x"]
    # x: waits 65 -> 105, acknowledged by 115, analysed by 145, drafted by 150
    assert (hop.trigger_at, hop.first_sent_at) == (65, 150)
    assert hop.parts[QUEUED] == pytest.approx(40)
    assert hop.parts[HOURS] == pytest.approx(0.0, abs=1e-9)
    assert sum(hop.parts.values()) == pytest.approx(hop.duration)
    _assert_shown_alike(review, hop)
