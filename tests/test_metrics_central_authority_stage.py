"""The law-enforcement chain has the police's hand-over to their own central authority
(``refer_central_authority``, police -> central authority) between "police -> foreign
police" and "formal MLA request", and the formal MLA request is ``request_mla`` to a
central authority: "end to end" no longer stops before the hand-over.

The drill: cert-a (Singapore) refers a suspected crime to the Singapore police, who
hand the case to Singapore's central authority. One country has a central authority,
so the hand-over can happen and a formal MLA request (between two) cannot.
"""

from __future__ import annotations

from typing import Any

from conftest import events_of, police

from scenarios.model import StageNames
from sim.analysis.metrics import (
    LAW_ENFORCEMENT_HOPS,
    STAGE_KEYS,
    STAGE_NEEDS,
    compute,
    incident_metrics,
)
from sim.analysis.report import render_text
from sim.engine import Engine
from sim.engine.events import Event

HANDOVER = "police -> central authority"
ORDER = ["CERT -> national police", "preservation request", "police -> international channel",
         "police -> foreign police", HANDOVER, "formal MLA request"]


def central_authority(country: str = "SG", tz: str = "Asia/Singapore") -> dict[str, Any]:
    return {"name": f"Central authority {country}", "kind": "central_authority",
            "country": country, "timezone": tz,
            "contacts": {"email": {"address": f"ca@{country.lower()}"}}}


def _drill(data: dict[str, Any], with_authority: bool = True) -> dict[str, Any]:
    data["actors"]["police-sg"] = police()
    if with_authority:
        data["actors"]["ca-sg"] = central_authority()
    data["injects"][0]["incident"]["crime_suspected"] = True
    rules = data["frameworks"]["fw"]["rules"]
    rules["refer"] = {"by": ["national_cert"], "on": ["inject"],
                      "when": {"crime_suspected": True, "actor_affected": True},
                      "action": "refer_police", "to": ["national_police"], "channel": "email",
                      "deadline": "4h", "tlp": "GREEN"}
    rules["to-central-authority"] = {"by": ["national_police"], "on": ["refer_police"],
                                     "action": "refer_central_authority",
                                     "to": ["central_authority"], "channel": "email",
                                     "deadline": "1d", "tlp": "GREEN"}
    return data


def _hops(m: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["hop"]: h for h in m["incidents"][0]["law_enforcement"]["hops"]}


def test_the_chain_lists_the_hand_over_before_the_formal_mla_request():
    assert [h[0] for h in LAW_ENFORCEMENT_HOPS] == ORDER
    assert dict((h[0], h[1:]) for h in LAW_ENFORCEMENT_HOPS)[HANDOVER] == (
        "refer_central_authority", "central_authority")
    # the formal MLA request is the one sent to a central authority
    assert LAW_ENFORCEMENT_HOPS[-1][1:] == ("request_mla", "central_authority")
    assert STAGE_KEYS == ("police_referral", "preservation", "international_channel",
                          "foreign_police", "central_authority", "mla")
    assert STAGE_NEEDS["central_authority"] == ("central_authority", 1)


def test_end_to_end_runs_to_the_hand_over(scenario_data, load):
    log = Engine(load(_drill(scenario_data)), seed=0).run()
    [handed] = [e for e in events_of(log, "message_delivered", "ca-sg")
                if e.details["verb"] == "refer_central_authority"]
    m = compute(log)
    hops = _hops(m)
    assert list(hops) == ORDER
    hop = hops[HANDOVER]
    assert (hop["from"], hop["to"], hop["at"]) == ("police-sg", "ca-sg", handed.time)
    referral = hops["CERT -> national police"]["at"]
    assert hop["hop_duration"] == handed.time - referral
    e2e = m["incidents"][0]["law_enforcement"]["end_to_end"]
    assert e2e == {"to": HANDOVER, "at": handed.time, "after": handed.time - 60}
    # a formal MLA request needs central authorities in two countries
    assert hops["formal MLA request"]["modelled"] is False
    text = render_text(m)
    [line] = [ln for ln in text.splitlines() if ln.strip().startswith(HANDOVER)]
    assert "Police SG -> Central authority SG" in line
    assert f"to {HANDOVER}" in next(ln for ln in text.splitlines() if "end to end" in ln)


def test_a_drill_without_a_central_authority_has_no_hand_over(scenario_data, load):
    m = compute(Engine(load(_drill(scenario_data, with_authority=False)), seed=0).run())
    hop = _hops(m)[HANDOVER]
    assert hop["at"] is None and hop["modelled"] is False
    [line] = [ln for ln in render_text(m).splitlines() if ln.strip().startswith(HANDOVER)]
    assert line.endswith("not in this drill")


def test_a_scenario_names_the_hand_over(scenario_data, load):
    data = _drill(scenario_data)
    data["drill"]["names"] = {"central_authority": "PNP -> DOJ"}
    m = compute(Engine(load(data), seed=0).run())
    hops = m["incidents"][0]["law_enforcement"]["hops"]
    assert [(h["hop"], h["stage"]) for h in hops][4] == ("PNP -> DOJ", "central_authority")
    assert hops[4]["to"] == "ca-sg"
    assert m["incidents"][0]["law_enforcement"]["end_to_end"]["to"] == "PNP -> DOJ"


def test_the_stage_name_is_optional_and_left_out_of_logs_when_not_given():
    assert StageNames().central_authority == HANDOVER
    # a scenario that names other stages logs its names as it always did
    assert "central_authority" not in StageNames(police_referral="x").model_dump()
    assert StageNames(central_authority="y").model_dump()["central_authority"] == "y"


def test_batch_rows_have_the_hand_over(scenario_data, load):
    from sim.runs.batch import INCIDENT_METRICS, replication_rows

    loaded = load(_drill(scenario_data))
    rows = {(i, name): v for i, name, v in replication_rows(loaded.scenario, 0)}
    m = compute(Engine(loaded, seed=0, words=False).run())
    assert rows[("x", "le.police_to_central_authority")] == _hops(m)[HANDOVER]["after"]
    assert "le.police_to_central_authority" in INCIDENT_METRICS
    named = _drill(scenario_data)
    named["drill"]["names"] = {"central_authority": "PNP -> DOJ"}
    rows = {name for _, name, _ in replication_rows(load(named).scenario, 0)}
    assert "le.police_to_central_authority" in rows


def test_the_after_action_report_times_the_hand_over(scenario_data, load):
    from sim.analysis.aar import _timing_rows

    inc = compute(Engine(load(_drill(scenario_data)), seed=0).run())["incidents"][0]
    labels = [label for label, _, _ in _timing_rows(inc)]
    assert f"Law enforcement: {HANDOVER}" in labels
    assert "Law enforcement: formal MLA request" not in labels  # not in this drill


ACTORS = {"P": {"kind": "national_police", "name": "P", "country": "SG"},
          "Q": {"kind": "national_police", "name": "Q", "country": "TH"},
          "K": {"kind": "central_authority", "name": "K", "country": "SG"},
          "L": {"kind": "central_authority", "name": "L", "country": "TH"}}


def _log(*deliveries: tuple[float, str, str, str]) -> list[Event]:
    events = [Event.make(0, 0, "drill_started", None, None,
                         {"actors": ACTORS, "expectations": []}),
              Event.make(1, 0, "incident_opened", None, "I",
                         {"title": "t", "type": "botnet", "severity": "high",
                          "affected": ["SG"], "hosted_in": ["TH"], "affected_certs": []})]
    for time, to, sender, verb in deliveries:
        events.append(Event.make(len(events), time, "message_delivered", to, "I",
                                 {"sender": sender, "verb": verb}))
    return events


def test_an_mla_request_counts_only_between_central_authorities():
    [inc] = incident_metrics(_log((10, "Q", "P", "request_mla")))
    hops = {h["hop"]: h for h in inc["law_enforcement"]["hops"]}
    assert hops["formal MLA request"]["at"] is None  # to police: not the formal request
    [inc] = incident_metrics(_log((10, "K", "P", "refer_central_authority"),
                                  (30, "L", "K", "request_mla")))
    hops = {h["hop"]: h for h in inc["law_enforcement"]["hops"]}
    assert (hops[HANDOVER]["at"], hops[HANDOVER]["hop_duration"]) == (10, 10)
    assert (hops["formal MLA request"]["at"], hops["formal MLA request"]["hop_duration"]) == (
        30, 20)
    assert inc["law_enforcement"]["end_to_end"]["to"] == "formal MLA request"


def test_a_batch_written_before_the_new_rows_is_not_resumed(tmp_path, capsys):
    # its chunks lack le.police_to_central_authority and injects_lost, and counted lost
    # injects among the messages lost: mixing them with new chunks would miscount
    import json

    from sim.cli import main

    out = tmp_path / "b"
    argv = ["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out)]
    assert main([*argv, "--chunk", "2"]) == 0
    rows = (out / "replications.csv").read_text(encoding="utf-8")
    assert ",le.police_to_central_authority.not_applicable," in rows and ",injects_lost," in rows
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == 10
    manifest["version"] = 4
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    assert "was written by an earlier version of acid-drill" in capsys.readouterr().err
