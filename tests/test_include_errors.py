"""One wrong include gives one problem, at the include line, not a flood.

* ``include: asean/actors`` (one name, not a list) is read as the one-item list, as the
  loader already read it; the model accepts it too.
* Problems a library file has only because of what the organiser's file leaves out
  (the channels the library's actors use, when ``asean/channels`` is not included)
  are one problem at the include entry that brought the library file in, naming what
  is missing and where the library defines it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import ScenarioError, library_dir
from sim.cli import EXIT_INVALID, main

DRILL = 'drill: {id: x, title: x, start: "2026-09-15T09:00:00+08:00", duration: 8h}\n'
CONTROL = """\
actors:
  ctl: {name: Control, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
        contacts: {email: {address: c@x.example}}}
  mine: {name: Mine, kind: victim, country: SG, timezone: Asia/Singapore,
         contacts: {email: {address: m@x.example}}}
"""


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [(p.mark.line, p.path, p.message) for p in info.value.problems]


def test_one_name_is_an_include_of_one_file(tmp_path):
    path = write(tmp_path, "include: asean/channels\n" + DRILL + CONTROL)
    loaded = load_scenario(path)
    assert loaded.scenario.include == ["asean/channels"]
    assert "email" in loaded.scenario.channels


ACTORS_ALONE = "include: [asean/actors]\n" + DRILL + "channels: {}\nactors: {}\n"
MISSING = ("asean/actors refers to channels 'email', 'mla', 'network_247', 'phone', "
           "'police_network' and 'portal', which this scenario does not define ({n} "
           "references in the library file): include asean/channels, or define them "
           "under channels")


def test_the_library_actors_without_their_channels_are_one_problem(tmp_path):
    found = problems(write(tmp_path, ACTORS_ALONE))
    assert found == [(1, "include[0]", MISSING.format(n=133))]


def test_it_is_reported_at_the_include_line_by_drill_validate(tmp_path, capsys):
    path = write(tmp_path, ACTORS_ALONE)
    assert main(["validate", str(path)]) == EXIT_INVALID
    out = capsys.readouterr().out
    assert out.splitlines() == [f"{path}:1:11: include[0]: {MISSING.format(n=133)}",
                                "1 problem found"]
    assert str(library_dir()) not in out


def test_one_name_without_channels_is_one_problem_there_and_the_missing_section(tmp_path):
    # the string include works; with no channels at all, the organiser's own contacts
    # on 'email' are not reported one by one beside the missing section
    text = "include: asean/actors\n" + DRILL + CONTROL
    found = {(path, message) for _, path, message in problems(write(tmp_path, text))}
    assert found == {
        ("include", MISSING.format(n=133)),
        ("channels", "required field is missing"),
    }


def test_a_missing_group_is_named_with_the_file_that_defines_it(tmp_path):
    text = "include: [asean/channels, asean/frameworks]\n" + DRILL + CONTROL
    found = problems(write(tmp_path, text))
    assert found == [(1, "include[1]",
                      "asean/frameworks refers to group 'asean', which this scenario does not "
                      "define (1 reference in the library file): include asean/actors, or "
                      "define it under groups")]


def test_a_library_file_included_through_the_organisers_own_file(tmp_path):
    write(tmp_path, "include: [asean/actors]\n", "mine.yaml")
    found = problems(write(tmp_path, "include: [./mine.yaml]\n" + DRILL + "channels: {}\n"
                           "actors: {}\n"))
    # reported where the organiser's file includes the library
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.yaml")
    [p] = info.value.problems
    assert Path(p.mark.file).name == "mine.yaml" and p.mark.line == 1
    assert found == [(1, "include[0]", MISSING.format(n=133))]


def test_a_library_value_made_invalid_by_an_override_is_reported_at_the_override(tmp_path):
    # the organiser gives a lognormal mu but no sigma: the library's median and p90 are
    # left over, and that is reported at the override, in the organiser's own file
    text = ("include: [asean/actors, asean/channels]\n" + DRILL
            + "actors:\n  police-bn:\n    policy:\n      action_time:\n"
              "        preserve: {mu: 1.0}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, text))
    [p] = info.value.problems
    assert Path(p.mark.file).name == "s.yaml"
    assert p.mark.line == text.splitlines().index("        preserve: {mu: 1.0}") + 1
    assert p.path == "actors.police-bn.policy.action_time.preserve"
