"""Lint's unreachable-actor check follows a framework rule only where its `when` holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

HOSTED_TH = "      hosted_in: [TH]                 # CHANGE: country hosting the site"


def _takedown_drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> Path:
    """A drill written from the cert-takedown template, as `drill new` gives it."""
    monkeypatch.chdir(tmp_path)
    assert main(["new", "r1"]) == 0
    capsys.readouterr()
    path = tmp_path / "r1.yaml"
    assert HOSTED_TH in path.read_text(encoding="utf-8")
    return path


def test_moving_the_site_abroad_leaves_the_local_isp_and_cert_unreachable(
        tmp_path, monkeypatch, capsys):
    path = _takedown_drill(tmp_path, monkeypatch, capsys)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(HOSTED_TH, HOSTED_TH.replace("[TH]", "[VN]")),
                    encoding="utf-8")
    # nothing sends to ThaiCERT when the site is in Viet Nam, and its relay to the ISP
    # applies only where the site is hosted locally (ThaiCERT itself comes from the
    # regional library, whose findings lint leaves out)
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert "actors.isp-th: no inject or framework rule ever reaches Bangkok Web Hosting Co." \
        " (simulated) [unreachable-actor]" in out


def test_a_later_inject_that_adds_the_hosting_country_makes_them_reachable(
        tmp_path, monkeypatch, capsys):
    path = _takedown_drill(tmp_path, monkeypatch, capsys)
    text = path.read_text(encoding="utf-8").replace(
        HOSTED_TH, HOSTED_TH.replace("[TH]", "[VN]"))
    later = "    incident: {id: phish}             # later injects give only what changes"
    assert later in text
    path.write_text(text.replace(later, "    incident: {id: phish, hosted_in: [TH]}", 1),
                    encoding="utf-8")
    assert main(["lint", str(path)]) == 0
    assert "unreachable-actor" not in capsys.readouterr().out
