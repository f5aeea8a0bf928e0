"""`drill explain` lets a TLP:RED report go to the teams it names, as the engine does.

A report labelled RED whose incident facts carry a laxer label (``facts_tlp``) may be
passed on whole to anyone the report names, or its facts to whoever their own label
allows. The escalation paths must show a message the engine sends to a named team,
and still say the message is withheld (TLP) from a team neither label lets it reach.
Each case is checked against runs of the engine."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from sim.authoring.explain import explain
from sim.engine import Engine

SEEDS = (0, 1)
_RULE = re.compile(r"\[([\w-]+)\]$")


def _explained(sc) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """The (sender, rule, recipient) of every message on explain's escalation paths, and
    of every recipient a path says the labels withhold a message from (TLP)."""
    by_name = sorted(((a.name, aid) for aid, a in sc.actors.items()),
                     key=lambda x: len(x[0]), reverse=True)
    text = explain(sc)
    sends: set[tuple[str, str, str]] = set()
    kept: set[tuple[str, str, str]] = set()
    for line in text[text.index("Escalation paths"):].splitlines():
        line = line.strip()
        rule = _RULE.search(line)
        if "-->" not in line or rule is None:
            continue
        head, tail = line.split("-->", 1)
        sender = next(aid for name, aid in by_name if head.startswith(name + " "))
        if tail.startswith(" NOBODY:"):
            found = re.search(r"withholds it from (.*) \(TLP\)", tail)
            if found is None:
                continue
            tail, into = found.group(1), kept
        else:
            into = sends
        for name, aid in by_name:
            if name in tail:
                into.add((sender, rule.group(1), aid))
                tail = tail.replace(name, "")
    return sends, kept


def _engine(loaded, seed: int) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """The (sender, rule, recipient) of every message a run sends by a rule, and the
    (sender, recipient) of every message it holds back unsent."""
    log = Engine(loaded, seed=seed).run()
    sent = {(e.actor, e.details["rule"], e.details["to"]) for e in log
            if e.type == "message_sent" and e.details.get("by") == "policy"
            and e.details.get("rule")}
    held = {(e.actor, e.details["to"]) for e in log
            if e.type == "withheld" and "reason" in e.details}
    return sent, held


def _agree(loaded) -> tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]:
    """Explain's paths, checked against runs of the engine: a message the engine sends
    in every run is on the paths, and none the paths withhold is ever sent."""
    sends, kept = _explained(loaded.scenario)
    for seed in SEEDS:
        sent, held = _engine(loaded, seed)
        assert not sent & kept, (seed, sent & kept)
        assert sent <= sends, (seed, sent - sends)
        for sender, _, to in kept:
            assert (sender, to) in held, (seed, sender, to)
    return sends, kept


def _red_to(data: dict[str, Any], to: list[str]) -> dict[str, Any]:
    """The report goes, as TLP:RED with its incident facts TLP:AMBER, to ``to``."""
    data["injects"][0].update(to=to, tlp="RED", facts_tlp="AMBER",
                              title="RED: for the named teams only")
    return data


def test_a_red_report_passes_between_the_teams_it_names(scenario_data, load):
    loaded = load(_red_to(scenario_data, ["cert-a", "cert-b"]))
    sends, kept = _agree(loaded)
    # each CERT may pass the report to the other (the report names both) ...
    assert {("cert-a", "notify", "cert-b"), ("cert-b", "notify", "cert-a")} <= sends
    for seed in SEEDS:
        sent, _ = _engine(loaded, seed)
        assert {("cert-a", "notify", "cert-b"), ("cert-b", "notify", "cert-a")} <= sent
    # ... but not to the council, which it does not name and AMBER keeps it from
    assert {("cert-a", "escalate", "council"), ("cert-b", "escalate", "council")} <= kept


def test_a_red_report_is_still_withheld_from_a_team_it_does_not_name(scenario_data, load):
    loaded = load(_red_to(scenario_data, ["cert-a"]))
    sends, kept = _agree(loaded)
    assert ("cert-a", "notify", "cert-b") in kept
    assert not sends
    text = explain(loaded.scenario)
    assert "CERT-SG --notify--> NOBODY: affected_certs withholds it from CERT-TH (TLP)" in text


def _ransomware(tmp_path: Path, to: str | None = None) -> Path:
    """The bundled ransomware drill with its alert sent as TLP:RED (its incident facts
    TLP:AMBER+STRICT), to everyone or to the teams ``to`` names."""
    source = bundled_dir() / "apcert-ransomware.yaml"
    shutil.copytree(source.parent / "evidence", tmp_path / "evidence")
    text = source.read_text(encoding="utf-8")
    alert = '    to: [everyone]\n    via: email\n    tlp: GREEN\n    title: "Regional alert'
    assert text.count(alert) == 1
    text = text.replace(alert, f"    to: {to or '[everyone]'}\n    via: email\n    tlp: RED\n"
                        '    facts_tlp: AMBER+STRICT\n    title: "Regional alert')
    path = tmp_path / "ransomware-red.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_red_alert_to_everyone_reaches_the_hosting_cert(tmp_path):
    loaded = load_scenario(_ransomware(tmp_path))
    sends, kept = _agree(loaded)
    asks = {(c, "ask-hosting-cert", "singcert") for c in ("certph", "mycert", "thaicert")}
    assert asks <= sends
    for seed in SEEDS:
        sent, _ = _engine(loaded, seed)
        assert asks <= sent
    # the hosting provider is named by neither the alert nor the requests
    assert ("singcert", "relay-to-isp", "isp-sg") in kept


def test_a_red_alert_withholds_the_request_from_a_hosting_cert_it_does_not_name(tmp_path):
    loaded = load_scenario(_ransomware(tmp_path, "[certph, mycert, thaicert]"))
    sends, kept = _agree(loaded)
    asks = {(c, "ask-hosting-cert", "singcert") for c in ("certph", "mycert", "thaicert")}
    assert asks <= kept
    assert not asks & sends
