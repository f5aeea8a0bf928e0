"""A name, title or file name cannot forge a line of a command's output.

Each command below prints its output a line per item: ``drill explain``, ``drill
lint``, ``drill join --print`` and ``drill journals`` (tab-separated). A line break,
tab or line separator in what a scenario, a journal's file name or a drill server
supplies is shown as an escape (``\\n``, ``\\t``, ``\\u2028``), so the output has the
lines it would have with an ordinary name, and no line of it is the forged text.
"""

from __future__ import annotations

import asyncio
import copy
import io
import shutil
from pathlib import Path
from typing import Any

import yaml
from net_helpers import serving, until

from sim.cli import main
from sim.net.run import follow

#: what a hostile name holds after its own text: a forged line, a line separator, a tab
FORGED = "FORGED line"
TAIL = f"\n{FORGED}\u2028sep\tcell"
#: the same, as the output shows it
SHOWN = f"\\n{FORGED}\\u2028sep\\tcell"


def write(tmp_path: Path, data: dict[str, Any], name: str) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return path


def hostile(data: dict[str, Any], tail: str) -> dict[str, Any]:
    """``data`` with ``tail`` after every free-text name and title the commands print."""
    data["drill"]["title"] += tail
    for actor in data["actors"].values():
        actor["name"] += tail
    data["actors"]["cert-a"]["organisation"] = "CSA" + tail
    data["actors"]["cert-b"]["special_hours"] = [
        {"start": "2026-08-19", "end": "2026-08-20", "hours": ["08:00-14:00"],
         "note": "Short days" + tail}]
    # nobody reaches it: lint names it
    data["actors"]["lonely"] = {"name": "Lonely" + tail, "kind": "isp", "country": "SG",
                                "timezone": "Asia/Singapore",
                                "contacts": {"email": {"address": "isp@x.example"}}}
    data["memberships"] = {"pact": {"title": "Pact" + tail, "countries": ["SG", "TH"]}}
    data["roles"] = {"regional_coordinator": "council"}
    data["outages"] = [{"channel": "email", "actor": "council", "start": "T+10:00",
                        "end": "T+11:00", "effect": "lose"}]
    data["injects"][0]["title"] = "Report" + tail
    data["injects"].append(
        {"id": "C1", "type": "contingency", "delay": "0m", "sender": "ctl", "to": ["cert-b"],
         "via": "email", "tlp": "GREEN", "title": "Chase" + tail, "incident": {"id": "x"}})
    data["expectations"] = [
        {"id": "E1", "actors": ["cert-a"], "action": "notify", "incident": "x",
         "within": "2h", "contingency": "C1"}]
    return data


def lines_of(text: str) -> list[str]:
    """Lines as a terminal shows them (it breaks at every newline, nothing else)."""
    return text.split("\n")


def assert_not_forged(out: str, ordinary: str) -> None:
    """``out`` has as many lines as the ``ordinary`` output, none of them forged, and shows
    the escapes instead."""
    assert len(lines_of(out)) == len(lines_of(ordinary)), out
    assert not any(line.startswith(FORGED) for line in lines_of(out)), out
    assert SHOWN in out


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_shows_line_breaks_in_names_and_titles_as_escapes(
        scenario_data, tmp_path, capsys):
    ordinary = write(tmp_path, hostile(copy.deepcopy(scenario_data), ""), "plain.yaml")
    bad = write(tmp_path, hostile(scenario_data, TAIL), "bad.yaml")
    code, want, _ = run(capsys, "explain", str(ordinary))
    assert code == 0
    code, out, err = run(capsys, "explain", str(bad))
    assert code == 0, err
    assert_not_forged(out, want)
    assert "\t" not in out
    assert f"Hand-computable drill{SHOWN} (hand)\n" in out
    assert f"Report{SHOWN}" in out and f"Pact{SHOWN}" in out
    assert f"Short days{SHOWN}" in out and f"CSA{SHOWN}" in out
    assert f"Chase{SHOWN}" in out and f"outage: Council{SHOWN}'s email" in out
    assert f"regional_coordinator: Council{SHOWN} (council)" in out


def test_explain_keeps_columns_aligned_for_a_hostile_name(scenario_data, tmp_path, capsys):
    bad = write(tmp_path, hostile(scenario_data, TAIL), "bad.yaml")
    _, out, _ = run(capsys, "explain", str(bad))
    directory = [line for line in lines_of(out)
                 if line.startswith("  cert-b ") or line.startswith("  cert-a ")]
    # the name column is cut to the same width, so the kind column starts at one place
    assert len({line.index("national_cert") for line in directory}) == 1, directory


def test_lint_shows_line_breaks_in_names_as_escapes(scenario_data, tmp_path, capsys):
    ordinary = write(tmp_path, hostile(copy.deepcopy(scenario_data), ""), "plain.yaml")
    bad = write(tmp_path, hostile(scenario_data, TAIL), "bad.yaml")
    _, want, _ = run(capsys, "lint", str(ordinary))
    _, out, _ = run(capsys, "lint", str(bad))
    assert "ever reaches Lonely [unreachable-actor]" in want, want
    assert_not_forged(out, want)
    assert "\t" not in out
    assert f"Lonely{SHOWN}" in out
    # one line per finding, each ending with its code
    assert all(line.endswith("]") for line in lines_of(out.rstrip("\n"))), out


def test_lint_shows_a_hostile_file_name_in_a_problem_on_one_line(
        scenario_data, tmp_path, capsys):
    scenario_data["injects"][0]["to"] = ["nobody"]
    ordinary = write(tmp_path, scenario_data, "plain.yaml")
    bad = write(tmp_path, scenario_data, f"bad{TAIL}.yaml")
    _, want, _ = run(capsys, "lint", str(ordinary))
    code, out, err = run(capsys, "lint", str(bad))
    assert code == 2 and "unknown actor 'nobody'" in out, (out, err)
    assert_not_forged(out, want)
    assert "\t" not in out
    assert all(": error: " in line for line in lines_of(out.rstrip("\n"))), out


def test_lint_shows_a_hostile_file_name_on_one_line_when_clean(tmp_path, capsys):
    from scenarios import bundled_scenarios

    source = next(p for p in bundled_scenarios() if p.stem == "tutorial")
    bad = tmp_path / f"bad{TAIL}.yaml"
    shutil.copy(source, bad)
    code, out, _ = run(capsys, "lint", str(bad))
    assert code == 0 and out.endswith(": clean\n"), out
    assert len(lines_of(out.rstrip("\n"))) == 1 and SHOWN in out


def _journal(tmp_path: Path, scenario_data: dict[str, Any], capsys) -> Path:
    journal = tmp_path / "made" / "real.journal.sqlite"
    journal.parent.mkdir()
    scenario = write(tmp_path, scenario_data, "s.yaml")
    code, _, err = run(capsys, "run", str(scenario), "--journal", str(journal))
    assert code == 0, err
    return journal


def test_journals_shows_tabs_and_line_breaks_in_file_names_as_escapes(
        scenario_data, tmp_path, capsys):
    journal = _journal(tmp_path, scenario_data, capsys)
    folder = tmp_path / "jdir"
    folder.mkdir()
    forged = ("old.journal.sqlite\tacid-botnet\t2026-09-01T09:00:00+08:00\tended\t"
              "57 actions, 4000 events\nx.journal.sqlite")
    shutil.copy(journal, folder / "real.journal.sqlite")
    shutil.copy(journal, folder / forged)
    shutil.copy(journal, folder / "sep\u2028x.journal.sqlite")
    (folder / "junk\n\tx.journal.sqlite").write_bytes(b"not a journal")
    code, out, _ = run(capsys, "journals", "--dir", str(folder))
    assert code == 0
    rows = out.rstrip("\n").split("\n")
    # one row per journal, each of five tab-separated cells (two for an unreadable one)
    assert len(rows) == 4, out
    assert not any(row.startswith("x.journal.sqlite") for row in rows), out
    assert sorted(row.count("\t") for row in rows) == [1, 4, 4, 4], out
    assert any(row.startswith(str(folder / "old.journal.sqlite\\tacid-botnet\\t"))
               and "\\nx.journal.sqlite\t" in row for row in rows), out
    assert any("sep\\u2028x.journal.sqlite\t" in row for row in rows), out
    assert any(row.startswith(str(folder / "junk\\n\\tx.journal.sqlite") + "\t(unreadable")
               for row in rows), out


def test_journals_shows_a_hostile_folder_name_on_one_line(scenario_data, tmp_path, capsys):
    journal = _journal(tmp_path, scenario_data, capsys)
    folder = tmp_path / f"j{TAIL}"
    folder.mkdir()
    shutil.copy(journal, folder / "real.journal.sqlite")
    code, out, err = run(capsys, "journals", "--dir", str(folder))
    assert code == 0
    assert len(lines_of(out.rstrip("\n"))) == 1 and out.count("\t") == 4, out
    assert len(lines_of(err.rstrip("\n"))) == 1 and SHOWN in err, err
    empty = tmp_path / f"e{TAIL}"
    empty.mkdir()
    _, out, _ = run(capsys, "journals", "--dir", str(empty))
    assert out == f"no journals in {tmp_path}/e{SHOWN}\n"


async def _printed(loaded, tmp_path: Path) -> str:
    """What ``drill join --print`` prints for a facilitator until inject 1 is delivered."""
    async with serving(loaded, tmp_path, human=()) as (server, urls):
        out, err = io.StringIO(), io.StringIO()
        stop = asyncio.Event()
        task = asyncio.create_task(follow(urls["facilitator"], cafile=None, out=out,
                                          err=err, stop=stop))
        try:
            await until(lambda: out.getvalue().startswith("joined"))
            server.session.advance_to(70)
            await until(lambda: "received inject 1" in out.getvalue())
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)
        return out.getvalue()


async def test_join_print_shows_line_breaks_in_names_and_titles_as_escapes(
        scenario_data, load, tmp_path):
    plain_data = copy.deepcopy(scenario_data)
    plain_data["injects"][0]["title"] = "Report"
    scenario_data["drill"]["title"] += TAIL
    scenario_data["actors"]["cert-a"]["name"] += TAIL
    scenario_data["actors"]["ctl"]["name"] += TAIL
    scenario_data["injects"][0]["title"] = "Report" + TAIL
    (tmp_path / "plain").mkdir()
    (tmp_path / "bad").mkdir()
    want = await _printed(load(plain_data), tmp_path / "plain")
    out = await _printed(load(scenario_data), tmp_path / "bad")
    assert_not_forged(out, want)
    assert "\t" not in out
    assert out.startswith(f"joined Hand-computable drill{SHOWN} as facilitator\n"), out
    assert f"CERT-SG{SHOWN} received inject 1 from HiCON{SHOWN} by e-mail (TLP:GREEN): " \
           f"Report{SHOWN}" in out, out


def test_validate_lists_each_problem_of_a_file_with_a_line_break_in_its_name(tmp_path, capsys):
    bad = tmp_path / "bad\nFORGED.yaml"
    bad.write_text("drill: {id: x}\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert not any(line.startswith("FORGED") for line in lines)
    assert all("bad\\nFORGED.yaml" in line for line in lines[:-1])
    assert lines[-1].endswith("found")


def test_validate_says_ok_on_one_line_whatever_the_file_is_called(tmp_path, capsys):
    from scenarios import bundled_scenarios

    tutorial = next(p for p in bundled_scenarios() if p.stem == "tutorial")
    good = tmp_path / "a\nb.yaml"
    shutil.copytree(tutorial.parent / "evidence", tmp_path / "evidence")
    good.write_text(tutorial.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["validate", str(good)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert "a\\nb.yaml: ok (" in line
