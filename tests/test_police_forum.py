"""ASEANAPOL is a police forum, not a relay (domain: urgent police-to-police requests go
through INTERPOL National Central Bureaus, liaison officers or direct contact). The
`police_channels` selector names the bodies that relay requests, and the report's
"police -> international channel" step is never credited to the forum."""

from __future__ import annotations

from pathlib import Path

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.analysis.metrics import compute
from sim.engine import Engine

OCSEM = bundled_dir() / "ocsem-law-enforcement.yaml"


def _to_police_channels(tmp_path: Path) -> Path:
    text = OCSEM.read_text(encoding="utf-8")
    assert "        to: [interpol]\n" in text
    path = tmp_path / "ocsem.yaml"
    path.write_text(text.replace("        to: [interpol]\n", "        to: [police_channels]\n"),
                    encoding="utf-8")
    return path


def test_the_library_keeps_aseanapol_a_forum_and_interpol_a_channel():
    actors = load_scenario(OCSEM).scenario.actors
    assert actors["aseanapol"].kind == "police_forum"
    assert actors["interpol"].kind == "intl_police_channel"


def test_police_channels_reach_interpol_and_never_the_forum(tmp_path):
    loaded = load_scenario(_to_police_channels(tmp_path))
    for seed in range(4):
        log = Engine(loaded, seed=seed).run()
        assist = [e.details["to"] for e in log if e.type == "message_sent"
                  and e.details.get("verb") == "request_assistance"]
        assert "interpol" in assist
        assert "aseanapol" not in assist
        hops = [h for inc in compute(log)["incidents"]
                for h in inc["law_enforcement"]["hops"]
                if h["hop"] == "police -> international channel"]
        assert [h["to"] for h in hops] == ["interpol"]
