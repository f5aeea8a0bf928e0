"""Batch runs under bad arguments, damaged folders and crashes.

Every bad argument stops with one line and exit 2 before a file is written; every
file is private; a chunk that is damaged or foreign never reaches the summary; a
killed batch leaves no worker behind and resumes to the uninterrupted result.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scenarios import load_scenario, resolve_scenario_arg
from sim.cli import main
from sim.runs import batch as batch_mod
from sim.runs.batch import (
    CHECKSUMS,
    BatchConfig,
    BatchError,
    Variant,
    check_metric,
    check_scheduler,
    parse_sweep,
    run_batch,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = resolve_scenario_arg(None)
TUTORIAL = resolve_scenario_arg("tutorial")
HAS_PROC = Path("/proc/self/stat").exists()


@pytest.fixture(scope="module")
def tutorial():
    return load_scenario(TUTORIAL)


@pytest.fixture(scope="module")
def default():
    return load_scenario(DEFAULT)


def run(loaded, out, notes=None, **kw):
    cfg = BatchConfig(n=kw.pop("n", 12), seed=kw.pop("seed", 4), out=out, chunk=kw.pop("chunk", 3),
                      jobs=kw.pop("jobs", 1), **kw)
    return run_batch(loaded, [], cfg, notice=None if notes is None else notes.append)


def outputs(out: Path) -> tuple[bytes, bytes, bytes]:
    return tuple((out / name).read_bytes()
                 for name in ("replications.csv", "summary.json", "summary.txt"))


def chunk(out: Path, start: int, count: int = 3) -> Path:
    return out / "chunks" / f"rows-{start:09d}-{count}.csv"


def one_error_line(err: str) -> str:
    """The one line said about an error (the progress bar aside)."""
    lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("replications:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- arguments: one line, exit 2, nothing written ------------------------------------------

@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--jobs", "-1"], "--jobs must be between 1 and"),
        (["--jobs", "0"], "--jobs must be between 1 and"),
        (["--chunk", "-3"], "--chunk must be at least 1 (got -3)"),
        (["--chunk", "0"], "--chunk must be at least 1 (got 0)"),
        (["-n", "-5"], "-n must be between 1 and"),
        (["--backend", "dask", "--scheduler", "not a url"], "not a Dask scheduler address"),
        (["--backend", "dask", "--scheduler", "notaurl"], "expected PROTOCOL://HOST:PORT"),
        (["--backend", "dask", "--scheduler", "http://h:1"], "unknown protocol 'http'"),
        (["--backend", "dask"], "--backend dask needs --scheduler"),
        (["--scheduler", "tcp://10.0.0.5:8786"], "--scheduler is used only with --backend dask"),
        (["--sweep", "channels.email.loss=0,0.5", "--metric", "contaned"],
         "no such metric; did you mean 'contained'? metrics: first_ack,"),
        (["--sweep", "channels.email.loss=0,0.5", "--metric", "nowhere:contained"],
         "no incident 'nowhere'; incidents: phish"),
        (["--sweep", "channels.email.loss=0,0.5", "--metric", "phish:score"],
         "score is counted per drill, not per incident"),
        (["--sweep", "channels.email.loss=0:1:0.0001"], "gives more than 1,000 values"),
        (["--sweep", "channels.email.loss=.nan,0.5"], "nan is not a finite number"),
        (["--sweep", "channels.email.loss=0:.inf:0.1"], "must be finite numbers"),
        (["--variant", "x: injects.0.via=pigeon"], "variant 'x': injects[0].via: unknown channel"),
        (["--variant", "x: injects.0.to=[nobody]"], "variant 'x': injects[0].to"),
    ],
)
def test_bad_arguments_give_one_line_and_write_nothing(tmp_path, capsys, extra, words):
    out = tmp_path / "out"
    code = main(["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out), *extra])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2
    assert line.startswith("drill batch: ") and words in line
    assert not out.exists()


def test_unknown_metric_names_the_metrics_that_exist(tutorial):
    with pytest.raises(BatchError) as info:
        check_metric(tutorial.scenario, "nope")
    text = str(info.value)
    for name in ("ansac_reached", "contained", "le.mla", "messages_bounced",
                 "expectation.E1.lateness"):
        assert name in text
    check_metric(tutorial.scenario, "contained")
    check_metric(tutorial.scenario, "phish:expectation.E1.lateness")


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "10.0.0.5:8786", "tls://sched.example:8786",
                                     "inproc://10.0.0.1/1234/1", "tcp://[::1]:8786"])
def test_real_scheduler_addresses_pass(address):
    check_scheduler(address)


@pytest.mark.parametrize("address", ["tcp://host", "tcp://host:99999", "tcp://:8786", "tcp://h:1/x",
                                     "inproc://", "tcp://h:1\x1b[2J"])
def test_broken_scheduler_addresses_are_refused(address):
    with pytest.raises(BatchError, match="not a Dask scheduler address"):
        check_scheduler(address)


def test_out_naming_an_existing_file_is_refused(tmp_path, capsys):
    target = tmp_path / "results.csv"
    target.write_text("keep me\n")
    for out in (target, target / "sub"):
        code = main(["batch", "tutorial", "-n", "2", "--jobs", "1", "--out", str(out)])
        line = one_error_line(capsys.readouterr().err)
        assert code == 2 and f"{target}: is a file; give --out a folder" in line
    assert target.read_text() == "keep me\n"


def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        return locked / "out"
    if Path("/sys/kernel").is_dir():  # not even root may create folders in sysfs
        return Path("/sys/acid-drill-batch-test")
    pytest.skip("no folder this user cannot write to")


def test_an_unwritable_folder_gives_one_line(tmp_path, capsys):
    out = _unwritable(tmp_path)
    code = main(["batch", "tutorial", "-n", "2", "--jobs", "1", "--out", str(out)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and "cannot create the folder" in line


def _denied(monkeypatch, method: str, where: Path) -> None:
    """``Path.<method>`` raises PermissionError for ``where``, as it does for a user
    who may not look into the folder (the tests may run as root, whom nothing stops)."""
    real = getattr(Path, method)

    def denied(self, *args, **kwargs):
        if self == where:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, denied)


def test_an_out_folder_that_may_not_be_looked_into_gives_one_line(tmp_path, capsys,
                                                                   monkeypatch):
    out = tmp_path / "locked" / "out"
    _denied(monkeypatch, "exists", out)
    code = main(["batch", "tutorial", "-n", "2", "--jobs", "1", "--out", str(out)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and line.endswith("out: cannot be looked into: Permission denied")


def test_a_chunks_folder_that_may_not_be_listed_gives_one_line_on_resume(tmp_path, capsys,
                                                                         monkeypatch):
    out = tmp_path / "out"
    argv = ["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    _denied(monkeypatch, "iterdir", out / "chunks")
    code = main([*argv, "--resume"])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and line.endswith("chunks: cannot list the folder: Permission denied")


def test_resuming_a_finished_batch_ends_the_progress_line_before_saying_more(tmp_path,
                                                                             capsys,
                                                                             monkeypatch):
    out = tmp_path / "out"
    argv = ["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    # the bar is drawn on a terminal only
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main([*argv, "--resume"]) == 0
    err = capsys.readouterr().err
    # the bar starts full and never advances: it is closed all the same
    assert "rep/s]wrote" not in err and "\nwrote " in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{bad", "is damaged (not a batch manifest)"),
        (b"\xff\xfe\x00garbage", "is damaged (not a batch manifest)"),
        (b"[1, 2]", "is damaged (not a batch manifest)"),
        (b"[" * 100_000, "is damaged"),
        (b'{"format": "drill-batch-manifest", "chunk": -3}', "chunk size is not a whole number"),
        (b'{"format": "drill-batch-manifest", "chunk": "3"}', "chunk size is not a whole number"),
        (b"x" * (2 << 20), "bytes; a batch manifest over"),
    ],
    ids=["json", "binary", "list", "deep", "negative-chunk", "text-chunk", "huge"],
)
def test_a_corrupt_manifest_is_refused_in_one_line(tmp_path, capsys, content, words):
    out = tmp_path / "b"
    out.mkdir()
    (out / "manifest.json").write_bytes(content)
    code = main(["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out), "--resume"])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and str(out / "manifest.json") in line and words in line
    assert (out / "manifest.json").read_bytes() == content  # nothing lost


@pytest.mark.parametrize("version", [1, 2], ids=["unnamed-chunks", "no-lost-outage"])
def test_a_batch_of_an_earlier_version_is_refused_as_such(tmp_path, capsys, version):
    # 1: chunks did not name their batch; 2: their rows had no lost.outage
    out = tmp_path / "b"
    argv = ["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out)]
    assert main([*argv, "--chunk", "2"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["version"] = version
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line.endswith("was written by an earlier version of acid-drill, whose chunks this "
                         "version cannot check; run the batch again with another --out")


def test_a_manifest_of_another_batch_is_refused_without_echoing_it(tmp_path, capsys):
    out = tmp_path / "b"
    out.mkdir()
    (out / "manifest.json").write_text(
        '{"format": "drill-batch-manifest", "chunk": 3, "scenario": "TLP:RED op-nightjar", '
        '"TLP:RED key": 1}')
    code = main(["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out), "--resume"])
    err = capsys.readouterr().err
    line = one_error_line(err)
    assert code == 2
    assert "differs from this one (version, scenario, payload_sha256, seed, n, unknown fields)" in line
    assert "TLP:RED" not in err and "nightjar" not in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_manifest_that_is_a_pipe_does_not_hang(tmp_path, capsys):
    out = tmp_path / "b"
    out.mkdir()
    os.mkfifo(out / "manifest.json")
    code = main(["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(out), "--resume"])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and "not a regular file" in line


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(),
                    reason="needs named pipes and /dev/zero")
@pytest.mark.parametrize("kind", ["pipe", "device", "folder"])
def test_a_variants_file_that_is_not_a_file_does_not_hang(tmp_path, capsys, kind):
    if kind == "pipe":
        source = tmp_path / "variants.yaml"
        os.mkfifo(source)
    else:
        source = Path("/dev/zero") if kind == "device" else tmp_path
    code = main(["batch", "tutorial", "-n", "2", "--jobs", "1", "--out", str(tmp_path / "o"),
                 "--variants", str(source)])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2 and line.startswith(f"drill batch: {source}: is ")
    assert not (tmp_path / "o").exists()


def test_a_failing_replication_is_one_line_and_exit_3(tmp_path, capsys, monkeypatch):
    def broken(scenario, seed):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(batch_mod, "replication_rows", broken)
    code = main(["batch", "tutorial", "-n", "4", "--jobs", "1", "--out", str(tmp_path / "b")])
    line = one_error_line(capsys.readouterr().err)
    assert code == 3
    assert "replication 0 of 'baseline'" in line and "OverflowError: date value out of range" in line


def test_a_dask_scheduler_lost_mid_batch_is_one_line_and_exit_3(tmp_path, capsys,
                                                                 monkeypatch):
    # a scheduler that goes away cancels the tasks it held: their results raise
    # distributed's FutureCancelledError, a concurrent.futures.CancelledError
    import concurrent.futures
    import importlib.machinery
    import types

    class Cancelled(concurrent.futures.CancelledError):
        pass

    class Lost:
        def result(self):
            raise Cancelled("cancelled for reason: scheduler-connection-lost")

    class Client:
        def __init__(self, address, timeout):
            pass

        def scatter(self, data, broadcast):
            return data

        def submit(self, *args, pure):
            return Lost()

        def close(self):
            pass

    fake = types.ModuleType("distributed")
    fake.__spec__ = importlib.machinery.ModuleSpec("distributed", None)
    fake.Client, fake.as_completed = Client, iter  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "distributed", fake)
    code = main(["batch", "tutorial", "-n", "4", "--chunk", "2", "--backend", "dask",
                 "--scheduler", "tcp://127.0.0.1:8786", "--out", str(tmp_path / "o")])
    line = one_error_line(capsys.readouterr().err)
    assert code == 3
    assert line == ("drill batch: lost the Dask scheduler tcp://127.0.0.1:8786: cancelled "
                    "for reason: scheduler-connection-lost")


def test_sweep_values_are_bounded_and_finite():
    with pytest.raises(BatchError, match="more than 1,000 values"):
        parse_sweep("channels.email.loss=0:1e6:1")
    assert len(parse_sweep("channels.email.loss=0:999:1")) == 1000


# --- private files ---------------------------------------------------------------------------

def test_every_batch_file_is_private_whatever_the_umask(tmp_path, capsys):
    out = tmp_path / "b"
    old = os.umask(0o022)
    try:
        code = main(["batch", "tutorial", "-n", "6", "--jobs", "2", "--chunk", "2", "--out", str(out),
                     "--sweep", "channels.email.loss=0,0.5", "--metric", "contained"])
    finally:
        os.umask(old)
    assert code == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"manifest.json", CHECKSUMS, "replications.csv", "summary.json", "summary.txt",
            "sweep.svg", "sweep.txt"} <= names
    assert sum(p.parent.name == "chunks" for p in files) == 3
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o600)}
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE((out / "chunks").stat().st_mode) == 0o700


# --- checksums ----------------------------------------------------------------------------

def test_checksum_list_is_sha256sum_format_and_matches(tutorial, tmp_path):
    import hashlib

    out = tmp_path / "b"
    run(tutorial, out)
    lines = (out / CHECKSUMS).read_text().splitlines()
    assert len(lines) == 4
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest


def test_resume_reruns_a_chunk_cut_in_half_and_one_from_another_scenario(tutorial, default, tmp_path):
    whole = tmp_path / "whole"
    run(tutorial, whole)
    cut = tmp_path / "cut"
    run(tutorial, cut)
    other = tmp_path / "other"
    run(default, other)  # same seed, -n and chunk: only the scenario differs
    half = chunk(cut, 3).read_bytes()
    chunk(cut, 3).write_bytes(half[: len(half) // 2])
    chunk(cut, 6).write_bytes(chunk(other, 6).read_bytes())
    notes: list[str] = []
    started: list[int] = []

    def progress(total, done):
        started.append(done)
        return lambda k: None

    cfg = BatchConfig(n=12, seed=4, out=cut, chunk=3, jobs=1, resume=True)
    run_batch(tutorial, [], cfg, progress=progress, notice=notes.append)
    assert notes == [
        f"{chunk(cut, 3)}: damaged or from another batch (checksum differs); running it again",
        f"{chunk(cut, 6)}: damaged or from another batch (checksum differs); running it again",
    ]
    assert started == [6]  # the two bad chunks ran again, the rest were kept
    assert outputs(cut) == outputs(whole)


def test_a_chunk_changed_during_the_run_never_reaches_the_summary(tutorial, tmp_path):
    whole = tmp_path / "whole"
    run(tutorial, whole)
    out = tmp_path / "b"
    ticks = []

    def progress(total, done):
        def tick(k):
            ticks.append(k)
            if len(ticks) == 4:  # the last chunk is in: drop a whole row of the first
                rows = chunk(out, 0).read_bytes().splitlines(keepends=True)
                chunk(out, 0).write_bytes(b"".join(rows[:-1]))
        return tick

    cfg = BatchConfig(n=12, seed=4, out=out, chunk=3, jobs=1)
    with pytest.raises(BatchError, match=r"rows-000000000-3\.csv: changed after it was written"):
        run_batch(tutorial, [], cfg, progress=progress)
    assert not (out / "replications.csv").exists() and not (out / "summary.json").exists()
    assert not chunk(out, 0).exists()  # removed, so that --resume runs it again
    cfg.resume = True
    run_batch(tutorial, [], cfg)
    assert outputs(out) == outputs(whole)


def test_chunks_are_joined_while_the_batch_runs(tutorial, tmp_path, monkeypatch):
    # the join is no serial step after the last chunk: each chunk is joined as soon as
    # it and every chunk before it are in (in whatever order the workers finish them),
    # and the outputs are those of a whole run
    whole = tmp_path / "whole"
    run(tutorial, whole)
    finished: list[int] = []
    joined: list[int] = []
    after_each: list[tuple[list[int], list[int]]] = []
    ready, join_tallied = batch_mod._Join.ready, batch_mod._Join._join_tallied

    def on_ready(self, start, count, digest, tally):
        finished.append(start)
        ready(self, start, count, digest, tally)
        after_each.append((sorted(finished), list(joined)))

    def joining(self, start, count, want, tally):
        joined.append(start)
        return join_tallied(self, start, count, want, tally)

    monkeypatch.setattr(batch_mod._Join, "ready", on_ready)
    monkeypatch.setattr(batch_mod._Join, "_join_tallied", joining)
    out = tmp_path / "b"
    run_batch(tutorial, [], BatchConfig(n=12, seed=4, out=out, chunk=3, jobs=1))
    assert joined == [0, 3, 6, 9]
    for done, joined_by_then in after_each:
        # once a chunk is in, every chunk whose predecessors are all in is joined
        prefix = []
        for start in (0, 3, 6, 9):
            if start not in done:
                break
            prefix.append(start)
        assert joined_by_then == prefix
    assert outputs(out) == outputs(whole)


def test_a_foreign_chunk_with_a_forged_checksum_is_still_refused(tutorial, tmp_path):
    import hashlib

    whole = tmp_path / "whole"
    run(tutorial, whole)
    out = tmp_path / "b"
    run(tutorial, out)
    other = tmp_path / "other"
    run(tutorial, other, seed=5)
    foreign = chunk(other, 9).read_bytes()
    chunk(out, 9).write_bytes(foreign)
    sums = (out / CHECKSUMS).read_text().splitlines()
    sums = [ln for ln in sums if not ln.endswith("rows-000000009-3.csv")]
    sums.append(f"{hashlib.sha256(foreign).hexdigest()}  chunks/rows-000000009-3.csv")
    (out / CHECKSUMS).write_text("\n".join(sums) + "\n")
    with pytest.raises(BatchError, match=r"rows-000000009-3\.csv: holds a row of another batch"):
        run(tutorial, out, resume=True)
    run(tutorial, out, resume=True)
    assert outputs(out) == outputs(whole)


def test_a_chunk_of_a_batch_alike_in_all_but_its_scenarios_is_refused(tutorial, tmp_path):
    # same seed, -n, chunk size and variant names: every row of the other batch's chunk
    # looks like one of this batch's; its first line names the batch it belongs to
    def batch(out: Path, loss: float, resume: bool = False) -> None:
        run_batch(tutorial, [Variant("lossy", (("channels.email.loss", loss),))],
                  BatchConfig(n=12, seed=4, out=out, chunk=3, jobs=1, resume=resume))

    whole = tmp_path / "whole"
    batch(whole, 0.5)
    out, other = tmp_path / "b", tmp_path / "other"
    batch(out, 0.5)
    batch(other, 0.9)
    foreign = chunk(other, 9).read_bytes()
    assert foreign != chunk(out, 9).read_bytes()
    _forge(out, 9, foreign)  # its checksum line copied along with it
    with pytest.raises(BatchError, match=r"rows-000000009-3\.csv: holds rows of another batch"):
        batch(out, 0.5, resume=True)
    assert not chunk(out, 9).exists()  # removed, to be run again
    batch(out, 0.5, resume=True)
    assert outputs(out) == outputs(whole)


def _forge(out: Path, start: int, data: bytes) -> None:
    """Replace chunk ``start`` (of 3) with ``data`` and record its checksum."""
    import hashlib

    name = f"rows-{start:09d}-3.csv"
    chunk(out, start).write_bytes(data)
    sums = [ln for ln in (out / CHECKSUMS).read_text().splitlines() if not ln.endswith(name)]
    sums.append(f"{hashlib.sha256(data).hexdigest()}  chunks/{name}")
    (out / CHECKSUMS).write_text("\n".join(sums) + "\n")


@pytest.mark.parametrize(("damage", "says"), [
    # the last row's line end cut off: copied as it is, it would run into the next chunk
    (lambda data: data[:-2], "its last row is cut short"),
    (lambda data: b"", "replications are missing"),
    # a replication dropped, or one variant's rows of it
    (lambda data: b"".join(ln for ln in data.splitlines(keepends=True)
                           if b",3," not in ln[:30]), "replications are missing"),
    (lambda data: b"".join([data.splitlines(keepends=True)[0],
                            *sorted(data.splitlines(keepends=True)[1:], reverse=True)]),
     "missing or out of order"),
], ids=["cut-short", "empty", "replication-dropped", "out-of-order"])
def test_a_chunk_with_a_forged_checksum_must_still_hold_every_replication_whole(
        tutorial, tmp_path, damage, says):
    whole = tmp_path / "whole"
    run(tutorial, whole)
    out = tmp_path / "b"
    run(tutorial, out)
    _forge(out, 3, damage(chunk(out, 3).read_bytes()))
    with pytest.raises(BatchError, match=rf"rows-000000003-3\.csv: is damaged \(.*{says}"):
        run(tutorial, out, resume=True)
    run(tutorial, out, resume=True)  # the chunk was removed: it runs again
    assert outputs(out) == outputs(whole)


def test_unrecorded_and_stray_chunks_are_run_again_or_removed(tutorial, tmp_path):
    whole = tmp_path / "whole"
    run(tutorial, whole)
    out = tmp_path / "b"
    run(tutorial, out)
    sums = (out / CHECKSUMS).read_text().splitlines()
    (out / CHECKSUMS).write_text("\n".join(sums[1:]) + "\n" + sums[0][:30])  # torn last line
    (out / "chunks" / "rows-000000001-5.csv").write_text("not of this plan\n")
    (out / "chunks" / ".rows-000000003-3.csv.x1y2.part").write_text("half a write")
    (out / "replications.csv").unlink()
    notes: list[str] = []
    run(tutorial, out, notes, resume=True)
    assert notes == [
        f"1 chunk in {out / 'chunks'} finished as the batch stopped but never recorded; "
        "running it again",
        f"{out / 'chunks' / 'rows-000000001-5.csv'}: not a chunk of this batch; removed",
    ]
    assert sorted(p.name for p in (out / "chunks").iterdir()) == [
        f"rows-{s:09d}-3.csv" for s in (0, 3, 6, 9)]
    assert outputs(out) == outputs(whole)


def test_links_in_a_batch_folder_are_never_followed(tutorial, tmp_path):
    whole = tmp_path / "whole"
    run(tutorial, whole)
    out = tmp_path / "b"
    run(tutorial, out)
    secret = tmp_path / "secret.txt"
    secret.write_text("TLP:RED\n")
    chunk(out, 3).unlink()
    chunk(out, 3).symlink_to(secret)
    notes: list[str] = []
    run(tutorial, out, notes, resume=True)
    assert notes == [f"{chunk(out, 3)}: damaged or from another batch (checksum differs); "
                     "running it again"]
    assert secret.read_text() == "TLP:RED\n" and not chunk(out, 3).is_symlink()
    assert outputs(out) == outputs(whole)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = tmp_path / "linked"
    other.mkdir()
    (other / "chunks").symlink_to(elsewhere)
    with pytest.raises(BatchError, match="is a symbolic link"):
        run(tutorial, other)
    assert not list(elsewhere.iterdir())


def test_resume_where_nothing_was_written_starts_and_chunks_without_manifest_stop(tutorial,
                                                                                   tmp_path):
    whole = tmp_path / "whole"
    run(tutorial, whole)
    out = tmp_path / "b"
    notes: list[str] = []
    run(tutorial, out, notes, resume=True)
    assert notes == [f"nothing to resume in {out}; starting the batch"]
    assert outputs(out) == outputs(whole)
    (out / "manifest.json").unlink()
    with pytest.raises(BatchError, match=r"holds chunks but no manifest\.json"):
        run(tutorial, out, resume=True)


# --- processes ------------------------------------------------------------------------------

def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _start(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as err:
        return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=ROOT, env=_env(),
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # state, ppid, ...


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _chunk_names(out: Path) -> set[str]:
    folder = out / "chunks"
    return set(os.listdir(folder)) if folder.is_dir() else set()


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


def _kill_group(proc: subprocess.Popen) -> None:
    """End what the test started: the process and its session (it leads its own)."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.skipif(not HAS_PROC, reason="lists processes through /proc")
def test_workers_die_with_a_killed_batch_and_write_nothing_after(tmp_path):
    out = tmp_path / "b"
    proc = _start(["batch", "-n", "5000", "--chunk", "2", "--jobs", "2", "--out", str(out)],
                  tmp_path / "err.log")
    try:
        _wait(lambda: len([n for n in _chunk_names(out) if n.startswith("rows-")]) >= 2)
        workers = _children(proc.pid)
        assert len(workers) == 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _wait(lambda: not any(_alive(w) for w in workers), timeout=5)
        time.sleep(0.2)
        after_kill = _chunk_names(out)
        time.sleep(1.0)
        assert _chunk_names(out) == after_kill  # nothing written by an orphan
    finally:
        _kill_group(proc)


@pytest.mark.skipif(not HAS_PROC or not hasattr(os, "fork"), reason="needs fork and /proc")
def test_the_portable_watch_ends_an_orphaned_worker(tmp_path):
    script = (
        "import multiprocessing, os, time\n"
        "from sim.runs import batch\n"
        "def work(parent):\n"
        "    batch._worker_start(parent, use_prctl=False)\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        "    child = multiprocessing.get_context('fork').Process(target=work, args=(os.getpid(),))\n"
        "    child.start()\n"
        "    print(child.pid, flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, start_new_session=True)
    try:
        child = int(proc.stdout.readline())
        time.sleep(0.3)
        assert _alive(child)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _wait(lambda: not _alive(child), timeout=5)
    finally:
        proc.stdout.close()
        _kill_group(proc)


@pytest.mark.skipif(not HAS_PROC, reason="lists processes through /proc")
def test_a_batch_killed_at_random_moments_resumes_to_the_uninterrupted_result(tutorial, tmp_path):
    n, size = 240, 4
    total = n // size
    whole = tmp_path / "whole"
    run(tutorial, whole, n=n, seed=7, chunk=size)
    out = tmp_path / "cut"
    args = ["batch", "tutorial", "-n", str(n), "--seed", "7", "--chunk", str(size), "--jobs", "2",
            "--out", str(out)]
    rng = random.Random(20260829)
    log = tmp_path / "err.log"
    kept = []

    def finished() -> int:
        return len([x for x in _chunk_names(out) if x.startswith("rows-")])

    for k in range(4):
        proc = _start([*args, "--resume"] if k else args, log)
        try:
            if k == 0:  # any moment from start-up on, perhaps before the manifest exists
                time.sleep(rng.uniform(0.0, 0.5))
            else:  # part-way through the chunks still to run
                target = rng.randint(min(finished() + 1, total - 1), total - 1)
                _wait(lambda t=target, p=proc: p.poll() is not None or finished() >= t)
                time.sleep(rng.uniform(0.0, 0.01))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            _kill_group(proc)
        kept.append(finished())
    assert any(0 < done < total for done in kept)  # at least one kill cut a run short
    final = subprocess.run([sys.executable, "-m", "sim.cli", *args, "--resume"], cwd=ROOT,
                           env=_env(), capture_output=True, timeout=120)
    assert final.returncode == 0, final.stderr.decode()
    assert b"Traceback" not in final.stderr and b"Traceback" not in log.read_bytes()
    assert outputs(out) == outputs(whole)
    assert not list(out.rglob("*.part"))
