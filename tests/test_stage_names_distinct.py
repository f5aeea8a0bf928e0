"""A scenario that gives two law-enforcement stages the same name (``drill.names``) is
refused: a report showing both could not tell them apart. The error is one line, at
the stage's own line in the file, and names the field and the repeated name."""

from __future__ import annotations

from typing import Any

from conftest import write

from sim.cli import main


def _validate(tmp_path, data: dict[str, Any], capsys) -> tuple[int, list[str]]:
    path = write(tmp_path, data)
    capsys.readouterr()
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


def _line_of(tmp_path, key: str) -> int:
    """The line of the file that gives ``drill.names.<key>``."""
    lines = (tmp_path / "s.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index("  names:")
    return next(i for i, ln in enumerate(lines[start:], start + 1)
                if ln.strip().startswith(f"{key}:"))


def test_two_stages_given_one_name_are_refused_at_the_later(scenario_data, tmp_path, capsys):
    scenario_data["drill"]["names"] = {"international_channel": "police -> INTERPOL",
                                       "foreign_police": "police -> INTERPOL"}
    code, lines = _validate(tmp_path, scenario_data, capsys)
    assert code != 0
    [problem] = [ln for ln in lines if "drill.names" in ln]
    assert f"s.yaml:{_line_of(tmp_path, 'foreign_police')}:" in problem
    assert "drill.names.foreign_police:" in problem
    assert "'police -> INTERPOL'" in problem and "international_channel" in problem
    assert "Traceback" not in "\n".join(lines)


def test_a_name_that_is_another_stage_s_default_is_refused(scenario_data, tmp_path, capsys):
    # the mla stage keeps its default name, "formal MLA request"
    scenario_data["drill"]["names"] = {"preservation": "Formal  MLA Request"}
    code, lines = _validate(tmp_path, scenario_data, capsys)
    assert code != 0
    [problem] = [ln for ln in lines if "drill.names" in ln]
    assert f"s.yaml:{_line_of(tmp_path, 'preservation')}:" in problem
    assert "drill.names.preservation:" in problem
    assert "'Formal  MLA Request'" in problem and "mla stage" in problem


def test_a_drill_that_will_not_validate_does_not_run(scenario_data, tmp_path, capsys):
    scenario_data["drill"]["names"] = {"police_referral": "MLA", "mla": "MLA"}
    path = write(tmp_path, scenario_data)
    capsys.readouterr()
    assert main(["run", str(path)]) != 0
    assert "drill.names.mla" in capsys.readouterr().err


def test_stages_with_names_of_their_own_validate(scenario_data, tmp_path, capsys):
    # the regional coordinator is no stage: it may share a stage's name
    scenario_data["drill"]["names"] = {"international_channel": "police -> INTERPOL",
                                       "foreign_police": "police -> foreign police (direct)",
                                       "regional_coordinator": "formal MLA request"}
    code, lines = _validate(tmp_path, scenario_data, capsys)
    assert code == 0, lines
