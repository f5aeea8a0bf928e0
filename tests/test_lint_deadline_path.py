"""deadline-too-short counts the whole fastest path for the actors an anchor inject
addresses directly: working hours, and the shortest times the actor's policy takes to
acknowledge, analyse, act and (for a message that must arrive) its channel's latency.

What lint warns about here the engine never meets; what it lets pass the engine can meet
(a deadline is inclusive: what is done at its very minute is in time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_scenarios
from sim.analysis.metrics import compute
from sim.authoring.lint import lint
from sim.cli import main
from sim.engine.core import Engine

TEMPLATES = ["cert-takedown", "regional-ddos", "law-enforcement"]


def deadline_findings(path: Path) -> list:
    return [f for f in lint(load_scenario(path)) if f.code == "deadline-too-short"]


def met(path: Path, expectation: str, seeds: int = 5) -> int:
    """In how many of ``seeds`` runs the expectation is met in time."""
    return sum(
        any(x["id"] == expectation and x["status"] == "met"
            for x in compute(Engine(load_scenario(path), seed=s).run())["expectations"])
        for s in range(seeds))


def new_drill(tmp_path: Path, monkeypatch, *template: str) -> Path:
    monkeypatch.chdir(tmp_path)
    main(["new", *template, "my-drill"])
    return tmp_path / "my-drill.yaml"


def test_a_one_minute_deadline_in_the_default_template_is_warned(tmp_path, monkeypatch, capsys):
    path = new_drill(tmp_path, monkeypatch)
    text = path.read_text(encoding="utf-8")
    assert text.count("within: 2h") == 1
    path.write_text(text.replace("within: 2h", "within: 1m"), encoding="utf-8")
    line = next(n for n, ln in enumerate(path.read_text().splitlines(), 1)
                if "within: 1m" in ln)

    found = deadline_findings(path)
    assert [(f.path, f.mark.line if f.mark else None) for f in found] == [
        ("expectations[0].within", line)]
    # CERT-PH drafts the request for at least 10m and email takes at least 1m
    assert "expectation E1 is due 1m after its anchor" in found[0].message
    assert "cannot complete it in 11m" in found[0].message
    assert "acknowledge, analyse and request takedown" in found[0].message
    capsys.readouterr()
    assert main(["lint", str(path)]) == 1
    assert "[deadline-too-short]" in capsys.readouterr().out
    assert met(path, "E1") == 0


@pytest.mark.parametrize("template", [None, *TEMPLATES])
def test_the_templates_as_written_have_no_short_deadline(tmp_path, monkeypatch, template):
    path = new_drill(tmp_path, monkeypatch, *(["--template", template] if template else []))
    assert deadline_findings(path) == []


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_the_bundled_scenarios_have_no_short_deadline(path):
    assert deadline_findings(path) == []


ZERO = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: zero
  title: deadline path lint test
  start: "2026-09-15T09:00:00+08:00"
  duration: 8h
actors:
  certph:
    policy:
{policy}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [certph]
    via: email
    tlp: GREEN
    incident: {{id: x, type: phishing, severity: medium, affected: [PH], hosted_in: [TH]}}
expectations:
  - {{id: E1, actors: [certph], action: {action}, incident: x, within: {within}}}
"""


def zero(tmp_path: Path, within: str, action: str = "acknowledge",
         policy: str = "      follow_rules: 1.0") -> Path:
    path = tmp_path / "zero.yaml"
    path.write_text(ZERO.format(within=within, action=action, policy=policy),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("action", ["acknowledge", "analyse"])
def test_a_zero_deadline_is_warned(tmp_path, action):
    # the default delays are continuous: no draw is ever exactly zero
    path = zero(tmp_path, "0m", action)
    found = deadline_findings(path)
    assert [f.path for f in found] == ["expectations[0].within"]
    assert "cannot complete it in more than 0m" in found[0].message
    assert met(path, "E1") == 0


def test_a_zero_deadline_an_instant_acknowledgement_meets_is_not_warned(tmp_path):
    path = zero(tmp_path, "0m", policy="      ack_delay: {dist: constant, value: 0m}")
    assert deadline_findings(path) == []
    assert met(path, "E1", seeds=2) == 2


def test_a_deadline_at_exactly_the_fastest_completion_is_not_warned(tmp_path):
    policy = "      ack_delay: {dist: constant, value: 5m}"
    path = zero(tmp_path, "5m", policy=policy)
    assert deadline_findings(path) == []
    assert met(path, "E1", seeds=2) == 2
    path = zero(tmp_path, "4m", policy=policy)
    found = deadline_findings(path)
    assert [f.path for f in found] == ["expectations[0].within"]
    assert "cannot complete it in 5m" in found[0].message
    assert met(path, "E1", seeds=2) == 0
