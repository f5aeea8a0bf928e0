"""``drill journals`` tells a folder that is not there from one without journals: a
typo in ``--dir`` or ``ACID_DRILL_HOME`` must not read as if every recorded drill were
gone."""

from __future__ import annotations

from sim.cli import EXIT_INVALID, EXIT_OK, main


def test_a_dir_that_is_not_there_is_refused(tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    assert main(["journals", "--dir", str(missing)]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert "no journals" not in out
    assert f"no such folder: {missing}" in err


def test_a_dir_that_is_a_file_is_refused(tmp_path, capsys):
    plain = tmp_path / "notes.txt"
    plain.write_text("not a folder")
    assert main(["journals", "--dir", str(plain)]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert "no journals" not in out
    assert f"{plain} is not a folder" in err


def test_a_home_that_is_not_there_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path / "typo-home"))
    assert main(["journals"]) == EXIT_INVALID
    out, err = capsys.readouterr()
    assert "no journals" not in out
    assert "ACID_DRILL_HOME names no folder" in err


def test_a_home_without_a_drill_yet_has_no_journals(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ACID_DRILL_HOME", str(tmp_path))
    assert main(["journals"]) == EXIT_OK
    assert "no journals in" in capsys.readouterr().out


def test_an_empty_folder_has_no_journals(tmp_path, capsys):
    assert main(["journals", "--dir", str(tmp_path)]) == EXIT_OK
    assert "no journals in" in capsys.readouterr().out
