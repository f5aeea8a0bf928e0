"""Private files, bounded reads and plain text at the product's edges."""

from __future__ import annotations

import os
import stat

import pytest

from sim.safe.files import (
    FileProblem,
    Unreadable,
    create_private,
    open_private,
    read_bounded,
    write_private,
)
from sim.safe.text import one_line, plain


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_written_files_and_created_folders_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        target = write_private(tmp_path / "new" / "deeper" / "report.md", "TLP:RED text")
    finally:
        os.umask(old)
    assert target.read_text() == "TLP:RED text"
    assert mode(target) == 0o600
    assert mode(tmp_path / "new") == 0o700 and mode(tmp_path / "new" / "deeper") == 0o700


def test_existing_folder_keeps_its_mode_and_overwrite_becomes_private(tmp_path):
    os.chmod(tmp_path, 0o755)
    f = tmp_path / "log.jsonl"
    f.write_text("old")
    os.chmod(f, 0o644)
    write_private(f, "new")
    assert f.read_text() == "new" and mode(f) == 0o600
    assert mode(tmp_path) == 0o755


def test_a_failed_write_leaves_the_old_file_and_no_litter(tmp_path):
    f = tmp_path / "summary.txt"
    f.write_text("kept")
    def interrupted_write() -> None:
        with open_private(f) as fh:
            fh.write("half")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        interrupted_write()
    assert f.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.txt"]


def test_writing_onto_a_folder_is_a_clear_problem(tmp_path):
    with pytest.raises(FileProblem, match="is a folder"):
        write_private(tmp_path, "x")


def test_create_private_refuses_an_existing_file(tmp_path):
    p = create_private(tmp_path / "j.sqlite")
    assert mode(p) == 0o600
    with pytest.raises(FileProblem, match="already exists"):
        create_private(p)


def test_bounded_read_refuses_devices_fifos_folders_and_big_files(tmp_path):
    with pytest.raises(Unreadable, match="not a regular file"):
        read_bounded("/dev/zero", 1000)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(Unreadable, match="not a regular file"):
        read_bounded(fifo, 1000)  # must not block
    with pytest.raises(Unreadable, match="is a folder"):
        read_bounded(tmp_path, 1000)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 1001)
    with pytest.raises(Unreadable, match="1,001 bytes"):
        read_bounded(big, 1000)
    assert read_bounded(big, 1001) == b"x" * 1001
    with pytest.raises(Unreadable, match="no such scenario"):
        read_bounded(tmp_path / "absent.yaml", 10, what="scenario")


def test_plain_shows_control_characters_instead_of_obeying_them():
    assert plain("BruCERT\x1b[2J\x1b]0;owned\x07") == "BruCERT\\x1b[2J\\x1b]0;owned\\x07"
    assert plain("abc\u202edef") == "abc\\u202edef"
    assert plain("line one\n\tline two") == "line one\n\tline two"
    assert plain("carriage\rreturn\x9b") == "carriage\\x0dreturn\\x9b"
    assert one_line("a\nb\tc") == "a\\nb\\tc"
    assert plain("Thai ไทย, Khmer ខ្មែរ") == "Thai ไทย, Khmer ខ្មែរ"


def test_json_text_stays_valid_json_without_control_characters():
    import json

    from sim.safe.text import json_text

    data = {"actor": "Sing\x1b[2JCERT\x9b\u202e\u2028\x7f", "thai": "ไทย"}
    text = json_text(json.dumps(data, ensure_ascii=False))
    assert json.loads(text) == data
    assert plain(text) == text  # nothing left for a terminal to obey
    assert "ไทย" in text  # readable text is kept as it is


def test_run_json_on_the_command_line_is_valid_json_with_hostile_names(tmp_path, capsys):
    import json
    from pathlib import Path

    from sim.cli import main

    hostile = Path(__file__).parent / "hostile" / "25-terminal-escapes.yaml"
    assert main(["run", str(hostile), "--json"]) == 0
    out = capsys.readouterr().out
    assert plain(out) == out  # no raw control character reached the terminal
    # and the JSON reads back to the name exactly as the file gives it

    def strings(node):
        if isinstance(node, dict):
            for v in node.values():
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)
        elif isinstance(node, str):
            yield node

    found = set(strings(json.loads(out)))
    assert "Sing\x1b[2J\x1b]0;owned\x07CERT\u202e\u200f" in found
    assert "Phish \x1b[31m[/x] report [@click=app.quit]quit[/] TLP [RED]\x9b" in found
