"""A variants file says what it holds, or is refused in one line saying where.

A key of the file other than ``variants:`` (a misspelt ``Variants:``, say) is refused
with a "did you mean", never skipped with the variants under it; a variant that
changes nothing is refused as such. Each refusal names the file and the line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import one_error_line

from scenarios import resolve_scenario_arg
from sim.cli import EXIT_INVALID, main
from sim.runs.batch import BatchError, load_variants_file

TUTORIAL = resolve_scenario_arg("tutorial")


def _batch(tmp_path: Path, text: str) -> tuple[int, Path]:
    """`drill batch` of the tutorial with a variants file holding ``text``."""
    variants = tmp_path / "v.yaml"
    variants.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["batch", str(TUTORIAL), "-n", "2", "--jobs", "1", "--out", str(out),
                 "--variants", str(variants)])
    return code, out


def test_a_misspelt_variants_key_is_refused_not_skipped(tmp_path, capsys):
    code, out = _batch(tmp_path, "variants:\n  a: {channels.email.loss: 0.1}\n"
                                 "Variants:\n  b: {channels.email.loss: 0.2}\n")
    assert code == EXIT_INVALID
    line = one_error_line(capsys)
    assert f"{tmp_path / 'v.yaml'}:3:" in line  # the file and the line of the key
    assert "'Variants'" in line and "did you mean 'variants'?" in line
    assert not out.exists()  # nothing ran: not variant a alone


def test_a_file_whose_only_key_is_misspelt_is_asked_about_it(tmp_path, capsys):
    code, _ = _batch(tmp_path, "variant:\n  b: {channels.email.loss: 0.2}\n")
    assert code == EXIT_INVALID
    line = one_error_line(capsys)
    assert ":1:" in line and "did you mean 'variants'?" in line


def test_another_key_is_refused_naming_the_one_a_variants_file_holds(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("variants:\n  a: {channels.email.loss: 0.1}\n"
                    "notes: more to try\n", encoding="utf-8")
    with pytest.raises(BatchError) as caught:
        load_variants_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3:")
    assert "'notes'" in message and "'variants:'" in message
    assert "\n" not in message


def test_a_variant_with_no_change_says_it_changes_nothing(tmp_path, capsys):
    code, out = _batch(tmp_path, "variants:\n  a: {channels.email.loss: 0.1}\n  b: {}\n")
    assert code == EXIT_INVALID
    line = one_error_line(capsys)
    assert f"{tmp_path / 'v.yaml'}:3:" in line
    assert "variant 'b' changes nothing" in line
    assert "expected a mapping" not in line  # it is one
    assert not out.exists()


def test_a_variant_that_is_not_a_mapping_is_placed_too(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("variants:\n  a: {channels.email.loss: 0.1}\n  b: 0.2\n",
                    encoding="utf-8")
    with pytest.raises(BatchError, match=r":3:.*variant 'b': expected a mapping of "
                                         r"path: value"):
        load_variants_file(path)


def test_a_well_formed_file_still_gives_its_variants(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("variants:\n  a: {channels.email.loss: 0.1}\n"
                    "  b: {channels.email.loss: 0.2}\n", encoding="utf-8")
    assert [(v.name, v.changes) for v in load_variants_file(path)] == [
        ("a", (("channels.email.loss", 0.1),)), ("b", (("channels.email.loss", 0.2),))]
