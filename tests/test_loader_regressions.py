"""Scenario files that once made the loader crash, refuse a good file or report a
conflict that is none; and the reading limits as the format reference states them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import write

from scenarios import ScenarioError, load_scenario
from scenarios.schema import reference_markdown
from scenarios.yamlsrc import MAX_ALIAS_VALUES, MAX_BYTES, MAX_VALUES
from sim.cli import EXIT_INVALID, main


def own_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [(p.path, p.message) for p in info.value.problems]


# --- a team filter with a value where a list belongs -----------------------------


@pytest.mark.parametrize(("field", "value", "message"), [
    ("include", 5, "expected a list, got a number"),
    ("exclude", 5, "expected a list, got a number"),
    ("country_in", 7, "expected a list, got a number"),
])
def test_a_team_filter_field_that_is_not_a_list(tmp_path, scenario_data, field, value,
                                                 message):
    scenario_data["teams"] = {"t1": {"kind": ["national_cert"], field: value}}
    path = write(tmp_path, scenario_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [p] = info.value.problems
    assert (p.path, p.message) == (f"teams.t1.{field}", message)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert p.mark is not None and lines[p.mark.line - 1].strip().startswith(f"{field}:")


def test_a_team_filter_given_a_name_for_a_list_is_not_spelt_out(tmp_path, scenario_data):
    # one problem for the field, not one "unknown actor" per letter of the name
    scenario_data["teams"] = {"t1": {"kind": ["national_cert"], "include": "cert-a"}}
    assert problems(write(tmp_path, scenario_data)) == [
        ("teams.t1.include", "expected a list, got a text value")]


def test_a_team_filter_that_is_not_a_list_is_an_invalid_file(tmp_path, scenario_data, capsys):
    scenario_data["teams"] = {"t1": {"kind": ["national_cert"], "country_in": 7}}
    assert main(["validate", str(write(tmp_path, scenario_data))]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert "teams.t1.country_in: expected a list, got a number" in out
    assert "internal error" not in out + err


# --- a scenario reached through a symbolic link ----------------------------------


def linked_scenario(tmp_path: Path, data: dict[str, Any]) -> Path:
    """The scenario written in ``real/``, and a link to it in ``links/``."""
    real, links = tmp_path / "real", tmp_path / "links"
    real.mkdir()
    links.mkdir()
    (links / "s.yaml").symlink_to(write(real, data))
    return links / "s.yaml"


def test_a_linked_scenario_includes_the_files_next_to_the_file_it_links_to(
        tmp_path, scenario_data):
    scenario_data["include"] = ["./more.yaml", "asean/channels"]
    scenario_data["channels"] = {}
    link = linked_scenario(tmp_path, scenario_data)
    own_file(tmp_path / "real", "more.yaml", "groups:\n  mekong: [TH, LA]\n")
    loaded = load_scenario(link)
    assert loaded.scenario.groups["mekong"] == ["TH", "LA"]
    assert "email" in loaded.scenario.channels


def test_a_linked_scenario_reads_the_artefact_files_next_to_the_file_it_links_to(
        tmp_path, scenario_data):
    scenario_data["injects"][0]["artefacts"] = [{"file": "note.txt"}]
    link = linked_scenario(tmp_path, scenario_data)
    own_file(tmp_path / "real", "note.txt", "note")
    [art] = load_scenario(link).scenario.injects[0].artefacts
    assert (art.content, art.size) == ("note", 4)


def test_a_linked_scenario_still_includes_nothing_from_outside_its_real_folder(
        tmp_path, scenario_data):
    scenario_data["include"] = ["../links/more.yaml"]
    link = linked_scenario(tmp_path, scenario_data)
    own_file(tmp_path / "links", "more.yaml", "groups:\n  mekong: [TH, LA]\n")
    assert problems(link) == [(
        "include[0]", "'../links/more.yaml' is outside the scenario's folder and the bundled "
        "library; to include from another folder, pass --allow-include FOLDER")]


def test_an_included_file_is_named_as_the_user_named_the_scenario(tmp_path, scenario_data,
                                                                   monkeypatch):
    # no link on the way: the folder is not resolved, and a relative name stays relative
    scenario_data["include"] = ["./more.yaml"]
    write(tmp_path, scenario_data)
    own_file(tmp_path, "more.yaml", "groups:\n  mekong: [TH, 5]\n")
    monkeypatch.chdir(tmp_path.parent)
    with pytest.raises(ScenarioError) as info:
        load_scenario(Path(tmp_path.name) / "s.yaml")
    [p] = info.value.problems
    assert p.mark is not None and p.mark.file == str(Path(tmp_path.name) / "more.yaml")


# --- one file reached by two routes ----------------------------------------------


def test_a_library_file_included_directly_and_through_another_file_is_no_conflict(
        tmp_path, scenario_data):
    own_file(tmp_path, "extra.yaml", "include: [asean/channels]\ngroups:\n  mekong: [TH, LA]\n")
    scenario_data["include"] = ["asean/channels", "./extra.yaml"]
    scenario_data["channels"] = {"email": {"latency": "2m"}}
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.groups["mekong"] == ["TH", "LA"]
    assert loaded.scenario.channels["email"].latency.value == 2


def test_a_file_included_through_two_other_files_is_no_conflict(tmp_path, scenario_data):
    own_file(tmp_path, "groups.yaml", "groups:\n  mekong: [TH, LA]\n")
    own_file(tmp_path, "a.yaml", "include: [groups.yaml]\n")
    own_file(tmp_path, "b.yaml", "include: [./groups.yaml]\n")
    scenario_data["include"] = ["a.yaml", "b.yaml"]
    assert load_scenario(write(tmp_path, scenario_data)).scenario.groups["mekong"] == [
        "TH", "LA"]


def test_two_files_defining_one_id_conflict_and_the_defining_file_is_named(
        tmp_path, scenario_data):
    inner = own_file(tmp_path, "inner.yaml", "groups:\n  mekong: [TH, LA]\n")
    own_file(tmp_path, "a.yaml", "include: [inner.yaml]\n")
    own_file(tmp_path, "b.yaml", "groups:\n  mekong: [TH, LA, KH]\n")
    scenario_data["include"] = ["a.yaml", "b.yaml"]
    assert problems(write(tmp_path, scenario_data)) == [(
        "groups.mekong", f"also defined in {inner}; two included files may not both define "
        "it (override it in the including file instead)")]


def test_an_id_changed_on_one_route_conflicts_with_the_other_route(tmp_path, scenario_data):
    # the library's e-mail channel, and another file's changed copy of it
    extra = own_file(tmp_path, "extra.yaml",
                     "include: [asean/channels]\nchannels:\n  email: {latency: 2m}\n")
    scenario_data["include"] = ["asean/channels", "./extra.yaml"]
    scenario_data["channels"] = {}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, scenario_data))
    [p] = info.value.problems
    assert p.path == "channels.email" and p.message.startswith("also defined in ")
    assert p.mark is not None and Path(p.mark.file) == extra


# --- the reading limits in the format reference ----------------------------------


def test_the_format_reference_states_the_reading_limits():
    text = " ".join(reference_markdown().split())
    assert (f"more than {MAX_VALUES:,} values" in text
            and f"more than {MAX_ALIAS_VALUES:,} values" in text
            and f"over {MAX_BYTES // 1_000_000} MB" in text), text[:3000]
    assert "200,000" not in text


# --- a facts label stricter than the inject's own ------------------------------------


@pytest.mark.parametrize(("tlp", "facts_tlp", "refused"), [
    ("GREEN", "RED", True), ("AMBER", "AMBER+STRICT", True), ("AMBER", "GREEN", False),
    ("RED", "RED", False), ("AMBER", "CLEAR", False)])
def test_a_facts_label_may_be_laxer_than_the_injects_never_stricter(tmp_path, scenario_data,
                                                                    tlp, facts_tlp, refused):
    # the engine passes an item on under its own label with the facts it states: a
    # stricter facts label was silently ignored, and RED facts went out under GREEN
    scenario_data["injects"][0].update(tlp=tlp, facts_tlp=facts_tlp)
    path = write(tmp_path, scenario_data)
    if not refused:
        load_scenario(path)
        return
    [(where, message)] = problems(path)
    assert where == "injects[0].facts_tlp"
    assert f"facts_tlp {facts_tlp} is stricter than the inject's own label {tlp}" in message


# --- the cyclic garbage collector ------------------------------------------------------

@pytest.mark.parametrize("broken", [False, True])
def test_a_scenario_is_read_with_the_collector_paused_and_it_is_restored(
        broken, tmp_path, monkeypatch):
    """Reading a big file makes hundreds of thousands of objects that live on: the
    collector waits until the file is read and checked, and runs again after, when
    the file is refused too."""
    import gc

    from scenarios import loader

    seen: list[bool] = []
    real = loader.check_scenario

    def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "check_scenario", watched)
    path = tmp_path / "s.yaml"
    text = (loader.bundled_dir() / "acid-botnet.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("duration: 2d", "duration: two days") if broken else text,
                    encoding="utf-8")
    assert gc.isenabled()
    if broken:
        with pytest.raises(loader.ScenarioError):
            loader.load_scenario(path)
    else:
        loader.load_scenario(path)
    assert seen == [False]
    assert gc.isenabled()


@pytest.mark.parametrize("load", ["load_scenario", "load_outside_injects"])
def test_what_a_scenario_built_is_settled_before_it_is_returned(load, monkeypatch):
    """The young generations are collected as the collector runs again, so that the
    loader, not the drill run after it, pays the one walk of what it built (a file
    read for an MSEL import too)."""
    import gc

    from scenarios import loader

    real = gc.collect
    calls: list[tuple] = []

    def watched(*args):
        calls.append((gc.isenabled(), *args))
        return real(*args)

    monkeypatch.setattr(gc, "collect", watched)
    getattr(loader, load)(loader.bundled_dir() / "acid-botnet.yaml")
    assert calls == [(True, 1)]
