"""A preservation request over the Budapest Convention 24/7 network gets carried out.

Japan's police ask their 24/7 point of contact to have data hosted in the Philippines
preserved; it sends the Art. 29 request over the 24/7 network to the Philippines' point
of contact, the DOJ Office of Cybercrime (ca-ph in the library), which passes it to the
Philippine National Police, who have the data preserved.
"""

from __future__ import annotations

from pathlib import Path

from conftest import events_of

from scenarios import load_scenario
from sim.engine import Engine

# Japan's police and 24/7 point of contact (the library has neither). The INTERPOL
# path between the police forces is switched off, so that the 24/7 network is the only
# way the request reaches the Philippines.
SCENARIO = """\
include: [asean/actors, asean/channels, asean/frameworks]
drill:
  id: p247
  title: 24/7 preservation into PH
  tlp: CLEAR
  start: "2026-09-10T09:00:00+08:00"
  duration: 14d
actors:
  jpcert: {kind: national_cert}
  police-jp:
    name: NPA Cybercrime (test)
    kind: national_police
    country: JP
    timezone: Asia/Tokyo
    working_hours: "09:00-18:00"
    contacts:
      email: {address: c@npa.example}
      police_network: {address: I-24/7/NCB-JP}
  ca-jp:
    name: JP 24/7 point (test)
    kind: central_authority
    country: JP
    timezone: Asia/Tokyo
    working_hours: "09:00-18:00"
    contacts:
      email: {address: c@ca-jp.example}
      network_247: {address: 24-7-poc/JP}
      mla: {address: central-authority/JP}
frameworks:
  law-enforcement:
    rules:
      preservation-request: {enabled: false}
      police-to-foreign-police: {hold_until: []}
injects:
  - {id: "1", at: T+00:30, sender: hicon, to: [jpcert], via: email, tlp: CLEAR, title: jp,
     incident: {id: i1, type: fraud, severity: high, affected: [JP], hosted_in: [HOSTED],
                crime_suspected: true}}
"""


def _run(tmp_path: Path, hosted: str, seed: int):
    path = tmp_path / f"p247-{hosted}.yaml"
    path.write_text(SCENARIO.replace("HOSTED", hosted), encoding="utf-8")
    return Engine(load_scenario(path), seed=seed).run()


def _sent(log, actor: str, verb: str) -> list:
    """The messages ``actor`` sent with ``verb``, first attempts only (not chases)."""
    return [e for e in events_of(log, "message_sent", actor)
            if e.details["verb"] == verb and e.details["attempt"] == 1]


def test_a_preservation_request_over_the_24_7_network_is_carried_out(tmp_path: Path):
    for seed in (0, 1, 2):
        log = _run(tmp_path, "PH", seed)
        # the request reaches the Philippines' 24/7 point over the network...
        [over_network] = _sent(log, "ca-jp", "request_preservation")
        assert (over_network.details["to"], over_network.details["channel"]) == (
            "ca-ph", "network_247")
        # ...which passes it to the national police, who preserve the data
        [passed] = _sent(log, "ca-ph", "request_preservation")
        assert passed.details["to"] == "police-ph"
        assert passed.details["rule"] == "preservation-from-24-7-network"
        [preserved] = events_of(log, "preserved")
        assert (preserved.actor, preserved.details["rule"]) == ("police-ph", "preserve-data")
        assert preserved.time > passed.time
        # days at most (a weekend on the way), not the weeks an MLA request takes
        assert preserved.time - over_network.time < 10 * 24 * 60


def test_a_request_for_data_hosted_elsewhere_is_not_passed_to_the_police(tmp_path: Path):
    # the same request for data in Singapore (not a Party, on no 24/7 network) never
    # reaches the DOJ Office of Cybercrime, and its police are asked for nothing
    log = _run(tmp_path, "SG", 0)
    assert not _sent(log, "ca-jp", "request_preservation")
    assert not events_of(log, "message_delivered", "ca-ph")
    assert not events_of(log, "preserved")
