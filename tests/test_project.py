"""The project's own files: the version, the licence, the changelog, the CI script."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import sim.version
from sim.cli import main
from sim.version import product_version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
VERSION = PYPROJECT["project"]["version"]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


# -- drill --version ----------------------------------------------------------------


def test_drill_version_prints_the_pyproject_version():
    out = subprocess.run([sys.executable, "-m", "sim.cli", "--version"], cwd=ROOT, env=_env(),
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"drill (acid-drill) {VERSION}\n"
    assert out.stderr == ""


def test_version_flag_exits_before_any_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version", "run", "no-such-scenario"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"drill (acid-drill) {VERSION}\n"


def test_help_lists_the_version_flag(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--version" in capsys.readouterr().out


def test_a_source_tree_reports_its_own_pyproject_version(tmp_path):
    # the single source of truth: change pyproject.toml and the version follows,
    # without reinstalling
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "__init__.py").write_text("")
    shutil.copy(ROOT / "sim" / "version.py", tmp_path / "sim" / "version.py")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "acid-drill"\nversion = "9.8.7"\n')
    code = "from sim.version import product_version; print(product_version())"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(tmp_path)},
                         capture_output=True, text=True, check=True)
    assert out.stdout == "9.8.7\n"


def test_another_projects_pyproject_is_not_taken_for_ours(tmp_path, monkeypatch):
    (tmp_path / "sim").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\nversion = "9.8.7"\n')
    monkeypatch.setattr(sim.version, "__file__", str(tmp_path / "sim" / "version.py"))
    assert sim.version._from_source_tree() is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "acid-drill"\nversion = "9.8.7"\n')
    assert sim.version._from_source_tree() == "9.8.7"
    (tmp_path / "pyproject.toml").write_text("not [toml")
    assert sim.version._from_source_tree() is None


def test_installed_copy_reads_the_package_metadata(monkeypatch):
    monkeypatch.setattr(sim.version, "_from_source_tree", lambda: None)
    monkeypatch.setattr(metadata, "version",
                        lambda name: "1.2.3" if name == "acid-drill" else "0")
    assert product_version() == "1.2.3"

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert product_version() == "unknown"


def test_journals_record_the_same_version():
    from sim.runs import session

    assert session.product_version is product_version


def test_version_module_loads_neither_engine_nor_pydantic():
    code = (
        "import sys, sim.version\n"
        "sim.version.product_version()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'simpy', "
        "'textual', 'scenarios') or m.startswith('sim.engine'))\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), check=True)


def test_package_names_still_load_on_use():
    import sim
    from sim.engine import Engine
    from sim.engine.events import EVENT_TYPES

    assert sim.Engine is Engine
    assert sim.EVENT_TYPES is EVENT_TYPES
    with pytest.raises(AttributeError):
        _ = sim.NoSuchName  # type: ignore[attr-defined]


# -- LICENSE ------------------------------------------------------------------------

#: sha256 of the Apache License 2.0 as the Apache Software Foundation publishes it
#: (https://www.apache.org/licenses/LICENSE-2.0.txt), appendix included
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def test_license_is_the_apache_2_0_text():
    data = (ROOT / "LICENSE").read_bytes()
    text = data.decode("utf-8")
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert hashlib.sha256(data).hexdigest() == APACHE_2_0_SHA256, "not the verbatim Apache text"


def test_pyproject_declares_the_same_licence_and_ships_it():
    assert PYPROJECT["project"]["license"] == {"text": "Apache-2.0"}
    sdist = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert {"LICENSE", "CHANGELOG.md", "CONTRIBUTING.md"} <= set(sdist)


# -- CHANGELOG.md -------------------------------------------------------------------

KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")
RELEASE = re.compile(r"^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$")


def changelog_sections(text: str) -> list[tuple[str, dict[str, list[str]]]]:
    """[(version or 'Unreleased', {kind: [bullet, ...]})], in file order."""
    sections: list[tuple[str, dict[str, list[str]]]] = []
    kind: str | None = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("## "):
            m = RELEASE.match(line)
            if line == "## [Unreleased]":
                sections.append(("Unreleased", {}))
            elif m:
                sections.append((".".join(m.group(1, 2, 3)), {}))
            else:
                raise AssertionError(f"line {n}: not a Keep a Changelog version heading: {line}")
            kind = None
        elif line.startswith("### "):
            kind = line[4:]
            assert sections, f"line {n}: {kind} before any version"
            assert kind in KINDS, f"line {n}: {kind!r} is not one of {KINDS}"
            assert kind not in sections[-1][1], f"line {n}: a second {kind} section"
            sections[-1][1][kind] = []
        elif line.startswith("- ") and kind is not None:
            sections[-1][1][kind].append(line[2:])
    return sections


def test_changelog_is_in_keep_a_changelog_sections():
    sections = changelog_sections((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))
    assert sections[0][0] == "Unreleased"
    released = [v for v, _ in sections[1:]]
    assert released, "no released version"
    assert "Unreleased" not in released
    as_tuples = [tuple(int(p) for p in v.split(".")) for v in released]
    assert as_tuples == sorted(as_tuples, reverse=True), "versions are not newest first"
    for version, kinds in sections[1:]:
        assert kinds, f"{version} lists no changes"
        for kind, bullets in kinds.items():
            assert bullets, f"{version}: {kind} is empty"
    # the version being built is released in the changelog, or newer than every release
    ours = tuple(int(p) for p in re.findall(r"\d+", VERSION)[:3])
    assert VERSION in released or ours > as_tuples[0]


def test_changelog_parser_rejects_what_is_not_keep_a_changelog():
    with pytest.raises(AssertionError, match="not one of"):
        changelog_sections("## [Unreleased]\n### Improvements\n- x\n")
    with pytest.raises(AssertionError, match="version heading"):
        changelog_sections("## Version 0.1.0\n")
    with pytest.raises(AssertionError, match="second Added"):
        changelog_sections("## [0.1.0] - 2026-01-01\n### Added\n- x\n### Added\n- y\n")


# -- .ci/run and the type-check configuration ----------------------------------------


def _ci_with_fake_python(tmp_path: Path, failing: str | None) -> tuple[int, list[str]]:
    """Run .ci/run against a stand-in `python` that logs its arguments."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    fail = f'case "$*" in *"{failing}"*) exit 1;; esac\n' if failing else ""
    fake = bin_dir / "python"
    fake.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n{fail}exit 0\n')
    fake.chmod(0o755)
    done = subprocess.run(["sh", str(tmp_path / ".ci" / "run")], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
                          check=False)
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, calls


def test_ci_runs_lint_type_check_and_tests_in_order(tmp_path):
    rc, calls = _ci_with_fake_python(tmp_path, failing=None)
    assert rc == 0
    assert [c.split()[:2] for c in calls] == [
        ["-m", "pip"], ["-m", "ruff"], ["-m", "mypy"], ["-m", "pytest"]]


@pytest.mark.parametrize("failing", ["ruff", "mypy", "pytest"])
def test_ci_fails_when_a_step_fails(tmp_path, failing):
    rc, calls = _ci_with_fake_python(tmp_path, failing=failing)
    assert rc != 0
    assert failing in calls[-1], "a step ran after the failing one"


def test_readme_test_command_is_the_one_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert commands is not None
    second = commands.group(1).splitlines()[1]
    assert second == "pip install '.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet '.[test]'" in ci and "python -m pytest" in ci


def test_every_module_named_in_the_type_check_exists():
    # a module renamed or moved must take its strictness or its relaxations along
    for override in PYPROJECT["tool"]["mypy"]["overrides"]:
        modules = override["module"]
        for module in [modules] if isinstance(modules, str) else modules:
            if module.split(".")[0] not in ("sim", "scenarios", "tui"):
                continue
            path = ROOT.joinpath(*module.split("."))
            assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), module


def test_test_extra_has_the_checking_tools():
    extra = " ".join(PYPROJECT["project"]["optional-dependencies"]["test"])
    for tool in ("mypy>=", "ruff>=", "types-PyYAML", "types-tqdm"):
        assert tool in extra
