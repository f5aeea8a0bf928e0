"""Tokens and invitations: who may join a drill, and as what.

A token is a random string (``secrets.token_urlsafe``, 256 bits) bound to one role,
to the facilitator, or to observers. The server keeps only its SHA-256 hash, in a
``JOURNAL.tokens`` file next to the drill's journal (``0600``), so a resumed server
accepts the same invitations and a stolen tokens file lets nobody in. A token can be
revoked; its connections are closed at once.

An invitation is a URL holding the token: ``ws://HOST:PORT/?token=...`` (or
``wss://`` when the server has TLS). :func:`write_invites` writes them to a private
file for the host to hand out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim.safe.files import FileProblem, Unreadable, read_bounded, write_private
from sim.safe.text import one_line

TOKENS_SUFFIX = ".tokens"
_MAX_TOKENS_FILE = 4 * 1024 * 1024


class InviteError(Exception):
    """A tokens file or invitation that cannot be read or written; one line for the user."""


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


class TokenStore:
    """Token hashes and what they grant; saved to ``path`` (when given) on every change."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else None
        self.grants: dict[str, Grant] = {}  # by hash
        self._n = 0

    @classmethod
    def for_journal(cls, journal: Path) -> TokenStore:
        return cls(journal.with_name(journal.name + TOKENS_SUFFIX))

    def load(self) -> TokenStore:
        """Read the saved grants (a missing file is an empty store)."""
        if self.path is None or not self.path.exists():
            return self
        try:
            data = json.loads(read_bounded(self.path, _MAX_TOKENS_FILE, what="tokens file"))
            grants = [Grant(**g) for g in data["grants"]]
        except Unreadable as exc:
            raise InviteError(str(exc)) from None
        except (ValueError, KeyError, TypeError):
            raise InviteError(f"{self.path}: the tokens file is damaged") from None
        self.grants = {g.hash: g for g in grants}
        self._n = len(grants)
        return self

    def save(self) -> None:
        if self.path is None:
            return
        data = {"format": "acid-drill-tokens", "grants": [asdict(g) for g in self.grants.values()]}
        try:
            write_private(self.path, json.dumps(data, indent=1))
        except FileProblem as exc:
            raise InviteError(str(exc)) from None

    def issue(self, access: str, role: str | None = None) -> tuple[str, Grant]:
        """A new token for ``access`` (and ``role`` for a player): the token and its grant."""
        if access not in ("facilitator", "player", "observer"):
            raise InviteError(f"unknown access {one_line(access)!r}")
        if (access == "player") != (role is not None):
            raise InviteError("a player's token is for one role; others are for none")
        token = secrets.token_urlsafe(32)
        self._n += 1
        grant = Grant(f"{role or access}-{self._n}", digest(token), access, role)
        self.grants[grant.hash] = grant
        self.save()
        return token, grant

    def check(self, token: str) -> Grant | None:
        """The grant of a valid, unrevoked token; None for a forged, foreign or revoked one."""
        grant = self.grants.get(digest(token))
        if grant is None or grant.revoked:
            return None
        return grant

    def by_id(self, token_id: str) -> Grant | None:
        return next((g for g in self.grants.values() if g.id == token_id), None)

    def revoke(self, token_id: str) -> Grant | None:
        grant = self.by_id(token_id)
        if grant is not None and not grant.revoked:
            grant.revoked = True
            self.save()
        return grant

    def listing(self) -> list[dict[str, Any]]:
        return [{"id": g.id, "access": g.access, "role": g.role, "revoked": g.revoked}
                for g in self.grants.values()]


def invite_url(host: str, port: int, token: str, tls: bool) -> str:
    """The invitation for a token: ``ws[s]://HOST:PORT/?token=...``."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    scheme = "wss" if tls else "ws"
    return f"{scheme}://{host}:{port}/?" + urllib.parse.urlencode({"token": token})


def parse_invite(url: str) -> tuple[str, str]:
    """Split an invitation into the server's address (``ws[s]://HOST:PORT/``) and its token."""
    url = url.strip()
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise InviteError("not an invitation: the address cannot be read") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise InviteError("not an invitation: it must start with ws:// or wss:// and name a host")
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


def remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()
