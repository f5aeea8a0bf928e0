"""Formal mutual legal assistance runs between central authorities.

The police hand their case to their own central authority
(``refer_central_authority``); that authority sends the formal MLA request
(``request_mla``) to the central authorities of the countries where the data are
(domain primer §3: "A formal MLA request follows, between central authorities"). A
central authority that receives an MLA request does not send it on to a third country,
and the report's "formal MLA request" hop is the request between central authorities,
not the police's hand-over.
"""

from __future__ import annotations

from pathlib import Path

from conftest import events_of

from scenarios import load_scenario
from sim.analysis.metrics import incident_metrics
from sim.engine import Engine
from sim.engine.core import Action

# A Philippine victim, the servers in Malaysia and Viet Nam; the central authorities
# draft in an hour so that the whole chain fits in the drill
MLA = """
include: [asean/actors, asean/channels, asean/frameworks]
drill: {id: mla, title: mla, start: "2026-09-14T09:00:00+08:00", duration: 30d}
actors:
  ca-ph: {policy: {action_time: {request_mla: 1h}}}
  ca-my: {policy: {action_time: {request_mla: 1h}}}
  ca-vn: {policy: {action_time: {request_mla: 1h}}}
injects:
  - id: "1"
    at: T+00:10
    sender: hicon
    to: [police-ph]
    via: email
    tlp: GREEN
    incident: {id: i, type: botnet, severity: high, affected: [PH], hosted_in: [MY, VN],
               crime_suspected: true}
"""


def _run(tmp_path: Path):
    path = tmp_path / "mla.yaml"
    path.write_text(MLA, encoding="utf-8")
    engine = Engine(load_scenario(path), seed=0, human=["police-ph"])
    engine.run_until(120)
    engine.act(Action("police-ph", "refer_central_authority", "i", targets=("ca-ph",),
                      channel="email", tlp="GREEN", refs=("inject:1",)))
    return engine.run()


def _sent(log, verb):
    return [(e.actor, e.details["to"], e.time) for e in events_of(log, "message_sent")
            if e.details["verb"] == verb]


def test_the_central_authority_requests_mla_of_the_hosting_countries(tmp_path):
    log = _run(tmp_path)
    assert [(s, t) for s, t, _ in _sent(log, "refer_central_authority")] == [
        ("police-ph", "ca-ph")]
    requests = _sent(log, "request_mla")
    assert sorted((s, t) for s, t, _ in requests) == [("ca-ph", "ca-my"), ("ca-ph", "ca-vn")]
    # the requested authorities received it, and sent it on to nobody
    assert events_of(log, "message_delivered", "ca-my")
    assert events_of(log, "message_delivered", "ca-vn")


def test_the_formal_mla_hop_is_the_request_between_central_authorities(tmp_path):
    log = _run(tmp_path)
    [hop] = [h for h in incident_metrics(log)[0]["law_enforcement"]["hops"]
             if h["hop"] == "formal MLA request"]
    assert (hop["from"], hop["to"]) in {("ca-ph", "ca-my"), ("ca-ph", "ca-vn")}
    sent_at = min(at for s, _, at in _sent(log, "request_mla"))
    assert hop["at"] > sent_at > 120


def test_a_police_referral_to_the_central_authority_states_a_crime(tmp_path):
    from sim.engine.knowledge import IMPLIED_FACTS

    assert IMPLIED_FACTS["refer_central_authority"] == ("crime",)


def test_every_message_verb_has_its_lane_colour_in_the_timeline():
    from scenarios.model import MESSAGE_VERBS
    from sim.analysis.aar import LANE_COLOURS

    assert set(MESSAGE_VERBS) <= set(LANE_COLOURS)
    assert LANE_COLOURS["refer_central_authority"] == LANE_COLOURS["refer_police"]
