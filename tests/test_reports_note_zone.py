"""An evaluator's note gives its wall-clock time in the drill's clock zone, and names
that zone: a facilitator in another zone must not read it as their own time.

The hand-computed drill, its clock kept in Tokyo time (an hour ahead of Singapore,
where it starts at 09:00, 10:00 in Tokyo); a note taken at T+01:00, at 01:30 UTC on
the drill's day, is 10:30 in Tokyo and 09:30 in Singapore.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sim.analysis import aar
from sim.analysis.review import build_review
from sim.engine import Engine
from sim.runs.session import Note

WALL = datetime(2026, 8, 19, 1, 30, tzinfo=UTC).timestamp()
SAID = "T+01:00 (wall clock 19 Aug 10:30 Asia/Tokyo), evaluator: Mail to CERT-TH bounced"


def _review(scenario_data, load):
    scenario_data["drill"]["clock_timezone"] = "Asia/Tokyo"
    scenario = load(scenario_data).scenario
    review = build_review(scenario, Engine(scenario, seed=0).run())
    review.notes = [Note(1, 60.0, WALL, "", "Mail to CERT-TH bounced", team="cert-b")]
    return review


def test_a_note_names_the_zone_of_its_wall_clock_time(scenario_data, load):
    review = _review(scenario_data, load)
    text = aar.render_text(review)
    assert f"\n    {SAID}\n" in text
    assert f"- {aar.md(SAID)}" in aar.render_markdown(review)
    assert f"<li>{aar.escape(SAID)}</li>" in aar.render_html(review)
    assert "on the wall clock" not in text
