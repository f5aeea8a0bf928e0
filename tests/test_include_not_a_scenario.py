"""A file that is no scenario file is refused in one problem.

An included file is read only to merge its sections: when it is not a scenario or
library file (a password file, a key file, a note), the problem names the file and a
position, never its text, and is said once, not once a line. A misspelt section of a
real library file is still named. The scenario file the user names may be quoted, but a
file that is none is still one problem.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scenarios import ScenarioError, load_scenario
from sim.cli import main

SHADOW = (
    "root:$6$Sa1tSa1t$Q9rk3hXqZfHhPaSsWoRdHaSh0001:19000:0:99999:7:::\n"
    "daemon:*:19000:0:99999:7:::\n"
    "alice:$6$pEpPeR99$Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5:19000:0:99999:7:::\n"
)
#: text of the files above that no problem may write out
SECRETS = ("$6$", "Sa1t", "root", "daemon", "alice", "pEpPeR", "19000", "99999", "hunter2",
           "SECRETANCHOR", "db_password")

SCENARIO = """\
include: [{name!r}]
drill:
  id: d
  title: T
  start: "2026-09-14T09:00:00+08:00"
  duration: 8h
"""


def _problems(path: Path, *allow: str) -> list[str]:
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path, allow_include=tuple(allow))
    return [str(p) for p in refused.value.problems]


def _scenario(folder: Path, include: str) -> Path:
    path = folder / "drill.yaml"
    path.write_text(SCENARIO.format(name=include))
    return path


def _quotes_nothing(lines: list[str], folder: Path) -> None:
    for line in lines:
        said = line.replace(str(folder), "FOLDER")  # a temporary folder may be any name
        for secret in SECRETS:
            assert secret not in said, line


def test_an_included_password_file_is_one_problem_that_quotes_none_of_it(tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "shadow").write_text(SHADOW)
    problems = _problems(_scenario(tmp_path, "./backup/shadow"))
    assert len(problems) == 1
    [said] = problems
    assert said.startswith(f"{tmp_path / 'backup' / 'shadow'}:1:1: not a scenario or library file")
    _quotes_nothing(problems, tmp_path)


def test_an_allowed_folders_file_is_not_quoted_either(tmp_path, capsys):
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    (elsewhere / "shadow").write_text(SHADOW)
    (tmp_path / "drills").mkdir()
    path = _scenario(tmp_path / "drills", str(elsewhere / "shadow"))
    assert main(["validate", "--allow-include", str(elsewhere), str(path)]) == 2
    out = capsys.readouterr()
    lines = (out.out + out.err).splitlines()
    assert [line for line in lines if "not a scenario or library file" in line] == [
        f"{elsewhere / 'shadow'}:1:1: not a scenario or library file: an included file is a "
        "YAML mapping of groups, actors, channels, frameworks, memberships, roles (or "
        "include), and this one holds none of them"]
    assert "1 problem found" in lines
    _quotes_nothing(lines, tmp_path)


@pytest.mark.parametrize("text", [
    # a YAML reader's own messages would quote a key, a tag's value or an alias
    "db_password: hunter2\ndb_password: hunter2\n",
    "db_password: !!int hunter2\n",
    "db_password: *SECRETANCHOR\n",
    "db_password: hunter2\n",
    "[db]\ndb_password = hunter2\n",
    "db_password:\thunter2 : : [\n",
    "\u2028db_password: hunter2\u2028\n" * 5,
])
def test_an_included_file_that_is_no_yaml_of_the_shape_is_one_problem(tmp_path, text):
    (tmp_path / "secret.conf").write_text(text)
    problems = _problems(_scenario(tmp_path, "./secret.conf"))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'secret.conf'}:")
    assert "not a scenario or library file" in problems[0] or \
        "a scenario file is a YAML mapping of sections" in problems[0]
    _quotes_nothing(problems, tmp_path)


def test_a_binary_include_is_one_problem(tmp_path):
    (tmp_path / "key.der").write_bytes(bytes(range(256)) * 4)
    problems = _problems(_scenario(tmp_path, "./key.der"))
    assert len(problems) == 1, problems


def test_a_misspelt_section_of_a_library_file_is_still_named(tmp_path):
    (tmp_path / "teams.yaml").write_text(textwrap.dedent("""\
        actors: {}
        chanels: {}
        "root:$6$Sa1t": 1
        """))
    problems = _problems(_scenario(tmp_path, "./teams.yaml"))
    only = "an included file may hold only groups, actors, channels, frameworks, memberships, roles"
    teams = tmp_path / "teams.yaml"
    assert problems == [f"{teams}:2:1: chanels: {only}",
                        f"{teams}:3:1: a key that is no section name; {only}"]


def test_a_yaml_mistake_in_a_library_file_is_still_said_in_full(tmp_path):
    (tmp_path / "teams.yaml").write_text("actors: {}\nactors: {}\n")
    problems = _problems(_scenario(tmp_path, "./teams.yaml"))
    assert problems == [f"{tmp_path / 'teams.yaml'}:2:1: actors: duplicate key 'actors' "
                        "(first given at line 1)"]


def test_the_scenario_file_named_is_one_problem_when_it_is_none(tmp_path):
    path = tmp_path / "shadow"
    path.write_text(SHADOW)
    problems = _problems(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:1:1: not a scenario file: a scenario is a YAML "
                                  "mapping of sections (include, drill, ")
    json_file = tmp_path / "settings.json"
    json_file.write_text('{"user": "ops", "db_password": "hunter2", "port": 5432}')
    assert len(_problems(json_file)) == 1


def test_a_scenario_with_a_misspelt_section_still_hears_which(tmp_path):
    path = tmp_path / "drill.yaml"
    path.write_text("dril:\n  title: T\n")
    problems = _problems(path)
    assert f"{path}:1:1: dril: unknown field 'dril'; did you mean 'drill'?" in problems
