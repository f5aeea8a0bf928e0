"""The terminal UI shows scenario-, journal- and person-supplied text as text.

Names, titles, notes and paths are never parsed as Textual or Rich markup (a title
``Phish [/x] report`` must not crash the console, ``[@click=app.quit]`` must not become
an action, ``TLP [RED]`` must stay visible) and terminal control characters are shown
as escapes, never sent to the terminal raw.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.engine import ActionError
from sim.runs.session import DrillSession
from sim.safe.text import one_line, plain
from tui.app import DrillApp, FacilitatorScreen, ParticipantScreen
from tui.forms import ActionForm, ConfirmQuit

BROKEN = "Phish [/x] report"
CLICK = "Urgent [@click=app.quit]read me[/] now"
RED = "Victim list, TLP [RED] only"
ESC = "CERT\x1b[2J\x1b]0;owned\x07-PH\u202eevil"
NOTE = "[b]bold?[/b] [@click=app.quit]x[/]"


HOSTILE = ("title", "broken", "click", "red", "esc", "bank", "expectation")


def hostile_scenario(tmp_path: Path, tlp: str = "RED", only=HOSTILE) -> Path:
    """The default drill with hostile strings (those named in ``only``) where people
    and files put text."""
    data = yaml.safe_load(resolve_scenario_arg(None).read_text(encoding="utf-8"))
    data["drill"]["tlp"] = tlp
    injects = {i["id"]: i for i in data["injects"]}
    if "title" in only:
        data["drill"]["title"] = "Drill [bold]title[/] [/y]"
    if "broken" in only:
        injects["1"]["title"] = BROKEN
    if "click" in only:
        injects["2"]["title"] = CLICK
        injects["1"]["text"] += "\n" + CLICK
    if "red" in only:
        injects["3"]["title"] = RED
        injects["1"]["text"] = RED + "\n" + injects["1"]["text"]
    if "esc" in only:
        data["actors"]["certph"] = {"name": ESC}
    if "bank" in only:
        data["actors"]["bank-ph"]["name"] = "Bank [red]PH[/red] [/z]"
    if "expectation" in only:
        data["expectations"][0]["description"] = CLICK + " " + RED
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_app(tmp_path: Path, journal: Path | None = None, only=HOSTILE) -> DrillApp:
    session = DrillSession.start(load_scenario(hostile_scenario(tmp_path, only=only)), seed=0,
                                 human=["certph"], journal_path=journal,
                                 record=journal is not None)
    return DrillApp(session, speed=60)


def screen_text(app) -> str:
    """Every character on the screen, as the terminal would get it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def clickable(app) -> list[str]:
    """Every action the screen's content would run when clicked."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            meta = style.meta if style is not None else {}
            if "@click" in meta:
                found.append(str(meta["@click"]))
    return found


def test_the_helpers_make_plain_text():
    from tui.plain import line, text, tlp_label

    assert text("[b]x[/b]").plain == "[b]x[/b]" and not text("[b]x[/b]").spans
    assert text("a\x1b[31mb\u202ec\nd").plain == "a\\x1b[31mb\\u202ec\nd"
    assert line("a\nb\tc\x07").plain == "a\\nb\\tc\\x07"
    assert tlp_label("AMBER+STRICT").plain.strip() == "TLP:AMBER+STRICT"
    assert tlp_label("RED").style != tlp_label("GREEN").style


@given(st.text(alphabet=st.sampled_from("ab [/]@=:.click\\\x1b\x07\x9b\u202e\u2066\n\t"),
               max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_string_reaches_a_widget_as_exactly_what_it_is(value):
    from textual.content import Content

    from tui.plain import line, text

    for make, expected in ((line, one_line(value)), (text, plain(value))):
        shown = Content.from_rich_text(make(value))
        assert shown.plain == expected  # every bracket kept: nothing was read as markup
        assert not shown.spans  # no style, no link, no action
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
                             shown.plain)
    assert "\n" not in line(value).plain


async def test_console_starts_with_a_broken_tag_in_a_title(tmp_path):
    app = make_app(tmp_path, only=("broken",))
    async with app.run_test(size=(160, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert BROKEN in screen_text(app)


async def test_the_drill_title_is_shown_literally(tmp_path):
    app = make_app(tmp_path, only=("title",))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        assert "Drill [bold]title[/] [/y]" in screen_text(app).splitlines()[0]


async def test_a_click_action_in_a_title_is_text_and_does_nothing(tmp_path):
    app = make_app(tmp_path, only=("click",))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        assert CLICK in screen_text(app)
        assert clickable(app) == []
        table = app.screen.query_one("#msel")
        row = [str(k.value) for k in table.rows].index("2")
        # click on the title of inject 2, on "read me", where the action would sit
        x = sum(c.get_render_width(table) for c in table.ordered_columns[:4]) + 10
        await pilot.click("#msel", offset=(x, row + 1))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, FacilitatorScreen)


async def test_bracketed_text_stays_visible(tmp_path):
    app = make_app(tmp_path, only=("red",))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert RED in screen_text(app)  # inject 3's title in the MSEL
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        assert RED in screen_text(app)  # inject 1's text in the detail pane


async def test_escape_sequences_in_a_name_never_reach_the_screen(tmp_path):
    app = make_app(tmp_path, only=("esc",))
    async with app.run_test(size=(160, 30)) as pilot:
        app.screen.query_one("#tabs").active = "tab-actors"
        await pilot.pause()
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
        assert "CERT\\x1b[2J\\x1b]0;owned\\x07-PH\\u202eevil" in shown
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.pause()
        shown = screen_text(app)
        assert "\x1b" not in shown and "\u202e" not in shown
        assert "CERT\\x1b[2J" in shown  # the role bar names the role, escaped


async def test_participant_view_and_action_form_show_text_literally(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.pause()
        assert isinstance(app.screen, ParticipantScreen)
        shown = screen_text(app)
        assert BROKEN in shown  # inbox subject and detail title
        assert RED in shown and CLICK in shown  # the detail pane's text
        assert "Bank [red]PH[/red] [/z]" in shown  # the sender
        assert "\x1b" not in shown
        assert clickable(app) == []
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionForm)
                    and bool(app.screen.query("#send")))
        await pilot.pause()
        shown = screen_text(app)
        assert f"inject:1  TLP:GREEN  {BROKEN}" in shown  # what can be passed on
        assert "Bank [red]PH[/red] [/z]" in shown  # the directory
        assert "Action by CERT\\x1b[2J" in shown
        assert "\x1b" not in shown
        assert clickable(app) == []


async def test_a_journal_path_is_shown_literally(tmp_path):
    folder = tmp_path / "drill [" / "x] [@click=app.quit]"
    folder.mkdir(parents=True)
    journal = folder / "j.sqlite"
    app = make_app(tmp_path, journal, only=())
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await pilot.pause()
        assert "drill [/x] [@click=app.quit]/j.sqlite" in screen_text(app)  # the notification
        assert clickable(app) == []
        await pilot.press("q")
        await until(pilot, lambda: isinstance(app.screen, ConfirmQuit))
        await pilot.pause()
        assert "[@click=app.quit]/j.sqlite" in screen_text(app)  # the path may wrap at a space
        assert clickable(app) == []
        await pilot.press("n")
        assert app.is_running


async def test_refusals_are_shown_literally(tmp_path):
    app = make_app(tmp_path, only=())
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.pause()

        def refused():
            raise ActionError(BROKEN)

        app.command(refused, "done")
        await pilot.pause()
        assert BROKEN in screen_text(app)


@pytest.mark.parametrize(
    ("drill", "injects", "tlp"),
    [
        ("RED", "CLEAR", "RED"),
        ("AMBER+STRICT", "GREEN", "AMBER+STRICT"),
        ("CLEAR", "CLEAR", "CLEAR"),
        # the label is never below what the screen may show: one RED inject makes it RED
        ("CLEAR", "RED", "RED"),
    ],
)
async def test_the_header_shows_the_drill_tlp(tmp_path, drill, injects, tlp):
    path = hostile_scenario(tmp_path, drill, only=())
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for inject in data["injects"]:
        inject["tlp"] = injects
        inject.pop("facts_tlp", None)  # its facts take the same label
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    session = DrillSession.start(load_scenario(path), seed=0, human=["certph"])
    app = DrillApp(session)
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        assert f"TLP:{tlp} " in screen_text(app).splitlines()[0]
        app.open_role("certph")
        await until(pilot, lambda: getattr(app.screen, "ready", False))
        await pilot.pause()
        assert f"TLP:{tlp} " in screen_text(app).splitlines()[0]


async def test_review_shows_notes_ratings_and_names_literally(tmp_path):
    from sim.analysis.review import build_review
    from tui.review import ReviewApp

    session = DrillSession.start(load_scenario(hostile_scenario(tmp_path)), seed=0)
    session.advance_to(24 * 60)
    review = build_review(session.scenario, list(session.engine.log),
                          {"E1": {"rating": "[@click=app.quit]P[/]", "note": NOTE,
                                  "who": "evaluator"}}, runs=0, seed=0)
    app = ReviewApp(review)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "Drill [bold]title[/] [/y]" in shown.splitlines()[0]
        assert "TLP:RED" in shown.splitlines()[0]
        assert "\x1b" not in shown and "CERT\\x1b[2J" in shown  # a swimlane
        app.screen.query_one("#review-tabs").active = "tab-exp"
        await pilot.pause()
        shown = screen_text(app)
        assert NOTE in shown
        assert "[@click=app.quit]P[/]" in shown
        assert CLICK in shown  # the expectation's description
        assert clickable(app) == []
        app.screen.query_one("#review-tabs").active = "tab-breakdown"
        await pilot.pause()
        shown = screen_text(app)
        assert "CERT\\x1b[2J" in shown and "\x1b" not in shown


async def test_a_clock_tick_while_the_app_closes_does_nothing(tmp_path):
    # the clock's timer can fire once more after the app has let go of its screens;
    # redrawing then raised ScreenStackError, shown as a traceback on the way out
    app = make_app(tmp_path, only=())
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        app.tick()  # while running: fine
    app.tick()  # after the app has closed: nothing to draw, and no error
    app.redraw()
