"""A networked player reads the text of the artefact files it was sent, as a local role
view shows it: a protected one once its password has reached the role, and never
another team's."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.engine.events import Event
from sim.net import visibility
from sim.net.client import DrillClient
from sim.net.visibility import for_role

TEXT_A = "OPEN-TEXT-FOR-CERT-A beacon 198.51.100.9 every 60s"
LOCKED_A = "LOCKED-TEXT-FOR-CERT-A ransom id 7Q2K"
TEXT_B = "OPEN-TEXT-FOR-CERT-B victim 10.0.0.1"


@pytest.fixture
def loaded(scenario_data, load, tmp_path):
    (tmp_path / "open-a.txt").write_text(TEXT_A + "\n", encoding="utf-8")
    (tmp_path / "locked-a.txt").write_text(LOCKED_A + "\n", encoding="utf-8")
    (tmp_path / "open-b.txt").write_text(TEXT_B + "\n", encoding="utf-8")
    data = net_scenario(scenario_data)
    data["injects"][1]["artefacts"] = [  # inject 2, to cert-a at T+02:00
        {"file": "open-a.txt"},
        {"file": "locked-a.txt", "protected": {"password_via": "phone", "password": "pw",
                                               "delay": "2h"}},
        "sample.bin"]
    data["injects"][2]["artefacts"] = [{"file": "open-b.txt"}]  # inject 3, to cert-b
    return load(data)


async def run_to(server, t: float) -> None:
    server.session.advance_to(t)
    server.clock.jump_to(server.session.now)
    await asyncio.sleep(0.05)


def _texts(frames: list[str]) -> str:
    return "".join(frames)


async def _settled(raw, stream) -> None:
    await raw.until(lambda r: len(r.of("event")) == stream.last)


def test_only_the_recipients_copy_carries_the_text(loaded):
    texts = visibility.artefact_texts(loaded.scenario)
    files = [{"name": "open-a.txt", "file": "open-a.txt", "sha256": "0" * 64, "bytes": 1},
             {"name": "locked-a.txt", "file": "locked-a.txt", "sha256": "1" * 64, "bytes": 1,
              "password_via": "phone"}]
    ev = Event.make(5, 125.0, "inject_delivered", "cert-a", "x",
                    {"ref": "inject:2", "inject": "2", "files": files})
    seen = for_role(ev, "cert-a", frozenset(), texts)
    assert seen is not None
    shown = seen["details"]["files"]
    assert shown[0]["content"] == TEXT_A + "\n"
    assert "content" not in shown[1] and shown[1]["shows_text"] is True
    assert for_role(ev, "cert-b", frozenset(), texts) is None
    assert all("content" not in f for f in ev.details["files"])  # the engine's is untouched
    password = Event.make(9, 245.0, "password_delivered", "cert-a", "x",
                          {"inject": "2", "artefact": "locked-a.txt", "password": "pw"})
    seen = for_role(password, "cert-a", frozenset(), texts)
    assert seen is not None and seen["details"]["content"] == LOCKED_A + "\n"
    assert "content" not in password.details
    assert for_role(password, "cert-b", frozenset(), texts) is None


async def test_a_player_receives_its_files_text_and_the_locked_one_after_its_password(
        loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        a, b = await raw_join(urls["cert-a"]), await raw_join(urls["cert-b"])
        await run_to(server, 150)  # inject 2 reaches cert-a; its password is 2 hours off
        await _settled(a, server.streams["cert-a"])
        got_a = _texts(a.frames)
        assert TEXT_A in got_a and LOCKED_A not in got_a
        await run_to(server, 400)  # the password reaches cert-a; inject 3 reaches cert-b
        await _settled(a, server.streams["cert-a"])
        await _settled(b, server.streams["cert-b"])
        got_a, got_b = _texts(a.frames), _texts(b.frames)
        assert LOCKED_A in got_a and TEXT_B not in got_a
        assert TEXT_B in got_b and TEXT_A not in got_b and LOCKED_A not in got_b
        first = next(m for m in a.messages() if LOCKED_A in str(m))
        assert first["type"] == "event" and first["event"]["type"] == "password_delivered"
        # the engine's events, and so the journal's, are exercise control's as before
        for ev in server.session.engine.log:
            assert "content" not in ev.details
            assert all("content" not in f for f in ev.details.get("files", ()))
        path = server.session.path
        await a.close()
        await b.close()
    events = sqlite3.connect(path).execute("select * from events").fetchall()
    assert TEXT_A not in str(events) and LOCKED_A not in str(events)


async def test_the_players_read_model_holds_the_text_as_a_local_one_does(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (server, urls):
        await run_to(server, 150)
        client = DrillClient(urls["cert-a"])
        await client.connect()
        await client.wait_for_seq(server.streams["cert-a"].last)
        item = client.state.item("cert-a", "inject:2")
        assert item is not None
        files = {f["name"]: f for f in item.files}
        assert files["open-a.txt"]["content"] == TEXT_A + "\n"
        assert files["locked-a.txt"]["content"] is None
        assert "locked-a.txt" not in item.unlocked
        await run_to(server, 400)
        await client.wait_for_seq(server.streams["cert-a"].last)
        files = {f["name"]: f for f in item.files}
        assert "locked-a.txt" in item.unlocked
        assert files["locked-a.txt"]["content"] == LOCKED_A + "\n"
        await client.close()


async def test_the_networked_role_view_shows_the_text(loaded, tmp_path):
    pytest.importorskip("textual")
    from test_tui import until

    from sim.net.remote import RemoteSession
    from tui.app import DrillApp

    def detail(app) -> str:
        return str(app.screen.query_one("#detail").render())

    async with serving(loaded, tmp_path) as (server, urls):
        await run_to(server, 150)
        client = DrillClient(urls["cert-a"])
        await client.connect()
        app = DrillApp(RemoteSession(client), tick=0.05)
        try:
            async with app.run_test(size=(160, 60)) as pilot:
                await until(pilot, lambda: getattr(app.screen, "ready", False))
                inbox = app.screen.query_one("#inbox")
                await until(pilot, lambda: inbox.row_count == 2)
                # the newest first: inject 2 is under the cursor
                await until(pilot, lambda: TEXT_A in detail(app))
                shown = detail(app)
                assert "Password: protected; the password comes by phone" in shown
                assert "(its text shows once the password has arrived)" in shown
                assert LOCKED_A not in shown
                await run_to(server, 400)
                await until(pilot, lambda: LOCKED_A in detail(app))
                assert "Password: pw (by phone at" in detail(app)
        finally:
            await client.close()
