"""``drill join --print`` after the host resumed an earlier copy of its journal (the
team's events since the copy are not the drill's any more): it says, in one line, that
the drill started again from the host's record, prints the clock again, and then the
drill as it now stands, each line at its own drill time."""

from __future__ import annotations

import asyncio
import io
import shutil

import pytest
from net_helpers import net_scenario, until

from sim.net.invites import TokenStore
from sim.net.run import _stamp, follow
from sim.net.server import DrillServer
from sim.runs.session import DrillSession


@pytest.fixture
def loaded(scenario_data, load):
    return load(net_scenario(scenario_data))


def report_lines(lines: list[str]) -> list[str]:
    """The lines that say inject 1 (titled Report) reached cert-a."""
    return [line for line in lines if "Report" in line]


async def test_print_says_the_drill_started_again_and_prints_it_as_it_now_stands(
        loaded, tmp_path):
    journal = tmp_path / "d.journal.sqlite"
    session = DrillSession.start(loaded, human=["cert-a", "cert-b"], journal_path=journal)
    server = DrillServer(session, TokenStore.for_journal(journal))
    await server.start()
    url = server.invite("player", "cert-a")[0]
    server.clock_op("jump", None, 30)
    assert session.journal is not None
    session.journal.commit()
    for suffix in ("", ".tokens"):  # the organisers' copy, before inject 1 (T+01:00)
        shutil.copy(f"{journal}{suffix}", f"{tmp_path}/backup{suffix}")
    out, err, stop = io.StringIO(), io.StringIO(), asyncio.Event()
    printing = asyncio.create_task(follow(url, cafile=None, out=out, err=err, stop=stop))
    try:
        await until(lambda: "joined" in out.getvalue())
        server.clock_op("jump", None, 150)  # inject 1, then inject 2 (T+02:00)
        await until(lambda: "Sinkhole data" in out.getvalue())
        before = out.getvalue().splitlines()
        # the laptop dies; the drill is resumed from the copy
        port = server.port
        await server.stop()
        session.close()
        for suffix in ("", ".tokens"):
            shutil.copy(f"{tmp_path}/backup{suffix}", f"{journal}{suffix}")
        session = DrillSession.resume(journal)
        server = DrillServer(session, TokenStore.for_journal(journal).load(), port=port)
        await server.start()
        resumed_at = server.clock_state().drill_time
        await until(lambda: len(server.conns) == 1, timeout=15)  # --print is back
        await asyncio.sleep(0.3)
        server.clock_op("jump", None, 70)  # inject 1 reaches cert-a again
        await until(lambda: len(report_lines(out.getvalue().splitlines())) == 2, timeout=10)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await asyncio.wait_for(printing, 10)
        await server.stop()
        session.close()
    lines = out.getvalue().splitlines()
    assert lines[:len(before)] == before
    assert len(report_lines(before)) == 1
    after = lines[len(before):]
    # one line says the drill started again, before anything of the drill as it stands
    assert len(after) >= 2 and "started again" in after[0], after
    assert "host" in after[0]
    assert sum("started again" in line for line in lines) == 1
    # then the clock, at the server's drill time, not the T+02:30 printed before
    assert after[1].startswith("clock ") and after[1].endswith(f"at {_stamp(resumed_at)}")
    # then the drill as it now stands, each line at its own time: inject 1 at T+01:00
    # (not stamped T+02:30 as the latest line printed before), and no inject 2
    (report,) = report_lines(after)
    assert report.startswith(f"{_stamp(60)}  ") and "(at " not in report
    assert not any("Sinkhole data" in line for line in after)
    assert "started again" not in err.getvalue()  # said with the drill, on standard output
