"""``drill msel import`` without ``-o`` onto a scenario that is a symbolic link rewrites
the file the link points to: the link stays a link, and the scenario's ``./`` includes
still resolve from the folder of the real file."""

from __future__ import annotations

import csv
import io
import os
import stat

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring import msel_io
from sim.cli import EXIT_OK, main

TUTORIAL = bundled_dir() / "tutorial.yaml"

EXTRA = """\
actors:
  isp-extra:
    name: Extra ISP
    kind: isp
    country: MY
    timezone: Asia/Kuala_Lumpur
    working_hours: "09:00-18:00"
    contacts:
      email: {address: abuse@extra.drill.example}
"""


@pytest.fixture
def linked(tmp_path):
    """real/s.yaml includes ./extra.yaml; other/link.yaml points to ../real/s.yaml."""
    real, other = tmp_path / "real", tmp_path / "other"
    real.mkdir()
    other.mkdir()
    text = TUTORIAL.read_text()
    assert "\ndrill:\n" in text
    (real / "s.yaml").write_text(text.replace("\ndrill:\n", "\ninclude: [./extra.yaml]\n\ndrill:\n",
                                              1))
    (real / "extra.yaml").write_text(EXTRA)
    os.chmod(real / "s.yaml", 0o644)
    link = other / "link.yaml"
    link.symlink_to(os.path.join("..", "real", "s.yaml"))
    assert "isp-extra" in load_scenario(link).scenario.actors
    return link


def _edited_sheet(link, tmp_path, suffix: str):
    """The link's MSEL with the second inject's title changed."""
    sheet = tmp_path / f"m.{suffix}"
    assert main(["msel", "export", str(link), "-o", str(sheet)]) == EXIT_OK
    if suffix == "csv":
        rows = list(csv.reader(io.StringIO(sheet.read_text(), newline="")))
        col = [k for k, _ in msel_io.COLUMNS].index("title")
        rows[2][col] = "A retitled inject"
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        sheet.write_text(out.getvalue())
    else:
        from openpyxl import load_workbook

        wb = load_workbook(sheet)
        col = [k for k, _ in msel_io.COLUMNS].index("title") + 1
        wb["MSEL"].cell(row=3, column=col).value = "A retitled inject"
        wb.save(sheet)
    return sheet


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_import_into_a_linked_scenario_rewrites_the_file_it_points_to(linked, tmp_path,
                                                                      suffix, capsys):
    real = tmp_path / "real" / "s.yaml"
    sheet = _edited_sheet(linked, tmp_path, suffix)
    code = main(["msel", "import", str(sheet), "--into", str(linked)])
    err = capsys.readouterr().err
    assert code == EXIT_OK, err
    assert f"wrote {real.resolve()} (3 injects; {linked} links to it)" in err
    # the link is still the same link, and nothing else appeared beside it
    assert linked.is_symlink()
    assert os.readlink(linked) == os.path.join("..", "real", "s.yaml")
    assert sorted(p.name for p in linked.parent.iterdir()) == ["link.yaml"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["extra.yaml", "s.yaml"]
    # the real file holds the new injects, written as drill material is: owner only
    assert "A retitled inject" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    # and the scenario still loads through the link, its ./ include found
    sc = load_scenario(linked).scenario
    assert "isp-extra" in sc.actors
    assert sc.injects[1].title == "A retitled inject"
    assert sc.injects == load_scenario(real).scenario.injects


def test_import_with_o_into_a_linked_scenario_leaves_the_link_alone(linked, tmp_path, capsys):
    real = tmp_path / "real" / "s.yaml"
    before = real.read_bytes()
    sheet = _edited_sheet(linked, tmp_path, "csv")
    out = tmp_path / "real" / "new.yaml"
    code = main(["msel", "import", str(sheet), "--into", str(linked), "-o", str(out)])
    assert code == EXIT_OK, capsys.readouterr().err
    assert linked.is_symlink() and real.read_bytes() == before
    assert load_scenario(out).scenario.injects[1].title == "A retitled inject"
