"""`drill join -` reads the invitation from standard input as `drill host` writes it:
a line it printed (``role certph: wss://...``) or an ``--invites`` file (a ``# role``
line above each address), not only a bare address."""

from __future__ import annotations

import io

import pytest

from sim.cli import _invitation_in

URL = "ws://127.0.0.1:8765/?token=abc123"


@pytest.mark.parametrize("text", [
    f"{URL}\n",
    f"role cert-a: {URL}\n",
    f"# role cert-a\n{URL}\n\n# role cert-b\nws://127.0.0.1:8765/?token=other\n",
    f"\n\n  {URL}  \n",
])
def test_the_invitation_is_found_as_drill_host_writes_it(text):
    assert _invitation_in(io.StringIO(text)) == URL


def test_a_line_without_an_address_is_given_back_for_the_usual_message():
    assert _invitation_in(io.StringIO("not an invitation\nws://later\n")) == "not an invitation"
    assert _invitation_in(io.StringIO("")) == ""


def test_it_stops_at_the_first_address_without_waiting_for_more():
    class Typed(io.StringIO):
        """A person who pasted one line and waits: reading past it would block."""

        def readline(self, size: int = -1) -> str:
            line = super().readline(size)
            if not line:
                raise AssertionError("read past the invitation")
            return line

    assert _invitation_in(Typed(f"role cert-a: {URL}\n")) == URL
