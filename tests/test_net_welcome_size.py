"""A valid drill whose attached files are large still reaches every terminal, or is
refused by ``drill host`` before anything is served.

The facilitator's and observers' welcome holds the scenario: each attached file's text
goes in it once, however many injects attach the file, and the client gives the text
back to every inject that attaches it. A drill whose welcome, or whose delivery of an
inject to a player (which carries the text of its files), would still be larger than a
terminal accepts in one frame is refused at ``drill host``, naming the inject."""

from __future__ import annotations

import asyncio
import json

import pytest
from net_helpers import net_scenario, raw_join, serving

from sim.cli import EXIT_CANNOT_RUN, main
from sim.net import protocol as P
from sim.net import run as net_run
from sim.net.client import DrillClient
from sim.net.run import HostError, host
from sim.runs.session import DrillSession

LINE = "203.0.113.5 - - GET /beacon HTTP/1.1 200 MARK-{i}\n"


def _log(path, size: int, i: int = 0) -> None:
    one = LINE.format(i=i)
    path.write_text((one * (size // len(one) + 1))[:size], encoding="utf-8")


def _shared_log(data, injects: int) -> None:
    """``injects`` injects to cert-a, each attaching the same log file (log.txt)."""
    for i in range(injects):
        data["injects"].append({
            "id": f"L{i}", "at": f"T+{10 + i}:00", "sender": "ctl", "to": ["cert-a"],
            "via": "email", "tlp": "AMBER", "title": f"log day {i}",
            "artefacts": [{"file": "log.txt"}], "incident": {"id": "x"}})


def _files_on_one_inject(data, files: int) -> None:
    """One inject (L) to cert-a attaching ``files`` different logs."""
    data["injects"].append({
        "id": "L", "at": "T+10:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
        "tlp": "AMBER", "title": "a week of logs",
        "artefacts": [{"file": f"log{i}.txt"} for i in range(files)],
        "incident": {"id": "x"}})


# --- (a) the welcome sends each file's text once --------------------------------------


async def test_the_welcome_carries_a_files_text_once_and_every_inject_shows_it(
        scenario_data, load, tmp_path):
    text = "ONE-COPY-ONLY beacon 198.51.100.9 every 60s\n" * 20
    (tmp_path / "log.txt").write_text(text, encoding="utf-8")
    (tmp_path / "hidden.txt").write_text(text, encoding="utf-8")
    data = net_scenario(scenario_data)
    _shared_log(data, 3)
    # the same bytes attached as a file whose text is not to be shown: it stays hidden
    data["injects"][-1]["artefacts"].append({"file": "hidden.txt", "show_text": False})
    loaded = load(data)
    async with serving(loaded, tmp_path) as (server, urls):
        raw = await raw_join(urls["facilitator"])
        await raw.until(lambda r: r.of("welcome"))
        frame = next(f for f in raw.frames if json.loads(f)["type"] == "welcome")
        await raw.close()
        assert frame.count("ONE-COPY-ONLY") == 20  # the text once, not once per inject

        client = DrillClient(urls["facilitator"])
        await client.connect()
        try:
            assert client.scenario is not None
            shown = {inj.id: [a.content for a in inj.artefact_files]
                     for inj in client.scenario.injects if inj.artefact_files}
            assert shown == {"L0": [text], "L1": [text], "L2": [text, None]}
            # the facilitator's read model shows the text of each delivered copy
            server.session.advance_to(13 * 60)
            server.clock.jump_to(server.session.now)
            await client.wait_for_seq(server.streams["*"].last)
            for inj in ("L0", "L1", "L2"):
                item = client.state.item("cert-a", f"inject:{inj}")
                assert item is not None
                assert item.files[0]["content"] == text
            assert client.state.item("cert-a", "inject:L2").files[1]["content"] is None
        finally:
            await client.close()


async def test_a_large_log_attached_to_many_injects_reaches_the_facilitator(
        scenario_data, load, tmp_path):
    """The drill of the report: a 0.98 MB log attached to 17 injects (17 MB as it was
    sent before, more than the 16 MiB a client accepts in one frame)."""
    _log(tmp_path / "log.txt", 980_000)
    data = net_scenario(scenario_data)
    _shared_log(data, 17)
    loaded = load(data)
    async with serving(loaded, tmp_path) as (server, urls):
        for who in ("facilitator", "observer", "cert-a"):
            client = DrillClient(urls[who], reconnect=False)
            try:
                await client.connect()
                assert client.failure is None
                if who != "cert-a":
                    assert client.scenario is not None
                    assert all(inj.artefact_files[0].content is not None
                               for inj in client.scenario.injects if inj.artefact_files)
            finally:
                await client.close()
        from sim.net.server import oversized_frame

        assert oversized_frame(server.session) is None  # drill host serves it


# --- (b) drill host refuses a drill whose frames cannot fit -------------------------------


@pytest.fixture
def small_limit(monkeypatch):
    """A client limit of 200 KiB, so that a few small files stand for 16 MiB of them."""
    monkeypatch.setattr(P, "MAX_SERVER_FRAME", 200 * 1024)


def _session(loaded, tmp_path):
    return DrillSession.start(loaded, human=["cert-a", "cert-b"],
                              journal_path=tmp_path / "d.journal.sqlite")


def _host(session, **kw):
    host(session, listen="127.0.0.1:0", tls=None, speed=None, running=False,
         invites_file=None, public_host=None, new_invites=False, **kw)


def test_host_refuses_an_inject_whose_files_do_not_fit_in_a_frame(
        scenario_data, load, tmp_path, small_limit, monkeypatch):
    for i in range(5):
        _log(tmp_path / f"log{i}.txt", 50_000, i)
    data = net_scenario(scenario_data)
    _files_on_one_inject(data, 5)  # 250 KB of text in one delivery
    session = _session(load(data), tmp_path)
    served = []

    async def serve(*args, **kw):  # must never be reached
        served.append(args)

    monkeypatch.setattr(net_run, "serve", serve)
    try:
        with pytest.raises(HostError) as err:
            _host(session)
    finally:
        session.close()
    assert not served
    message = str(err.value)
    assert "\n" not in message
    assert "inject L " in message and "smaller" in message and "200 KiB" in message


def test_host_refuses_a_welcome_that_does_not_fit(scenario_data, load, tmp_path, small_limit):
    data = net_scenario(scenario_data)
    for i in range(5):  # five different files, one per inject: each delivery fits
        _log(tmp_path / f"log{i}.txt", 50_000, i)
        data["injects"].append({
            "id": f"L{i}", "at": f"T+{10 + i}:00", "sender": "ctl", "to": ["cert-a"],
            "via": "email", "tlp": "AMBER", "title": f"log {i}",
            "artefacts": [{"file": f"log{i}.txt"}], "incident": {"id": "x"}})
    session = _session(load(data), tmp_path)
    try:
        from sim.net.server import oversized_frame

        problem = oversized_frame(session)
        with pytest.raises(HostError):
            _host(session)
    finally:
        session.close()
    assert problem is not None and "\n" not in problem
    assert "welcome" in problem and "smaller" in problem


def test_a_drill_that_fits_is_not_refused(scenario_data, load, tmp_path, small_limit):
    for i in range(3):
        _log(tmp_path / f"log{i}.txt", 50_000, i)
    data = net_scenario(scenario_data)
    _files_on_one_inject(data, 3)  # 150 KB in one delivery, and in the welcome
    session = _session(load(data), tmp_path)
    try:
        from sim.net.server import oversized_frame

        assert oversized_frame(session) is None
    finally:
        session.close()


def test_drill_host_exits_as_for_other_refusals_and_serves_nothing(
        scenario_data, tmp_path, small_limit, monkeypatch, capsys):
    import yaml

    for i in range(5):
        _log(tmp_path / f"log{i}.txt", 50_000, i)
    data = net_scenario(scenario_data)
    _files_on_one_inject(data, 5)
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    served = []

    async def serve(*args, **kw):  # must never be reached
        served.append(args)

    monkeypatch.setattr(net_run, "serve", serve)
    status = main(["host", str(path), "--role", "cert-a", "--journal",
                   str(tmp_path / "d.journal.sqlite"), "--listen", "127.0.0.1:0"])
    assert status == EXIT_CANNOT_RUN
    assert not served
    err = capsys.readouterr().err
    refusal = [line for line in err.splitlines() if "inject L " in line]
    assert len(refusal) == 1 and "smaller" in refusal[0]
    # refused before a journal is started: nothing to carry on, and nothing left behind
    assert "--resume" not in err
    assert not (tmp_path / "d.journal.sqlite").exists()


async def test_a_delivery_measured_at_host_matches_the_frame_sent(
        scenario_data, load, tmp_path):
    """What drill host measures is what the server sends the player."""
    for i in range(2):
        _log(tmp_path / f"log{i}.txt", 30_000, i)
    data = net_scenario(scenario_data)
    _files_on_one_inject(data, 2)
    loaded = load(data)
    async with serving(loaded, tmp_path) as (server, _):
        from sim.net.server import FRAME_SLACK, largest_frames

        sizes = dict(largest_frames(server.session))
        server.session.advance_to(11 * 60)
        server.clock.jump_to(server.session.now)
        await asyncio.sleep(0.05)
        sent = max(len(f.encode("utf-8")) for f in server.streams["cert-a"].frames)
        assert sent <= sizes["inject L"] <= sent + FRAME_SLACK
