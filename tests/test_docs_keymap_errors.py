"""The keymap errors docs/keys.md shows are the ones `drill play --keymap` prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import EXIT_INVALID, main

KEYS_MD = Path(__file__).resolve().parent.parent / "docs" / "keys.md"

#: a keymap file for each error line of the page, in its order
FILES = [
    '"msel.fir" = "x"\n',
    '"msel.fire" = "ctrl+"\n',
    '"msel.fire" = "s"\n',
    "# keys\n\nmsel.fire = x\n",
]


def shown_errors() -> list[str]:
    """The lines of the page's example block of keymap errors."""
    text = KEYS_MD.read_text(encoding="utf-8")
    block = text.split("no journal is\nwritten:\n\n```text\n", 1)[1].split("```", 1)[0]
    return block.splitlines()


def test_the_page_shows_one_error_for_each_example_file():
    assert len(shown_errors()) == len(FILES)


@pytest.mark.parametrize("index", range(len(FILES)))
def test_each_error_the_page_shows_is_what_drill_prints(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("keymap.toml").write_text(FILES[index], encoding="utf-8")
    assert main(["play", "--keymap", "keymap.toml"]) == EXIT_INVALID
    assert capsys.readouterr().err.strip() == shown_errors()[index]
