"""Browser access (``drill web``, the optional extra ``[web]``): the error without the
extra, the command line and environment of a browser session, and, when
``textual-serve`` is installed, the page and a whole browser session against a live
drill server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import sys
from pathlib import Path

import pytest
from net_helpers import net_scenario, serving

from sim.cli import EXIT_CANNOT_RUN, EXIT_INVALID, main
from sim.net.invites import parse_invite
from tui import web
from tui.web import (
    INVITE_ENV,
    MISSING_EXTRA,
    WebError,
    drill_server,
    session_command,
    session_environment,
    session_invite,
    take_invite,
    token_of,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zq3vJ8kW1xY2pL0sT9uR4eN5mB6cA7dF-_hGiKoPl0M"


def test_without_the_extra_drill_web_says_what_to_install(monkeypatch, capsys):
    for name in ("textual_serve", "textual_serve.server", "textual_serve.app_service"):
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    from tui import web_server

    monkeypatch.setattr(web_server, "gateway_class", web_server.gateway_class.__wrapped__)
    assert main(["web", "--listen", "127.0.0.1:0"]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert err.strip() == MISSING_EXTRA == "browser access needs: pip install 'acid-drill[web]'"


def test_a_missing_module_of_the_product_is_not_taken_for_the_extra():
    assert web.missing_extra(ModuleNotFoundError("x", name="textual_serve.server"))
    assert web.missing_extra(ModuleNotFoundError("x", name="aiohttp"))
    assert not web.missing_extra(ModuleNotFoundError("x", name="tui.widgets"))


def test_bad_options_are_refused_in_one_line(capsys):
    assert main(["web", "--server", "http://127.0.0.1:8765/"]) == EXIT_INVALID
    assert "ws://HOST:PORT/" in capsys.readouterr().err
    assert main(["web", "--server", f"ws://127.0.0.1:8765/?token={TOKEN}"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert "without a token" in err and TOKEN not in err
    assert main(["web", "--listen", "127.0.0.1:99999"]) == EXIT_INVALID
    assert "port" in capsys.readouterr().err
    assert main(["web", "--cert", "x.pem"]) == EXIT_INVALID
    assert "go together" in capsys.readouterr().err


def test_the_session_command_holds_no_token_and_runs_the_join_view():
    argv = shlex.split(session_command(python="/opt/py/bin/python3", cafile="/etc/drill ca.pem"))
    assert argv == ["/opt/py/bin/python3", "-m", "tui.web", "--cafile", "/etc/drill ca.pem"]
    assert shlex.split(session_command()) == [sys.executable, "-m", "tui.web"]


def test_the_invitation_travels_in_the_environment_and_is_taken_out_of_it():
    invite = session_invite("wss://drill.example.org:8765/", TOKEN)
    env = session_environment({"PATH": "/bin", INVITE_ENV: "someone else's"}, invite)
    assert env == {"PATH": "/bin", INVITE_ENV: invite}
    assert parse_invite(invite) == ("wss://drill.example.org:8765/", TOKEN)
    assert take_invite(env) == invite
    assert INVITE_ENV not in env
    assert take_invite(env) == ""


def test_a_pasted_invitation_gives_its_token_and_never_its_server():
    server = drill_server("wss://drill.example.org:8765")
    assert server == "wss://drill.example.org:8765/"
    # the visitor's invitation names another host: the gateway keeps its own server
    token = token_of(f"  ws://192.0.2.66:9999/?token={TOKEN}\n")
    assert token == TOKEN
    assert parse_invite(session_invite(server, token))[0] == server
    assert token_of(TOKEN) == TOKEN  # a bare token is enough


@pytest.mark.parametrize("text", ["", "hello", "http://example.org/?token=" + TOKEN,
                                  "ws://127.0.0.1:8765/", "a" * 8, "x" * 500, TOKEN + "<script>"])
def test_what_is_not_an_invitation_is_refused_without_echoing_it(text):
    with pytest.raises(WebError, match="not an invitation") as info:
        token_of(text)
    assert not text or text not in str(info.value)


# --- with textual-serve installed ---------------------------------------------------


@pytest.fixture
def gateway_mod():
    pytest.importorskip("textual_serve")
    pytest.importorskip("aiohttp")
    from tui import web_server

    return web_server


@contextlib.asynccontextmanager
async def running(gateway):
    ready = asyncio.Event()
    task = asyncio.create_task(gateway.run(ready.set))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        yield f"http://127.0.0.1:{gateway.bound_port}"
    finally:
        gateway.stop()
        await asyncio.wait_for(task, 10)


async def test_the_page_is_served_and_a_bad_invitation_is_refused(gateway_mod, caplog):
    import aiohttp

    caplog.set_level("DEBUG")
    gateway = gateway_mod.gateway_class()("ws://127.0.0.1:9/", host="127.0.0.1", port=0)
    async with running(gateway) as base, aiohttp.ClientSession() as http:
        async with http.get(base + "/") as r:
            assert r.status == 200
            page = await r.text()
            assert 'name="invite"' in page and 'type="password"' in page
            assert r.headers["Cache-Control"] == "no-store"
        async with http.post(base + "/", data={"invite": "<b>hello</b> world"}) as r:
            assert r.status == 400
            page = await r.text()
            assert "not an invitation" in page and "hello" not in page
        async with http.post(base + "/", data={"invite": "x" * 100_000}) as r:
            assert r.status == 413 and "far too long" in await r.text()
        async with http.post(base + "/", data={"invite": f"ws://x:1/?token={TOKEN}"}) as r:
            assert r.status == 200
            page = await r.text()
            assert TOKEN not in page  # the page has a one-time key, not the token
            (ws_url,) = re.findall(r'ws://127\.0\.0\.1:\d+/ws/[A-Za-z0-9_-]+', page)
        async with http.get(base + f"/?invite={TOKEN}") as r:
            assert r.status == 200
        # an unknown key opens nothing
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(base + "/ws/forged-key")
        assert gateway.sessions == 0
    assert ws_url
    assert TOKEN not in caplog.text  # no access log: request lines may hold a token


def _descendants() -> list[str]:
    """The command lines of this process's descendants."""
    children: dict[int, list[int]] = {}
    cmdlines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
            cmdlines[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    out, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(cmdlines.get(child, ""))
            todo.append(child)
    return out


async def test_a_browser_session_opens_the_seats_view_of_the_live_drill(
        gateway_mod, scenario_data, load, tmp_path, monkeypatch):
    import aiohttp

    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc to look at the session's command line")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    loaded = load(net_scenario(scenario_data))
    async with serving(loaded, tmp_path) as (_server, urls):
        server_url, token = parse_invite(urls["cert-a"])
        gateway = gateway_mod.gateway_class()(server_url, host="127.0.0.1", port=0)
        async with running(gateway) as base, aiohttp.ClientSession() as http:
            # the invitation as pasted names another host: the gateway joins its own server
            pasted = f"ws://192.0.2.66:1/?token={token}"
            async with http.post(base + "/", data={"invite": pasted}) as r:
                (ws_url,) = re.findall(r'ws://127\.0\.0\.1:\d+/ws/[A-Za-z0-9_-]+', await r.text())
            screen = b""
            async with http.ws_connect(ws_url + "?width=120&height=40") as ws:
                lines = []
                async def read_until(needle: bytes) -> None:
                    nonlocal screen
                    async for msg in ws:
                        if msg.type == aiohttp.WSMsgType.BINARY:
                            screen += msg.data
                        if not lines:
                            lines.extend(_descendants())
                        if needle in screen:
                            return

                await asyncio.wait_for(read_until(b"cert-a"), 60)
                assert gateway.sessions == 1
                assert any("tui.web" in line for line in lines)
                assert not any(token in line for line in lines)
            # the key was spent: the page cannot be opened twice
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await http.ws_connect(ws_url)


def test_the_gateway_warns_when_invitations_would_cross_the_network_in_clear(
        gateway_mod, monkeypatch, capsys):
    served = []

    def fake_serve(gateway, ready):
        gateway.bound_port = gateway.port
        served.append(gateway)
        ready()

    monkeypatch.setattr(gateway_mod, "serve", fake_serve)
    assert main(["web", "--listen", "127.0.0.1:8123"]) == 0
    err = capsys.readouterr().err
    assert "http://127.0.0.1:8123/" in err and "ws://127.0.0.1:8765/" in err
    assert "warning" not in err
    assert main(["web", "--listen", "0.0.0.0", "--server", "wss://drill.example.org:9443"]) == 0
    err = capsys.readouterr().err
    assert "warning: listening on 0.0.0.0 without TLS" in err
    assert served[-1].port == 8080 and served[-1].server == "wss://drill.example.org:9443/"
    assert main(["web", "--listen", "0.0.0.0:8080", "--public-url", "https://drill.example.org"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_the_gateway_does_not_load_textual(gateway_mod):
    import subprocess

    code = "import sys, tui.web_server as w; w.gateway_class(); print('textual' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
