"""Scenario files with one broken reference each, and the exact problem the loader reports
(the cases mutation testing found untested).

The base scenario (tests/conftest.py): exercise control ``ctl``, two CERTs ``cert-a``
(Singapore) and ``cert-b`` (Bangkok), a regional ``council``, the channels ``email`` and
``phone``, the framework ``fw`` with the rules ``notify`` and ``escalate``, the group
``asean`` and one inject ``1`` at T+01:00 opening incident ``x``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from conftest import write

from scenarios import ScenarioError, load_scenario
from scenarios.loader import (
    IncludeRoots,
    Problem,
    format_path,
    library_dir,
    resolve_scenario_arg,
)
from scenarios.yamlsrc import Mark


def problems(tmp_path: Path, data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, data))
    return [(p.path, p.message) for p in info.value.problems]


def rule(data: dict[str, Any], rid: str = "notify") -> dict[str, Any]:
    return data["frameworks"]["fw"]["rules"][rid]


def expectation(**extra: Any) -> dict[str, Any]:
    return {"id": "E1", "actors": ["cert-a"], "action": "acknowledge", "incident": "x",
            "within": "1h", **extra}


def contingency(iid: str = "C1", **extra: Any) -> dict[str, Any]:
    return {"id": iid, "type": "contingency", "sender": "ctl", "to": ["cert-a"],
            "via": "email", "incident": {"id": "x"}, **extra}


# --- actors, channels and rules --------------------------------------------------


def test_an_actor_named_like_a_selector(tmp_path, scenario_data):
    scenario_data["actors"]["victims"] = scenario_data["actors"].pop("council")
    rule(scenario_data, "escalate")["to"] = ["cert-b"]
    assert problems(tmp_path, scenario_data) == [
        ("actors.victims", "'victims' is a recipient selector name; choose another actor id")]


def test_contacts_and_on_call_on_unknown_channels(tmp_path, scenario_data):
    actor = scenario_data["actors"]["cert-a"]
    actor["contacts"]["fax"] = {"address": "+65-2"}
    actor["on_call"] = {"channels": ["phone", "phon"]}
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.contacts.fax", "unknown channel 'fax'"),
        ("actors.cert-a.on_call.channels[1]", "unknown channel 'phon'; did you mean 'phone'?"),
    ]


def test_a_standby_window_of_an_unknown_actor(tmp_path, scenario_data):
    scenario_data["drill"]["standby"] = [{"actors": ["cert-a", "cert-aa"], "start": "T+00:00"}]
    assert problems(tmp_path, scenario_data) == [
        ("drill.standby[0].actors[1]", "unknown actor 'cert-aa'; did you mean 'cert-a'?")]


def test_a_rule_id_used_in_two_frameworks(tmp_path, scenario_data):
    scenario_data["frameworks"]["other"] = {
        "title": "Other", "rules": {"notify": dict(rule(scenario_data))}}
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.other.rules.notify", "rule id 'notify' is already used in framework 'fw'")]


def test_a_rule_sending_on_unknown_channels(tmp_path, scenario_data):
    rule(scenario_data).update(channel="mail", fallback=["phone", "fax"])
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.channel", "unknown channel 'mail'; did you mean 'email'?"),
        ("frameworks.fw.rules.notify.fallback[1]", "unknown channel 'fax'"),
    ]


def test_who_may_apply_a_rule(tmp_path, scenario_data):
    # a kind, an actor, a country code, a group: all known; then two unknown names
    rule(scenario_data)["by"] = ["national_cert", "cert-a", "SG", "asean", "cert-aa", "S1"]
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.by[4]",
         "'cert-aa' is neither a kind of actor, an actor, a country, a group nor a team; "
         "did you mean 'cert-a'?"),
        ("frameworks.fw.rules.notify.by[5]",
         "'S1' is neither a kind of actor, an actor, a country, a group nor a team"),
    ]


def test_a_rule_conditioned_on_unknown_phases_injects_and_groups(tmp_path, scenario_data):
    scenario_data["drill"]["phases"] = {"detect": {"start": "T+00:00"}}
    rule(scenario_data)["when"] = {"phase": ["detect", "detekt"], "received": ["1", "12"]}
    rule(scenario_data, "escalate")["when"]["affected_group"] = "aseam"
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.when.phase[1]",
         "unknown phase 'detekt'; did you mean 'detect'?"),
        ("frameworks.fw.rules.notify.when.received[1]", "no inject '12'; did you mean '1'?"),
        ("frameworks.fw.rules.escalate.when.affected_group",
         "unknown group 'aseam'; did you mean 'asean'?"),
    ]


def test_a_rule_to_an_unknown_recipient_or_one_without_its_channel(tmp_path, scenario_data):
    scenario_data["actors"]["ctl"]["contacts"] = {"fax": {"address": "+65-3"}}
    scenario_data["channels"]["fax"] = {"kind": "phone", "latency": "1m"}
    rule(scenario_data)["to"] = ["affected_certs", "council", "ctl", "councel"]
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.to[2]",
         "actor 'ctl' has no point of contact on email, phone (it has: fax)"),
        ("frameworks.fw.rules.notify.to[3]",
         "'councel' is neither an actor, a team nor a selector "
         "(affected_certs, hosting_certs, member_certs, partner_certs, regional_council, "
         "national_police, hosting_police, police_channels, central_authority, "
         "hosting_central_authorities, hosting_24_7_points, local_isps, victims, regulators, "
         "sender, exercise_control); did you mean 'council'?"),
    ]


def test_a_rule_to_an_actor_with_no_contact_at_all(tmp_path, scenario_data):
    scenario_data["actors"]["ctl"]["contacts"] = {}
    rule(scenario_data)["to"] = ["ctl"]
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.to[0]",
         "actor 'ctl' has no point of contact on email, phone (it has: none)")]


def test_a_rule_to_a_team_is_checked_for_contacts_member_by_member(tmp_path, scenario_data):
    scenario_data["actors"]["ctl"]["contacts"] = {}
    scenario_data["teams"] = {"control": ["ctl"]}
    rule(scenario_data)["to"] = ["control"]
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.to[0]", "team 'control': actor 'ctl' has no point of "
         "contact on email, phone (it has: none)")]


def test_a_rule_after_an_unknown_rule_and_an_unknown_rule_probability(tmp_path, scenario_data):
    rule(scenario_data, "escalate")["after"] = ["notify", "notfy"]
    scenario_data["actors"]["cert-a"]["policy"]["rule_probability"] = {"escalat": 0.5}
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.policy.rule_probability.escalat",
         "unknown rule 'escalat'; did you mean 'escalate'?"),
        ("frameworks.fw.rules.escalate.after[1]", "unknown rule 'notfy'; did you mean 'notify'?"),
    ]


# --- injects ---------------------------------------------------------------------


def inject(data: dict[str, Any]) -> dict[str, Any]:
    return data["injects"][0]


def test_an_inject_id_used_twice(tmp_path, scenario_data):
    scenario_data["injects"].append(dict(inject(scenario_data), at="T+02:00"))
    assert problems(tmp_path, scenario_data) == [
        ("injects[1].id", "inject id '1' is already used by injects[0]")]


def test_an_inject_from_an_unknown_sender_by_an_unknown_channel(tmp_path, scenario_data):
    inject(scenario_data).update(sender="ctl2", via="fax")
    assert problems(tmp_path, scenario_data) == [
        ("injects[0].sender", "unknown actor 'ctl2'; did you mean 'ctl'?"),
        ("injects[0].via", "unknown channel 'fax'"),
    ]


def test_an_inject_to_an_actor_without_a_contact_on_its_channel(tmp_path, scenario_data):
    scenario_data["actors"]["cert-a"]["contacts"] = {"phone": {"address": "+65-1"}}
    scenario_data["actors"]["cert-b"]["contacts"] = {}
    scenario_data["teams"] = {"all": ["cert-a", "cert-b"]}
    inject(scenario_data)["to"] = ["cert-a", "cert-b", "all", "cert-bb"]
    assert problems(tmp_path, scenario_data) == [
        ("injects[0].to[0]",
         "actor 'cert-a' has no point of contact on channel 'email' (it has: phone)"),
        ("injects[0].to[1]",
         "actor 'cert-b' has no point of contact on channel 'email' (it has: none)"),
        ("injects[0].to[3]", "unknown actor 'cert-bb'; did you mean 'cert-b'?"),
    ]


def test_a_password_sent_on_an_unknown_channel(tmp_path, scenario_data):
    inject(scenario_data)["artefacts"] = [
        "a note", {"file": "a.txt", "protected": {"password_via": "sms", "password": "pw"}}]
    assert problems(tmp_path, scenario_data) == [
        ("injects[0].artefacts[1].protected.password_via", "unknown channel 'sms'")]


def test_when_an_inject_is_timed(tmp_path, scenario_data):
    first = inject(scenario_data)
    scenario_data["injects"] += [
        dict(first, id="2", at=None),
        dict(first, id="3", at="T+02:00", after_action={"action": "notify"}),
        contingency("C1", at="T+02:00"),
        contingency("C2", after_action={"action": "notify", "by": "cert-aa"}),
        dict(first, id="4", at="2026-08-19T08:00:00+08:00"),
    ]
    scenario_data["injects"][1].pop("at")
    assert problems(tmp_path, scenario_data) == [
        ("injects[1].at", "a scheduled inject needs 'at' (only contingency injects omit it)"),
        ("injects[2].at", "an inject timed by after_action has no 'at'; remove one"),
        ("injects[3].at",
         "a contingency inject fires when an expectation is missed; remove 'at'"),
        ("injects[4].after_action",
         "a contingency inject is fired by an expectation, not by after_action"),
        ("injects[4].after_action.by",
         "unknown actor or team 'cert-aa'; did you mean 'cert-a'?"),
        ("injects[5].at", "'2026-08-19T08:00:00+08:00' is before the drill starts"),
    ]


def test_an_inject_timed_after_an_action_needs_no_at(tmp_path, scenario_data):
    scenario_data["injects"].append(
        {**inject(scenario_data), "id": "2", "at": None,
         "after_action": {"action": "notify", "by": ["cert-a"]}})
    del scenario_data["injects"][1]["at"]
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.injects[1].after_action.by == ["cert-a"]


def test_inject_conditions_on_unknown_actors_phases_and_expectations(tmp_path, scenario_data):
    scenario_data["drill"]["phases"] = {"detect": {"start": "T+00:00"}}
    scenario_data["expectations"] = [expectation(id="told")]
    inject(scenario_data)["when"] = {
        "done": [{"action": "notify", "by": ["cert-a", "cert-aa"]}],
        "not_done": [{"action": "escalate", "by": "counsel"}],
        "phase": ["detect", "respond"],
        "met": ["told", "tolt"], "missed": ["toll"],
    }
    assert problems(tmp_path, scenario_data) == [
        ("injects[0].when.done[0].by[1]",
         "unknown actor or team 'cert-aa'; did you mean 'cert-a'?"),
        ("injects[0].when.not_done[0].by",
         "unknown actor or team 'counsel'; did you mean 'council'?"),
        ("injects[0].when.phase[1]", "unknown phase 'respond'"),
        ("injects[0].when.met[1]", "no expectation 'tolt'; did you mean 'told'?"),
        ("injects[0].when.missed[0]", "no expectation 'toll'; did you mean 'told'?"),
    ]


def test_the_first_inject_about_an_incident_gives_its_type(tmp_path, scenario_data):
    first = inject(scenario_data)
    scenario_data["injects"] += [
        dict(first, id="2", at="T+02:00", incident={"id": "x"}),  # an update: no type needed
        dict(first, id="3", at="T+03:00", incident={"id": "y"}),
        contingency("C1", incident={"id": "z"}),  # a contingency may open one untyped
    ]
    assert problems(tmp_path, scenario_data) == [
        ("injects[2].incident.type", "the first inject about incident 'y' must give its type")]


def test_an_inject_and_a_task_serving_an_unknown_objective(tmp_path, scenario_data):
    scenario_data["drill"]["objectives"] = [{"id": "reach", "text": "Reach the council"}]
    inject(scenario_data)["objective"] = "reech"
    scenario_data["expectations"] = [expectation(objective="reach")]
    scenario_data["tasks"] = [{"id": "Q1", "question": "Who?", "to": ["cert-a"],
                               "at": "T+01:00", "objective": "roach"}]
    assert problems(tmp_path, scenario_data) == [
        ("injects[0].objective", "unknown objective 'reech'; did you mean 'reach'?"),
        ("tasks[0].objective", "unknown objective 'roach'; did you mean 'reach'?"),
    ]


# --- expectations ----------------------------------------------------------------


def test_an_expectation_id_used_twice(tmp_path, scenario_data):
    scenario_data["expectations"] = [expectation(), expectation()]
    assert problems(tmp_path, scenario_data) == [
        ("expectations[1].id", "expectation id 'E1' is already used by expectations[0]")]


def test_who_may_be_expected_to_act(tmp_path, scenario_data):
    scenario_data["teams"] = {"certs": ["cert-a", "cert-b"]}
    scenario_data["expectations"] = [expectation(
        actors=["cert-a", "certs", "member_certs", "affected_certs", "national_police",
                "cert-aa"])]
    assert problems(tmp_path, scenario_data) == [
        ("expectations[0].actors[4]",
         "unknown actor or team 'national_police'; 'national_police' depends on an acting "
         "actor, so it cannot list who is expected to act"),
        ("expectations[0].actors[5]", "unknown actor or team 'cert-aa'; did you mean 'cert-a'?"),
    ]


def test_an_expectation_anchored_on_an_unknown_inject_or_aimed_at_an_unknown_target(
        tmp_path, scenario_data):
    scenario_data["teams"] = {"certs": ["cert-a", "cert-b"]}
    scenario_data["expectations"] = [
        expectation(id="E1", after="9", target="councel"),
        expectation(id="E2", after="1", target="certs"),
        expectation(id="E3", target="regional_council"),
    ]
    assert problems(tmp_path, scenario_data) == [
        ("expectations[0].after", "'after' is 'incident' or an inject id; no inject '9'"),
        ("expectations[0].target", "unknown actor or selector 'councel'; did you mean 'council'?"),
    ]


def test_the_injects_an_expectation_fires(tmp_path, scenario_data):
    scenario_data["injects"].append(contingency("call"))
    scenario_data["expectations"] = [expectation(
        contingency="call", on_met="1", on_late="cal", on_lost="call")]
    assert problems(tmp_path, scenario_data) == [
        ("expectations[0].on_met", "inject '1' is not of type 'contingency'"),
        ("expectations[0].on_late", "no inject 'cal'; did you mean 'call'?"),
    ]


def test_an_expectation_anchored_on_its_own_contingency(tmp_path, scenario_data):
    scenario_data["injects"].append(contingency("C1"))
    scenario_data["expectations"] = [expectation(after="C1", contingency="C1")]
    assert problems(tmp_path, scenario_data) == [
        ("expectations[0].after",
         "anchored on inject 'C1', its own contingency, which fires only once the "
         "expectation is missed")]


def test_a_deadline_before_the_incident_opens(tmp_path, scenario_data):
    first = inject(scenario_data)
    scenario_data["injects"] += [
        dict(first, id="2", at="T+00:10", incident={"id": "y", "type": "ddos"}),
        dict(first, id="3", at="T+01:30", incident={"id": "x"}),
    ]
    scenario_data["expectations"] = [
        expectation(id="E1", after="2", within="30m"),  # due T+00:40, x opens at T+01:00
        expectation(id="E2", after="2", within="50m"),  # due exactly when x opens
        expectation(id="E3", after="3", within="1m"),
    ]
    assert problems(tmp_path, scenario_data) == [
        ("expectations[0].after",
         "the deadline T+00:40 (30m after inject '2') falls before incident 'x' opens at "
         "T+01:00")]


# --- tasks -----------------------------------------------------------------------


def test_a_task_to_unknown_actors_after_an_unknown_inject(tmp_path, scenario_data):
    scenario_data["tasks"] = [
        {"id": "Q1", "question": "Who?", "to": ["cert-a", "cert-aa"], "inject": "12"},
        {"id": "Q2", "question": "When?", "to": ["cert-b"], "at": "2026-08-19T08:00:00+08:00"},
        {"id": "Q3", "question": "How?", "to": ["cert-b"], "at": "T+1:99"},
    ]
    found = problems(tmp_path, scenario_data)
    assert found[:3] == [
        ("tasks[0].to[1]", "unknown actor or team 'cert-aa'; did you mean 'cert-a'?"),
        ("tasks[0].inject", "no inject '12'; did you mean '1'?"),
        ("tasks[1].at", "'2026-08-19T08:00:00+08:00' is before the drill starts"),
    ]
    assert [p for p, _ in found[3:]] == ["tasks[2].at"] * (len(found) - 3)
    assert all("is not a drill time" in m for _, m in found[3:]), found


# --- teams -----------------------------------------------------------------------


def test_team_names_that_clash(tmp_path, scenario_data):
    scenario_data["teams"] = {"cert-a": ["cert-b"], "victims": ["cert-b"],
                              "asean": ["cert-b"], "national_cert": ["cert-b"]}
    assert problems(tmp_path, scenario_data) == [
        ("teams.cert-a", "team 'cert-a' has the name of an actor; choose another"),
        ("teams.victims", "'victims' is a recipient selector name; choose another team name"),
        ("teams.asean", "team 'asean' has the name of a country group or kind; choose another"),
        ("teams.national_cert",
         "team 'national_cert' has the name of a country group or kind; choose another"),
    ]


def test_teams_naming_what_does_not_exist(tmp_path, scenario_data):
    scenario_data["memberships"] = {"first": {"title": "FIRST", "countries": ["SG"]}}
    scenario_data["teams"] = {
        "listed": ["cert-a", "filtered", "member_certs", "cert-aa"],
        "filtered": {"kind": ["national_cert"], "country_in": ["SG", "asean", "first", "SGP"],
                     "include": ["council", "listed", "counsel"], "exclude": ["cert-bb"]},
    }
    assert problems(tmp_path, scenario_data) == [
        ("teams.listed[3]", "unknown actor or team 'cert-aa'; did you mean 'cert-a'?"),
        ("teams.filtered.country_in[3]",
         "'SGP' is neither a country code nor a group or membership"),
        ("teams.filtered.include[2]", "unknown actor or team 'counsel'; did you mean 'council'?"),
        ("teams.filtered.exclude[0]", "unknown actor or team 'cert-bb'; did you mean 'cert-b'?"),
    ]


# --- outages, contact changes and pair latencies ---------------------------------


def test_outages_on_unknown_channels_actors_and_times(tmp_path, scenario_data):
    scenario_data["actors"]["council"]["contacts"] = {}
    scenario_data["outages"] = [
        {"channel": "fax", "actor": "cert-aa", "start": "T+01:00", "end": "T+02:00"},
        {"channel": "email", "actor": "council", "start": "T+02:00", "end": "T+01:00"},
        {"channel": "email", "start": "2026-08-19T08:00:00+08:00", "end": "T+01:00"},
        {"channel": "email", "start": "T+01:00", "end": "T+01:00"},
        {"channel": "email", "actor": "cert-a", "start": "T+01:00", "end": "T+03:00"},
    ]
    assert problems(tmp_path, scenario_data) == [
        ("outages[0].channel", "unknown channel 'fax'"),
        ("outages[0].actor", "unknown actor 'cert-aa'; did you mean 'cert-a'?"),
        ("outages[1].actor",
         "actor 'council' has no point of contact on channel 'email' (it has: none)"),
        ("outages[1].end", "the outage ends (T+01:00) before it starts (T+02:00)"),
        ("outages[2].start", "'2026-08-19T08:00:00+08:00' is before the drill starts"),
        ("outages[3].end", "the outage ends (T+01:00) before it starts (T+01:00)"),
    ]


def test_contact_changes_and_pair_latencies_of_unknown_actors(tmp_path, scenario_data):
    scenario_data["contact_changes"] = [
        {"at": "T+01:00", "actor": "cert-a", "channel": "phone", "stale": True},
        {"at": "2026-08-19T08:00:00+08:00", "actor": "counsel", "channel": "email",
         "stale": True},
        {"at": "T+01:00", "actor": "ctl", "channel": "phone", "stale": True},
    ]
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"sender": "cert-a", "recipient": "cert-bb", "latency": "1h"},
        {"sender": "ctl2", "latency": "1h"},
    ]
    assert problems(tmp_path, scenario_data) == [
        ("channels.email.pair_latency[0].recipient",
         "unknown actor 'cert-bb'; did you mean 'cert-b'?"),
        ("channels.email.pair_latency[1].sender", "unknown actor 'ctl2'; did you mean 'ctl'?"),
        ("contact_changes[1].at", "'2026-08-19T08:00:00+08:00' is before the drill starts"),
        ("contact_changes[1].actor", "unknown actor 'counsel'; did you mean 'council'?"),
        ("contact_changes[2].actor",
         "actor 'ctl' has no point of contact on channel 'phone' (it has: email)"),
    ]


# --- includes --------------------------------------------------------------------


def own_file(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_an_included_library_file_is_overridden_field_by_field(tmp_path, scenario_data):
    # an included file may name what it includes with one name rather than a list
    own_file(tmp_path, "channels.yaml", "include: asean/channels\n")
    scenario_data["include"] = ["channels.yaml"]
    scenario_data["channels"] = {"email": {"latency": "2m"},  # the rest from the library
                                 "phone": {"latency": {"dist": "constant", "value": "3m"}}}
    channels = load_scenario(write(tmp_path, scenario_data)).scenario.channels
    email, phone = channels["email"], channels["phone"]
    assert (email.kind, email.latency.value, email.loss) == ("email", 2, 0.005)
    assert email.bounce is not None and email.silent_when_stale == 0.2
    # a distribution given in full replaces the library's uniform one
    assert (phone.latency.dist, phone.latency.value) == ("constant", 3)
    assert set(channels) >= {"portal", "police_network", "network_247", "mla"}


def test_a_problem_in_an_included_file_is_reported_in_that_file(tmp_path, scenario_data):
    own_file(tmp_path, "more.yaml", "actors:\n  cert-c:\n    name: CERT-MY\n"
             "    kind: national_cert\n    country: MY\n    timezone: Asia/Kuala_Lumpur\n"
             "    contacts:\n      fax: {address: '+60'}\n")
    scenario_data["include"] = ["more.yaml"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, scenario_data))
    [p] = info.value.problems
    assert (p.path, p.message) == ("actors.cert-c.contacts.fax", "unknown channel 'fax'")
    # at the channel's name, the key that is wrong
    assert (Path(p.mark.file).name, p.mark.line, p.mark.col) == ("more.yaml", 8, 7)


def test_the_including_file_s_own_problems_are_reported_in_it(tmp_path, scenario_data):
    own_file(tmp_path, "more.yaml", "groups:\n  asean: [SG, TH]\n")
    scenario_data["include"] = ["more.yaml"]
    scenario_data["actors"]["cert-a"]["contacts"]["fax"] = {"address": "+65-2"}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, scenario_data))
    [p] = info.value.problems
    assert (Path(p.mark.file).name, p.path) == ("s.yaml", "actors.cert-a.contacts.fax")


def test_an_included_file_holds_only_the_shared_sections(tmp_path, scenario_data):
    own_file(tmp_path, "more.yaml", "x-note: kept\nlibrary: {}\ngroups: {}\n"
             "drill: {id: other}\nmystery: 1\n")
    scenario_data["include"] = ["more.yaml"]
    allowed = "groups, actors, channels, frameworks, memberships, roles"
    assert problems(tmp_path, scenario_data) == [
        ("drill", f"an included file may hold only {allowed}"),
        ("mystery", f"an included file may hold only {allowed}"),
    ]


def test_the_same_file_included_twice_is_no_conflict(tmp_path, scenario_data):
    own_file(tmp_path, "more.yaml", "groups:\n  mekong: [TH, LA]\n")
    scenario_data["include"] = ["more.yaml", "./more.yaml"]
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.groups["mekong"] == ["TH", "LA"]


@pytest.mark.parametrize(("include", "found"), [
    (5, [("include", "must be a list of names")]),
    ([5], [("include[0]", "must be a name or a path")]),
    (["zzzz"], [("include[0]", "cannot find 'zzzz'; library files: asean/actors, "
                               "asean/channels, asean/frameworks")]),
    (["asean/channel"], [("include[0]",
                          "cannot find 'asean/channel'; did you mean 'asean/channels'?")]),
    (["nope.yaml"], [("include[0]", "cannot find 'nope.yaml'")]),
    (["../elsewhere.yaml"], [(
        "include[0]", "'../elsewhere.yaml' is outside the scenario's folder and the bundled "
        "library; to include from another folder, pass --allow-include FOLDER")]),
])
def test_includes_that_cannot_be_read(tmp_path, scenario_data, include, found):
    scenario_data["include"] = include
    (tmp_path / "drills").mkdir()
    assert problems(tmp_path / "drills", scenario_data) == found


def test_a_folder_allowed_by_name_may_be_included(tmp_path, scenario_data):
    shared = tmp_path / "shared"
    shared.mkdir()
    own_file(shared, "groups.yaml", "groups:\n  mekong: [TH, LA]\n")
    scenario_data["include"] = ["../shared/groups.yaml"]
    drills = tmp_path / "drills"
    drills.mkdir()
    with pytest.raises(ScenarioError):
        load_scenario(write(drills, scenario_data))
    loaded = load_scenario(write(drills, scenario_data), allow_include=(shared,))
    assert loaded.scenario.groups["mekong"] == ["TH", "LA"]


def test_an_include_cycle_names_the_chain(tmp_path, scenario_data):
    own_file(tmp_path, "a.yaml", "include: [b.yaml]\nactors: {}\n")
    own_file(tmp_path, "b.yaml", "include: [a.yaml]\nactors: {}\n")
    scenario_data["include"] = ["a.yaml"]
    assert problems(tmp_path, scenario_data) == [
        ("include[0]", "include cycle: s.yaml -> a.yaml -> b.yaml -> a.yaml")]


def test_an_included_file_that_is_not_yaml(tmp_path, scenario_data):
    own_file(tmp_path, "a.yaml", "actors: [unclosed\n")
    scenario_data["include"] = ["a.yaml"]
    [(path, message)] = problems(tmp_path, scenario_data)
    assert path == "" and message.startswith("invalid YAML")


# --- messages of the model's checks ----------------------------------------------


def test_the_model_s_complaints_in_words(tmp_path, scenario_data):
    scenario_data["drill"].update(title=5, public_holidays="yes")
    scenario_data["channels"]["phone"]["kind"] = "fax"
    scenario_data["actors"]["cert-a"]["capacity"] = "many"
    scenario_data["actors"]["cert-b"]["capacity"] = {"n": 1}
    scenario_data["actors"]["council"]["working_days"] = "mon"
    scenario_data["actors"]["ctl"]["contacts"]["email"] = ["hicon@x.example"]
    scenario_data["injects"][0]["id"] = "first inject"
    found = dict(problems(tmp_path, scenario_data))
    assert found["drill.title"] == "expected text, got a number"
    assert found["drill.public_holidays"] == "expected true or false, got 'yes'"
    assert found["channels.phone.kind"] == (
        "must be one of 'email', 'phone', 'portal', 'police_network', 'network_247' or 'mla' "
        "(got 'fax')")
    # text where a number belongs is refused as text, not parsed
    assert found["actors.cert-a.capacity"] == "must be a valid integer (got 'many')"
    assert found["actors.cert-b.capacity"] == "must be a valid integer"
    assert found["actors.council.working_days"] == "expected a list, got a text value"
    assert found["actors.ctl.contacts.email"] == "expected a mapping of fields, got a list"
    assert found["injects[0].id"] == (
        "'first inject' is not a valid id (letters, digits, '-', '_' and '.')")


def test_an_unknown_field_with_no_close_name_lists_the_fields(tmp_path, scenario_data):
    scenario_data["channels"]["email"]["zzzz"] = 1
    [(path, message)] = problems(tmp_path, scenario_data)
    assert path == "channels.email.zzzz"
    assert message.startswith("unknown field 'zzzz'; expected one of: kind, name, latency, "
                              "loss, bounce, ")


# --- finding scenarios -----------------------------------------------------------


def test_a_scenario_named_by_its_id_or_its_path(tmp_path, monkeypatch):
    bundled = library_dir().parent / "bundled"
    assert resolve_scenario_arg(None) == bundled / "acid-botnet.yaml"
    assert resolve_scenario_arg("tutorial") == bundled / "tutorial.yaml"
    monkeypatch.chdir(tmp_path)
    for arg in ("mine.yaml", "mine.yml", "drills/mine", "drills\\mine", "mine"):
        assert resolve_scenario_arg(arg) == Path(arg)
    (tmp_path / "tutorial").write_text("", encoding="utf-8")  # a file of that name wins
    assert resolve_scenario_arg("tutorial") == Path("tutorial")


def test_a_misspelt_scenario_id_suggests_the_bundled_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_scenario("tutorail")
    [p] = info.value.problems
    assert p.message.startswith("no such scenario file or bundled scenario; did you mean "
                                "'tutorial'? bundled scenarios: acid-botnet, acid-hacktivism,")
    with pytest.raises(ScenarioError) as info:
        load_scenario("qqqq")
    assert info.value.problems[0].message.startswith(
        "no such scenario file or bundled scenario; bundled scenarios: acid-botnet,")


def test_where_a_problem_is_written():
    assert format_path(("injects", 0, "to", 1)) == "injects[0].to[1]"
    assert format_path((0, "id")) == "[0].id"
    assert format_path(()) == ""
    mark = Mark("s.yaml", 3, 5)
    assert str(Problem(mark, "drill.title", "bad")) == "s.yaml:3:5: drill.title: bad"
    assert str(Problem(mark, "", "bad")) == "s.yaml:3:5: bad"
    assert str(Problem(None, "drill", "bad")) == "?: drill: bad"
    err = ScenarioError([Problem(mark, "a", "one"), Problem(None, "", "two")])
    assert str(err) == "s.yaml:3:5: a: one\n?: two"


def test_include_roots_refuse_what_cannot_be_resolved(tmp_path):
    roots = IncludeRoots.for_scenario(tmp_path / "s.yaml")
    assert roots.allows(tmp_path / "sub" / "x.yaml")
    assert roots.allows(library_dir() / "asean" / "actors.yaml")
    assert not roots.allows(tmp_path.parent / "x.yaml")
    assert not roots.allows(tmp_path / "bad\x00name.yaml")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert not roots.allows(loop / "x.yaml")


def cert_a(data: dict[str, Any]) -> dict[str, Any]:
    return data["actors"]["cert-a"]


def test_a_misspelt_field_anywhere_suggests_the_field_meant(tmp_path, scenario_data):
    # in a distribution (chosen by its 'dist'), a list item, a mapping of contacts, an
    # optional section and a mapping of distributions
    cert_a(scenario_data)["policy"].update(
        ack_delay={"dist": "lognormal", "median": "10m", "p90": "1h", "medain": 1},
        action_time={"notify": {"dist": "constant", "value": "1m", "valeu": "2m"}})
    cert_a(scenario_data)["contacts"]["email"]["adress"] = "x"
    cert_a(scenario_data)["on_call"] = {"channels": ["phone"], "chanels": 1}
    inject(scenario_data)["incident"]["tyep"] = "x"
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.contacts.email.adress", "unknown field 'adress'; did you mean 'address'?"),
        ("actors.cert-a.policy.ack_delay.medain",
         "unknown field 'medain'; did you mean 'median'?"),
        ("actors.cert-a.policy.action_time.notify.valeu",
         "unknown field 'valeu'; did you mean 'value'?"),
        ("actors.cert-a.on_call.chanels", "unknown field 'chanels'; did you mean 'channels'?"),
        ("injects[0].incident.tyep", "unknown field 'tyep'; did you mean 'type'?"),
    ]


DIST_KINDS = "constant, uniform, exponential, triangular, empirical or lognormal"


def test_a_distribution_without_its_family_or_with_an_unknown_one(tmp_path, scenario_data):
    cert_a(scenario_data)["policy"]["ack_delay"] = {"median": "10m", "p90": "1h"}
    scenario_data["actors"]["cert-b"]["policy"]["ack_delay"] = {"dist": "lognormale"}
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.policy.ack_delay",
         f"a distribution needs 'dist': {DIST_KINDS} (got None)"),
        ("actors.cert-b.policy.ack_delay",
         f"a distribution needs 'dist': {DIST_KINDS} (got 'lognormale')"),
    ]


NOT_A_DURATION = ("is not a duration; write a number and a unit, like '30m', '4h', '1h30m', "
                  "'2d' or '9mo' (units: s m h d w mo)")


def test_a_bad_figure_in_a_distribution_is_reported_at_its_own_field(tmp_path, scenario_data):
    cert_a(scenario_data)["policy"]["ack_delay"] = {"dist": "lognormal", "median": "soon",
                                                    "p90": "1h"}
    scenario_data["actors"]["cert-b"]["policy"]["ack_delay"] = {"dist": "uniform", "low": "1m"}
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"sender": "cert-a", "latency": "1h"},
        {"sender": "cert-b", "latency": {"dist": "uniform", "low": "x", "high": "1h"}}]
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.policy.ack_delay.median", f"'soon' {NOT_A_DURATION}"),
        ("actors.cert-b.policy.ack_delay.high", "required field is missing"),
        ("channels.email.pair_latency[1].latency.low", f"'x' {NOT_A_DURATION}"),
    ]


def test_a_checked_time_of_day_is_reported_at_its_field(tmp_path, scenario_data):
    rule(scenario_data)["when"] = {"local_time": "25:00-26:00"}
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.when.local_time",
         "'25:00-26:00' has an impossible time of day")]


def test_values_of_the_wrong_kind_are_named_in_words(tmp_path, scenario_data):
    cert_a(scenario_data)["working_days"] = 1.5
    scenario_data["actors"]["cert-b"]["working_days"] = True
    scenario_data["actors"]["council"]["working_days"] = None
    scenario_data["channels"]["email"]["latency"] = None
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.working_days", "expected a list, got a number"),
        ("actors.cert-b.working_days", "expected a list, got a boolean"),
        ("actors.council.working_days", "expected a list, got a null value"),
        ("channels.email.latency", "expected a mapping of fields, got a null value"),
    ]


# --- artefact files --------------------------------------------------------------


@pytest.mark.parametrize(("content", "shown"), [
    (b"\xef\xbb\xbfnote", "note"),  # a byte-order mark is not part of the text
    (b"a" * 198 + b"\x01\x02", "a" * 198 + "\x01\x02"),  # one control character in 100
    (b"a" * 196 + b"\t\n\r\f", "a" * 196 + "\t\n\n\f"),  # white space is no control (CR: a line end)
    (b"a" * 197 + b"\x01\x02\x03", None),  # more than one in 100: not text
    (b"a" * 199 + b"\x00", None),  # a NUL byte: not text
    (b"caf\xe9", None),  # not UTF-8
])
def test_an_artefact_file_is_shown_as_text_only_when_it_is_text(tmp_path, scenario_data,
                                                                 content, shown):
    (tmp_path / "note.txt").write_bytes(content)
    inject(scenario_data)["artefacts"] = [{"file": "note.txt"}]
    [art] = load_scenario(write(tmp_path, scenario_data)).scenario.injects[0].artefacts
    assert (art.content, art.size) == (shown, len(content))


# --- where a problem in a merged file is reported --------------------------------


def where(tmp_path: Path, data: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(file, field, line) of each problem."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, data))
    return [(Path(p.mark.file).name, p.path, p.mark.line) for p in info.value.problems]


def line_of(tmp_path: Path, text: str, name: str = "s.yaml") -> int:
    lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
    [n] = [i for i, line in enumerate(lines, 1) if text in line]
    return n


def test_an_overriding_value_is_reported_in_the_including_file(tmp_path, scenario_data):
    scenario_data["include"] = ["asean/channels"]
    scenario_data["channels"] = {"email": {"latency": "5 minutes"}}
    assert where(tmp_path, scenario_data) == [
        ("s.yaml", "channels.email.latency", line_of(tmp_path, "latency: 5 minutes"))]


def test_a_distribution_given_in_full_is_reported_in_the_including_file(tmp_path,
                                                                       scenario_data):
    # the library's e-mail latency is uniform from 1m to 10m; this one lacks its 'high'
    scenario_data["include"] = ["asean/channels"]
    scenario_data["channels"] = {"email": {"latency": {"dist": "uniform", "low": "1m"}}}
    [(name, field, line)] = where(tmp_path, scenario_data)
    assert (name, field) == ("s.yaml", "channels.email.latency.high")
    assert line == line_of(tmp_path, "dist: uniform")  # where the distribution starts


def test_an_override_leaves_the_positions_of_other_sections_alone(tmp_path, scenario_data):
    scenario_data["include"] = ["asean/channels"]
    scenario_data["channels"] = {"email": {"latency": "2m"}}  # after the actors
    cert_a(scenario_data)["contacts"]["fax"] = {"address": "+65-2"}
    assert where(tmp_path, scenario_data) == [
        ("s.yaml", "actors.cert-a.contacts.fax", line_of(tmp_path, "fax:"))]


def test_a_misspelt_field_in_both_files_is_reported_where_the_including_file_has_it(
        tmp_path, scenario_data):
    own_file(tmp_path, "more.yaml", "actors:\n  cert-a:\n    policyy: {ack_delay: 1m}\n")
    scenario_data["include"] = ["more.yaml"]
    scenario_data["actors"]["cert-a"]["policyy"] = {"analysis_time": "1m"}
    assert where(tmp_path, scenario_data) == [
        ("s.yaml", "actors.cert-a.policyy", line_of(tmp_path, "policyy:"))]


def test_a_country_code_in_a_list_is_reported_as_a_country_code(tmp_path, scenario_data):
    scenario_data["groups"]["asean"] = ["SG", "SGP"]
    scenario_data["memberships"] = {"first": {"title": "FIRST", "countries": ["sg", "S1"]}}
    inject(scenario_data)["incident"]["affected"] = ["SG", "Singapore"]
    assert problems(tmp_path, scenario_data) == [
        ("groups.asean[1]", "'SGP' is not a two-letter country code"),
        ("injects[0].incident.affected[1]", "'SINGAPORE' is not a two-letter country code"),
        ("memberships.first.countries[1]", "'S1' is not a two-letter country code"),
    ]


def test_a_misspelt_field_in_an_inject_condition_or_on_call_suggests_the_field(
        tmp_path, scenario_data):
    inject(scenario_data)["when"] = {"done": [{"action": "notify", "actoin": 1}]}
    cert_a(scenario_data)["on_call"] = {
        "channels": ["phone"],
        "answer_after": {"dist": "lognormal", "median": "1m", "p90": "2m", "medain": 1}}
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.on_call.answer_after.medain",
         "unknown field 'medain'; did you mean 'median'?"),
        ("injects[0].when.done[0].actoin", "unknown field 'actoin'; did you mean 'action'?"),
    ]


def test_a_team_filter_with_a_misspelt_field_or_a_bad_member(tmp_path, scenario_data):
    # a team is a list or a filter: a mapping is a filter, and what is wrong in it is
    # reported at its own path, with the filter's fields to choose from (not also as
    # "expected a list", nor under the filter model's name)
    scenario_data["teams"] = {"t": {"kind": ["national_cert"], "zzz": 1},
                              "u": {"kind": ["national_cert"], "include": [5]},
                              "v": {"kind": ["national_cert"], "countri_in": ["SG"]}}
    assert problems(tmp_path, scenario_data) == [
        ("teams.t.zzz", "unknown field 'zzz'; expected one of: kind, country_in, include, "
                        "exclude"),
        ("teams.u.include[0]", 'expected text, got a number; quote an id that looks like a '
         'number: "5"'),
        ("teams.v.countri_in", "unknown field 'countri_in'; did you mean 'country_in'?"),
    ]


def test_public_holidays_given_as_a_mapping_with_a_misspelt_field(tmp_path, scenario_data):
    cert_a(scenario_data)["public_holidays"] = {"countri": "MY"}
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.public_holidays.countri",
         "unknown field 'countri'; did you mean 'country'?")]


def test_contacts_given_as_a_list(tmp_path, scenario_data):
    cert_a(scenario_data)["contacts"] = [{"address": "cert@sg.example"}]
    assert ("actors.cert-a.contacts", "expected a mapping of fields, got a list") \
        in problems(tmp_path, scenario_data)


def test_a_bad_figure_in_the_first_pair_latency(tmp_path, scenario_data):
    scenario_data["channels"]["email"]["pair_latency"] = [
        {"sender": "cert-a", "latency": {"dist": "uniform", "low": "x", "high": "1h"}}]
    assert problems(tmp_path, scenario_data) == [
        ("channels.email.pair_latency[0].latency.low", f"'x' {NOT_A_DURATION}")]


def test_an_include_named_by_a_path_whatever_its_suffix(tmp_path, scenario_data):
    own_file(tmp_path, "mekong.yml", "groups:\n  mekong: [TH, LA]\n")
    own_file(tmp_path, "gulf.inc", "groups:\n  gulf: [TH, MY]\n")
    own_file(tmp_path, "strait.inc", "groups:\n  strait: [SG, MY]\n")
    scenario_data["include"] = ["mekong.yml", "./gulf.inc", str(tmp_path / "strait.inc")]
    groups = load_scenario(write(tmp_path, scenario_data)).scenario.groups
    assert (groups["mekong"], groups["gulf"], groups["strait"]) == (
        ["TH", "LA"], ["TH", "MY"], ["SG", "MY"])


def test_every_bad_artefact_file_is_reported(tmp_path, scenario_data):
    (tmp_path / "changed.txt").write_bytes(b"new text")
    (tmp_path / "good.txt").write_bytes(b"good")
    (tmp_path.parent / "outside.txt").write_bytes(b"secret")
    first = inject(scenario_data)
    scenario_data["injects"].append(dict(first, id="2", at="T+02:00", artefacts=[
        {"file": "missing.txt"}, {"file": "../outside.txt"},
        {"file": "changed.txt", "sha256": "0" * 64}, {"file": "good.txt"}]))
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, scenario_data))
    found = [(p.path, p.message) for p in info.value.problems]
    assert found[0] == (
        "injects[1].artefacts[0].file",
        f"no artefact file 'missing.txt' next to the scenario (looked for "
        f"{tmp_path / 'missing.txt'})")
    assert found[1] == (
        "injects[1].artefacts[1].file",
        "'../outside.txt' is outside the scenario's folder and the bundled library; to read "
        "artefacts from another folder, pass --allow-include FOLDER")
    assert found[2] == (
        "injects[1].artefacts[2].sha256",
        f"the file's SHA-256 is {hashlib.sha256(b'new text').hexdigest()}, not the one given: "
        "the file has changed since the hash was written")
    assert len(found) == 3  # the good file raises nothing


def test_an_inject_without_files_does_not_stop_the_reading_of_later_ones(tmp_path,
                                                                       scenario_data):
    (tmp_path / "note.txt").write_bytes(b"note")
    scenario_data["injects"].append(dict(inject(scenario_data), id="2", at="T+02:00",
                                         artefacts=[{"file": "note.txt"}]))
    loaded = load_scenario(write(tmp_path, scenario_data))
    [art] = loaded.scenario.injects[1].artefacts
    assert (art.content, art.size) == ("note", 4)
    assert loaded.mark("injects", 1, "at").line == line_of(tmp_path, "at: T+02:00")


def test_more_unknown_names_with_their_suggestions(tmp_path, scenario_data):
    scenario_data["drill"]["phases"] = {"detect": {"start": "T+00:00"}}
    scenario_data["drill"]["objectives"] = [{"id": "reach", "text": "Reach the council"}]
    cert_a(scenario_data)["contacts"]["emial"] = {"address": "x"}
    inject(scenario_data)["when"] = {"phase": ["detekt"]}
    scenario_data["expectations"] = [
        expectation(id="E1", incident="xy", objective="reech"),
        expectation(id="E2", actors="cert-aa", on_lost="call"),
    ]
    assert problems(tmp_path, scenario_data) == [
        ("actors.cert-a.contacts.emial", "unknown channel 'emial'; did you mean 'email'?"),
        ("injects[0].when.phase[0]", "unknown phase 'detekt'; did you mean 'detect'?"),
        ("expectations[0].incident", "no inject opens incident 'xy'; did you mean 'x'?"),
        ("expectations[0].objective", "unknown objective 'reech'; did you mean 'reach'?"),
        ("expectations[1].actors", "unknown actor or team 'cert-aa'; did you mean 'cert-a'?"),
        ("expectations[1].on_lost", "no inject 'call'"),
    ]


def test_every_recipient_and_every_entry_is_checked(tmp_path, scenario_data):
    scenario_data["teams"] = {"certs": ["cert-a", "cert-b"]}
    rule(scenario_data)["to"] = ["certs", "councel"]  # a team, then an unknown name
    scenario_data["injects"].insert(0, "not an inject")
    scenario_data["expectations"] = ["not an expectation", expectation(on_met="1")]
    found = problems(tmp_path, scenario_data)
    assert ("frameworks.fw.rules.notify.to[1]",
            "'councel' is neither an actor, a team nor a selector (affected_certs, "
            "hosting_certs, member_certs, partner_certs, regional_council, national_police, "
            "hosting_police, police_channels, central_authority, hosting_central_authorities, "
            "hosting_24_7_points, local_isps, victims, regulators, sender, exercise_control); "
            "did you mean "
            "'council'?") in found
    assert ("injects[0]", "expected a mapping of fields, got a text value") in found
    assert ("expectations[1].on_met", "inject '1' is not of type 'contingency'") in found


def test_the_contacts_an_actor_has_are_listed(tmp_path, scenario_data):
    scenario_data["channels"]["portal"] = {"kind": "portal", "latency": "1m"}
    scenario_data["actors"]["council"]["contacts"] = {
        "phone": {"address": "+65-9"}, "portal": {"address": "queue"}}
    rule(scenario_data)["to"] = ["council"]
    rule(scenario_data)["fallback"] = []
    inject(scenario_data)["to"] = ["council"]
    assert problems(tmp_path, scenario_data) == [
        ("frameworks.fw.rules.notify.to[0]",
         "actor 'council' has no point of contact on email (it has: phone, portal)"),
        ("injects[0].to[0]",
         "actor 'council' has no point of contact on channel 'email' (it has: phone, portal)"),
    ]


@pytest.mark.parametrize("start", [[2026, 8, 19], "tomorrow", "2026-08-19T09:00:00"])
def test_a_drill_start_that_is_not_a_date_with_an_offset_is_the_only_problem(
        tmp_path, scenario_data, start):
    scenario_data["drill"]["start"] = start
    inject(scenario_data)["at"] = "2026-08-19T10:00:00+08:00"
    scenario_data["tasks"] = [{"id": "Q1", "question": "Who?", "to": ["cert-a"],
                               "at": "2026-08-19T10:00:00+08:00"}]
    scenario_data["outages"] = [{"channel": "email", "start": "2026-08-19T10:00:00+08:00",
                                 "end": "T+02:00"}]
    scenario_data["contact_changes"] = [{"at": "T+01:00", "actor": "cert-a",
                                         "channel": "email", "stale": True}]
    [(path, _)] = problems(tmp_path, scenario_data)
    assert path == "drill.start"


def test_an_inject_at_the_first_minute_of_the_drill(tmp_path, scenario_data):
    inject(scenario_data)["at"] = "T+00:00"
    scenario_data["tasks"] = [{"id": "Q1", "question": "Who?", "to": ["cert-a"],
                               "at": "2026-08-19T09:00:00+08:00"}]
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.injects[0].at is not None


def test_an_inject_named_incident_is_not_an_anchor(tmp_path, scenario_data):
    scenario_data["injects"].append(contingency("incident"))
    scenario_data["expectations"] = [expectation(contingency="incident")]  # after the incident
    loaded = load_scenario(write(tmp_path, scenario_data))
    assert loaded.scenario.expectations[0].contingency == "incident"


def test_outages_and_changes_after_a_malformed_entry_are_still_checked(tmp_path, scenario_data):
    scenario_data["channels"]["portal"] = {"kind": "portal", "latency": "1m"}
    scenario_data["outages"] = ["down", {"channel": "email", "start": "T+1:99",
                                         "end": "T+02:00"}]
    scenario_data["contact_changes"] = [
        "stale", {"at": "T+01:00", "actor": "cert-a", "channel": "portal", "stale": True}]
    scenario_data["tasks"] = ["ask", {"id": "Q1", "question": "?", "to": ["cert-aa"]}]
    scenario_data["teams"] = {"t": {"kind": ["national_cert"], "country_in": ["aseam"]}}
    found = problems(tmp_path, scenario_data)
    assert ("contact_changes[1].actor", "actor 'cert-a' has no point of contact on channel "
            "'portal' (it has: email, phone)") in found
    assert ("tasks[1].to[0]", "unknown actor or team 'cert-aa'; did you mean 'cert-a'?") in found
    assert ("teams.t.country_in[0]", "'aseam' is neither a country code nor a group or "
            "membership; did you mean 'asean'?") in found
    assert ("outages[1].start", "'T+1:99' is not a drill time; write 'T+01:30', 'T+1d02:00' "
            "or an absolute time like '2026-09-09T10:00:00+08:00'") in found


def test_malformed_sections_do_not_stop_the_checks(tmp_path, scenario_data):
    scenario_data["actors"]["cert-b"] = "CERT-TH"  # not a mapping
    scenario_data["actors"]["council"]["contacts"] = ["council@x.example"]
    scenario_data["outages"] = [
        {"channel": "email", "actor": "cert-b", "start": "T+01:00", "end": "T+02:00"},
        {"channel": "email", "actor": "council", "start": 90, "end": "T+02:00"}]
    found = problems(tmp_path, scenario_data)
    assert ("actors.cert-b", "expected a mapping of fields, got a text value") in found
    assert ("actors.council.contacts", "expected a mapping of fields, got a list") in found
    # neither actor has a usable list of contacts: no contact is found on e-mail
    assert ("outages[0].actor",
            "actor 'cert-b' has no point of contact on channel 'email' (it has: none)") in found
    assert ("outages[1].actor",
            "actor 'council' has no point of contact on channel 'email' (it has: none)") in found


def test_channels_given_as_a_list_are_reported_without_a_crash(tmp_path, scenario_data):
    scenario_data["channels"] = [{"kind": "email", "latency": "5m"}]
    found = problems(tmp_path, scenario_data)
    assert ("channels", "expected a mapping of fields, got a list") in found


def test_a_file_that_is_not_a_scenario_is_reported_at_its_first_line(tmp_path):
    empty, listed = tmp_path / "empty.yaml", tmp_path / "list.yaml"
    empty.write_text("", encoding="utf-8")
    listed.write_text("- a\n- b\n", encoding="utf-8")
    for path, message in (
            (empty, "file is empty; a scenario is a YAML mapping"),
            (listed, "a scenario file is a YAML mapping of sections, not a list")):
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert str(info.value) == f"{path}:1:1: {message}"


def test_an_include_problem_is_reported_at_its_line(tmp_path, scenario_data):
    own_file(tmp_path, "more.yaml", "groups: {}\ndrill: {id: other}\n")
    scenario_data["include"] = 5
    path = write(tmp_path, scenario_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [p] = info.value.problems
    assert (p.mark.file, p.mark.line) == (str(path), line_of(tmp_path, "include: 5"))
    scenario_data["include"] = ["more.yaml"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, scenario_data))
    [p] = info.value.problems
    assert (Path(p.mark.file).name, p.mark.line, p.mark.col) == ("more.yaml", 2, 1)


def test_a_loaded_scenario_knows_its_file(tmp_path, scenario_data, monkeypatch):
    path = write(tmp_path, scenario_data)
    assert load_scenario(path).path == path
    monkeypatch.chdir(tmp_path)
    # a name with a folder is a path, even when a bundled scenario has that name
    assert resolve_scenario_arg("./tutorial") == Path("./tutorial")


def test_every_broken_include_is_reported_at_its_line(tmp_path, scenario_data):
    own_file(tmp_path, "a.yaml", "include: [s.yaml]\ngroups: {}\n")  # back to the scenario
    own_file(tmp_path, "broken.yaml", "groups: [unclosed\n")
    own_file(tmp_path, "one.yaml", "groups:\n  mekong: [TH, LA]\n  gulf: [TH, MY]\n")
    own_file(tmp_path, "two.yaml", "groups:\n  mekong: [LA]\n  gulf: [MY]\n")
    scenario_data["include"] = [5, "../elsewhere.yaml", "a.yaml", "nope.yml", "broken.yaml",
                                "one.yaml", "two.yaml"]
    path = write(tmp_path, scenario_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    found = [(p.path, p.message.split(";")[0].split(":")[0]) for p in info.value.problems]
    assert found == [
        ("include[0]", "must be a name or a path"),
        ("include[1]", "'../elsewhere.yaml' is outside the scenario's folder and the bundled "
                       "library"),
        ("include[0]", "include cycle"),  # in a.yaml, which includes the scenario
        ("include[3]", "cannot find 'nope.yml'"),  # a file name: no list of library files
        ("", "invalid YAML"),
        ("groups.mekong", "also defined in " + str(tmp_path / "one.yaml")),
        ("groups.gulf", "also defined in " + str(tmp_path / "one.yaml")),
    ]
    messages = [p.message for p in info.value.problems]
    assert messages[3] == "cannot find 'nope.yml'"
    assert messages[5] == (f"also defined in {tmp_path / 'one.yaml'}; two included files may "
                           "not both define it (override it in the including file instead)")
    include_line = line_of(tmp_path, "include:")
    assert [(Path(p.mark.file).name, p.mark.line) for p in info.value.problems[:4]] == [
        ("s.yaml", include_line + 1), ("s.yaml", include_line + 2), ("a.yaml", 1),
        ("s.yaml", include_line + 4)]
    assert Path(info.value.problems[4].mark.file).name == "broken.yaml"
    assert [(Path(p.mark.file).name, p.mark.line) for p in info.value.problems[5:]] == [
        ("two.yaml", 2), ("two.yaml", 3)]


def test_a_section_replacing_an_included_one_is_reported_in_the_including_file(
        tmp_path, scenario_data):
    scenario_data["include"] = ["asean/channels"]
    scenario_data["channels"] = ["email"]
    path = write(tmp_path, scenario_data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [section] = [p for p in info.value.problems if p.path == "channels"]
    assert section.message == "expected a mapping of fields, got a list"
    assert (section.mark.file, section.mark.line) == (str(path),
                                                      line_of(tmp_path, "channels:") + 1)


def test_a_missing_section_is_reported_at_the_top_of_the_file(tmp_path, scenario_data):
    own_file(tmp_path, "more.yaml", "groups:\n  mekong: [TH, LA]\n")
    for include in ([], ["more.yaml"]):
        data = dict(scenario_data, include=include)
        del data["drill"]
        path = write(tmp_path, data)
        with pytest.raises(ScenarioError) as info:
            load_scenario(path)
        assert str(info.value.problems[0]) == f"{path}:1:1: drill: required field is missing"
