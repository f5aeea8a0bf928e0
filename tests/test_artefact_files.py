"""Artefacts that are files next to the scenario: confined reads, hashes in the log,
the text in the role view, and passwords that come by another channel."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scenarios import ScenarioError, load_scenario
from scenarios.loader import bundled_dir
from sim.authoring.lint import lint
from sim.engine import Engine
from sim.engine.events import log_to_jsonl

TUTORIAL = bundled_dir() / "tutorial.yaml"
NOTE = b"DRILL: [bold]pay[/] 5 BTC\nID: 7Q2K\n"


def scenario(tmp_path: Path, *artefacts, duration: str | None = None,
             files: dict[str, bytes] | None = None, stale_phone: bool = False) -> Path:
    """The tutorial in ``tmp_path`` with inject 1 (T+00:30, SingCERT, by e-mail) carrying
    ``artefacts``, and ``files`` written beside it."""
    text = TUTORIAL.read_text(encoding="utf-8")
    old = "    artefacts: [sms-samples.txt, phishing-page.html, whois-203.0.113.45.txt]\n"
    assert text.count(old) == 1
    text = text.replace(old, f"    artefacts: {json.dumps(list(artefacts))}\n")
    if duration:
        text = text.replace("  duration: 8h ", f"  duration: {duration} ", 1)
    if stale_phone:  # SingCERT's phone number
        text = text.replace('phone: {address: "+SG-000-0000"}',
                            'phone: {address: "+SG-000-0000", stale: true}', 1)
    for name, content in (files if files is not None else {"evidence/note.txt": NOTE}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    path = tmp_path / "drill.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def events(path: Path, kind: str) -> list:
    return [e for e in Engine(load_scenario(path), seed=0).run() if e.type == kind]


def problems(path: Path, **kw) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, **kw)
    return [str(p) for p in exc.value.problems]


# --- the engine -------------------------------------------------------------------------


def test_the_inject_logs_each_files_hash_and_size(tmp_path):
    path = scenario(tmp_path, {"file": "evidence/note.txt"}, "pcap-1.pcap",
                    {"file": "evidence/note.txt", "name": "ransom-note.txt"})
    [ev] = events(path, "inject_delivered")[:1]
    digest = hashlib.sha256(NOTE).hexdigest()
    assert ev.time == 30.0 and ev.actor == "singcert"
    assert ev.details["artefacts"] == ["note.txt", "pcap-1.pcap", "ransom-note.txt"]
    assert ev.details["files"] == [
        {"name": "note.txt", "file": "evidence/note.txt", "sha256": digest, "bytes": len(NOTE)},
        {"name": "ransom-note.txt", "file": "evidence/note.txt", "sha256": digest,
         "bytes": len(NOTE)}]
    # the names are what the actor learns, as bare names always were
    assert "indicator:note.txt" in ev.details["facts"]


def test_injects_without_files_log_as_before(tmp_path):
    bare = scenario(tmp_path, "note.txt", files={})
    [ev] = events(bare, "inject_delivered")[:1]
    assert "files" not in ev.details
    # a bare name and a file of that name give the same run but for the file's details
    with_file = scenario(tmp_path / "f", {"file": "note.txt"}, files={"note.txt": NOTE})
    strip = [json.loads(line) for line in log_to_jsonl(Engine(load_scenario(with_file)).run())
             .splitlines()]
    for e in strip:
        e["details"].pop("files", None)
    assert strip == [json.loads(line) for line in
                     log_to_jsonl(Engine(load_scenario(bare)).run()).splitlines()]


def test_the_password_comes_by_phone_after_its_delay(tmp_path):
    path = scenario(tmp_path, {"file": "evidence/note.txt", "protected": {
        "password_via": "phone", "password": "infected", "delay": "10m"}})
    [ev] = events(path, "password_delivered")
    # inject 1 at T+00:30 (09:30 in Singapore, on duty) + 10 minutes
    assert (ev.time, ev.actor, ev.incident) == (40.0, "singcert", "phish")
    assert dict(ev.details) == {"inject": "1", "artefact": "note.txt", "sender": "hicon",
                                "channel": "phone", "password": "infected", "duty_wait": 0.0}
    [delivered] = events(path, "inject_delivered")[:1]
    assert delivered.details["files"][0]["password_via"] == "phone"


def test_a_password_by_phone_waits_for_someone_at_the_desk(tmp_path):
    path = scenario(tmp_path, {"file": "evidence/note.txt", "protected": {
        "password_via": "phone", "delay": "7h45m"}}, duration="2d")
    [ev] = events(path, "password_delivered")
    # due at T+08:15, 17:15 in Singapore after SingCERT's 08:00-17:00 day: the phone is
    # answered at 08:00 on Tuesday, T+23:00
    assert ev.time == 23 * 60.0
    assert ev.details["duty_wait"] == 23 * 60.0 - 8 * 60 - 15
    assert ev.details["password"] == ""


def test_a_password_to_a_stale_phone_number_is_lost(tmp_path):
    path = scenario(tmp_path, {"file": "evidence/note.txt", "protected": {
        "password_via": "phone"}}, stale_phone=True)
    [ev] = events(path, "password_lost")
    assert (ev.time, ev.actor, ev.details["reason"]) == (30.0, "singcert", "stale_contact")
    assert events(path, "password_delivered") == []


# --- reading the files ------------------------------------------------------------------


def test_a_file_outside_the_scenarios_folder_is_refused_and_never_read(tmp_path, monkeypatch):
    import scenarios.yamlsrc as yamlsrc

    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "key.txt").write_text("TOP SECRET CONTENT")
    here = tmp_path / "drill"
    here.mkdir()
    (here / "link.txt").symlink_to(outside / "key.txt")
    read: list[str] = []
    real = yamlsrc.read_bounded
    monkeypatch.setattr(yamlsrc, "read_bounded",
                        lambda p, *a, **k: (read.append(str(p)), real(p, *a, **k))[1])
    for name in ("../secret/key.txt", str(outside / "key.txt"), "link.txt"):
        path = scenario(here, {"file": name}, files={})
        found = problems(path)
        assert len(found) == 1, found
        assert "is outside the scenario's folder and the bundled library" in found[0]
        assert "--allow-include" in found[0] and "TOP SECRET" not in found[0]
        assert found[0].startswith(f"{path}:")  # at its line
    assert not any("key.txt" in p or "link.txt" in p for p in read)
    # a folder the user allows is read
    loaded = load_scenario(path, allow_include=(str(outside),))
    assert loaded.scenario.injects[0].artefacts[0].content == "TOP SECRET CONTENT"


def test_a_missing_file_a_changed_file_and_an_unknown_password_channel(tmp_path):
    path = scenario(tmp_path, {"file": "evidence/gone.txt"},
                    {"file": "evidence/note.txt", "sha256": "0" * 64},
                    {"file": "evidence/note.txt", "protected": {"password_via": "phon"}})
    # the cross-references are checked first: no file is read while they fail
    [found] = problems(path)
    assert found.endswith("injects[0].artefacts[2].protected.password_via: unknown channel "
                          "'phon'; did you mean 'phone'?")
    path = scenario(tmp_path, {"file": "evidence/gone.txt"},
                    {"file": "evidence/note.txt", "sha256": "0" * 64})
    missing, changed = problems(path)
    assert "injects[0].artefacts[0].file: no artefact file 'evidence/gone.txt'" in missing
    assert "injects[0].artefacts[1].sha256: the file's SHA-256 is " \
        + hashlib.sha256(NOTE).hexdigest() in changed
    path = scenario(tmp_path, {"file": "evidence/note.txt",
                               "sha256": hashlib.sha256(NOTE).hexdigest()})
    assert load_scenario(path).scenario.injects[0].artefacts[0].size == len(NOTE)


def test_a_file_over_the_limit_is_refused(tmp_path):
    path = scenario(tmp_path, {"file": "big.bin"}, files={"big.bin": b"x" * (1024 * 1024 + 1)})
    [found] = problems(path)
    assert found.endswith("big.bin: is 1,048,577 bytes; a scenario artefact over 1,048,576 "
                          "bytes is refused")


def test_text_is_kept_to_be_shown_and_binary_is_not(tmp_path):
    path = scenario(tmp_path, {"file": "note.txt"}, {"file": "sample.bin"},
                    {"file": "note.txt", "name": "hidden.txt", "show_text": False},
                    files={"note.txt": NOTE, "sample.bin": b"MZ\x90\x00\x03\x00\x00\xff"})
    arts = load_scenario(path).scenario.injects[0].artefacts
    assert [a.content for a in arts] == [NOTE.decode(), None, None]
    assert [a.sha256 for a in arts] == [hashlib.sha256(NOTE).hexdigest(),
                                        hashlib.sha256(b"MZ\x90\x00\x03\x00\x00\xff").hexdigest(),
                                        hashlib.sha256(NOTE).hexdigest()]


# --- lint -------------------------------------------------------------------------------


def test_lint_reports_binary_shown_as_text_and_passwords_that_cannot_arrive_apart(tmp_path):
    path = scenario(tmp_path, {"file": "sample.bin", "show_text": True},
                    {"file": "note.txt", "protected": {"password_via": "email"}},
                    {"file": "note.txt", "name": "n2", "protected": {"password_via": "phone"}},
                    files={"note.txt": NOTE, "sample.bin": b"\x00\x01binary"}, stale_phone=True)
    found = {f.code: str(f) for f in lint(load_scenario(path))}
    assert "'sample.bin' is not UTF-8 text" in found["artefact-not-text"]
    assert "the password of note.txt travels on 'email', the channel that carries the file" \
        in found["password-same-channel"]
    assert "singcert has only an out-of-date point of contact on 'phone', so the password " \
        "of n2 never" \
        in found["password-unreachable"]
    assert all(str(path) in line for line in found.values())


def test_the_bundled_example_lints_clean_and_delivers_its_passwords():
    path = bundled_dir() / "apcert-ransomware.yaml"
    loaded = load_scenario(path)
    assert [f for f in lint(loaded) if f.code.startswith(("artefact", "password"))] == []
    inj = loaded.scenario.injects[0]
    assert [a.label for a in inj.artefact_files] == ["ransom-note.txt", "leak-site-pdns.csv"]
    delivered = events(path, "password_delivered")
    assert {e.actor for e in delivered} == set(inj.to)


# --- the role view ----------------------------------------------------------------------


def detail(app) -> str:
    return str(app.screen.query_one("#detail").render())


async def test_the_role_view_shows_the_hash_the_text_and_then_the_password(tmp_path):
    pytest.importorskip("textual")
    from sim.runs.session import DrillSession
    from tui.app import DrillApp

    path = scenario(tmp_path, {"file": "evidence/note.txt"},
                    {"file": "evidence/note.txt", "name": "locked.txt",
                     "protected": {"password_via": "phone", "password": "infected",
                                   "delay": "10m"}})
    session = DrillSession.start(load_scenario(path), seed=0, human=["singcert"],
                                 record=False)
    session.advance_to(31)
    app = DrillApp(session)
    async with app.run_test(size=(160, 60)) as pilot:
        await pilot.pause()
        app.open_role("singcert")
        for _ in range(100):
            if getattr(app.screen, "ready", False):
                break
            await pilot.pause(0.05)
        await pilot.pause()
        shown = detail(app)
        digest = hashlib.sha256(NOTE).hexdigest()
        assert f"note.txt: SHA-256 {digest}, {len(NOTE)} bytes" in shown
        # the file's text, literally: its markup is not markup
        assert "DRILL: [bold]pay[/] 5 BTC" in shown and "ID: 7Q2K" in shown
        assert "Password: protected; the password comes by phone" in shown
        assert "(its text shows once the password has arrived)" in shown
        session.advance_to(41)
        for _ in range(100):
            if "Password: infected" in detail(app):
                break
            await pilot.pause(0.05)
        shown = detail(app)
        assert "Password: infected (by phone at T+00:40)" in shown
        assert shown.count("DRILL: [bold]pay[/] 5 BTC") == 2


def test_a_journal_keeps_the_files_and_resumes_without_reading_them(tmp_path):
    from sim.runs.session import DrillSession

    path = scenario(tmp_path, {"file": "evidence/note.txt", "protected": {
        "password_via": "phone", "password": "infected", "delay": "10m"}})
    journal = tmp_path / "j.drill"
    session = DrillSession.start(load_scenario(path), seed=0, human=["singcert"],
                                 journal_path=journal)
    session.advance_to(45)
    before = [(e.type, e.actor, dict(e.details)) for e in session.engine.log]
    session.close()
    (tmp_path / "evidence" / "note.txt").unlink()  # resuming never reads it again
    resumed = DrillSession.resume(journal)
    try:
        assert [(e.type, e.actor, dict(e.details)) for e in resumed.engine.log] == before
        art = resumed.scenario.injects[0].artefacts[0]
        assert (art.content, art.sha256) == (NOTE.decode(), hashlib.sha256(NOTE).hexdigest())
        assert any(t == "password_delivered" for t, _, _ in before)
    finally:
        resumed.close()
