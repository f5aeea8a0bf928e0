"""A rule's message reaches a recipient only on a channel of the rule (its ``channel``,
then its ``fallback``) on which the recipient has a point of contact, as the engine
sends it: on every other channel it is lost at once (``no_contact``).

- `drill lint` warns of a recipient a rule's selector finds but can never reach
  (``rule-recipient-no-contact``), and no longer counts it as told of the incident.
- `drill explain` shows such a rule as reaching NOBODY (no contact), or flags the
  recipient on the rule's line, and walks no further from it.
- A contact on a fallback channel is enough.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import cert

from scenarios import load_scenario
from sim.authoring.explain import explain
from sim.authoring.lint import lint
from sim.cli import main
from sim.engine import Engine

EMAIL = "      email: {address: abuse@bkk-hosting.drill.example}\n"


def _takedown(tmp_path: Path, monkeypatch, capsys, contacts: str | None) -> Path:
    """The cert-takedown template, with the hosting provider's contacts replaced by
    ``contacts`` (None: as the template gives them). Where the provider loses its
    e-mail address, exercise control's update inject goes by the drill portal."""
    monkeypatch.chdir(tmp_path)
    assert main(["new", "takedown", "--template", "cert-takedown"]) == 0
    capsys.readouterr()
    path = tmp_path / "takedown.yaml"
    text = path.read_text(encoding="utf-8")
    if contacts is not None:
        assert EMAIL in text
        text = text.replace(EMAIL, contacts)
        if "portal" in contacts:
            at = text.index('  - id: "2"')
            via = text.index("via: email", at)
            text = text[:via] + "via: portal" + text[via + len("via: email"):]
    path.write_text(text, encoding="utf-8")
    return path


def _paths(text: str) -> list[str]:
    return [line.strip() for line in text[text.index("Escalation paths"):].splitlines()]


PORTAL = "      portal: {address: acid-portal/bkk-hosting}\n"
ISP = "Bangkok Web Hosting Co. (simulated)"


def test_lint_warns_of_a_recipient_with_no_contact_on_the_rules_channels(
        tmp_path, monkeypatch, capsys):
    path = _takedown(tmp_path, monkeypatch, capsys, PORTAL)
    loaded = load_scenario(path)
    found = lint(loaded)
    codes = {f.code for f in found}
    assert "rule-recipient-no-contact" in codes
    (warning,) = [f for f in found if f.code == "rule-recipient-no-contact"]
    # at the provider's contacts, in the organiser's file (the rule is the library's)
    assert warning.mark is not None and Path(warning.mark.file).name == "takedown.yaml"
    assert warning.path == "actors.isp-th.contacts"
    assert "relay-takedown-to-isp" in warning.message and ISP in warning.message
    assert "email or phone" in warning.message and "(it has: portal)" in warning.message
    # told of nothing, the provider cannot take the site down (E3): said, not hidden
    assert any(f.code == "expectation-never-met" and "E3" in f.message for f in found)
    # the engine agrees: every message to the provider is lost for want of a contact
    log = Engine(loaded, seed=0).run()
    lost = [e.details["reason"] for e in log
            if e.type == "message_lost" and e.actor == "isp-th"]
    assert lost and set(lost) == {"no_contact"}
    assert not [e for e in log if e.type == "takedown"]
    # the command fails under --strict, as a CI job runs it
    assert main(["lint", "--strict", str(path)]) == 2


def test_explain_shows_nobody_reached_and_walks_no_further(tmp_path, monkeypatch, capsys):
    path = _takedown(tmp_path, monkeypatch, capsys, PORTAL)
    paths = _paths(explain(load_scenario(path).scenario))
    relay = [line for line in paths if line.endswith("[relay-takedown-to-isp]")]
    assert relay == ["ThaiCERT --request_takedown--> NOBODY: local_isps finds only "
                     f"{ISP} (no contact on email or phone)   [relay-takedown-to-isp]"]
    assert not [line for line in paths if line.startswith(f"{ISP} takes")]


def test_a_contact_on_a_fallback_channel_is_enough(tmp_path, monkeypatch, capsys):
    path = _takedown(tmp_path, monkeypatch, capsys,
                     "      phone: {address: '+66-2-000-0000'}\n")
    loaded = load_scenario(path)
    assert not [f for f in lint(loaded) if f.code in (
        "rule-recipient-no-contact", "unreachable-actor", "expectation-never-met")]
    paths = _paths(explain(loaded.scenario))
    assert f"ThaiCERT --request_takedown via email within 2h, TLP:AMBER--> {ISP} (no email " \
           "contact)   [relay-takedown-to-isp]" in paths
    assert any(line.startswith(f"{ISP} takes the infrastructure down") for line in paths)


def test_the_template_as_written_reaches_the_provider(tmp_path, monkeypatch, capsys):
    loaded = load_scenario(_takedown(tmp_path, monkeypatch, capsys, None))
    assert lint(loaded) == []
    assert any(line.startswith(f"{ISP} takes the infrastructure down")
               for line in _paths(explain(loaded.scenario)))


# --- one recipient of several out of reach -------------------------------------------


@pytest.fixture
def with_portal_cert(scenario_data: dict[str, Any]) -> dict[str, Any]:
    """CERT-MY, affected too, is reachable only on the drill portal; exercise control
    tells it by portal, and CERT-SG's notice (email, then phone) goes to every
    affected CERT."""
    data = scenario_data
    data["channels"]["portal"] = {"kind": "portal", "latency": "5m"}
    data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur",
                                    contacts={"portal": {"address": "portal/my"}})
    data["injects"][0]["incident"]["affected"] = ["SG", "TH", "MY"]
    data["injects"].append({"id": "2", "at": "T+02:00", "sender": "ctl", "to": ["cert-c"],
                            "via": "portal", "tlp": "GREEN", "title": "Also in Malaysia",
                            "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    data["actors"]["ctl"]["contacts"]["portal"] = {"address": "portal/ctl"}
    return data


def test_one_recipient_out_of_reach_is_flagged_on_the_rules_line(with_portal_cert, load):
    loaded = load(with_portal_cert)
    found = [f for f in lint(loaded) if f.code == "rule-recipient-no-contact"]
    assert len(found) == 1
    assert found[0].path == "frameworks.fw.rules.notify.to"
    assert "CERT-MY" in found[0].message and "CERT-SG" in found[0].message
    paths = _paths(explain(loaded.scenario))
    assert ("CERT-SG --notify via email within 4h, TLP:GREEN--> CERT-TH, CERT-MY (no "
            "contact on email or phone: never reached)   [notify]") in paths
    # CERT-MY still hears of it from exercise control, and its own notice goes out
    assert any(line.startswith("CERT-MY --notify via email") for line in paths)
