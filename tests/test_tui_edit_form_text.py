"""The console's inject edit form (e): untrusted titles and texts shown as plain text, a
text of several lines shown whole, and only what the facilitator changed recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytest.importorskip("textual")

from test_tui import until

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from sim.safe.text import one_line, plain
from tui.app import DrillApp, FacilitatorScreen
from tui.forms import InjectForm

TITLE = "Bank reports \x1b]0;pwned\x07 a phishing \x1b[2Jsite\u202e"
TEXT = "First line of the report.\nSecond line \x1b]0;pwned\x07 here.\n\tThird, indented."


def scenario(tmp_path: Path) -> Path:
    """The default drill, with inject 3's title and text as a hostile file would have them."""
    data = yaml.safe_load(resolve_scenario_arg(None).read_text(encoding="utf-8"))
    inject = next(i for i in data["injects"] if i["id"] == "3")
    inject["title"], inject["text"] = TITLE, TEXT
    path = tmp_path / "hostile-edit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_app(path: Path | None = None) -> DrillApp:
    session = DrillSession.start(load_scenario(path or resolve_scenario_arg(None)), seed=0,
                                 human=["certph"], record=False)
    return DrillApp(session, speed=60)


def screen_text(app) -> str:
    """Every character on the screen, as the terminal would get it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def open_edit(pilot, app: DrillApp, inject: str) -> InjectForm:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    app.screen.action_show_tab("tab-msel")
    table = app.screen.query_one("#msel")
    await until(pilot, lambda: table.row_count > 0)
    table.move_cursor(row=table.get_row_index(inject))
    await pilot.pause()
    await pilot.press("e")
    await until(pilot, lambda: isinstance(app.screen, InjectForm))
    await pilot.pause(0.2)
    return app.screen  # type: ignore[return-value]


def edits(app: DrillApp) -> list[dict]:
    return [dict(e.details) for e in app.session.engine.log if e.type == "inject_edited"]


async def test_the_edit_form_shows_an_untrusted_title_and_text_as_plain_text(tmp_path):
    app = make_app(scenario(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_edit(pilot, app, "3")
        assert form.query_one("#title").value == one_line(TITLE)
        # the whole text, every line, controls escaped
        assert form.query_one("#text").value == plain(TEXT)
        shown = screen_text(app)
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
        assert "\\x1b]0;pwned\\x07" in shown
        assert "Second line" in shown and "Third, indented." in shown


async def test_changing_only_the_title_records_only_the_title(tmp_path):
    app = make_app(scenario(tmp_path))
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        form = await open_edit(pilot, app, "3")
        form.query_one("#title").value = "Bank reports a phishing site"
        await pilot.pause()
        form.query_one("#send").press()
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert [e["changed"] for e in edits(app)] == [["title"]]
        row = app.state.msel["3"]
        assert (row.title, row.text) == ("Bank reports a phishing site", TEXT)  # text as it was


async def test_untouched_fields_are_not_changed_and_nothing_is_sent(tmp_path):
    app = make_app(scenario(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_edit(pilot, app, "3")
        form.query_one("#send").press()
        await pilot.pause(0.2)
        assert isinstance(app.screen, InjectForm)
        assert "Nothing changed" in str(form.query_one("#problem").render())
        assert edits(app) == []


async def test_a_text_of_several_lines_is_edited_whole(tmp_path):
    app = make_app(scenario(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_edit(pilot, app, "3")
        form.query_one("#text").value = "New first line.\nNew second line."
        await pilot.pause()
        form.query_one("#send").press()
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert [e["changed"] for e in edits(app)] == [["text"]]
        assert app.state.msel["3"].text == "New first line.\nNew second line."


async def test_the_recipients_in_another_order_are_not_a_change():
    """Inject 2 goes to two teams; the form lists them in the directory's order."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        before = list(app.state.msel["2"].to)
        assert len(before) == 2
        form = await open_edit(pilot, app, "2")
        assert sorted(form.query_one("#to").selected) == sorted(before)
        form.query_one("#title").value += " (v2)"
        await pilot.pause()
        form.query_one("#send").press()
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert [e["changed"] for e in edits(app)] == [["title"]]
        assert sorted(app.state.msel["2"].to) == sorted(before)


async def test_a_new_recipient_is_still_a_change():
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        form = await open_edit(pilot, app, "2")
        form.query_one("#to").select("jpcert")
        await pilot.pause()
        form.query_one("#send").press()
        await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen))
        assert [e["changed"] for e in edits(app)] == [["to"]]
        assert "jpcert" in app.state.msel["2"].to
