"""The drill command: reports, validation, listings and clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios import bundled_scenarios
from sim.cli import EXIT_CANNOT_RUN, EXIT_INVALID, main

ROOT = Path(__file__).resolve().parent.parent


def test_run_prints_the_default_escalation_report(capsys):
    assert main(["run", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ACID: cross-border banking botnet")
    for words in ("Incident botnet", "first acknowledgement", "ANSAC reached",
                  "CERT -> national police", "Expectations:", "Slowest hops", "Messages:"):
        assert words in out
    assert "T+00:15" in out  # the first inject opens the incident


def test_run_json_is_the_documented_document(capsys):
    assert main(["run", "acid-botnet", "--seed", "3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["format"], doc["version"], doc["seed"]) == ("drill-run", 1, 3)
    assert doc["scenario"]["id"] == "acid-botnet"
    [inc] = doc["incidents"]
    assert inc["id"] == "botnet" and inc["opened_at"] == 15
    assert {x["id"] for x in doc["expectations"]} == {f"E{i}" for i in range(1, 8)}
    doc_keys = (ROOT / "docs" / "json-output.md").read_text(encoding="utf-8")
    for key in doc:
        assert f"`{key}`" in doc_keys, f"{key} is not documented"


def test_run_writes_the_event_log(tmp_path, capsys):
    log = tmp_path / "events.jsonl"
    assert main(["run", "--events", str(log)]) == 0
    lines = log.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["type"] == "drill_started"
    assert json.loads(lines[-1])["type"] == "drill_ended"


def test_validate_every_bundled_scenario(capsys):
    files = [str(p) for p in bundled_scenarios()]
    assert len(files) >= 5
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(files)


def test_validate_points_at_the_broken_line(tmp_path, capsys):
    text = (ROOT / "scenarios/bundled/acid-botnet.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if line.strip() == "to: [certph]")
    lines[n] = lines[n].replace("certph", "cert-ph")
    broken = tmp_path / "broken.yaml"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(broken)]) == EXIT_INVALID
    # the problems validate finds are its output, on stdout, so they can be redirected
    out, err = capsys.readouterr()
    assert err == ""
    assert f"{broken}:{n + 1}:10: injects[0].to[0]: unknown actor 'cert-ph'; did you mean 'certph'?" in out


def test_scenarios_lists_id_then_title(capsys):
    assert main(["scenarios"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    ids = [r[0] for r in rows]
    assert ids == sorted(p.stem for p in bundled_scenarios())
    assert "acid-botnet" in ids and all(len(r) == 2 and r[1] for r in rows)


def _fifo(d: Path) -> Path:
    os.mkfifo(d / "pipe.yaml")
    return d / "pipe.yaml"


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        (lambda d: d / "missing.yaml", "no such scenario file"),
        (lambda d: d, "is a folder, not a scenario file"),
        (lambda d: _fifo(d), "not a regular file"),
        (lambda d: Path("/dev/zero"), "not a regular file"),
        (lambda d: _write(d, b"\xff\xfe\x00junk"), "not UTF-8"),
        (lambda d: _write(d, b""), "file is empty"),
        (lambda d: _write(d, b"- just\n- a list\n"), "not a list"),
        (lambda d: _write(d, b"drill: [unclosed\n"), "invalid YAML"),
    ],
)
def test_bad_input_gets_one_line_and_no_traceback(tmp_path, capsys, setup, words):
    path = setup(tmp_path)
    assert main(["run", str(path)]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert err.splitlines()[0].startswith(str(path))


def _write(d: Path, content: bytes) -> Path:
    p = d / "bad.yaml"
    p.write_bytes(content)
    return p


def test_a_scenario_that_loads_but_cannot_run(tmp_path, capsys):
    text = (ROOT / "scenarios/bundled/tutorial.yaml").read_text(encoding="utf-8")
    path = tmp_path / "late.yaml"
    path.write_text(text.replace("at: T+", "at: T+9d"), encoding="utf-8")
    assert main(["run", str(path)]) == EXIT_CANNOT_RUN
    err = capsys.readouterr().err
    assert "every inject is timed after the drill ends" in err and "Traceback" not in err


def test_console_script_exits_non_zero_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("drill: {id: x}\nactors: {}\nchannels: {}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == EXIT_INVALID
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{bad}:1:8: drill.title: required field is missing" in proc.stdout


def test_an_unforeseen_failure_is_one_line_and_its_own_exit_code(monkeypatch, capsys):
    import sim.cli

    def broken(args):
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(sim.cli, "cmd_validate", broken)
    monkeypatch.delenv("DRILL_DEBUG", raising=False)
    assert main(["validate", "tutorial"]) == sim.cli.EXIT_BUG == 70
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "drill validate: internal error (TypeError); this is a bug in acid-drill: please report "
        "it with the command and the files it read (DRILL_DEBUG=1 shows the details)"
    ]
    monkeypatch.setenv("DRILL_DEBUG", "1")
    with pytest.raises(TypeError):
        main(["validate", "tutorial"])
