"""Tokens and invitations: who may join a drill, and as what.

A token is a random string (``secrets.token_urlsafe``, 256 bits) bound to one role,
to the facilitator, or to observers. The server keeps only its SHA-256 hash, in a
``JOURNAL.tokens`` file next to the drill's journal (``0600``), so a resumed server
accepts the same invitations and a stolen tokens file lets nobody in. The file names
the drill it belongs to (the journal's id): a file of another drill, or of none (one
written before files named their drill), is ignored, and replaced when this drill's
tokens are saved, so an earlier drill's invitations never open a new drill that took
its journal's name. A token can be revoked; its connections are closed at once.

An invitation is a URL holding the token: ``ws://HOST:PORT/?token=...`` (or
``wss://`` when the server has TLS). :func:`write_invites` writes them to a private
file for the host to hand out; :func:`kept_invites` reads back those of such a file
that are still valid, for a resumed host to keep them beside the new ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import secrets
import urllib.parse
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim.safe.files import FileProblem, Unreadable, read_bounded, write_private
from sim.safe.text import one_line

TOKENS_SUFFIX = ".tokens"
#: Longest public id of a token (``ROLE-N``: a role's id has at most 64 characters, and
#: ``N`` counts the drill's invitations); a facilitator names it to revoke the token.
MAX_TOKEN_ID = 96
_MAX_TOKENS_FILE = 4 * 1024 * 1024
_MAX_INVITES_FILE = 4 * 1024 * 1024


class InviteError(Exception):
    """A tokens file or invitation that cannot be read or written; one line for the user."""


class TokensUnsaved(InviteError):
    """The tokens file cannot be written (a full disk, say). The message names the file,
    for the host; ``why`` is the reason alone (the system's), for a terminal, which is
    never told the host's path to the journal the file is named after."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Grant:
    """What one token is for (the token itself is never kept)."""

    id: str  # public id, shown in lists and used to revoke
    hash: str
    access: str  # facilitator | player | observer
    role: str | None = None
    revoked: bool = False

    def describe(self) -> str:
        return f"{self.access} {self.role}" if self.role else self.access


def journal_id(journal: Path) -> str:
    """The id of the drill recorded in ``journal`` ("" for a journal without one)."""
    from sim.runs.session import Journal, JournalError

    try:
        opened = Journal.open(Path(journal), readonly=True)
    except JournalError as exc:
        raise InviteError(str(exc)) from None
    try:
        return opened.origin
    finally:
        opened.close()


class TokenStore:
    """Token hashes and what they grant, for the drill ``drill`` (its journal's id);
    saved to ``path`` (when given) on every change, except while :meth:`held`."""

    def __init__(self, path: Path | None = None, drill: str = ""):
        self.path = Path(path) if path else None
        self.drill = drill
        self.grants: dict[str, Grant] = {}  # by hash
        self._n = 0
        self._holding = False
        #: set by :meth:`load`: the file there was another drill's, or of no drill
        self.foreign = False
        #: the hashes of the host's own console's grants (:meth:`issue_console`)
        self._console: set[str] = set()
        #: a revocation in force here that the file does not have yet (it could not be
        #: saved): saved with the next save that succeeds
        self.unsaved = False

    @classmethod
    def for_journal(cls, journal: Path, drill: str | None = None) -> TokenStore:
        """The tokens of the drill recorded in ``journal``; ``drill`` is its id (read from
        the journal when not given)."""
        journal = Path(journal)
        if drill is None:
            drill = journal_id(journal)
        return cls(journal.with_name(journal.name + TOKENS_SUFFIX), drill)

    def load(self) -> TokenStore:
        """Read the saved grants of this drill. A missing file is an empty store, and so is
        a file of another drill or of none (a drill without an id, or a file written before
        tokens files named their drill): its tokens are not valid here, and the file is
        replaced when this drill's tokens are saved."""
        if self.path is None or not self.path.exists():
            return self
        try:
            data = json.loads(read_bounded(self.path, _MAX_TOKENS_FILE, what="tokens file"))
            drill = data.get("drill")
            grants = [Grant(**g) for g in data["grants"]]
        except Unreadable as exc:
            raise InviteError(str(exc)) from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InviteError(f"{self.path}: the tokens file is damaged") from None
        if not self.drill or drill != self.drill:
            self.foreign = True
            return self
        self.grants = {g.hash: g for g in grants}
        self._n = len(grants)
        return self

    def save(self) -> None:
        """Write the grants to the file (never the console's); raises
        :class:`TokensUnsaved` when it cannot be written."""
        if self.path is None or self._holding:
            return
        data = {"format": "acid-drill-tokens", "drill": self.drill,
                "grants": [asdict(g) for g in self._invitations()]}
        try:
            write_private(self.path, json.dumps(data, indent=1))
        except FileProblem as exc:
            # the system's reason comes last, after the file or folder it names
            raise TokensUnsaved(str(exc), str(exc).rsplit(": ", 1)[-1]) from None
        self.unsaved = False

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Issue tokens without saving them until the block ends: saved then, all at once;
        forgotten if the block fails (invitations nobody received must not stay valid)."""
        if self._holding:
            yield
            return
        before, n = dict(self.grants), self._n
        self._holding = True
        try:
            yield
            self._holding = False
            self.save()
        except BaseException:
            self.grants, self._n = before, n
            raise
        finally:
            self._holding = False

    def _invitations(self) -> list[Grant]:
        """Every grant but the console's: those invitations were given for."""
        return [g for g in self.grants.values() if g.hash not in self._console]

    def valid(self) -> list[Grant]:
        """The invitations' grants not revoked (not the console's)."""
        return [g for g in self._invitations() if not g.revoked]

    def has_valid(self, access: str, role: str | None = None) -> bool:
        """Whether some unrevoked invitation lets its holder in as ``access`` (``role``);
        the host's own console holds none."""
        return any(g.access == access and g.role == role for g in self.valid())

    def issue(self, access: str, role: str | None = None) -> tuple[str, Grant]:
        """A new token for ``access`` (and ``role`` for a player): the token and its grant."""
        if access not in ("facilitator", "player", "observer"):
            raise InviteError(f"unknown access {one_line(access)!r}")
        if (access == "player") != (role is not None):
            raise InviteError("a player's token is for one role; others are for none")
        token = secrets.token_urlsafe(32)
        self._n += 1
        number = f"-{self._n}"  # an id never outgrows MAX_TOKEN_ID; the number keeps it unique
        grant = Grant((role or access)[:MAX_TOKEN_ID - len(number)] + number, digest(token),
                      access, role)
        self.grants[grant.hash] = grant
        try:
            self.save()
        except TokensUnsaved:
            # an invitation the host cannot keep is not given: nothing changes
            del self.grants[grant.hash]
            self._n -= 1
            raise
        return token, grant

    def issue_console(self) -> tuple[str, Grant]:
        """A facilitator token for the host's own console, in this process only: never
        saved (the console of a resumed host gets a new one), never listed, revoked by
        :meth:`end_console` only, and no invitation (:meth:`has_valid` leaves it out)."""
        token = secrets.token_urlsafe(32)
        grant = Grant(f"console-{secrets.token_hex(4)}", digest(token), "facilitator")
        self.grants[grant.hash] = grant
        self._console.add(grant.hash)
        return token, grant

    def end_console(self, grant: Grant) -> None:
        """Revoke the console's token once it has closed."""
        if grant.hash in self._console:
            grant.revoked = True

    def check(self, token: str) -> Grant | None:
        """The grant of a valid, unrevoked token; None for a forged, foreign or revoked one."""
        grant = self.grants.get(digest(token))
        if grant is None or grant.revoked:
            return None
        return grant

    def by_id(self, token_id: str) -> Grant | None:
        """The invitation's grant of that public id (never the console's)."""
        return next((g for g in self._invitations() if g.id == token_id), None)

    def revoke(self, token_id: str) -> Grant | None:
        """Revoke an invitation by its public id; None when there is none. A revocation
        holds at once, even when it cannot be saved (:class:`TokensUnsaved`: it is saved
        with the next save that succeeds; revoking the token again tries again)."""
        grant = self.by_id(token_id)
        if grant is not None and (not grant.revoked or self.unsaved):
            grant.revoked = True
            try:
                self.save()
            except TokensUnsaved:
                self.unsaved = True
                raise
        return grant

    def listing(self) -> list[dict[str, Any]]:
        """The invitations' public ids, what they are for and whether they are revoked."""
        return [{"id": g.id, "access": g.access, "role": g.role, "revoked": g.revoked}
                for g in self._invitations()]


def invite_url(host: str, port: int, token: str, tls: bool) -> str:
    """The invitation for a token: ``ws[s]://HOST:PORT/?token=...``; an IPv6 address
    goes in brackets."""
    if _ipv6(host) is not None:
        host = f"[{host}]"
    scheme = "wss" if tls else "ws"
    return f"{scheme}://{host}:{port}/?" + urllib.parse.urlencode({"token": token})


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``host`` is (an IPv6 one may be in brackets), or None."""
    if host.startswith("[") and host.endswith("]"):
        return _ipv6(host[1:-1])
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _ipv6(host: str) -> ipaddress.IPv6Address | None:
    """The IPv6 address ``host`` is, written without brackets, or None."""
    try:
        return ipaddress.IPv6Address(host)
    except ValueError:
        return None


#: why a host name cannot be looked up (the name itself is not part of it)
BAD_HOST_NAME = ("the host name cannot be looked up: each part between dots must be 1 to 63 "
                 "characters (check for two dots in a row, or a dot at the start)")
#: why a host name cannot be looked up: it has characters no host name has
BAD_HOST_CHARACTERS = ("the host name cannot be looked up: it may hold letters, digits, "
                       "hyphens, underscores and dots only")
#: what ``--public-host`` takes, when it was given more (a scheme, a port, a path) or a space
NOT_A_HOST_NAME = ("give the host name or IP address alone, as drill.example.org or "
                   "192.0.2.10: no scheme (https://), port, path (/), query (?) or spaces")
#: the ASCII characters a host name may have (the others it may have are non-ASCII
#: letters and digits, which IDNA encodes)
_HOST_NAME_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789-._")


def host_name_problem(host: str) -> str | None:
    """Why ``host`` cannot be looked up as a host name, or None: an IP address, or a name
    of letters, digits, hyphens, underscores and dots alone (else
    :data:`BAD_HOST_CHARACTERS`) whose every label is 1 to 63 characters as IDNA encodes
    it (else :data:`BAD_HOST_NAME`). Looking such a name up raises UnicodeError, not the
    OSError of a name that does not resolve, so it is checked before anything is looked
    up."""
    if not host or _ip(host) is not None:
        return None
    if any(c not in _HOST_NAME_ASCII if c.isascii() else not c.isalnum() for c in host):
        return BAD_HOST_CHARACTERS
    try:
        host.encode("idna")
    except UnicodeError:
        return BAD_HOST_NAME
    return None


def public_host_problem(host: str) -> str | None:
    """Why the invitations cannot name ``host`` (``drill host --public-host``), or None:
    as :func:`host_name_problem`, but text holding more than a host name (a URL, a port)
    is told what to give instead, and where the port goes when one was given."""
    problem = host_name_problem(host)
    if problem != BAD_HOST_CHARACTERS:
        return problem
    problem = NOT_A_HOST_NAME
    if (port := _port_in(host)) is not None:
        problem += ("; the invitations give the port the server listens on: set it with "
                    f"--listen HOST:{port}")
    return problem


def _port_in(text: str) -> int | None:
    """The port ``text`` gives (``host:PORT``, ``[::1]:PORT``, ``https://host:PORT/``),
    or None."""
    try:
        return urllib.parse.urlsplit(text if "://" in text else f"//{text}").port
    except ValueError:
        return None


def parse_invite(url: str, check_host: bool = True) -> tuple[str, str]:
    """Split an invitation into the server's address (``ws[s]://HOST:PORT/``) and its token.
    With ``check_host``, a host name that cannot be looked up is refused too."""
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise InviteError("not an invitation: the address cannot be read") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise InviteError("not an invitation: it must start with ws:// or wss:// and name a host")
    if check_host and (problem := host_name_problem(parts.hostname)) is not None:
        raise InviteError(f"not an invitation: {problem}")
    tokens = urllib.parse.parse_qs(parts.query).get("token", [])
    if len(tokens) != 1 or not tokens[0]:
        raise InviteError("not an invitation: it holds no token (…/?token=…)")
    netloc = parts.netloc.rsplit("@", 1)[-1]
    base = f"{parts.scheme}://{netloc}/"
    del port
    return base, tokens[0]


def write_invites(path: Path, lines: list[str]) -> Path:
    """Write the invitations, one a line, to a ``0600`` file."""
    try:
        return write_private(path, "\n".join(lines) + "\n")
    except FileProblem as exc:
        raise InviteError(str(exc)) from None


def kept_invites(path: Path, store: TokenStore) -> list[str]:
    """The lines of the invitations file ``path`` (as :func:`write_invites` wrote them:
    a ``# what`` line, then the invitation) whose invitation ``store`` still accepts,
    each after its ``#`` line: none for a missing file."""
    if not Path(path).exists():
        return []
    try:
        data = read_bounded(Path(path), _MAX_INVITES_FILE, what="invitations file")
    except Unreadable as exc:
        raise InviteError(str(exc)) from None
    kept: list[str] = []
    heading = None
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("#"):
            heading = line
            continue
        try:
            _, token = parse_invite(line, check_host=False)
        except InviteError:
            heading = None
            continue
        if store.check(token) is not None:
            kept += [heading, line] if heading else [line]
        heading = None
    return kept


def remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()
