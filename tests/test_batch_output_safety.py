"""What a batch writes, and where: never into someone else's folder, never a variant
name a spreadsheet or a terminal would obey, the same folder from the same batch, and
no progress frames in a log."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.cli import main
from sim.runs import batch as batch_mod
from sim.runs.batch import (
    BASELINE,
    CHECKSUMS,
    Aggregate,
    BatchConfig,
    BatchError,
    Variant,
    load_variants_file,
    parse_sweep,
    parse_variant,
    render_summary,
    run_batch,
    sweep_table,
)

TUTORIAL = resolve_scenario_arg("tutorial")
UNSAFE = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, 0x9B, 0x202E)]


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under ``folder``: a file's bytes, a folder as None."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def argv(out: Path | str, *extra: str) -> list[str]:
    return ["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out), *extra]


# --- 4. an --out folder that is not a batch folder -------------------------------------


@pytest.mark.parametrize("resume", [False, True], ids=["new", "resume"])
def test_a_folder_of_other_files_is_refused_and_left_as_it_was(tmp_path, capsys, resume):
    out = tmp_path / "reports"
    (out / "chunks").mkdir(parents=True)
    (out / "summary.txt").write_text("my own summary\n")
    (out / "replications.csv").write_text("mine,too\n")
    (out / ".draft.part").write_text("a draft I keep")
    (out / "chunks" / ".notes.part").write_text("notes")
    before = snapshot(out)
    code = main(argv(out, *(["--resume"] if resume else [])))
    line = error_line(capsys.readouterr().err)
    assert code == 2
    assert line == (f"drill batch: {out}: is not empty and holds no batch (no manifest.json); "
                    "give --out a new or empty folder")
    assert snapshot(out) == before


def test_a_folder_whose_manifest_is_not_a_batch_manifest_is_refused(tmp_path, capsys):
    out = tmp_path / "webapp"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "My app", "start_url": "/"}')
    (out / "index.html").write_text("<p>hi</p>")
    before = snapshot(out)
    assert main(argv(out)) == 2
    line = error_line(capsys.readouterr().err)
    assert line == (f"drill batch: {out}: is not empty and holds no batch ({out / 'manifest.json'} "
                    "is not a batch manifest); give --out a new or empty folder")
    assert snapshot(out) == before


def test_an_empty_out_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv("")) == 2
    line = error_line(capsys.readouterr().err)
    assert line == "drill batch: --out is empty; give it a folder (--out . for this one)"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(BatchError, match="--out is empty"):
        run_batch(load_scenario(TUTORIAL), [], BatchConfig(n=2, out="", jobs=1))  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_an_empty_folder_or_one_left_by_a_batch_killed_at_start_is_used(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(argv(empty)) == 0
    started = tmp_path / "started"  # killed as it wrote its manifest
    started.mkdir()
    (started / ".manifest.json.k2j4l5m6.part").write_text("{")
    assert main(argv(started)) == 0
    assert not list(started.glob("*.part"))
    capsys.readouterr()
    assert snapshot(started)["summary.json"] == snapshot(empty)["summary.json"]


def test_only_the_batchs_own_temporary_files_are_removed(tmp_path, capsys):
    out = tmp_path / "b"
    assert main(argv(out)) == 0
    theirs = [out / ".notes.part", out / "chunks" / ".keep.part",
              out / ".summary.json.part", out / "chunks" / ".rows-x.csv.abc.part"]
    ours = [out / ".summary.json.a1b2c3d4.part", out / ".chunks.sha256.zz9_yy8x.part",
            out / "chunks" / ".rows-000000000-2.csv.k2j3h4g5.part"]
    for p in (*theirs, *ours):
        p.write_text("x")
    assert main(argv(out, "--resume")) == 0
    capsys.readouterr()
    assert all(p.read_text() == "x" for p in theirs)
    assert not any(p.exists() for p in ours)


# --- 5, 6. variant names ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["=1+cmd|x", "@SUM(A1)", "+1", "-1", "two words", "a\tb",
                                  "x" * 65, "é"])
def test_a_variant_name_that_is_not_an_id_is_refused(tmp_path, capsys, name):
    out = tmp_path / "out"
    assert main(argv(out, "--variant", f"{name}: channels.email.loss=0.1")) == 2
    line = error_line(capsys.readouterr().err)
    assert line.startswith(f"drill batch: variant {name[:64]!r}")
    assert "a variant name is 1 to 64 letters, digits, '_', '.' or '-'" in line
    assert not out.exists()


def test_a_variants_file_name_is_refused_and_named_safely(tmp_path, capsys):
    f = tmp_path / "v.yaml"
    f.write_text('variants:\n  "\\e[2J\\e]0;owned\\aok":\n    channels.email.loss: 0.1\n'
                 '  "=HYPERLINK(\\"http://x.invalid\\",\\"hi\\")":\n'
                 '    channels.email.loss: 0.2\n')
    with pytest.raises(BatchError) as info:
        load_variants_file(f)
    message = str(info.value)
    assert not any(c in message for c in UNSAFE)
    assert "variant '\\x1b[2J\\x1b]0;owned\\x07ok'" in message
    out = tmp_path / "out"
    assert main(["batch", "tutorial", "-n", "2", "--variants", str(f), "--out", str(out)]) == 2
    assert "\x1b" not in capsys.readouterr().err
    assert not out.exists()


def test_a_swept_value_that_would_name_a_variant_with_a_control_character_is_refused():
    with pytest.raises(BatchError) as info:
        parse_sweep('drill.title=plain,"a\\e[2Jb"')  # a YAML escape: ESC
    assert str(info.value) == "sweep 'drill.title': 'a\\x1b[2Jb' holds a control character"
    assert [v.name for v in parse_sweep("drill.title=plain,x y")] == ["title=plain", "title=x y"]


def test_good_variant_names_pass():
    assert parse_variant("laocert-24x7: actors.laocert.staffing=24/7").name == "laocert-24x7"
    assert parse_variant("E3_12h.v2: expectations[id=E3].within=12h").name == "E3_12h.v2"


def test_the_readable_summary_escapes_names_it_is_given():
    name = "a\x1b[2J\x9b2Jb\u202ec\nd"
    agg = Aggregate([BASELINE, name])
    for rep in range(3):
        agg.add(BASELINE, rep, "INC1", "first_ack", 30.0)
        agg.add(name, rep, "INC1", "first_ack", 20.0)
    agg.finish()
    text = render_summary(agg.summary())
    assert not any(c in text for c in UNSAFE)
    assert "== a\\x1b[2J\\x9b2Jb\\u202ec\\nd\n" in text
    assert "\n  a\\x1b[2J\\x9b2Jb\\u202ec\\nd" in text.split("== paired differences")[1]
    summary = {"variants": {"t=1": {"metrics": [
        {"incident": "", "metric": "score", "n": 1, "mean": 1.0, "mean_ci": [None, None],
         "median": 1.0, "p90": 1.0, "reached": {"rate": 1.0}}]}}}
    table, *_ = sweep_table(summary, [Variant("t=1", (("drill.title", "x\x1b[31m"),))], "score")
    assert "\x1b" not in table and "x\\x1b[31m" in table


# --- 7. the checksum list --------------------------------------------------------------


def test_the_checksum_list_is_in_chunk_order_whatever_order_chunks_finish(tmp_path,
                                                                         monkeypatch):
    # the first chunk finishes last: its worker is slow on its first replication
    real = batch_mod.replication_rows
    first = batch_mod.replication_seed(4, 0)

    def slow_first(scenario, seed):
        if seed == first:
            time.sleep(1.0)
        return real(scenario, seed)

    monkeypatch.setattr(batch_mod, "replication_rows", slow_first)  # forked workers too
    out = tmp_path / "b"
    run_batch(load_scenario(TUTORIAL), [], BatchConfig(n=8, seed=4, out=out, chunk=2, jobs=2))
    names = [ln.split("  ")[1] for ln in (out / CHECKSUMS).read_text().splitlines()]
    assert names == [f"chunks/rows-{s:09d}-2.csv" for s in (0, 2, 4, 6)]


# --- 8. the progress bar ---------------------------------------------------------------


def test_no_progress_frames_when_stderr_is_not_a_terminal(tmp_path, capsys):
    assert main(argv(tmp_path / "b")) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "replications:" not in err
    assert err.startswith(f"wrote {tmp_path / 'b' / 'replications.csv'}")


def test_the_progress_bar_shows_on_a_terminal_and_ends_its_line(tmp_path, capsys,
                                                                monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main(argv(tmp_path / "b")) == 0
    err = capsys.readouterr().err
    assert "\rreplications: 100%" in err and "rep/s]\nwrote " in err
