"""What players read: policy messages in words, scenario templates, log lines."""

from __future__ import annotations

import re

import pytest
from conftest import events_of

from scenarios import ScenarioError, load_scenario
from sim.engine import Engine
from sim.runs.view import DrillState

INTERNAL_ID = re.compile(r"\binject:\w|\bm\d+\b|\bd\d+\b")


def _deliveries(log, verb):
    return [e for e in events_of(log, "message_delivered") if e.details["verb"] == verb]


def test_policy_message_says_who_what_ask_by_when_and_tlp(scenario_data, load):
    inj = scenario_data["injects"][0]
    inj["title"] = "Beacons to 203.0.113.10"
    inj["text"] = "Infected PCs beacon every minute."
    inj["artefacts"] = ["proxy.csv"]
    inj["incident"].update(title="Botnet hitting SG banks", severity="high",
                           hosted_in=["MY"], crime_suspected=True)
    log = Engine(load(scenario_data)).run()
    [to_b] = [e for e in _deliveries(log, "notify") if e.actor == "cert-b"]
    subject, body = to_b.details["subject"], to_b.details["text"]
    assert "Botnet hitting SG banks" in subject and "TLP:GREEN" in subject
    assert "from CERT-SG" in body and "To CERT-TH" in body
    # the facts of the sender's picture, in words
    assert "Type: botnet, severity: high" in body
    assert "Victims in Singapore and Thailand" in body
    assert "hosted in Malaysia" in body
    assert "A crime is suspected" in body
    assert "Indicators: proxy.csv" in body
    # the ask, and the rule's 4h deadline from the inject at T+01:00 (09:00 +08 start)
    assert "Please check whether your constituency is affected" in body
    assert "Please reply by T+05:00 (Wed 19 Aug 14:00 +08)." in body
    assert "TLP:GREEN" in body
    # the inject it passes on, written out
    assert "Forwarded: Beacons to 203.0.113.10" in body
    assert "Infected PCs beacon every minute." in body
    assert to_b.details["attached"] == ["Beacons to 203.0.113.10 (proxy.csv)"]
    for e in _deliveries(log, "notify") + _deliveries(log, "escalate"):
        text = e.details["subject"] + "\n" + e.details["text"] + "\n".join(e.details["attached"])
        assert not INTERNAL_ID.search(text), text


def test_what_tlp_keeps_back_is_not_written_out(scenario_data, load):
    inj = scenario_data["injects"][0]
    inj.update(tlp="AMBER+STRICT", facts_tlp="GREEN", text="secret victim list")
    log = Engine(load(scenario_data)).run()
    to_b = [e for e in _deliveries(log, "notify") if e.actor == "cert-b"]
    assert to_b, "the GREEN facts still travel"
    for e in to_b:
        assert "secret victim list" not in e.details["text"]
        assert e.details["attached"] == []
        assert "Victims in Singapore and Thailand" in e.details["text"]


def test_a_scenario_template_overrides_the_wording(scenario_data, load):
    scenario_data["drill"]["message_templates"] = {
        "notify": {"subject": "HEADS UP {incident} [{tlp}] {{literal}}",
                   "body": "Dear {recipient}, {sender} says: {ask} Reply {deadline}."},
    }
    scenario_data["injects"][0]["incident"]["title"] = "Botnet {sender} x"
    log = Engine(load(scenario_data)).run()
    [to_b] = [e for e in _deliveries(log, "notify") if e.actor == "cert-b"]
    # a brace in a value stays text; a doubled brace in a template is a literal brace
    assert to_b.details["subject"] == "HEADS UP Botnet {sender} x [GREEN] {literal}"
    assert to_b.details["text"].startswith("Dear CERT-TH, CERT-SG says: Please check")
    assert to_b.details["text"].endswith("Reply by T+05:00 (Wed 19 Aug 14:00 +08).")
    # other verbs keep the built-in wording
    [esc] = _deliveries(log, "escalate")[:1]
    assert esc.details["subject"].startswith("[TLP:GREEN] Escalation: ")


def test_templates_do_not_change_timing(scenario_data, load):
    plain = Engine(load(scenario_data)).run()
    scenario_data["drill"]["message_templates"] = {"notify": {"body": "{facts}"}}
    worded = Engine(load(scenario_data)).run()
    assert [(e.time, e.type, e.actor) for e in plain] == [(e.time, e.type, e.actor)
                                                          for e in worded]


@pytest.mark.parametrize(("template", "words"), [
    ("Hello {nobody}", "unknown placeholder {nobody}"),
    ("Hello {sender.__class__}", "unknown placeholder {sender.__class__}"),
    ("Hello {tlp!r}", "unknown placeholder {tlp}"),
    ("Hello {tlp:>9}", "unknown placeholder {tlp}"),
    ("Hello {", "not a valid template"),
])
def test_bad_placeholders_are_refused_at_their_place(tmp_path, template, words):
    text = (
        "drill:\n  id: d\n  title: t\n  start: '2026-08-19T09:00:00+08:00'\n  duration: 8h\n"
        "  message_templates:\n    request_takedown:\n      body: " + repr(template) + "\n"
        "actors: {}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [p] = [p for p in info.value.problems if "message_templates" in p.path]
    assert p.path == "drill.message_templates.request_takedown.body"
    assert (p.mark.line, p.mark.col) == (8, 13)
    assert words in p.message
    assert str(p).startswith(f"{path}:8:13: ")


def test_an_unknown_verb_is_refused(scenario_data, load):
    scenario_data["drill"]["message_templates"] = {"takedown": {"body": "x"}}
    with pytest.raises(ScenarioError) as info:
        load(scenario_data)
    [p] = info.value.problems
    assert p.path == "drill.message_templates.takedown"
    assert "must be one of 'report', 'notify'" in p.message and "(got 'takedown')" in p.message


def _state_after(scenario, log) -> DrillState:
    st = DrillState(scenario.scenario)
    for e in log:
        st.apply(e)
    return st


def test_log_lines_say_who_did_what_to_whom(scenario_data, load):
    scenario_data["actors"]["cert-a"]["name"] = "ThaiCERT"
    scenario_data["actors"]["cert-b"]["name"] = "MyCERT"
    scenario_data["frameworks"]["fw"]["rules"]["notify"].update(
        action="request_takedown", tlp="AMBER")
    scenario = load(scenario_data)
    log = Engine(scenario).run()
    st = DrillState(scenario.scenario)
    lines = []
    for e in log:
        st.apply(e)
        lines.append(st.describe(e))
    assert "ThaiCERT sent a takedown request to MyCERT by e-mail (TLP:AMBER)" in lines
    assert "MyCERT received a takedown request from ThaiCERT by e-mail (TLP:AMBER)" in lines
    assert "ThaiCERT received inject 1 from HiCON by e-mail (TLP:GREEN): Report" in lines
    assert "ThaiCERT acknowledged Report" in lines
    assert not [line for line in lines if "message sent" in line or INTERNAL_ID.search(line)]


def test_inbox_shows_subject_and_readable_attachments(scenario_data, load):
    scenario_data["injects"][0]["artefacts"] = ["pcap.zip"]
    scenario = load(scenario_data)
    st = _state_after(scenario, Engine(scenario).run())
    [item] = [i for i in st.inbox["cert-b"] if i.kind == "notify"]
    assert item.title.startswith("[TLP:GREEN] Incident notification: ")
    assert item.artefacts == ["Report (pcap.zip)"]
    assert "What we know:" in item.text
