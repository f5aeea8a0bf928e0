"""Printing help loads neither the engine nor the scenario models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pydantic", "simpy", "yaml", "sim.engine", "scenarios.model", "scenarios.loader",
         "textual", "rich", "openpyxl", "docx", "PIL")


def _subparsers(only):
    """The subcommands of ``build_parser(only)``."""
    import argparse

    from sim.cli import build_parser

    [sub] = [a for a in build_parser(only)._actions if isinstance(a, argparse._SubParsersAction)]
    return sub


def _commands() -> list[str]:
    return sorted(_subparsers(None).choices)


# every command the parser knows, so a new command is checked without being listed here
COMMANDS = _commands()


def imported_by(argv: list[str]) -> set[str]:
    """Modules in sys.modules after ``drill ARGV`` (help exits through SystemExit)."""
    code = (
        "import sys\n"
        "from sim.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write('\\n'.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return set(done.stderr.split())


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_top_level_help_imports_no_engine_nor_models():
    modules = imported_by(["--help"])
    assert "sim.cli" in modules  # the probe itself saw the command line load
    assert heavy(modules) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_imports_no_engine_nor_models(command):
    assert heavy(imported_by([command, "--help"])) == []


def test_version_imports_no_engine_nor_models():
    modules = imported_by(["--version"])
    assert "sim.cli" in modules
    assert heavy(modules) == []


def test_a_command_that_runs_does_load_them():
    # the probe can see the heavy modules when a command does need them
    assert {"pydantic", "scenarios.model"} <= imported_by(["validate", "acid-botnet"])


def printed_by(code: str) -> list[str]:
    """The lines ``code`` prints, run in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.splitlines()


def test_models_are_built_on_first_use_or_by_build_models():
    # defined with defer_build: importing the models builds no validator; build_models
    # (what benchmarks/startup.py times as the models' own cost) builds them all
    code = ("from scenarios.loader import build_models\n"
            "from scenarios.model import Policy, Scenario\n"
            "print(Scenario.__pydantic_complete__, Policy.__pydantic_complete__)\n"
            "build_models()\n"
            "print(Scenario.__pydantic_complete__, Policy.__pydantic_complete__)\n")
    assert printed_by(code) == ["False False", "True True"]


def test_package_names_still_resolve_on_use():
    code = ("import sim, scenarios\n"
            "assert sim.Engine.__name__ == 'Engine'\n"
            "assert scenarios.load_scenario.__name__ == 'load_scenario'\n"
            "assert scenarios.DEFAULT_SCENARIO == 'acid-botnet'\n"
            "from scenarios import ScenarioError, Scenario\n"
            "from sim import Event, EVENT_TYPES\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)



def test_every_command_is_checked():
    # the list is read from the parser: it is complete and holds the known commands
    assert {"run", "validate", "batch", "play", "host", "join", "web"} <= set(COMMANDS)


def test_validate_does_not_search_for_pydantic_plugins():
    # the search reads every installed distribution's entry points: start-up time spent
    # on plugins drill has no use for
    code = ("import os\n"
            "os.environ.pop('PYDANTIC_DISABLE_PLUGINS', None)\n"
            "from sim.cli import main\n"
            "assert main(['validate', 'acid-botnet']) == 0\n"
            "from pydantic.plugin import _loader\n"
            "print(_loader._plugins is None)\n")
    assert printed_by(code)[-1] == "True"


def test_commands_lists_every_command_of_the_parser_in_its_order():
    from sim.cli import COMMANDS as LISTED

    assert list(LISTED) == [a for a in _subparsers(None).choices]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_alone_is_parsed_as_by_the_whole_parser(command):
    # the parser of one command alone holds that command only, with the same arguments,
    # help and defaults as in the whole parser
    alone, whole = _subparsers(command), _subparsers(None)
    assert list(alone.choices) == [command]
    assert alone.choices[command].format_help() == whole.choices[command].format_help()
    assert _arguments(alone.choices[command]) == _arguments(whole.choices[command])


def _arguments(parser):
    """What a parser takes and fills in: each argument's options, name, default, count and
    type, and the defaults it sets (the function its command runs)."""
    return ([(a.option_strings, a.dest, a.default, a.nargs, a.required, a.type)
             for a in parser._actions], parser._defaults)


def test_main_builds_only_the_parser_of_the_command_named_first(monkeypatch, capsys):
    import sim.cli as cli

    built = []
    real = cli.build_parser

    def spy(only=None):
        built.append(only)
        return real(only)

    monkeypatch.setattr(cli, "build_parser", spy)
    assert cli.main(["scenarios"]) == 0
    assert built == ["scenarios"]
    # an option first, or a misspelt command: the whole parser, which lists them all
    with pytest.raises(SystemExit):
        cli.main(["scenarioz"])
    assert built[-1] is None
    assert "choose from" in capsys.readouterr().err
