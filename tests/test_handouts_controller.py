"""The controller's packet says what delivers each inject (its time, the action it
follows, the expectation that fires it) and the condition it waits on, as ``drill
explain`` and the MSEL spreadsheet word them, and lists each inject's artefacts with the
passwords of protected files. Player packets and cards never show a password."""

from __future__ import annotations

import re
from html import unescape

import pytest

from scenarios import load_scenario
from sim.authoring import handouts
from sim.authoring.explain import explain
from sim.authoring.msel_io import trigger_text

PASSWORD = "m3d<i>lock&2026"

SCENARIO = f"""
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: branches
  title: Branches
  tlp: AMBER
  start: "2026-09-15T09:00:00+08:00"
  duration: 10h
  phases:
    response: {{start: T+00:00}}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [thaicert]
    via: email
    title: Hospital systems encrypted
    artefacts:
      - "firewall <logs>.zip"
      - {{file: evidence/note.txt}}
      - file: evidence/flows.csv
        name: C2 flows
        protected: {{password_via: phone, password: "{PASSWORD}", delay: 10m}}
      - file: evidence/spoken.bin
        protected: {{password_via: phone}}
    incident: {{id: medilock, type: ransomware, severity: high, affected: [TH], hosted_in: [KH]}}
  - id: "2"
    at: T+02:00
    sender: hicon
    to: [laocert, camcert]
    via: email
    title: Same note elsewhere
    incident: {{id: medilock, affected: [TH, LA, KH]}}
  - id: "5"
    after_action: {{action: request_takedown, by: [thaicert]}}
    delay: 30m
    sender: hicon
    to: [camcert]
    via: phone
    tlp: GREEN
    title: "Who sent the request?"
    incident: {{id: medilock}}
  - id: "6"
    at: T+06:00
    when: {{missed: [E2]}}
    sender: hicon
    to: [laocert]
    via: email
    tlp: GREEN
    title: "Nobody has told ANSAC yet"
    incident: {{id: medilock}}
  - id: C1
    type: contingency
    delay: 15m
    when: {{phase: [response]}}
    sender: hicon
    to: [thaicert]
    via: phone
    title: "Has Lao PDR been told?"
    incident: {{id: medilock}}
expectations:
  - id: E1
    description: ThaiCERT notifies LaoCERT.
    actors: [thaicert]
    action: notify
    target: laocert
    incident: medilock
    after: "2"
    within: 2h
    contingency: C1
  - id: E2
    description: LaoCERT escalates to ANSAC.
    actors: [laocert]
    action: escalate
    target: ansac
    incident: medilock
    after: "2"
    within: 3h
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("branches")
    (folder / "evidence").mkdir()
    for name in ("note.txt", "flows.csv", "spoken.bin"):
        (folder / "evidence" / name).write_text("drill\n")
    path = folder / "branches.yaml"
    path.write_text(SCENARIO)
    return load_scenario(path)


def _rows(page: str) -> dict[str, str]:
    """Each MSEL row of the controller's packet as plain text, by inject id."""
    table = page.split("Master Scenario Events List")[1].split("</table>")[0]
    out = {}
    for row in table.split("<tr>")[2:]:
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        text = " | ".join(unescape(re.sub(r"<br>", " / ", re.sub(r"<(?!br)[^>]+>", "", c)))
                          for c in cells)
        out[unescape(re.sub(r"<[^>]+>", "", cells[0]))] = text
    return out


def test_an_inject_timed_after_an_action_says_which(loaded):
    rows = _rows(handouts.controller_packet(loaded.scenario))
    assert "30m after the first request_takedown by thaicert" in rows["5"]
    assert "contingency" not in rows["5"]
    # as drill explain words it
    assert "30m after the first request_takedown by thaicert" in explain(loaded.scenario)


def test_a_conditional_inject_says_when_it_is_skipped(loaded):
    rows = _rows(handouts.controller_packet(loaded.scenario))
    assert "only if E2 was missed; skipped otherwise" in rows["6"]
    assert "T+06:00" in rows["6"] and "laocert: Tue 15 Sep" in rows["6"]
    assert "only if E2 was missed; skipped otherwise" in explain(loaded.scenario)
    assert "only if" not in rows["2"]


def test_a_contingency_says_what_fires_it_and_its_condition(loaded):
    sc = loaded.scenario
    rows = _rows(handouts.controller_packet(sc))
    c1 = next(i for i in sc.injects if i.id == "C1")
    assert trigger_text(sc, c1) == "15m after E1 is missed: ThaiCERT notifies LaoCERT."
    assert "contingency (only if needed)" in rows["C1"]
    assert trigger_text(sc, c1) in rows["C1"]
    assert "only if the drill is in phase response; skipped otherwise" in rows["C1"]


def test_artefacts_and_passwords_are_in_the_controller_packet_escaped(loaded):
    page = handouts.controller_packet(loaded.scenario)
    assert "<th>Artefacts (passwords)</th>" in page
    row = _rows(page)["1"]
    assert "firewall <logs>.zip" in row
    assert "note.txt (evidence/note.txt)" in row
    assert (f'C2 flows (evidence/flows.csv); protected: password "{PASSWORD}", sent by '
            in row)
    assert "10m after the inject reaches each recipient" in row
    assert "spoken.bin (evidence/spoken.bin); protected: password read out by exercise " \
        "control" in row
    # untrusted text stays text
    assert "firewall &lt;logs&gt;.zip" in page and "<logs>" not in page
    assert "m3d&lt;i&gt;lock&amp;2026" in page and PASSWORD not in page


def test_no_player_page_shows_a_password(loaded):
    pages = handouts.packets(loaded.scenario)
    for name, page in pages.items():
        if name == "controller.html":
            continue
        assert "m3d&lt;i&gt;lock" not in page and "m3d" not in page, name
        assert "password" not in page.lower(), name
    cards = pages["cards.html"]
    assert "C2 flows" in cards  # the artefact itself, by the name players see
    # an inject timed after an action is not called a contingency on its card
    card5 = cards.split("<b>Inject 5</b>")[1].split("</p>")[0]
    assert "on action (only if it happens)" in card5
