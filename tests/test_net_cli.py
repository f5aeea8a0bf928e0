"""drill host and drill join as separate processes: invitations, TLS, kill -9 and --resume."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from net_helpers import SECRET_A, net_scenario, serving, serving_frames, until

from sim.cli import EXIT_CANNOT_RUN, EXIT_INVALID, main
from sim.net.client import DrillClient, DrillConnectionError
from sim.net.server import tls_context

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drill(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def wait_for(pred, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def scenario_file(scenario_data, tmp_path) -> Path:
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(net_scenario(scenario_data), sort_keys=False))
    return path


def test_host_prints_invitations_and_shuts_down_cleanly(scenario_file, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    host = drill("host", str(scenario_file), "--role", "cert-a", "--role", "cert-b",
                 "--journal", str(journal), "--listen", "127.0.0.1:0")
    try:
        lines = [host.stdout.readline().strip() for _ in range(4)]
        what = [line.split(": ws://")[0] for line in lines]
        assert what == ["role cert-a", "role cert-b", "facilitator", "observers and evaluators"]
        urls = [line.split(": ", 1)[1] for line in lines]
        assert len(set(urls)) == 4 and all("?token=" in u for u in urls)
        # a forged invitation is refused: exit 2, one line, no traceback
        forged = urls[0].split("?token=")[0] + "?token=forged"
        join = drill("join", forged, "--print")
        _, err = join.communicate(timeout=20)
        assert join.returncode == EXIT_INVALID
        assert "refused" in err and "Traceback" not in err
        # a real one follows the drill in words, its own lines only
        join = drill("join", "-", "--print", stdin=subprocess.PIPE)
        join.stdin.write(urls[1] + "\n")
        join.stdin.flush()
        assert "joined Hand-computable drill as role cert-b" in join.stdout.readline()
        assert "clock paused at T+00:00" in join.stdout.readline()
        assert "drill started" in join.stdout.readline()
        join.send_signal(signal.SIGINT)
        assert join.wait(timeout=10) == 0
    finally:
        host.send_signal(signal.SIGINT)
        _out, err = host.communicate(timeout=20)
    assert host.returncode == 0, err
    assert "carry on with: drill host --resume" in err
    assert not Path(f"{journal}.lock").exists()  # the journal was closed, its lock released


def test_invites_file_is_private(scenario_file, tmp_path):
    invites = tmp_path / "out" / "invites.txt"
    host = drill("host", str(scenario_file), "--role", "cert-a", "--listen", "127.0.0.1:0",
                 "--journal", str(tmp_path / "d.journal.sqlite"), "--invites", str(invites))
    try:
        wait_for(invites.exists)
        assert oct(invites.stat().st_mode & 0o777) == "0o600"
        assert oct(invites.parent.stat().st_mode & 0o777) == "0o700"
        text = invites.read_text().splitlines()
        assert text[0::2] == ["# role cert-a", "# facilitator", "# observers and evaluators"]
        assert all(line.startswith("ws://127.0.0.1:") for line in text[1::2])
    finally:
        host.send_signal(signal.SIGINT)
        out, _ = host.communicate(timeout=20)
    assert "token=" not in out  # written to the file only


def test_after_kill_9_and_resume_the_clients_carry_on(scenario_file, tmp_path):
    journal, invites, port = tmp_path / "d.journal.sqlite", tmp_path / "inv", free_port()
    common = ["--listen", f"127.0.0.1:{port}", "--start"]
    host = drill("host", str(scenario_file), "--role", "cert-a", "--role", "cert-b",
                 "--journal", str(journal), "--invites", str(invites), "--speed", "3600", *common)
    resumed = None
    try:
        wait_for(invites.exists)
        urls = invites.read_text().splitlines()[1::2]

        async def play() -> tuple[list[int], list[int]]:
            nonlocal resumed
            a = DrillClient(urls[0])
            seen: list[int] = []
            a.listen(lambda ev: seen.append(ev.seq))
            await a.connect()
            await until(lambda: a.state.item("cert-a", "inject:1") is not None, timeout=20)
            host.kill()  # SIGKILL: no goodbye, no clean close
            host.wait(timeout=10)
            await until(lambda: not a.connected, timeout=10)
            held = a.seq
            resumed = drill("host", "--resume", str(journal), *common)
            await until(lambda: a.connected, timeout=30)
            # the drill carries on where it was: the RED inject of T+02:00 still arrives
            await until(lambda: a.state.item("cert-a", "inject:2") is not None, timeout=30)
            assert a.state.item("cert-a", "inject:2").text == SECRET_A
            assert a.seq > held
            await a.close()  # what it holds now is compared with the whole stream
            # the same stream as a newcomer with the same invitation receives from scratch
            fresh = DrillClient(urls[0], reconnect=False)
            again: list[int] = []
            fresh.listen(lambda ev: again.append(ev.seq))
            await fresh.connect()
            await until(lambda: fresh.seq >= a.seq, timeout=10)
            await fresh.close()
            return seen, again

        seen, again = asyncio.run(play())
        assert seen == again[:len(seen)]  # no gap, no duplicate, same order
        assert len(set(seen)) == len(seen)
    finally:
        for proc in (host, resumed):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                proc.communicate(timeout=20)
    assert resumed is not None and resumed.returncode == 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
async def test_tls_with_a_certificate_the_client_trusts(scenario_data, load, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    loaded = load(net_scenario(scenario_data))
    async with serving(loaded, tmp_path, tls=tls_context(str(cert), str(key))) as (_server, urls):
        assert urls["cert-a"].startswith("wss://127.0.0.1:")
        a = DrillClient(urls["cert-a"], cafile=str(cert))
        await a.connect()
        assert a.role == "cert-a"
        await a.close()
        with pytest.raises(DrillConnectionError, match="TLS"):
            await DrillClient(urls["cert-a"]).connect()  # an untrusted certificate
        with pytest.raises(DrillConnectionError):  # in clear to a TLS server
            await DrillClient(urls["cert-a"].replace("wss://", "ws://")).connect()


def test_bad_host_options_are_refused_in_one_line(capsys, tmp_path):
    assert main(["host", "--cert", str(tmp_path / "c.pem")]) == EXIT_INVALID
    assert "--cert and --key go together" in capsys.readouterr().err
    assert main(["host", "--listen", "127.0.0.1:http"]) == EXIT_INVALID
    assert "port must be a number" in capsys.readouterr().err
    missing = tmp_path / "nope.pem"
    assert main(["host", "--cert", str(missing), "--key", str(missing)]) == EXIT_INVALID
    assert "cannot load the certificate" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.journal.sqlite"))


def test_join_says_what_is_wrong_with_an_invitation(capsys):
    assert main(["join", "http://example.org/?token=x", "--print"]) == EXIT_INVALID
    assert "ws://" in capsys.readouterr().err
    assert main(["join", "ws://127.0.0.1:9/", "--print"]) == EXIT_INVALID
    assert "no token" in capsys.readouterr().err
    port = free_port()
    assert main(["join", f"ws://127.0.0.1:{port}/?token=abc", "--print"]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert "cannot reach the drill server" in err and "abc" not in err


def test_joining_another_machine_in_clear_is_warned_about(monkeypatch, capsys):
    from sim.net import run

    async def refuse(url, **kw):
        raise DrillConnectionError("cannot reach the drill server")

    monkeypatch.setattr(run, "follow", refuse)
    assert main(["join", "ws://192.0.2.10:8765/?token=abc", "--print"]) == EXIT_CANNOT_RUN
    assert "not encrypted" in capsys.readouterr().err
    assert main(["join", "ws://127.0.0.1:8765/?token=abc", "--print"]) == EXIT_CANNOT_RUN
    assert "not encrypted" not in capsys.readouterr().err


def test_a_cafile_that_cannot_be_loaded_is_one_line_and_exit_2(capsys, tmp_path):
    url = "wss://127.0.0.1:9/?token=abc"
    missing = tmp_path / "no-such-ca.pem"
    assert main(["join", url, "--print", "--cafile", str(missing)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"--cafile {missing}: cannot load it: No such file or directory" in err
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("SECRET-CONTENT of another file\n")
    assert main(["join", url, "--print", "--cafile", str(not_pem)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "cannot load it: not a PEM certificate" in err and "SECRET" not in err
    assert "Traceback" not in err


def _welcome(scenario: dict, last: int = 0) -> str:
    import json

    from sim.net import protocol as P

    return json.dumps({
        "type": "welcome", "version": P.PROTOCOL_VERSION, "access": "player", "role": "cert-a",
        "token_id": "cert-a-1", "drill": "d1", "scenario": scenario, "human": ["cert-a"],
        "last": last, "notes": [],
        "clock": {"type": "clock", "drill_time": 0.0, "running": False, "speed": 60.0,
                  "finished": False}})


async def test_a_scenario_the_client_cannot_read_is_one_line_not_an_internal_error():
    server, url = await serving_frames([_welcome({"drill": {}})])
    try:
        with pytest.raises(DrillConnectionError, match="scenario this client cannot read"):
            await DrillClient(url, reconnect=False).connect()
    finally:
        server.close()


async def test_an_event_the_client_cannot_read_stops_it_with_a_reason_instead_of_a_hang(
        scenario_data, load):
    import io
    import json

    from sim.net.run import follow

    scenario = load(net_scenario(scenario_data)).scenario.model_dump(mode="json")
    event = {"seq": 1, "type": "role_changed", "actor": "cert-a", "details": {}}  # no time
    ended = {"seq": 2, "time": 5.0, "type": "drill_ended", "actor": None, "incident": None,
             "details": {}}
    server, url = await serving_frames([
        _welcome(scenario, last=2),
        json.dumps({"type": "event", "seq": 1, "event": event}),
        json.dumps({"type": "event", "seq": 2, "event": ended})])
    out, err = io.StringIO(), io.StringIO()
    try:
        with pytest.raises(DrillConnectionError, match=r"cannot read \(event 1\)"):
            await asyncio.wait_for(follow(url, cafile=None, out=out, err=err), 10)
    finally:
        server.close()
    assert "cannot read (event 1)" in err.getvalue()
