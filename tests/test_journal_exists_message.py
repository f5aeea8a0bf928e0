"""``--journal FILE`` on a file that already exists: the message tells each command's
user what that command can really do (``drill run`` has no ``--resume``)."""

from __future__ import annotations

import pytest

from sim.cli import EXIT_INVALID, build_parser, main

TUTORIAL = "tutorial"


@pytest.fixture
def journal(tmp_path, monkeypatch, capsys):
    """A finished journal written by ``drill run --journal``."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", TUTORIAL, "--journal", "drill.sqlite"]) == 0
    capsys.readouterr()
    return tmp_path / "drill.sqlite"


def _refused(capsys, argv: list[str]) -> str:
    assert main(argv) == EXIT_INVALID
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_drill_run_has_no_resume_so_its_message_offers_none(journal, capsys):
    before = journal.read_bytes()
    err = _refused(capsys, ["run", TUTORIAL, "--journal", str(journal)])
    assert err.startswith(f"{journal}: already exists; choose another file")
    # the only --resume it names is that of drill play, which does carry a drill on
    assert "resume it with --resume" not in err
    assert f"drill play --resume {journal}" in err
    assert err.count("--resume") == 1
    assert journal.read_bytes() == before  # never written over
    with pytest.raises(SystemExit):  # and drill run really has no --resume
        build_parser().parse_args(["run", TUTORIAL, "--resume", str(journal)])
    capsys.readouterr()


@pytest.mark.parametrize("command", ["play", "host"])
def test_play_and_host_name_their_own_resume(journal, capsys, command):
    err = _refused(capsys, [command, TUTORIAL, "--journal", str(journal)])
    assert err.startswith(f"{journal}: already exists;")
    assert f"drill {command} --resume {journal}" in err
    assert "choose another file" in err
    assert build_parser().parse_args([command, "--resume", str(journal)]).resume == str(journal)


def test_the_suggested_command_can_be_pasted_for_a_name_with_a_space(tmp_path, monkeypatch,
                                                                      capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", TUTORIAL, "--journal", "my drill.sqlite"]) == 0
    capsys.readouterr()
    err = _refused(capsys, ["run", TUTORIAL, "--journal", "my drill.sqlite"])
    assert "drill play --resume 'my drill.sqlite' carries on" in err
