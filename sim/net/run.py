"""``drill host`` and ``drill join``: the command-line ends of a multi-site drill.

``drill host`` serves one live drill (started or resumed) until interrupted, then
closes its journal. ``drill join URL --print`` follows a drill in plain text: every
line the invitation's role may see, in words, through :mod:`sim.safe.text`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import ssl
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sim.net.client import DrillClient, DrillConnectionError, JoinRefused, crosses_network_unencrypted
from sim.net.invites import (
    BAD_HOST_NAME,
    InviteError,
    TokenStore,
    host_name_problem,
    invite_url,
    kept_invites,
    write_invites,
)
from sim.net.server import DrillServer, oversized_frame
from sim.runs.session import DrillSession, JournalError
from sim.safe.text import one_line

DEFAULT_PORT = 8765


class HostError(Exception):
    """Bad options for ``drill host``/``drill join``; one line for the user."""


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``HOST`` (IPv6 in brackets: ``[::1]:8765``)."""
    text = text.strip()
    host, port = text, str(DEFAULT_PORT)
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise HostError("--listen: an IPv6 address goes in brackets: [::1]:8765")
        host, rest = text[1:end], text[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise HostError("--listen: expected HOST:PORT")
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    elif text.count(":") > 1:
        raise HostError("--listen: an IPv6 address goes in brackets: [::1]:8765")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise HostError("--listen: the port must be a number from 0 to 65535")
    if (problem := host_name_problem(host)) is not None:
        raise HostError(f"--listen: {one_line(host)[:80]}: {problem}")
    return host or "127.0.0.1", int(port)


def check_listen(text: str) -> None:
    """Refuse (:class:`HostError`) a ``--listen`` address the server could not listen on,
    a port in use or a host name that does not resolve, by binding it for a moment as the
    server will: before a drill's journal is started, so such a drill leaves none behind."""
    bind, port = parse_listen(text)
    try:
        infos = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, kind, proto, _, address in infos:
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                    probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                probe.bind(address)
    except OSError as exc:
        raise HostError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None
    except UnicodeError:  # a host name looking it up cannot encode
        raise HostError(f"cannot listen on {one_line(bind)[:80]}:{port}: "
                        f"{BAD_HOST_NAME}") from None


def check_invites(path: str | None) -> None:
    """Refuse (:class:`HostError`, one line) an ``--invites`` file that could not be
    written: a folder, something other than a regular file, or a place where no file can
    be created (under a file, in a folder the user may not write to). Checked with the
    other options, before a drill's journal is started, so such a drill leaves none
    behind and its rerun with a better path is not refused."""
    if not path:
        return
    target, shown = Path(path), one_line(path)
    try:
        if target.is_dir():
            raise HostError(f"{shown}: is a folder; give a file name")
        if target.exists() and not target.is_file():
            raise HostError(f"{shown}: is not a regular file; refusing to write to it")
        # the file is written beside itself, in its folder, created (0700) when missing
        where = target.parent if str(target.parent) else Path(".")
        while not where.exists() and where.parent != where:
            where = where.parent
        if not where.is_dir():
            raise HostError(f"{shown}: cannot write: {one_line(str(where))} is not a folder")
        # a file created there for a moment, as the invitations will be (a read-only
        # file system or a folder the user may not write to refuses it, root's too)
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=where)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:  # no room, no permission, a name too long
        raise HostError(f"{shown}: cannot write: {exc.strerror or exc}") from None
    except ValueError:  # a character no file name has (NUL)
        raise HostError(f"{shown}: not a file name") from None


@dataclass
class Invitation:
    what: str
    url: str


def seats(roles: list[str]) -> list[tuple[str, str | None]]:
    """Every seat people take, as (access, role): each of ``roles`` (the roles people
    play), the facilitator, and the observers and evaluators."""
    return [*(("player", role) for role in roles), ("facilitator", None), ("observer", None)]


def seat_name(access: str, role: str | None) -> str:
    """A seat in words, as invitations are headed: the role's name as plain text."""
    if role is not None:
        return f"role {one_line(role)}"
    return "observers and evaluators" if access == "observer" else access


def issue_invitations(server: DrillServer, roles: list[str],
                      missing_only: bool = False) -> list[Invitation]:
    """One invitation per role a person plays, one for the facilitator, one for observers;
    with ``missing_only``, only for the seats that no valid invitation lets in."""
    out = []
    for access, role in seats(roles):
        if missing_only and server.tokens.has_valid(access, role):
            continue
        url, _ = server.invite(access, role)
        out.append(Invitation(seat_name(access, role), url))
    return out


async def serve(server: DrillServer, ready: Callable[[], None] | None = None,
                console: Callable[[DrillServer], Awaitable[None]] | None = None) -> None:
    """Run ``server`` until SIGINT or SIGTERM, or (with ``console``) until the console
    that runs beside it in this process closes."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if console is None:  # a console takes the keyboard, ctrl+c included
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
    await server.start()
    if ready is not None:
        ready()
    try:
        if console is not None:
            await console(server)
        else:
            await stop.wait()
    finally:
        await server.stop()


def self_url(server: DrillServer, token: str) -> str:
    """An invitation for this very process to reach ``server`` (the host's own console):
    over the loopback when the server listens on every address."""
    host_ = server.host
    if host_ in ("", "0.0.0.0"):
        host_ = "127.0.0.1"
    elif host_ == "::":
        host_ = "::1"
    return invite_url(host_, server.port, token, server.tls is not None)


def self_tls(cert: str | None) -> ssl.SSLContext | None:
    """TLS for the host's own console: it trusts exactly the certificate it serves (any
    name: it connects to its own address, not to the name in the certificate)."""
    if cert is None:
        return None
    ctx = ssl.create_default_context(cafile=cert)
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    ctx.check_hostname = False
    return ctx


def host(session: DrillSession, *, listen: str, tls, speed: float | None, running: bool,
         invites_file: str | None, public_host: str | None, new_invites: bool,
         out=None, err=None,
         console: Callable[[DrillServer], Awaitable[None]] | None = None) -> None:
    """Serve ``session`` until interrupted, or until ``console`` (the facilitator's console
    in this process) returns; the caller closes the session."""
    out, err = out or sys.stdout, err or sys.stderr
    bind, port = parse_listen(listen)
    check_invites(invites_file)  # before anything is served or invited
    if public_host and (problem := host_name_problem(public_host)) is not None:
        # the invitations would name it: nobody could join with them
        raise HostError(f"--public-host: {one_line(public_host)[:80]}: {problem}")
    assert session.path is not None and session.journal is not None
    # a frame larger than a terminal accepts would keep the facilitator, the observers or
    # a team out of the drill: refuse it now, before anything is served or invited
    too_large = oversized_frame(session)
    if too_large is not None:
        raise HostError(f"cannot host this drill: {too_large}")
    # The journal, not the tokens file, says whether this drill is new or carried on: a
    # tokens file beside a new journal is an earlier drill's (one whose journal was moved
    # or deleted), and its invitations must not open this one. A drill carried on keeps
    # the invitations recorded for it (for its journal's id), if any are still valid, and
    # gets new ones only for the seats none of them lets in.
    try:
        resumed = "resumed" in session.journal.meta()
    except JournalError as exc:
        raise HostError(str(exc)) from None
    tokens = TokenStore.for_journal(session.path, session.journal.origin)
    try:
        if resumed:
            tokens.load()
        if new_invites:
            for grant in tokens.valid():
                tokens.revoke(grant.id)
    except InviteError as exc:
        raise HostError(str(exc)) from None
    fresh = not tokens.valid()
    server = DrillServer(session, tokens, host=bind, port=port, tls=tls, speed=speed,
                         running=running, public_host=public_host,
                         notice=lambda line: print(line, file=err, flush=True))

    def ready() -> None:
        where = f"{'wss' if tls else 'ws'}://{server.url_host()}:{server.port}/"
        print(f"serving the drill at {where} (listening on {bind}:{server.port}); "
              "ctrl-c stops it", file=err, flush=True)
        if server.insecure:
            print(f"warning: listening on {bind} without TLS: invitation tokens and drill "
                  "material would cross the network unencrypted; give --cert and --key",
                  file=err, flush=True)
        if not fresh:
            print("the invitations given before stay valid (--new-invites replaces them)",
                  file=err, flush=True)
        elif resumed and tokens.foreign:
            print(f"{tokens.path} holds no invitations of this drill (another drill's, or "
                  "written by an older version): they are not valid here; new ones follow",
                  file=err, flush=True)
        humans = [a for a, h in session.human_roles.items() if h]
        # the tokens are kept only once the invitations are out: invitations nobody could
        # receive (an --invites file that cannot be written) must not count as given
        with tokens.held():
            # carried on: a new invitation only for each seat that no valid one lets in (a
            # team handed to a person during the drill, a seat whose invitation was revoked)
            invitations = issue_invitations(server, humans, missing_only=not fresh)
            if not invitations:
                return
            # the file given before keeps those of its invitations still valid
            kept = kept_invites(Path(invites_file), tokens) if invites_file and not fresh else []
            if not fresh:
                print("new invitations for the seats that had no valid one: "
                      + ", ".join(i.what for i in invitations), file=err, flush=True)
            if invites_file:
                write_invites(Path(invites_file),
                              kept + [line for i in invitations for line in (f"# {i.what}", i.url)])
                also = " (with those given before that are still valid)" if kept else ""
                print(f"invitations written to {invites_file}{also}", file=err, flush=True)
            else:
                for inv in invitations:
                    print(f"{inv.what}: {inv.url}", file=out, flush=True)

    try:
        asyncio.run(serve(server, ready, console))
    except OSError as exc:
        raise HostError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None
    except UnicodeError:  # a host name looking it up cannot encode
        raise HostError(f"cannot listen on {one_line(bind)[:80]}:{port}: "
                        f"{BAD_HOST_NAME}") from None
    except InviteError as exc:
        raise HostError(str(exc)) from None
    finally:
        save_revocations(tokens, err)
    if not session.finished:
        session.set_speed(server.clock.speed)


def save_revocations(tokens: TokenStore, err) -> None:
    """When the host stops: save a revocation that could not be saved during the drill
    (a full disk), or say that it is not, and how to keep the token out of the drill."""
    if not tokens.unsaved:
        return
    try:
        tokens.save()
    except InviteError as exc:
        print(f"warning: {exc}: an invitation revoked during the drill is not saved, so a "
              "resumed drill would accept it again; resume with --new-invites to replace "
              "every invitation", file=err, flush=True)


def _stamp(t: float) -> str:
    days, rest = divmod(int(t), 1440)
    return f"T+{f'{days}d' if days else ''}{rest // 60:02d}:{rest % 60:02d}"


async def follow(url: str, *, cafile: str | None, out=None, err=None,
                 stop: asyncio.Event | None = None) -> int:
    """Print what this invitation may see until the drill ends (0) or ``stop`` is set.

    Each event is one line: a line break or tab in a name or title the drill server
    sends (from the scenario, or typed by a team) is shown as an escape. When the drill
    starts again from the host's record (it resumed an earlier copy of its journal), one
    line says so, and the clock and the drill as it now stands follow, from its start."""
    out, err = out or sys.stdout, err or sys.stderr
    client = DrillClient(url, cafile=cafile,
                         on_status=lambda line: print(one_line(line), file=err, flush=True))
    await client.connect()
    done = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, done.set)
    who = f"role {client.role}" if client.role else client.access
    title = client.scenario.drill.title if client.scenario else "the drill"
    print(one_line(f"joined {title} as {who}"), file=out, flush=True)
    shown = {"running": None, "speed": None}
    latest = [0.0]

    def on_event(ev) -> None:
        assert client.state is not None
        # a player learns how one of its expectations turned out when something comes
        # back (a receipt): the line comes then, and says when it happened
        at = latest[0] = max(latest[0], ev.time)
        when = f" (at {_stamp(ev.time)})" if _stamp(ev.time) != _stamp(at) else ""
        print(f"{_stamp(at)}  {one_line(client.state.describe(ev))}{when}", file=out, flush=True)
        if ev.type == "drill_ended":
            done.set()

    def on_clock(state) -> None:
        if (state.running, state.speed) != (shown["running"], shown["speed"]):
            shown["running"], shown["speed"] = state.running, state.speed
            how = f"running at {state.speed:g}x" if state.running else "paused"
            print(f"clock {how} at {_stamp(state.drill_time)}", file=out, flush=True)

    def on_reset() -> None:
        # the host resumed an earlier copy of its journal (or this invitation now leads to
        # another drill): what follows is the drill as it now stands, from its start
        print("the drill started again from the host's record: what follows is the drill "
              "as it now stands, from its start", file=out, flush=True)
        latest[0] = 0.0
        shown["running"] = shown["speed"] = None  # the clock is printed again

    # connect() returned on the welcome: every event, earlier ones first, comes after it
    client.listen(on_event)
    client.on_reset(on_reset)
    client.on_clock(on_clock)
    on_clock(client.clock_state())
    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 0.5)
        if client.failure is not None:
            await client.close()
            raise client.failure
    await client.close()
    return 0


def join(url: str, *, cafile: str | None, err=None) -> int:
    err = err or sys.stderr
    if crosses_network_unencrypted(url):
        print("warning: this invitation is not encrypted (ws://) and goes to another machine: "
              "its token and the drill cross the network in clear", file=err, flush=True)
    return asyncio.run(follow(url, cafile=cafile, err=err))


__all__ = ["DEFAULT_PORT", "DrillConnectionError", "HostError", "InviteError", "JoinRefused",
           "check_invites", "host", "join",
           "parse_listen"]
