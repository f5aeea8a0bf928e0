"""Writing scenarios: lint, explain, templates, schema, includes and overrides, the tutorial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenarios import ScenarioError, bundled_scenarios, load_scenario
from scenarios.model import Condition, InjectCondition
from scenarios.schema import schema_text
from sim.analysis.metrics import compute
from sim.authoring.explain import explain, inject_condition, rule_condition
from sim.authoring.lint import lint
from sim.cli import main
from sim.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "lint-problems.yaml"


def test_lint_catches_each_problem_at_its_line():
    found = {(f.code, f.mark.line) for f in lint(load_scenario(FIXTURE))}
    assert found == {
        ("unused-contact", 22),
        ("unreachable-actor", 31),
        ("unused-channel", 42),
        ("rule-never-fires", 55),
        ("off-duty-deadline", 69),
        ("inject-after-end", 75),
        ("contingency-never-triggers", 80),
        ("deadline-too-short", 92),
    }


def test_lint_exit_codes(tmp_path, capsys):
    assert main(["lint", str(ROOT / "scenarios/bundled/tutorial.yaml")]) == 0
    assert main(["lint", str(FIXTURE)]) == 1
    assert main(["lint", "--strict", str(FIXTURE)]) == 2
    dup = tmp_path / "dup.yaml"
    text = FIXTURE.read_text(encoding="utf-8").replace('  - id: "3"', '  - id: "2"')
    dup.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["lint", str(dup)]) == 2
    out = capsys.readouterr().out
    assert f"{dup}:74:9: error: injects[2].id: inject id '2' is already used by injects[1]" in out


@pytest.mark.parametrize("path", bundled_scenarios(), ids=lambda p: p.stem)
def test_every_bundled_scenario_lints_clean_and_has_the_modeline(path):
    assert lint(load_scenario(path)) == []
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../docs/scenario.schema.json"


TEMPLATES = ["cert-takedown", "regional-ddos", "law-enforcement"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_templates_validate_run_and_lint_clean(tmp_path, monkeypatch, capsys, template):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "my-drill", "--template", template]) == 0
    # a note about the file written goes to stderr, as every command's does
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"wrote my-drill.yaml from the {template} template")
    loaded = load_scenario(tmp_path / "my-drill.yaml")
    assert loaded.scenario.drill.id == "my-drill"
    assert lint(loaded) == []
    log = Engine(loaded, seed=1).run()
    # a template is a drill that can be played through: every expectation is judged by the
    # end, and its teams meet at least one on time
    outcomes = {x["id"]: x["status"] for x in compute(log)["expectations"]}
    assert len(outcomes) == len(loaded.scenario.expectations) >= 3
    assert "open" not in outcomes.values() and "met" in outcomes.values(), outcomes
    judged = {e.details["expectation"] for e in log
              if e.type in ("expectation_met", "expectation_missed")}
    assert judged == set(outcomes)
    assert main(["new", "my-drill"]) == 2  # never overwrites


@pytest.mark.parametrize("name", ["2025", "1e3", "0x1F", "true", "null"])
def test_a_new_scenario_named_like_a_number_validates(tmp_path, monkeypatch, name):
    # YAML reads an unquoted 2025 as a number: the id must be written as text
    monkeypatch.chdir(tmp_path)
    assert main(["new", name]) == 0
    assert load_scenario(tmp_path / f"{name}.yaml").scenario.drill.id == name


def test_drill_new_given_a_folder_asks_for_a_file_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drafts").mkdir()
    assert main(["new", "drafts/"]) == 2
    assert "names a folder; give the new file's name, e.g. drafts/my-drill" in \
        capsys.readouterr().err
    assert list((tmp_path / "drafts").iterdir()) == []  # no hidden .yaml written
    assert main(["new", "drafts/my-drill"]) == 0
    assert (tmp_path / "drafts" / "my-drill.yaml").exists()


def test_schema_command_writes_the_committed_schema(tmp_path):
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == schema_text()
    assert json.loads(out.read_text(encoding="utf-8"))["$schema"].endswith("draft-07/schema#")
    assert out.read_text(encoding="utf-8") == (ROOT / "docs/scenario.schema.json").read_text(
        encoding="utf-8")


def _scenario(include: str, actors: str = "{}") -> str:
    return (
        f"include: [{include}]\n"
        "drill: {id: t, title: T, start: '2026-08-19T09:00:00+08:00', duration: 8h}\n"
        f"actors: {actors}\n"
        "injects:\n"
        "  - {id: '1', at: T+01:00, sender: hicon, to: [singcert], via: email,\n"
        "     incident: {id: x, type: phishing, affected: [SG]}}\n"
    )


def test_include_then_override_field_by_field(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_scenario("asean/actors, asean/channels, asean/frameworks",
                              "{mmcert: {contacts: {email: {stale: true}}}, "
                              "singcert: {staffing: 24/7}}"), encoding="utf-8")
    sc = load_scenario(path).scenario
    mm = sc.actors["mmcert"]
    assert mm.contacts["email"].stale is True
    # everything else about mmCERT still comes from the library
    assert mm.contacts["email"].address == "incident@mmcert.drill.example"
    assert mm.timezone == "Asia/Yangon" and "phone" in mm.contacts
    assert sc.actors["singcert"].staffing == "24/7"
    assert len(sc.actors) > 30 and "escalate-to-ansac" in sc.rules()


def test_a_scenario_includes_its_own_files_by_relative_path(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "victims.yaml").write_text(
        "actors:\n  bank-sg: {name: Bank, kind: victim, country: SG, timezone: Asia/Singapore,"
        " contacts: {email: {address: soc@bank.example}}}\n", encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(_scenario("asean/actors, asean/channels, ./lib/victims.yaml"),
                    encoding="utf-8")
    assert load_scenario(path).scenario.actors["bank-sg"].kind == "victim"


def test_conflicting_includes_are_an_error_at_the_line(tmp_path):
    (tmp_path / "a.yaml").write_text("channels:\n  email: {kind: email, latency: 1m}\n",
                                     encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(_scenario("asean/actors, asean/channels, a.yaml"), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [p] = info.value.problems
    assert (Path(p.mark.file).name, p.mark.line, p.path) == ("a.yaml", 2, "channels.email")
    assert "also defined in" in p.message


def test_explain_shows_local_times_duty_and_paths():
    text = explain(load_scenario(FIXTURE).scenario)
    assert "Fri 21 Aug 20:00 JST  OFF duty until Mon 09:00" in text
    assert "Fri 21 Aug 16:30 +08  on duty" in text
    assert "CERT-SG --notify via email" in text and "CERT-JP" in text
    assert "Directory" in text and "Asia/Tokyo (UTC+09:00)" in text


def _msel_block(text: str, inject: str) -> list[str]:
    """The lines of one inject in explain's MSEL: its header and what follows it."""
    lines = text.split("Directory")[0].splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"  {inject:<6}"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:3].strip()), len(lines))
    return lines[start:end]


def test_explain_shows_the_branching_of_the_msel_in_words():
    text = explain(load_scenario(ROOT / "scenarios/bundled/apcert-ransomware.yaml").scenario)
    # timed after an action, not a contingency
    two = _msel_block(text, "2")
    assert two[0].startswith("  2     on action   event")
    assert two[1].strip() == "30m after the first request_takedown (anyone's)"
    # delivered only if a condition holds
    three = _msel_block(text, "3")
    assert three[0].startswith("  3     T+06:30")
    assert three[1].strip() == "only if E2 was missed; skipped otherwise"
    # contingencies say what fires them
    assert _msel_block(text, "C1")[1].strip() == "fires 15m after E2 is met in time"
    assert _msel_block(text, "C2")[1].strip() == (
        "fires when a message that would meet E3 is lost or bounces")
    # an inject with only a time has no such line
    assert _msel_block(text, "1")[1].startswith(" " * 20)  # straight to its recipients
    # a rule's situational condition, on its line of the escalation path
    paths = text.split("Escalation paths")[1]
    assert "MyCERT analyses, only if the drill is in phase triage   [alert-everyone]" in paths
    assert ("SingCERT (CSA) --request_takedown via email, TLP:AMBER, only if it knows "
            "request_takedown was done (by it or anyone who told it)--> Lion City Hosting"
            in paths)


def test_conditions_in_words_cover_every_field():
    cond = InjectCondition.model_validate({
        "met": ["E1", "E4"], "missed": ["E2"], "phase": ["triage", "response"],
        "done": [{"action": "request_takedown", "by": ["mycert", "thaicert"],
                  "incident": "ransom"}],
        "not_done": [{"action": "takedown"}]})
    assert inject_condition(cond) == [
        "E1 and E4 were met", "E2 was missed",
        "request_takedown by mycert or thaicert on incident ransom was done",
        "takedown (anyone's) was not done",
        "the drill is in phase triage or response"]
    rule = Condition.model_validate({
        "types": ["ransomware"], "received": ["4", "C1"], "local_time": "09:00-12:00",
        "done": [{"action": "analyse"}], "not_done": [{"action": "escalate", "by": "anyone"}]})
    assert rule_condition(rule) == [
        "inject 4 and C1 reached it", "its local time is 09:00-12:00", "it did analyse",
        "it knows of no escalate (by it or anyone who told it)"]


def test_a_contingency_no_expectation_names_is_said_to_never_fire(scenario_data, load):
    data = scenario_data
    orphan = dict(data["injects"][0], id="C9", type="contingency")
    orphan.pop("at", None)
    data["injects"].append(orphan)
    text = explain(load(data).scenario)
    assert _msel_block(text, "C9")[1].strip() == "never fires: no expectation names it"


TUTORIAL = sorted((ROOT / "docs" / "tutorial").glob("*.yaml"))


def test_tutorial_examples_exist():
    assert len(TUTORIAL) >= 3
    assert (ROOT / "docs" / "tutorial.md").exists()


@pytest.mark.parametrize("path", TUTORIAL, ids=lambda p: p.stem)
def test_tutorial_examples_validate_run_and_lint_clean(path):
    loaded = load_scenario(path)
    assert lint(loaded) == []
    assert Engine(loaded, seed=0).run()[-1].type == "drill_ended"


def _doc_block_after(text: str, marker: str) -> list[str]:
    """The lines of the first fenced block of output (no language named) after
    ``marker`` in the tutorial."""
    lines = text[text.index(marker):].splitlines()
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    for opening, closing in zip(fences[::2], fences[1::2], strict=False):
        if lines[opening] == "```":
            return lines[opening + 1:closing]
    raise AssertionError(f"no output block after {marker!r}")


def test_the_tutorials_validate_and_lint_examples_are_what_the_commands_print(
        tmp_path, monkeypatch, capsys):
    # section 4 and 5 of docs/tutorial.md show drill validate and drill lint on
    # step3.yaml with a few edits; they must stay what the commands print
    doc = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    good = (ROOT / "docs" / "tutorial" / "step3.yaml").read_text(encoding="utf-8")
    path = tmp_path / "my-first-drill.yaml"
    path.write_text(good, encoding="utf-8")
    main(["validate", path.name])
    assert capsys.readouterr().out.splitlines() == _doc_block_after(doc, "## 4. Validate")

    lines = good.splitlines(keepends=True)
    inject3 = next(i for i, ln in enumerate(lines) if ln.strip() == '- id: "3"')
    lines[inject3 + 3] = lines[inject3 + 3].replace("sender: bank-ph", "sender: bank_ph")
    e4 = next(i for i, ln in enumerate(lines) if ln.strip() == "- id: E4")
    within = next(i for i in range(e4, len(lines)) if "within: 2h" in lines[i])
    lines[within] = lines[within].replace("within: 2h", "within: 2")
    cont = next(i for i in range(e4, len(lines)) if "contingency:" in lines[i])
    lines[cont] = lines[cont].replace("contingency:", "contingncy:")
    path.write_text("".join(lines), encoding="utf-8")
    main(["validate", path.name])
    assert capsys.readouterr().out.splitlines() == _doc_block_after(doc, "misspelt `contingency`")

    lines = good.splitlines(keepends=True)
    contacts = next(i for i, ln in enumerate(lines) if "soc@pinoybank" in ln)
    lines.insert(contacts + 1, "      portal: {address: acid-portal/pinoy-bank}\n")
    lines = [ln.replace("at: T+04:00", "at: T+08:30") for ln in lines]
    path.write_text("".join(lines), encoding="utf-8")
    main(["lint", path.name])
    assert capsys.readouterr().out.splitlines() == _doc_block_after(doc, "half an hour after")


def test_the_tutorials_run_report_is_what_drill_run_prints(tmp_path, monkeypatch, capsys):
    # section 7 of docs/tutorial.md shows `drill run my-first-drill.yaml --seed 5` on
    # step3.yaml, and quotes seed 0's E1 in its prose: both must stay what a run gives
    doc = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "my-first-drill.yaml"
    path.write_text((ROOT / "docs" / "tutorial" / "step3.yaml").read_text(encoding="utf-8"),
                    encoding="utf-8")
    main(["run", path.name, "--seed", "5"])
    printed = capsys.readouterr().out.splitlines()
    assert printed == _doc_block_after(doc, "vanishes\nsilently instead:")
    main(["run", path.name])
    [e1] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  E1 ")]
    met_at = e1.split()[2]
    assert f"E1 is met at {met_at}" in doc
