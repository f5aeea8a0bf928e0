"""The console's Overview tab, the keymap file, and keys shown as people write them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

pytest.importorskip("textual")

from test_tui import fits_beside_the_scrollbar, keys, until  # the same settling helpers as the other UI tests

from scenarios import load_scenario, resolve_scenario_arg
from sim.runs.session import DrillSession
from tui import keymap as km
from tui.app import DrillApp, FacilitatorScreen
from tui.forms import Confirm, HelpScreen

DEFAULT = resolve_scenario_arg(None)
DOCS = Path(__file__).resolve().parent.parent / "docs"


def make_app(roles=("certph",), keymap=None) -> DrillApp:
    session = DrillSession.start(load_scenario(DEFAULT), seed=0, human=list(roles), record=False)
    return DrillApp(session, speed=60, roles=(), keymap=keymap)


def column(table, name: str) -> list[str]:
    index = [str(c.label) for c in table.ordered_columns].index(name)
    return [table.get_row_at(i)[index].plain for i in range(table.row_count)]


def cursor_key(table) -> str:
    return str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)


async def settle(pilot, app) -> None:
    await until(pilot, lambda: isinstance(app.screen, FacilitatorScreen) and app.screen.ready)
    app.redraw()
    await pilot.pause()


# --- the overview ---------------------------------------------------------------------


async def test_the_console_opens_on_an_overview_of_injects_teams_deadlines_and_log():
    app = make_app()
    async with app.run_test(size=(120, 34)) as pilot:
        await settle(pilot, app)
        screen = app.screen
        assert screen.query_one("#tabs").active == "tab-overview"
        app.session.fire_inject("1")
        app.redraw()
        await pilot.pause()
        injects = screen.query_one("#ov-msel")
        assert column(injects, "Id")[0] == "1"
        assert column(injects, "Status")[:2] == ["delivered", "pending"]
        teams = screen.query_one("#ov-teams")
        # the team a person plays comes first, then those with open incidents
        assert column(teams, "Team")[0] == app.state.scenario.actors["certph"].name
        assert column(teams, "By")[0] == "person"
        assert column(teams, "Open")[0] == "1"
        assert teams.row_count == len(app.state.scenario.actors)
        due = screen.query_one("#ov-due")
        assert [str(k.value) for k in due.rows] == [
            x.id for x in sorted(app.state.expectations.values(),
                                 key=lambda x: (x.deadline_at or 0, x.id))
            if x.status == "due"]
        assert "E1" in [str(k.value) for k in due.rows]
        log = screen.query_one("#ov-log")
        assert "inject 1" in log.get_row_at(0)[1].plain  # newest first, in words


async def test_f_fires_the_next_inject_from_the_overview_and_s_asks():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        for _ in range(3):
            await pilot.press("j")
        await pilot.pause()
        injects = app.screen.query_one("#ov-msel")
        pending = [i for i, r in app.state.msel.items() if r.status == "pending"]
        # the delivered ones stay in sight; the cursor waits on the next inject
        assert column(injects, "Status")[:2] == ["delivered", "delivered"]
        nxt = cursor_key(injects)
        assert app.state.msel[nxt].status == "pending" and nxt in pending
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
        await pilot.pause()
        assert app.state.msel[nxt].status == "pending"
        await pilot.press("f")
        await pilot.pause()
        assert app.state.msel[nxt].status == "delivered"


async def test_r_on_the_overview_says_where_it_works():
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot, app)
        played = dict(app.state.played_by)
        await pilot.press("r")
        await pilot.pause()
        assert app.state.played_by == played
        assert any("Actors tab (press 3)" in n.message for n in app._notifications)


@pytest.mark.parametrize("size", [(80, 24), (120, 34), (160, 48)])
async def test_every_overview_panel_is_on_screen_and_fits_its_width(size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        for inject in ("1", "2", "3", "4"):
            app.session.fire_inject(inject)
        app.redraw()
        await pilot.pause()
        app.redraw()
        await pilot.pause()
        screen = app.screen
        footer = screen.query_one("Footer").region
        for tid in ("#ov-msel", "#ov-teams", "#ov-due", "#ov-log"):
            table = screen.query_one(tid)
            region = table.region
            assert table.row_count, tid
            # at least one row below the header is visible, above the footer
            assert region.height >= 1 + table.show_header, (tid, region)
            assert region.bottom <= footer.y and region.right <= size[0], (tid, region)
            assert fits_beside_the_scrollbar(table), tid
        # a long line ends in an ellipsis instead of being cut at the edge
        log = screen.query_one("#ov-log")
        events = column(log, "Event")
        if size[0] == 80:
            assert any(e.endswith("…") for e in events)
        full = [app.state.describe(e) for e in reversed(app.state.recent)]
        for shown, whole in zip(events, full, strict=False):
            assert shown == whole or (shown.endswith("…") and whole.startswith(shown[:-1]))


async def test_number_keys_reach_every_tab_from_the_overview():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        tabs = app.screen.query_one("#tabs")
        for key, tab in (("5", "tab-log"), ("1", "tab-overview"), ("2", "tab-msel")):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == tab


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_snapshot_console_overview(snap_compare, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=keys("j", "j", "j", "f"))


# --- keys as people write them --------------------------------------------------------


@pytest.mark.parametrize(("keys_", "shown"), [
    ("plus,equals_sign", "+ ="), ("question_mark,f1", "? F1"), ("ctrl+q", "ctrl+q"),
    ("escape", "escape"), ("R", "R"), ("full_stop", "."), ("comma", ","), ("f12", "F12"),
])
def test_keys_display_as_people_write_them(keys_, shown):
    assert km.keys_display(keys_) == shown


async def test_help_shows_ctrl_q_and_the_keys_a_keymap_gave():
    app = make_app(keymap={"msel.fire": "x,f5", "app.help": "question_mark,H"})
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("H")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen.query_one("#help-table")
        rows = {table.get_row_at(i)[2]: table.get_row_at(i)[0] for i in range(table.row_count)}
        assert rows["msel.fire"] == "x F5"
        assert rows["app.help"] == "? H"
        assert rows["app.quit"] == "q ctrl+q"


# --- the keymap file ------------------------------------------------------------------


async def test_a_keymap_moves_a_key():
    app = make_app(keymap=km.load_text('"msel.fire" = "x"\ntabs.actors = "A"\n'))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("f")  # no longer fires
        await pilot.pause()
        assert app.state.msel["1"].status == "pending"
        await pilot.press("x")
        await pilot.pause()
        assert app.state.msel["1"].status == "delivered"
        await pilot.press("r")  # the hint names the key the keymap gave
        await pilot.pause()
        assert any("Actors tab (press A)" in n.message for n in app._notifications)
        await pilot.press("A")
        await pilot.pause()
        assert app.screen.query_one("#tabs").active == "tab-actors"


def test_keymap_file_forms(tmp_path):
    path = tmp_path / "keymap.toml"
    path.write_text('"msel.fire" = "X"\nclock.toggle = "P"\n[app]\nhelp = ["?", "F1", ","]\n'
                    'quit = "Ctrl+Q, q"\n', encoding="utf-8")
    assert km.load(path) == {"msel.fire": "X", "clock.toggle": "P",
                             "app.help": "question_mark,f1,comma", "app.quit": "ctrl+q,q"}


@pytest.mark.parametrize(("text", "message"), [
    ('msel.fir = "x"\n', "msel.fir: no such binding id (did you mean msel.fire"),
    ('"tabs.overveiw" = "x"\n', "did you mean tabs.overview"),
    ('fire = "x"\n', "fire: no such binding id (did you mean msel.fire?)"),
    ('nonsense = "x"\n', "nonsense: no such binding id (docs/keys.md lists them)"),
    ('msel.fire = "notakey"\n', "msel.fire: 'notakey' is not a key"),
    ('msel.fire = "ctrl+"\n', "msel.fire: 'ctrl+' is not a key"),
    ('msel.fire = ""\n', "msel.fire: an empty key"),
    ('msel.fire = 3\n', "msel.fire: give a key as a string"),
    ('msel.fire = "Ctrl+Q"\n', "msel.fire: ctrl+q is kept for quitting"),
    ('msel.fire = "s"\n', "msel.fire and msel.skip would both be on s"),
    ('msel.fire = "y"\nmsel.skip = "y"\n', "would both be on y; give one of them"),
    ('"role.act" = "space"\n', "role.act and clock.toggle would both be on space"),
    ('msel.fire = \n', "not valid TOML"),
])
def test_a_bad_keymap_is_one_line_naming_the_file_and_entry(tmp_path, text, message):
    path = tmp_path / "keys.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(km.KeymapError) as err:
        km.load(path)
    said = str(err.value)
    assert said.startswith(f"keymap {path}: ") and message in said and "\n" not in said


def test_swapping_two_keys_is_allowed_and_keys_shared_already_stay_shared(tmp_path):
    assert km.load_text('msel.fire = "s"\nmsel.skip = "f"\n') == {"msel.fire": "s",
                                                                  "msel.skip": "f"}
    # the review timeline's + and the clock's + never worked on the same screen
    assert km.load_text('clock.faster = "+"\n') == {"clock.faster": "plus"}


def test_where_the_keymap_comes_from(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv(km.ENV, raising=False)
    assert km.find(None) is None  # no file: no keymap, no complaint
    default = tmp_path / "acid-drill" / "keymap.toml"
    default.parent.mkdir()
    default.write_text('msel.fire = "x"\n', encoding="utf-8")
    assert km.find(None) == default
    monkeypatch.setenv(km.ENV, str(tmp_path / "env.toml"))
    assert km.find(None) == tmp_path / "env.toml"
    assert km.find("given.toml") == Path("given.toml")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_play_refuses_a_bad_keymap_before_any_journal(tmp_path, monkeypatch, capsys, how):
    from sim.cli import main

    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path / "home"))
    bad = tmp_path / "keys.toml"
    bad.write_text('msel.fier = "x"\n', encoding="utf-8")
    argv = ["play"]
    if how == "flag":
        argv += ["--keymap", str(bad)]
    else:
        monkeypatch.setenv(km.ENV, str(bad))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip() == (f"keymap {bad}: msel.fier: no such binding id "
                           "(did you mean msel.fire?)")
    assert not (tmp_path / "home").exists()


def test_play_and_review_refuse_a_missing_keymap(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path / "home"))
    missing = tmp_path / "nowhere.toml"
    assert main(["play", "--keymap", str(missing)]) == 2
    assert main(["review", "--keymap", str(missing), str(tmp_path / "j.sqlite")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"keymap {missing}: no such keymap file"] * 2
    assert not (tmp_path / "home").exists()


# --- every binding id is known and documented -------------------------------------------


def test_every_binding_of_the_ui_has_an_id_the_keymap_knows():
    import tui

    found = set()
    for mod in pkgutil.walk_packages(tui.__path__, "tui."):
        module = importlib.import_module(mod.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for b in cls.__dict__.get("BINDINGS", []):
                assert getattr(b, "id", None), f"{cls.__name__}: {b} has no id"
                found.add(b.id)
    assert found == set(km.binding_ids())


def test_docs_list_every_binding_id():
    doc = (DOCS / "keys.md").read_text(encoding="utf-8")
    listed = km.documented(doc)
    for bid in km.binding_ids():
        assert f"`{bid}`" in listed, bid
    assert listed == km.markdown_table(), "run: python -m tui.keymap --write"
