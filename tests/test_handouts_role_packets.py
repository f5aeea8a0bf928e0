"""What the handouts give each reader.

- A role's packet holds only the injects that will reach it whatever happens (timed,
  with no condition): a contingency, a branch or an inject timed after an action
  would tell the player how the drill may go. Its cards name the role alone.
- The inject cards keep every inject, and say which are handed over only if they fire.
- The controller's packet has the outages, contact changes and player tasks (with
  their answer keys), and marks a contact stale only while it is.
- Its local times say who takes an inject out of hours, as ``drill explain`` does.
- Every packet is labelled no lower than the scenario's own TLP label.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from scenarios import load_scenario
from scenarios.loader import bundled_dir
from scenarios.model import TLP_ORDER
from sim.authoring import handouts, msel_io
from sim.authoring.explain import explain
from sim.cli import main

BUNDLED = sorted(p.stem for p in bundled_dir().glob("*.yaml"))

SCENARIO = """\
drill:
  id: review
  title: Review
  tlp: AMBER
  start: "2026-09-16T09:00:00+08:00"   # a Wednesday
  duration: 14h
  public_holidays: false
actors:
  hicon: {name: HiCON, kind: exercise_control, timezone: Asia/Singapore, staffing: 24/7,
          contacts: {phone: {address: "+65 1"}, email: {address: h@x}, net: {address: h-247}}}
  certa:
    name: CERT-A
    kind: national_cert
    country: MY
    timezone: Asia/Kuala_Lumpur
    working_hours: "08:00-17:00"
    holidays: [2026-09-16]
    contacts: {phone: {address: "+60 1"}, email: {address: a@x}, net: {address: a-247}}
    on_call: {channels: [phone], min_severity: high, answer_after: 20m}
  certb:
    name: CERT-B
    kind: national_cert
    country: SG
    timezone: Asia/Singapore
    working_hours: "08:00-17:00"
    contacts:
      phone: {address: "+65 2"}
      email: {address: b@x}
      net: {address: b-247}
    on_call: {channels: [phone], min_severity: high, answer_after: 30m}
  certc:
    name: CERT-C
    kind: national_cert
    country: TH
    timezone: Asia/Bangkok
    working_hours: "08:00-17:00"
    contacts:
      email: {address: old@c.example, stale: true}
      phone: {address: "+66 3"}
channels:
  email: {kind: email, latency: 5m, bounce: 10m}
  phone: {kind: phone, latency: 1m}
  net: {kind: network_247, latency: 10m, handled_around_the_clock: true}
outages:
  - channel: email
    actor: certb
    start: T+01:00
    end: T+03:30
    effect: hold
    note: "CERT-B's <mail> relay is rebuilt"
contact_changes:
  - {at: T+02:00, actor: certc, channel: email, stale: false, note: New address confirmed}
  - {at: T+06:00, actor: certc, channel: email, stale: true}
  - {at: T+03:00, actor: certb, channel: phone, stale: true, note: The duty phone is handed over}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [certa, certb]
    via: phone
    tlp: GREEN
    title: Hospitals encrypted
    incident: {id: r, type: ransomware, severity: high, affected: [MY, SG]}
  - id: "2"
    at: T+12:00
    sender: hicon
    to: [certb]
    via: phone
    tlp: GREEN
    title: Night call
    incident: {id: r}
  - id: "3"
    at: T+12:30
    sender: hicon
    to: [certb]
    via: net
    tlp: GREEN
    title: Night request on the 24/7 network
    incident: {id: r}
  - id: "4"
    at: T+10:00
    when: {missed: [E1]}
    sender: hicon
    to: [certb]
    via: email
    tlp: GREEN
    title: Branch only if E1 was missed
    incident: {id: r}
  - id: "5"
    after_action: {action: acknowledge}
    delay: 30m
    sender: hicon
    to: [certa]
    via: email
    tlp: GREEN
    title: Follows the first acknowledgement
    incident: {id: r}
  - id: C1
    type: contingency
    delay: 15m
    sender: hicon
    to: [certa, certb]
    via: email
    tlp: GREEN
    title: Contingency when E1 is met
    incident: {id: r}
expectations:
  - {id: E1, actors: [certb], action: acknowledge, incident: r, within: 2h, on_met: C1}
tasks:
  - id: Q1
    question: Which <systems> will you isolate first?
    to: [certa, certb]
    inject: "1"
    answer_key: The file servers named in the ransom note.
  - id: Q2
    question: Who must be told of the patient data?
    to: [certb]
    at: T+02:00
    answer_key: The health regulator.
"""

#: the injects of the scenario above that reach their recipients only if something
#: happens
CONDITIONAL = {"4": "Branch only if E1 was missed", "5": "Follows the first acknowledgement",
               "C1": "Contingency when E1 is met"}


@pytest.fixture(scope="module")
def sc(tmp_path_factory):
    path = tmp_path_factory.mktemp("review") / "review.yaml"
    path.write_text(SCENARIO)
    return load_scenario(path).scenario


def _text(page: str) -> str:
    """A page as the reader sees it: no markup, one line per table cell or paragraph."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<br>|</(tr|p|h\d|li|div|td|th)>", "\n", page)
    return unescape(re.sub(r"<[^>]+>", "", page))


def _section(page: str, heading: str) -> str:
    """The text of one section (from its heading to the next) of a page."""
    after = page.split(f"<h2>{heading}</h2>", 1)
    assert len(after) == 2, f"no section {heading!r}"
    return _text(after[1].split("<h2>", 1)[0])


def _inject_ids(page: str) -> set[str]:
    return {unescape(m) for m in re.findall(r"<b>Inject (.*?)</b>", page)}


def _conditional(inj) -> bool:
    return inj.type == "contingency" or inj.at is None or inj.when is not None \
        or inj.after_action is not None


# --- 1. a role's packet: only what reaches it whatever happens -------------------------


def test_a_role_packet_holds_no_contingency_branch_or_on_action_inject(sc):
    for aid in ("certa", "certb"):
        page = handouts.role_packet(sc, aid)
        for iid, title in CONDITIONAL.items():
            assert f"<b>Inject {iid}</b>" not in page, (aid, iid)
            assert title not in page, (aid, iid)
    assert _inject_ids(handouts.role_packet(sc, "certa")) == {"1"}
    # inject 2 goes by phone at T+12:00, after CERT-B's phone goes out of date: lost
    assert _inject_ids(handouts.role_packet(sc, "certb")) == {"1", "3"}


@pytest.mark.parametrize("name", BUNDLED)
def test_no_bundled_role_packet_shows_a_conditional_inject(name):
    sc = load_scenario(bundled_dir() / f"{name}.yaml").scenario
    for aid in sc.actors:
        shown = _inject_ids(handouts.role_packet(sc, aid))
        due = {inj.id for inj in sc.injects if aid in inj.to and not _conditional(inj)}
        assert shown == due, (name, aid)


def test_the_reported_leaks_are_gone(tmp_path, capsys):
    out = tmp_path / "r1"
    assert main(["handout", "apcert-ransomware", "--role", "singcert", "--role", "jpcert",
                 "-o", str(out)]) == 0
    singcert = (out / "role-singcert.html").read_text()
    jpcert = (out / "role-jpcert.html").read_text()
    assert "the leak site is still up" not in singcert
    assert "<b>Inject C2</b>" not in singcert and "<b>Inject 2</b>" not in singcert
    assert "the leak site is down" not in jpcert and "<b>Inject C1</b>" not in jpcert
    sc = load_scenario(bundled_dir() / "acid-supply-chain.yaml").scenario
    c1 = next(i for i in sc.injects if i.id == "C1")
    assert "Canberra" in c1.text
    for aid in c1.to:
        assert "Canberra" not in handouts.role_packet(sc, aid)


def test_a_role_card_names_that_role_alone(sc):
    page = _text(handouts.role_packet(sc, "certa"))
    [to] = re.findall(r"To: (.*?)\s+By:", page)
    assert to == "CERT-A (certa)"
    assert "CERT-B" not in page.split("Your injects", 1)[1]
    sc2 = load_scenario(bundled_dir() / "apcert-ransomware.yaml").scenario
    page = _text(handouts.role_packet(sc2, "singcert"))
    assert re.findall(r"To: (.*?)\s+By:", page) == ["SingCERT (CSA) (singcert)"]


def test_cards_keep_every_inject_and_say_which_are_handed_over_only_if_they_fire(sc):
    page = handouts.cards_page(sc)
    assert _inject_ids(page) == {inj.id for inj in sc.injects}
    cards = {m.group(1): m.group(0) for m in
             re.finditer(r'<div class="card">.*?<b>Inject (.*?)</b>.*?\n</div>', page, re.S)}
    for iid in CONDITIONAL:
        assert "only if it fires" in _text(cards[iid]), iid
    for iid in ("1", "2", "3"):
        assert "only if it fires" not in _text(cards[iid]), iid
    # exercise control hands them out, so a card names every recipient
    assert "To: CERT-A (certa), CERT-B (certb)" in _text(cards["1"])


def test_the_controller_packet_keeps_the_conditional_injects(sc):
    msel = _section(handouts.controller_packet(sc), "Master Scenario Events List")
    for title in CONDITIONAL.values():
        assert title in msel


# --- 3. the controller's packet: outages, contact changes, tasks -----------------------


def test_the_controller_packet_lists_the_outages(sc):
    part = _section(handouts.controller_packet(sc), "Outages")
    assert "CERT-B (certb)" in part and "email" in part
    assert "T+01:00, Wed 16 Sep 10:00 (Asia/Singapore)" in part
    assert "T+03:30, Wed 16 Sep 12:30 (Asia/Singapore)" in part
    assert "held" in part
    assert "CERT-B's <mail> relay is rebuilt" in part
    assert "&lt;mail&gt;" in handouts.controller_packet(sc)  # text, never markup


def test_the_controller_packet_lists_the_contact_changes_in_time_order(sc):
    part = _section(handouts.controller_packet(sc), "Contact changes")
    assert part.index("T+02:00") < part.index("T+03:00") < part.index("T+06:00")
    assert "T+02:00, Wed 16 Sep 11:00 (Asia/Singapore)" in part
    assert "CERT-C (certc)" in part and "old@c.example" in part
    assert "repaired" in part and "New address confirmed" in part
    assert "goes stale" in part and "The duty phone is handed over" in part


def test_the_controller_packet_lists_the_tasks_with_their_answer_keys(sc):
    page = handouts.controller_packet(sc)
    part = _section(page, "Player tasks")
    assert "Which <systems> will you isolate first?" in part
    assert "The file servers named in the ransom note." in part
    assert "when inject 1 reaches each of them" in part
    assert "T+02:00, Wed 16 Sep 11:00 (Asia/Singapore)" in part
    assert "The health regulator." in part
    # the answer keys are for exercise control only
    for aid in sc.actors:
        assert "The health regulator." not in handouts.role_packet(sc, aid)
    assert "The health regulator." not in handouts.cards_page(sc)


def test_a_contact_is_marked_stale_only_while_it_is(sc):
    directory = _section(handouts.controller_packet(sc), "Directory (with stale contacts)")
    assert "old@c.example (STALE: does not answer until T+02:00, and from T+06:00)" \
        in directory
    assert "+65 2 (STALE: does not answer from T+03:00)" in directory


def test_the_reported_controller_packets_have_the_outage_change_and_tasks():
    sc = load_scenario(bundled_dir() / "apcert-outage.yaml").scenario
    page = handouts.controller_packet(sc)
    assert "KrCERT/CC's mail server is down" in _section(page, "Outages")
    assert "Tonga's new address is confirmed" in _section(page, "Contact changes")
    directory = _section(page, "Directory (with stale contacts)")
    tonga = next(ln for ln in directory.splitlines() if "STALE" in ln and "T+02:00" in ln)
    assert "does not answer until T+02:00" in tonga
    sc = load_scenario(bundled_dir() / "apcert-ransomware.yaml").scenario
    tasks = _section(handouts.controller_packet(sc), "Player tasks")
    for task in sc.tasks:
        assert task.question in tasks and task.answer_key in tasks


# --- 4. out of hours: who takes it, as drill explain says ------------------------------


def _explained_duty(sc) -> list[str]:
    """The duty words ``drill explain`` gives each recipient of each timed inject."""
    out = []
    for line in explain(sc).splitlines():
        # a long name runs into the local time that follows it
        m = re.match(r"\s+.*?\w{3} \d\d \w{3} \d\d:\d\d \S+  ((?:on|OFF) duty.*|LOST.*)$", line)
        if m:
            out.append(m.group(1))
    return out


def _packet_duty(sc) -> list[str]:
    msel = _section(handouts.controller_packet(sc), "Master Scenario Events List")
    return [m.group(1) for m in re.finditer(
        r"^\S+: \w{3} \d\d \w{3} \d\d:\d\d \S+, ((?:on|OFF) duty.*|LOST.*)$", msel, re.M)]


def test_the_controller_packet_says_who_takes_an_inject_out_of_hours(sc):
    duty = _packet_duty(sc)
    assert "OFF duty (a holiday listed for the team) until Thu 08:00; on call takes it " \
        "after about 20m" in duty
    # inject 2's call comes after CERT-B's duty phone went out of date: nobody takes it
    assert "LOST (STALE phone contact)" in duty
    assert "OFF duty until Thu 08:00; the duty desk takes it at once (net is answered " \
        "around the clock)" in duty
    assert duty == _explained_duty(sc)


@pytest.mark.parametrize("name", BUNDLED)
def test_the_controller_packet_words_duty_as_explain_does(name):
    sc = load_scenario(bundled_dir() / f"{name}.yaml").scenario
    assert _packet_duty(sc) == _explained_duty(sc)


def test_the_msel_local_column_says_who_takes_it(sc, tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text(SCENARIO)
    rows = {r["id"]: r for r in msel_io.export_rows(load_scenario(path))}
    assert rows["2"]["local"] == "certb: Wed 16 Sep 21:00 +08, LOST (STALE phone contact)"
    assert "certa: Wed 16 Sep 09:30 +08, OFF duty (a holiday listed for the team) until " \
        "Thu 08:00; on call takes it after about 20m" in rows["1"]["local"]


def test_the_msel_still_round_trips(sc, tmp_path, capsys):
    path = tmp_path / "review.yaml"
    path.write_text(SCENARIO)
    sheet, out = tmp_path / "m.xlsx", tmp_path / "new.yaml"
    assert main(["msel", "export", str(path), "-o", str(sheet)]) == 0
    assert main(["msel", "import", str(sheet), "--into", str(path), "-o", str(out)]) == 0, \
        capsys.readouterr().err
    assert load_scenario(out).scenario.injects == load_scenario(path).scenario.injects


# --- 5. never below the scenario's own label -------------------------------------------


def _label(page: str) -> str:
    m = re.search(r'<p class="banner"><span[^>]*>TLP:(.*?)</span>', page)
    assert m is not None
    return m.group(1)


def test_role_packets_and_cards_are_labelled_no_lower_than_the_scenario(sc):
    assert sc.drill.tlp == "AMBER"
    for aid in sc.actors:
        assert _label(handouts.role_packet(sc, aid)) == "AMBER", aid
    assert _label(handouts.cards_page(sc)) == "AMBER"
    botnet = load_scenario(bundled_dir() / "acid-botnet.yaml").scenario
    assert _label(handouts.role_packet(botnet, "mycert")) == "AMBER"


@pytest.mark.parametrize("name", BUNDLED)
def test_no_bundled_packet_is_labelled_below_its_scenario(name):
    sc = load_scenario(bundled_dir() / f"{name}.yaml").scenario
    floor = TLP_ORDER.index(sc.drill.tlp)
    for page_name, page in handouts.packets(sc).items():
        assert TLP_ORDER.index(_label(page)) >= floor, page_name
