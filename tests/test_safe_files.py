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
