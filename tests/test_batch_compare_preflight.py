"""`drill batch` refuses a scenario that `drill run` refuses, before anything runs.

`drill run` stops a scenario whose every inject is timed after the drill ends (nothing
would happen); `drill batch` checks the baseline and each variant the same way, with
one line naming what cannot run and exit status 3, before a file is written.
"""

from __future__ import annotations

import pytest

from sim.cli import EXIT_CANNOT_RUN, main
from sim.runs.batch import BatchCannotRun, BatchConfig, parse_sweep, parse_variant, run_batch
from tests.conftest import write


def _late(data: dict) -> dict:
    data["injects"][0]["at"] = "T+49:00"  # the drill lasts 2 days
    return data


def test_a_baseline_that_cannot_run_is_refused(scenario_data, load, tmp_path):
    loaded = load(_late(scenario_data))
    with pytest.raises(BatchCannotRun, match="every inject is timed after the drill ends"):
        run_batch(loaded, [], BatchConfig(n=2, jobs=1, out=tmp_path / "o"))
    assert not (tmp_path / "o").exists()


def test_a_variant_that_cannot_run_is_refused_by_name(scenario_data, load, tmp_path):
    loaded = load(scenario_data)
    with pytest.raises(BatchCannotRun) as info:
        run_batch(loaded, [parse_variant("late: injects[id=1].at=T+49:00")],
                  BatchConfig(n=2, jobs=1, out=tmp_path / "o"))
    message = str(info.value)
    assert "variant 'late'" in message and "every inject is timed after the drill ends" in message
    assert "injects[0].at" in message and "\n" not in message
    assert not (tmp_path / "o").exists()


def test_a_swept_value_that_cannot_run_is_refused_by_name(scenario_data, load, tmp_path):
    loaded = load(scenario_data)
    with pytest.raises(BatchCannotRun, match=r"variant 'at=T\+49:00'"):
        run_batch(loaded, parse_sweep("injects[0].at=T+02:00,T+49:00"),
                  BatchConfig(n=2, jobs=1, out=tmp_path / "o"))


def test_cli_exits_3_with_one_line(scenario_data, tmp_path, capsys):
    path = write(tmp_path, _late(scenario_data))
    code = main(["batch", str(path), "-n", "2", "--jobs", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == EXIT_CANNOT_RUN
    assert "Traceback" not in err
    [line] = err.strip().splitlines()
    assert line.startswith("drill batch: ") and str(path) in line
    assert "every inject is timed after the drill ends" in line
    assert not (tmp_path / "o").exists()


def test_cli_names_the_variant(scenario_data, tmp_path, capsys):
    path = write(tmp_path, scenario_data)
    code = main(["batch", str(path), "-n", "2", "--jobs", "1", "--out", str(tmp_path / "o"),
                 "--variant", "late: injects[id=1].at=T+49:00"])
    err = capsys.readouterr().err
    assert code == EXIT_CANNOT_RUN
    [line] = err.strip().splitlines()
    assert "variant 'late'" in line and "(cannot run)" in line
