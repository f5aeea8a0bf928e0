"""`drill join - < invitation.txt` (the token stays out of the process list): the view
takes its keys from the terminal, not from the file that gave the invitation."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest
from net_helpers import serving

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a POSIX terminal")

def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="36")
    return env


@pytest.fixture
def loaded(scenario_data, load):
    return load(scenario_data)


async def test_with_no_terminal_for_the_keys_join_says_so_in_one_line(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_server, urls):
        invitation = tmp_path / "my-invitation.txt"
        invitation.write_text(f"# role cert-a\n{urls['cert-a']}\n", encoding="utf-8")
        with invitation.open("rb") as stdin:
            # a session of its own: no controlling terminal to take the keys from
            join = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "sim", "join", "-", stdin=stdin,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(),
                start_new_session=True)
            try:
                out, err = await asyncio.wait_for(join.communicate(), 60)
            finally:
                if join.returncode is None:  # the view ran with no keys: stop it
                    join.kill()
                    await join.wait()
    assert join.returncode == 3
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("drill join: no terminal to read keys from")
    assert "paste the invitation" in lines[0] and "--print" in lines[0]
    token = urls["cert-a"].split("?token=")[1]
    assert token not in (out + err).decode()


def _read(fd: int, until: float) -> bytes:
    """What the terminal shows before ``until`` (a monotonic time), or at its end."""
    out = b""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other end is gone
                break
            if not chunk:
                break
            out += chunk
    return out


def _plain(raw: bytes) -> str:
    return re.sub(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[()][A-Za-z0-9]|\x1b[=>]", "",
                  raw.decode("utf-8", "replace"))


async def _shown(fd: int, text: str, timeout: float) -> bool:
    seen = ""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        seen += _plain(await asyncio.to_thread(_read, fd, time.monotonic() + 0.5))
        if text in re.sub(r"\s+", " ", seen):
            return True
    return False


async def test_the_view_takes_keys_when_the_invitation_came_on_standard_input(loaded, tmp_path):
    async with serving(loaded, tmp_path) as (_server, urls):
        invitation = tmp_path / "my-invitation.txt"
        invitation.write_text(f"# role cert-a\n{urls['cert-a']}\n", encoding="utf-8")
        env = environment()
        pid, fd = pty.fork()
        if pid == 0:  # the child: a terminal of its own, and the invitation on stdin
            os.dup2(os.open(invitation, os.O_RDONLY), 0)
            os.execve(sys.executable, [sys.executable, "-m", "sim", "join", "-"], env)
        try:
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
            assert await _shown(fd, "CERT-SG", 40), "the role view did not open"
            os.write(fd, b"q")  # a key, typed at the terminal
            assert await _shown(fd, "The drill goes on at the server", 20)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            await asyncio.to_thread(os.waitpid, pid, 0)
            os.close(fd)
