"""Hand-made hostile scenario files: each gets its one-line error, on every command.

Each file in ``tests/hostile/`` starts with two comments: what it tries, and the
first line ``drill validate`` must print on stdout (``{file}`` stands for its path), or
``none`` when the file is accepted. Files that need the machine's help (symbolic
links, named pipes, huge files) are made here, in a temporary folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sim.cli import EXIT_INVALID, main

HOSTILE = Path(__file__).parent / "hostile"
FILES = sorted(HOSTILE.glob("*.yaml"))
BASE = (HOSTILE / "25-terminal-escapes.yaml").read_text(encoding="utf-8")
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def expected_first_line(path: Path) -> str:
    header = path.read_text(encoding="utf-8", errors="replace").splitlines()[1]
    assert header.startswith("# first error: "), path
    return header.removeprefix("# first error: ")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def commands(path: Path, tmp_path: Path) -> list[list[str]]:
    p = str(path)
    return [
        ["validate", p],
        ["run", p],
        ["run", p, "--journal", str(tmp_path / "j.sqlite")],
        ["lint", p],
        ["explain", p],
        ["batch", p, "-n", "2", "--jobs", "1", "--out", str(tmp_path / "batch")],
        # refused before the terminal UI opens
        ["play", p, "--journal", str(tmp_path / "j.sqlite")],
    ]


def test_there_is_one_file_per_class():
    assert len(FILES) >= 25
    assert len({expected_first_line(f) for f in FILES}) == len(FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_command_gives_the_one_line_error(path, tmp_path, capsys):
    want = expected_first_line(path)
    for argv in commands(path, tmp_path):
        if want == "none" and argv[0] == "play":
            continue  # an accepted scenario would open the terminal UI
        code, out, err = run(capsys, *argv)
        assert "Traceback" not in out + err, argv
        if want == "none":
            assert code in (0, 1), (argv, err)  # lint exits 1 on warnings
            (tmp_path / "j.sqlite").unlink(missing_ok=True)
            continue
        assert code == EXIT_INVALID, (argv, out, err)
        expected = want.format(file=path)
        if argv[0] == "lint":
            mark, _, rest = expected.partition(": ")
            assert out.splitlines()[0] == f"{mark}: error: {rest}", argv
        elif argv[0] == "validate":
            # validate's findings are its output; stderr stays empty
            assert out.splitlines()[0] == expected and err == "", argv
        else:
            assert err.splitlines()[0] == expected, argv
        assert not (tmp_path / "j.sqlite").exists(), "a journal was written for a bad scenario"


def test_escape_sequences_and_markup_in_names_are_printed_as_text(capsys):
    path = HOSTILE / "25-terminal-escapes.yaml"
    for argv in (["run", str(path)], ["explain", str(path)]):
        code, out, err = run(capsys, *argv)
        assert code == 0
        assert not UNSAFE.search(out + err), argv
        assert "Sing\\x1b[2J\\x1b]0;owned\\x07CERT\\u202e\\u200f" in out, argv
    _, out, _ = run(capsys, "explain", str(path))
    assert "[/x] report [@click=app.quit]quit[/] TLP [RED]" in out


def _scenario_with_include(folder: Path, include: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "drill.yaml"
    path.write_text(f"include: [{include}]\n" + BASE, encoding="utf-8")
    return path


def test_a_symlink_cannot_lead_an_include_out_of_the_folder(tmp_path, capsys):
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "keys.yaml").write_text("groups:\n  g: [SG]\n", encoding="utf-8")
    (tmp_path / "sc").mkdir()
    (tmp_path / "sc" / "link.yaml").symlink_to(outside / "keys.yaml")
    path = _scenario_with_include(tmp_path / "sc", "link.yaml")
    code, out, _ = run(capsys, "validate", str(path))
    assert code == EXIT_INVALID
    assert out.splitlines()[0] == (
        f"{path}:1:11: include[0]: 'link.yaml' is outside the scenario's folder and the bundled "
        "library; to include from another folder, pass --allow-include FOLDER"
    )
    # the user may name the folder explicitly
    code, out, _ = run(capsys, "validate", str(path), "--allow-include", str(outside))
    assert code == 0 and "ok" in out


def test_an_include_outside_is_never_read_nor_echoed(tmp_path, capsys):
    secret = tmp_path / "private" / "notes.yaml"
    secret.parent.mkdir()
    secret.write_text("password: hunter2-do-not-print\n", encoding="utf-8")
    path = _scenario_with_include(tmp_path / "sc", str(secret))
    code, out, err = run(capsys, "validate", str(path))
    assert code == EXIT_INVALID
    assert "hunter2" not in out + err and "password" not in out + err


def test_a_named_pipe_never_hangs_as_scenario_or_include(tmp_path, capsys):
    (tmp_path / "sc").mkdir()
    os.mkfifo(tmp_path / "sc" / "pipe.yaml")
    code, out, _ = run(capsys, "validate", str(tmp_path / "sc" / "pipe.yaml"))
    assert code == EXIT_INVALID
    assert out.splitlines()[0] == (
        f"{tmp_path / 'sc' / 'pipe.yaml'}:0:0: is not a regular file (a device, pipe or socket); refused"
    )
    path = _scenario_with_include(tmp_path / "sc", "pipe.yaml")
    code, out, _ = run(capsys, "validate", str(path))
    assert code == EXIT_INVALID and "not a regular file" in out.splitlines()[0]


def test_a_device_as_the_scenario_is_refused_before_reading(capsys):
    code, out, _ = run(capsys, "validate", "/dev/zero")
    assert code == EXIT_INVALID
    assert out.splitlines()[0] == "/dev/zero:0:0: is not a regular file (a device, pipe or socket); refused"


def test_a_flat_file_with_too_many_values_is_not_blamed_on_aliases(tmp_path, capsys):
    path = tmp_path / "flat.yaml"
    path.write_text("x-values: [" + "1," * 650_000 + "1]\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path))
    assert code == EXIT_INVALID
    first = out.splitlines()[0]
    assert "holds more than 600,000 values" in first and "alias" not in first


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:
        fh.truncate(2_000_001)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == EXIT_INVALID
    assert out.splitlines()[0] == (
        f"{path}:0:0: is 2,000,001 bytes; a scenario file over 2,000,000 bytes is refused"
    )


def test_hostile_files_are_kept_as_committed():
    # a text editor "fixing" the raw control character would make that case vacuous
    assert "\x07" in (HOSTILE / "24-control-character.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("parser", ["C", "pure"])
def test_thousands_of_levels_never_reach_the_recursion_limit(tmp_path, capsys, monkeypatch, parser):
    import yaml

    from scenarios import yamlsrc

    if parser == "C" and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    monkeypatch.setattr(yamlsrc, "_PARSER", yaml.CSafeLoader if parser == "C" else yaml.SafeLoader)
    path = tmp_path / "deep.yaml"
    path.write_text("drill: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path))
    assert code == EXIT_INVALID
    # our own depth check, or libyaml's where its build has one: either way one located line
    assert re.match(rf"{re.escape(str(path))}:1:\d+: .*(nesting deeper than 64|nesting depth)",
                    out.splitlines()[0])
    assert len(out.splitlines()) == 2  # the problem, and the count


def test_direction_marks_are_escaped_and_joiners_kept():
    from sim.safe.text import json_text, one_line, plain

    # an invisible right-to-left mark reorders the text around it: shown as an escape
    assert plain("CERT\u200f-PH\u200e:\u061c") == "CERT\\u200f-PH\\u200e:\\u061c"
    assert one_line("a\u200fb") == "a\\u200fb"
    assert json_text('"a\u200fb"') == '"a\\u200fb"'
    # joiners are part of how Khmer, Myanmar and Sinhala words are written: kept
    for name in ("\u1780\u17d2\u200d\u179a", "\u1019\u103c\u200c\u1014\u103a"):
        assert plain(name) == name
