"""The regional library and the bundled drills, as players and organisers meet them:
Malaysian bodies keep their state's public holidays; reports and the role view call the
regional coordinator by the name of the one bound; a preservation request counts once
it reaches the country hosting the data, and goes out before the request for
assistance; drill texts promise nothing a drill cannot do; every handling time and
after-hours duty of the library says where it comes from."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import events_of

from scenarios import load_scenario
from scenarios.loader import bundled_dir, library_dir
from sim.analysis import aar
from sim.analysis.review import build_review
from sim.authoring import assumptions
from sim.authoring.lint import lint
from sim.cli import main
from sim.engine import Engine

BUNDLED = bundled_dir()
TEMPLATES = Path(__file__).resolve().parent.parent / "scenarios" / "templates"


def _drill(tmp_path: Path, start: str, incident: str, to: str = "certph",
           extra: str = "", duration: str = "1d") -> Path:
    """A drill on the whole library: one inject from control opens ``incident``."""
    path = tmp_path / "drill.yaml"
    path.write_text(f"""
include: [asean/actors, asean/channels, asean/frameworks]
{extra}
drill:
  id: library-check
  title: Library check
  start: "{start}"
  public_holidays: true
  duration: {duration}
injects:
  - id: "1"
    at: T+00:30
    sender: hicon
    to: [{to}]
    via: email
    tlp: GREEN
    title: Something happened
    incident: {incident}
""", encoding="utf-8")
    return path


def _run_text(path: Path, capsys, *more: str) -> str:
    assert main(["run", str(path), "--seed", "0", *more]) == 0
    return capsys.readouterr().out


# --- 1. Malaysian bodies keep their state's public holidays --------------------------


def test_malaysian_bodies_take_the_holidays_of_the_state_they_work_in(tmp_path):
    # Thursday 28 October 2027 is Deepavali in Selangor, Kuala Lumpur and Putrajaya,
    # though not on the package's nationwide list for Malaysia
    path = _drill(tmp_path, "2027-10-28T09:00:00+08:00",
                  "{id: p, type: phishing, severity: medium, affected: [MY], hosted_in: [TH]}",
                  to="mycert", duration="2d")
    loaded = load_scenario(path)
    actors = loaded.scenario.actors
    assert actors["mycert"].calendar(True) == ("MY", "10")  # Cyberjaya, Selangor
    assert actors["police-my"].calendar(True) == ("MY", "14")  # Bukit Aman, Kuala Lumpur
    assert actors["ca-my"].calendar(True) == ("MY", "16")  # Putrajaya
    engine = Engine(loaded, seed=0)
    assert not any(engine.on_duty(a) for a in ("mycert", "police-my", "ca-my"))
    # MyCERT's duty officer acts only on high severity: the report waits for Friday,
    # 08:00 in Cyberjaya (T+23:00)
    [ack] = [e for e in events_of(engine.run(), "acknowledged", "mycert") if e.incident == "p"]
    assert ack.time >= 23 * 60


def test_federal_territory_day_is_kept_in_the_territories_not_in_selangor(tmp_path):
    # Monday 1 February 2027: Federal Territory Day in Kuala Lumpur and Putrajaya only
    path = _drill(tmp_path, "2027-02-01T09:00:00+08:00",
                  "{id: p, type: phishing, severity: medium, affected: [MY]}", to="mycert")
    engine = Engine(load_scenario(path), seed=0)
    assert engine.on_duty("mycert")
    assert not engine.on_duty("police-my") and not engine.on_duty("ca-my")


# --- 2. the regional coordinator is called by the name of the one bound ----------------

TWO_STATES = "{id: d, type: ddos, severity: high, affected: [TH, PH], crime_suspected: false}"
REGIONAL_CERT = "roles: {regional_coordinator: asean-regional-cert}"


def test_reports_name_the_asean_regional_cert_when_it_is_bound(tmp_path, capsys):
    path = _drill(tmp_path, "2026-09-09T09:00:00+08:00", TWO_STATES, extra=REGIONAL_CERT)
    text = _run_text(path, capsys)
    assert re.search(r"^ {4}ASEAN Regional CERT reached +T\+", text, re.M), text
    assert "ANSAC" not in text
    [inc] = json.loads(_run_text(path, capsys, "--json"))["incidents"]
    assert inc["regional_coordinator"] == "ASEAN Regional CERT"
    # the after-action report says the same
    loaded = load_scenario(path)
    markdown = aar.render_markdown(build_review(loaded.scenario, Engine(loaded, seed=0).run()))
    assert "ASEAN Regional CERT reached" in markdown and "ANSAC reached" not in markdown


def test_a_scenario_naming_other_stages_still_names_the_bound_coordinator(tmp_path, capsys):
    path = _drill(tmp_path, "2026-09-09T09:00:00+08:00", TWO_STATES,
                  extra=REGIONAL_CERT + "\n")
    text = path.read_text(encoding="utf-8").replace(
        "  duration: 1d\n", "  duration: 1d\n  names: {mla: Treaty request}\n")
    path.write_text(text, encoding="utf-8")
    out = _run_text(path, capsys)
    assert "ASEAN Regional CERT reached" in out and "ANSAC" not in out
    assert "Treaty request" in out


def test_drills_bound_to_ansac_still_say_ansac(capsys):
    for name in ("acid-botnet", "ocsem-law-enforcement"):
        out = _run_text(BUNDLED / f"{name}.yaml", capsys)
        assert re.search(r"^ {4}ANSAC reached ", out, re.M), name
        incidents = json.loads(_run_text(BUNDLED / f"{name}.yaml", capsys, "--json"))[
            "incidents"]
        assert all("regional_coordinator" not in inc for inc in incidents)


async def test_the_role_view_says_which_coordinator_it_notified(tmp_path, monkeypatch):
    pytest.importorskip("textual")
    from test_tui import until  # the UI tests' settling helper

    from sim.runs.session import DrillSession
    from tui.app import DrillApp, ParticipantScreen

    path = _drill(tmp_path, "2026-09-09T09:00:00+08:00", TWO_STATES, extra=REGIONAL_CERT)
    session = DrillSession.start(load_scenario(path), seed=0, human=["certph"], record=False)
    app = DrillApp(session, speed=60, roles=())
    async with app.run_test(size=(120, 34)) as pilot:
        app.session.fire_inject("1")
        app.open_role("certph")
        await until(pilot, lambda: isinstance(app.screen, ParticipantScreen) and app.screen.ready)
        asked: list = []

        def send_action(action, sent: str = "", outcome=None) -> None:
            asked.append((action, sent))

        monkeypatch.setattr(app, "send_action", send_action)
        await pilot.press("n")
        await pilot.pause()
        [(action, toast)] = asked
        assert action.targets == ("asean-regional-cert",)
        # the toast a player sees when the drill is served from elsewhere
        assert app.acted(action, None, toast) == "ASEAN Regional CERT notified"
        [binding] = [b for b in ParticipantScreen.BINDINGS if b.id == "role.notify_ansac"]
        assert "ANSAC" not in binding.description


# --- 3. a preservation request counts where the data are ------------------------------


def test_a_preservation_request_that_never_leaves_the_philippines_is_not_reached(
        tmp_path, capsys):
    # victims in the Philippines, the server in Japan: both Budapest Parties, but the
    # library has no 24/7 point of contact (nor police) for Japan
    path = _drill(tmp_path, "2026-09-09T09:00:00+08:00",
                  "{id: r, type: ransomware, severity: high, affected: [PH], hosted_in: [JP], "
                  "crime_suspected: true}", duration="2d")
    log = Engine(load_scenario(path), seed=0).run()
    handed = [e for e in events_of(log, "message_delivered", "ca-ph")
              if e.details["verb"] == "request_preservation"]
    assert handed  # the PNP passed it to its own 24/7 point of contact...
    [inc] = json.loads(_run_text(path, capsys, "--json"))["incidents"]
    hops = {h["hop"]: h for h in inc["law_enforcement"]["hops"]}
    # ...but no preservation request reached Japan
    assert hops["preservation request"]["at"] is None
    assert hops["preservation request"]["sent_at"] is None
    assert inc["law_enforcement"]["end_to_end"]["to"] != "preservation request"
    assert re.search(r"preservation request +never", _run_text(path, capsys))


def test_a_preservation_request_to_the_hosting_police_still_counts(capsys):
    [inc] = json.loads(_run_text(BUNDLED / "ocsem-law-enforcement.yaml", capsys, "--json"))[
        "incidents"]
    hops = {h["hop"]: h for h in inc["law_enforcement"]["hops"]}
    assert hops["preservation request"]["to"] == "police-th"


def test_the_library_says_it_has_no_24_7_point_of_contact_for_japan_or_australia():
    frameworks = (library_dir() / "asean" / "frameworks.yaml").read_text(encoding="utf-8")
    assert "no 24/7 point of contact for Japan or Australia" in " ".join(frameworks.split())
    page = assumptions.render(check={"taken_down": 0, "runs": 1, "scenario": "tutorial"})
    [budapest] = [line for line in page.splitlines() if line.startswith("| `budapest` |")]
    assert "no 24/7 point of contact" in budapest and "Japan or Australia" in budapest


# --- 4. preservation first -------------------------------------------------------------


def _first(log, action: str) -> dict[tuple[str, str, str], int]:
    """(police, recipient, incident) -> the sequence number of its first ``action``."""
    out: dict[tuple[str, str, str], int] = {}
    for e in log:
        if e.type == "requested" and e.details.get("action") == action:
            for t in e.details.get("targets", ()):
                out.setdefault((e.actor, t, e.incident), e.seq)
    return out


@pytest.mark.parametrize("name", ["ocsem-law-enforcement", "acid-hacktivism"])
def test_police_ask_for_preservation_before_assistance(name):
    loaded = load_scenario(BUNDLED / f"{name}.yaml")
    pairs = 0
    for seed in range(6):
        log = Engine(loaded, seed=seed, words=False).run()
        preserve = _first(log, "request_preservation")
        assist = {k: v for k, v in _first(log, "request_assistance").items()
                  if loaded.scenario.actors[k[1]].kind == "national_police"}
        # the request for assistance is never lost: every one has its preservation
        # request before it, and every preservation request its assistance after it
        assert set(assist) <= set(preserve)
        for key, seq in assist.items():
            pairs += 1
            assert preserve[key] < seq, (seed, key)
    assert pairs
    assert not [f for f in lint(loaded) if f.code == "hold-never-lifts"]


def test_assistance_is_asked_wherever_preservation_can_be(tmp_path):
    # a referral in every country whose police can reach another's
    path = _drill(tmp_path, "2026-09-09T09:00:00+08:00",
                  "{id: r, type: ransomware, severity: high, affected: [SG], hosted_in: [VN], "
                  "crime_suspected: true}", to="singcert", duration="2d")
    log = Engine(load_scenario(path), seed=1).run()
    assert ("police-sg", "police-vn", "r") in _first(log, "request_preservation")
    assert ("police-sg", "police-vn", "r") in _first(log, "request_assistance")


# --- 5. texts that promise what a drill can do -----------------------------------------


def _header(path: Path) -> str:
    """The comment block a scenario file starts with, as one line of words."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(" ".join(lines).split())


@pytest.mark.parametrize("name", ["acid-botnet", "acid-hacktivism", "ocsem-law-enforcement"])
def test_headers_say_the_formal_mla_request_lies_beyond_the_drill(name):
    header = _header(BUNDLED / f"{name}.yaml")
    assert "MLA" in header or "mutual legal assistance" in header
    assert "beyond the drill" in header or "beyond the two-day drill" in header
    assert "makes the formal mutual legal assistance request" not in header


def test_the_dojs_inject_asks_for_the_case_file():
    sc = load_scenario(BUNDLED / "ocsem-law-enforcement.yaml").scenario
    [five] = [i for i in sc.injects if i.id == "5"]
    assert "case file" in five.text and "case file" in five.title


def test_the_law_enforcement_template_says_what_slips():
    text = (TEMPLATES / "law-enforcement.yaml").read_text(encoding="utf-8")
    note = " ".join(text[text.index("E4 is a stretch target"):].split("expectations:")[0]
                    .replace("#", " ").split())
    assert "case file for the central authority often slips" in note
    assert "MLA request often slips" not in note


def test_the_leak_victim_s_log_is_named_for_the_day_it_tells_of():
    sc = load_scenario(BUNDLED / "acid-hacktivism.yaml").scenario
    [four] = [i for i in sc.injects if i.id == "4"]
    [log] = [a for a in four.artefacts if a.startswith("vpn-auth-log-")]
    month, day = int(log[13:15]), int(log[15:17])
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    assert f"{day} {months[month - 1]}" in four.text


# --- 6. every handling time and after-hours duty has a source --------------------------


def test_handling_times_and_duty_officers_show_their_sources():
    page = assumptions.render(check={"taken_down": 0, "runs": 1, "scenario": "tutorial"})
    rows = [line for line in page.splitlines()
            if re.match(r"\| `[a-z-]+` \| (preserve|refer_central_authority|request_mla) \|",
                        line)]
    assert len(rows) == 11 * 3  # the police of ASEAN twice, its central authorities once
    for row in rows:
        source = row.rstrip(" |").rsplit(" | ", 1)[1]
        assert source and source != "**missing**" and not source.startswith("lognormal")
    assert "| actor | action | handling time | source |" in page
    start = page.index("After-hours duty officers")
    table = page[start:].split("\n\n")[1].splitlines()
    assert table[0] == "| actor | after hours | source |"
    duty = table[2:]
    assert len(duty) == 13  # the 11 ASEAN CERTs, ACSC's hotline, the DOJ's 24/7 point
    assert all("assumption" in row or "Hotline" in row for row in duty)
    assert "**missing**" not in page


def test_an_entry_without_its_source_is_missing():
    sc = assumptions.library()
    sources = assumptions.timing_sources()
    entries = dict(assumptions.sourced_entries(sc, sources))
    assert entries["actors.police-my.policy.action_time.refer_central_authority"].startswith(
        "assumption")
    assert "domain primer" in entries["actors.police-my.policy.action_time.preserve"]
    assert "actors.mycert.on_call" in entries and "actors.ca-ph.on_call" in entries
    assert assumptions.missing_sources(sc, sources) == []
    del sources["actors.ca-my.policy.action_time.request_mla"]
    del sources["actors.acsc.on_call"]
    assert assumptions.missing_sources(sc, sources) == [
        "actors.acsc.on_call", "actors.ca-my.policy.action_time.request_mla"]
