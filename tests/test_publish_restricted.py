"""A team publishes nothing on an incident it knows of only under labels that keep it
from the public: the publication is withheld, and an expectation that it publishes is
not met.

The base scenario (tests/conftest.py): cert-a hears of incident x from exercise control
at T+01:00; acknowledging takes 10m, analysing 30m, drafting 5m.
"""

from __future__ import annotations

from conftest import events_of

from sim.engine import Engine


def _advisory(sd, tlp: str, facts_tlp: str | None = None, breach: float = 0.0):
    """cert-a publishes an advisory on every incident it handles (no condition), and
    is expected to within 4 hours."""
    sd["frameworks"]["fw"]["rules"] = {"advisory": {
        "by": ["national_cert"], "on": ["inject"], "action": "publish", "deadline": "4h"}}
    sd["injects"][0]["tlp"] = tlp
    if facts_tlp is not None:
        sd["injects"][0]["facts_tlp"] = facts_tlp
    sd["actors"]["cert-a"]["policy"] = {**sd["actors"]["cert-a"]["policy"],
                                        "tlp_breach": breach}
    sd["expectations"] = [{"id": "E1", "description": "cert-a publishes an advisory",
                           "actors": ["cert-a"], "action": "publish", "incident": "x",
                           "within": "4h", "score": 5}]
    return sd


def _outcome(log) -> str:
    [outcome] = [e.type for e in log if e.type.startswith("expectation_")]
    return outcome


def test_an_incident_known_only_under_red_is_not_published(scenario_data, load):
    log = Engine(load(_advisory(scenario_data, "RED")), seed=1).run()
    assert not events_of(log, "published")
    assert not events_of(log, "tlp_violation")
    [withheld] = events_of(log, "withheld", "cert-a")
    assert withheld.details["to"] == "public" and withheld.details["action"] == "publish"
    assert withheld.details["refs"] == ["inject:1"]
    # what it kept back: everything it knows of the incident
    assert set(withheld.details["facts"]) == {"type:botnet", "affected:SG", "affected:TH"}
    assert withheld.details["reason"] == "no message without restricted facts"
    assert _outcome(log) == "expectation_missed"


def test_green_is_not_for_the_public_either(scenario_data, load):
    log = Engine(load(_advisory(scenario_data, "GREEN")), seed=1).run()
    assert not events_of(log, "published")
    assert _outcome(log) == "expectation_missed"


def test_facts_released_as_clear_are_published(scenario_data, load):
    # the report itself is RED, but control released the incident's facts as CLEAR
    log = Engine(load(_advisory(scenario_data, "RED", facts_tlp="CLEAR")), seed=1).run()
    [published] = events_of(log, "published", "cert-a")
    assert published.time == 105  # 10m acknowledging, 30m analysing, 5m drafting
    assert [e.details["to"] for e in events_of(log, "withheld")] == ["public"]
    assert not events_of(log, "tlp_violation")
    assert _outcome(log) == "expectation_met"


def test_a_clear_report_alongside_a_red_one_is_published(scenario_data, load):
    sd = _advisory(scenario_data, "RED")
    sd["injects"].append({**sd["injects"][0], "id": "2", "tlp": "CLEAR",
                          "title": "Public report"})
    log = Engine(load(sd), seed=1).run()
    assert events_of(log, "published", "cert-a")
    assert _outcome(log) == "expectation_met"


def test_a_team_that_breaches_labels_publishes_as_a_violation(scenario_data, load):
    log = Engine(load(_advisory(scenario_data, "RED", breach=1.0)), seed=1).run()
    assert events_of(log, "published", "cert-a")
    assert [(e.details["to"], e.details["tlp"]) for e in events_of(log, "tlp_violation")] \
        == [("public", "RED")]


def test_a_clear_report_joining_later_is_published_when_it_arrives(scenario_data, load):
    # the RED report arrives first: the advisory is withheld, and no desk time goes into
    # drafting it; the CLEAR report two hours later gives the team something to publish
    sd = _advisory(scenario_data, "RED")
    sd["injects"].append({**sd["injects"][0], "id": "2", "at": "T+03:00", "tlp": "CLEAR",
                          "title": "Public report"})
    log = Engine(load(sd), seed=1).run()
    [withheld] = [e for e in events_of(log, "withheld", "cert-a") if "facts" in e.details]
    assert withheld.time == 100  # on the RED report, once analysed (10m + 30m), undrafted
    [published] = events_of(log, "published", "cert-a")
    # the CLEAR report at T+03:00: acknowledged (10m), nothing new to analyse, drafted (5m)
    assert published.time == 195
    # due from when the team could first say something in public (4h from T+03:00)
    assert published.details["trigger_at"] == 180
    assert published.details["deadline_at"] == 420
    assert _outcome(log) == "expectation_met"


def test_a_publication_withheld_by_a_team_that_may_breach_is_tried_again(scenario_data,
                                                                           load):
    # a team with a small chance of breaching labels drafts, then keeps the advisory
    # back at sending; the CLEAR report that joins later is published
    sd = _advisory(scenario_data, "RED", breach=1e-9)
    sd["injects"].append({**sd["injects"][0], "id": "2", "at": "T+03:00", "tlp": "CLEAR",
                          "title": "Public report"})
    log = Engine(load(sd), seed=1).run()
    assert [e.time for e in events_of(log, "withheld", "cert-a")
            if "facts" in e.details] == [105]
    assert len(events_of(log, "published", "cert-a")) == 1
    assert not events_of(log, "tlp_violation")
    assert _outcome(log) == "expectation_met"


def test_a_green_report_joined_later_by_a_clear_one_is_due_from_the_clear_one(
        scenario_data, load):
    # GREEN is for the community, not the public: the advisory waits for the CLEAR
    # report, and its deadline counts from that report, not from the GREEN one
    sd = _advisory(scenario_data, "GREEN")
    sd["injects"].append({**sd["injects"][0], "id": "2", "at": "T+03:00", "tlp": "CLEAR",
                          "title": "Public report"})
    log = Engine(load(sd), seed=1).run()
    [published] = events_of(log, "published", "cert-a")
    assert published.time == 195
    assert (published.details["trigger_at"], published.details["deadline_at"]) == (180, 420)


def test_facts_told_again_under_clear_by_another_team_are_published(scenario_data, load):
    # cert-a has the incident as GREEN from control; at T+03:00 cert-b is given it as
    # CLEAR and tells cert-a under CLEAR: that message lets cert-a publish
    sd = _advisory(scenario_data, "GREEN")
    rules = sd["frameworks"]["fw"]["rules"]
    rules["notify"] = {"by": ["cert-b"], "on": ["inject"], "action": "notify",
                       "to": ["affected_certs"], "channel": "email", "deadline": "4h",
                       "tlp": "CLEAR"}
    rules["advisory"]["by"] = ["cert-a"]
    sd["injects"].append({**sd["injects"][0], "id": "2", "at": "T+03:00", "tlp": "CLEAR",
                          "to": ["cert-b"], "title": "Public report"})
    log = Engine(load(sd), seed=1).run()
    [told] = [e for e in events_of(log, "message_delivered")
              if e.details.get("sender") == "cert-b"]
    [published] = events_of(log, "published", "cert-a")
    assert published.time > told.time
    assert published.details["trigger_at"] == told.time
    assert _outcome(log) == "expectation_met"
