"""A message's words name the channel it went by: a retry by another channel, after
the first found no contact or bounced, says so, as its recipient reads it."""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _portal_only(data: dict) -> dict:
    # cert-b can be reached on the portal only: cert-a's notification finds no e-mail
    # address, then no phone number, and goes by the portal
    data["channels"]["portal"] = {"kind": "portal", "latency": "10m"}
    data["actors"]["cert-b"]["contacts"] = {"portal": {"address": "cert-th"}}
    data["frameworks"]["fw"]["rules"]["notify"]["fallback"] = ["phone", "portal"]
    return data


def test_a_message_delivered_by_a_later_channel_names_it(scenario_data, load):
    engine = Engine(load(_portal_only(scenario_data)), seed=0)
    log = engine.run()
    [delivered] = [e for e in events_of(log, "message_delivered", "cert-b")
                   if e.details["verb"] == "notify"]
    assert delivered.details["channel"] == "portal"
    last = delivered.details["text"].splitlines()[-1]
    assert last.startswith("Sent by portal under TLP:GREEN"), last
    # the recipient's copy reads the same
    [item] = [i for i in engine.actors["cert-b"].received if i.kind == "notify"]
    assert item.text == delivered.details["text"]


def test_a_template_naming_the_channel_in_its_subject_is_written_for_each_attempt(
        scenario_data, load):
    data = _portal_only(scenario_data)
    data["drill"]["message_templates"] = {"notify": {"subject": "[{channel}] {incident}"}}
    log = Engine(load(data), seed=0).run()
    assert [(e.details["channel"], e.details["subject"]) for e in events_of(log, "message_sent")
            if e.details["to"] == "cert-b"] == [
        ("email", "[e-mail] Report"), ("phone", "[phone] Report"), ("portal", "[portal] Report")]
