"""Handouts and the workbook's Actors sheet give each actor's working hours as
``drill explain`` does: a working pattern (days off, lunch breaks) as its timetable."""

from __future__ import annotations

import io
import re
from html import escape

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import handouts, msel_io
from sim.authoring.explain import explain, hours_in_words, timetable

BOTNET = bundled_dir() / "acid-botnet.yaml"  # includes the ASEAN library's actors


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(BOTNET)


def _explained(loaded, aid: str) -> str:
    """The hours ``drill explain`` prints for an actor: the end of its directory line."""
    text = explain(loaded.scenario)
    [line] = [ln for ln in text.splitlines() if re.match(rf"  {re.escape(aid)} ", ln)]
    return line.split(")  ", 1)[1]


def test_the_library_has_actors_with_a_working_pattern(loaded):
    sc = loaded.scenario
    assert sc.actors["brucert"].working_pattern is not None
    assert sc.actors["mycert"].working_pattern is not None


@pytest.mark.parametrize(("aid", "expected"), [
    # Friday and Sunday off, a lunch break every working day
    ("brucert", "mon-thu 07:45-12:15,13:30-16:30; sat 07:45-12:15,13:30-16:30"),
    # a longer break for Friday prayers
    ("mycert", "mon-thu 08:00-13:00,14:00-17:00; fri 08:00-12:15,14:45-17:00"),
])
def test_packets_and_the_workbook_agree_with_explain(loaded, aid, expected):
    from openpyxl import load_workbook

    sc = loaded.scenario
    assert timetable(sc.actors[aid].week) == expected
    assert _explained(loaded, aid) == expected
    pages = handouts.packets(sc)
    row = re.compile(rf"<td>{re.escape(escape(sc.actors[aid].name))} \({aid}\)</td>"
                     r"<td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>")
    for name in ("controller.html", f"role-{aid}.html", "role-singcert.html"):
        [hours] = row.findall(pages[name])
        assert hours == escape(expected), name
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(loaded)))
    actors = {r[0]: r for r in wb["Actors"].iter_rows(min_row=2, values_only=True)}
    assert actors[aid][5] == expected


def test_plain_office_hours_are_written_as_before(loaded):
    from openpyxl import load_workbook

    sc = loaded.scenario
    [plain] = [aid for aid, a in sc.actors.items()
               if not a.always_on and a.working_pattern is None][:1]
    a = sc.actors[plain]
    assert hours_in_words(a) == f"{a.working_hours} {', '.join(a.working_days)}"
    wb = load_workbook(io.BytesIO(msel_io.xlsx_bytes(loaded)))
    actors = {r[0]: r for r in wb["Actors"].iter_rows(min_row=2, values_only=True)}
    assert actors[plain][5] == f"{a.working_hours} {','.join(a.working_days)}"
    always = [aid for aid, x in sc.actors.items() if x.always_on]
    assert always and all(actors[x][5] == "24/7" for x in always)


def test_a_long_id_keeps_a_space_before_the_name_in_the_directory(loaded):
    sc = loaded.scenario
    long_id = next(aid for aid in sc.actors if len(aid) >= 14)
    line = next(ln for ln in explain(sc).splitlines()
                if ln.startswith(f"  {long_id}"))
    assert line.startswith(f"  {long_id} {sc.actors[long_id].name[:10]}")
