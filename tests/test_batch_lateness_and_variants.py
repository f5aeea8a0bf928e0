"""Batch fixes after review:

* an expectation's ``.lateness`` rate is over the runs where it was in play: a run where
  it was not in play is counted in the entry's ``not_in_play``, not as a run that never
  reached it, in ``summary.json``, the sweep's table and its charts;
* a variant's artefact file is read and checked as a scenario file's is (confined to the
  scenario's folder, present, its hash and text its own), and a refusal never shows
  the content of a file;
* a variant that reaches the same field twice is refused, naming both spellings;
* a variant without a name is asked for one;
* the docs say the sweep's confidence band is drawn in ``sweep.svg`` only.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import write
from test_batch_not_in_play import _scenario

from scenarios import load_scenario
from sim.cli import EXIT_INVALID, main
from sim.runs.batch import (
    BASELINE,
    BatchConfig,
    BatchError,
    load_variants_file,
    parse_sweep,
    parse_variant,
    run_batch,
    sweep_reached,
    variant_scenarios,
)

N = 12
SEED = 4
DOCS = Path(__file__).resolve().parents[1] / "docs" / "batch.md"


def _metric(summary: dict, variant: str, metric: str) -> dict:
    [m] = [m for m in summary["variants"][variant]["metrics"] if m["metric"] == metric]
    return m


def _expectation(summary: dict, variant: str, ident: str) -> dict:
    [x] = [x for x in summary["variants"][variant]["expectations"] if x["expectation"] == ident]
    return x


def _lateness_values(out: Path, variant: str, ident: str) -> list[str]:
    """The lateness cells of ``variant`` in replications.csv, one per run in play."""
    with open(out / "replications.csv", newline="", encoding="utf-8") as fh:
        return [r["value"] for r in csv.DictReader(fh)
                if r["variant"] == variant and r["metric"] == f"expectation.{ident}.lateness"]


# --- 1. an expectation's lateness rate is over the runs where it was in play -------------


@pytest.fixture
def mixed(scenario_data, load):
    """E9 is in play only in the runs where E1 was missed (some of them)."""
    return load(_scenario(scenario_data, mixed=True))


@pytest.fixture
def never(scenario_data, load):
    """E9 is never in play."""
    return load(_scenario(scenario_data, mixed=False))


def test_a_lateness_rate_leaves_out_the_runs_where_it_was_not_in_play(mixed, tmp_path):
    out = tmp_path / "b"
    result = run_batch(mixed, [parse_variant("same: expectations[id=E8].score=3")],
                       BatchConfig(n=N, seed=SEED, jobs=1, chunk=5, out=out))
    on_disk = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(result.summary))
    for variant in (BASELINE, "same"):
        x = _expectation(on_disk, variant, "E9")
        assert 0 < x["not_in_play"] < N  # in play in some runs only
        m = _metric(on_disk, variant, "expectation.E9.lateness")
        cells = _lateness_values(out, variant, "E9")
        assert m["not_in_play"] == x["not_in_play"] == N - len(cells)
        # over the runs in play only, as replications.csv has them
        assert m["reached"]["n"] == len(cells) == x["n"] + x["open"]
        assert m["reached"]["rate"] == sum(c != "" for c in cells) / len(cells)
    # the same rate the comparison gives, over the same runs
    [d] = [d for d in on_disk["differences"]
           if d["variant"] == "same" and d["metric"] == "expectation.E9.lateness"]
    assert d["rate_variant"] == _metric(on_disk, "same", "expectation.E9.lateness")[
        "reached"]["rate"]
    assert d["rate_baseline"] == _metric(on_disk, BASELINE, "expectation.E9.lateness")[
        "reached"]["rate"]


def test_an_expectation_always_in_play_is_counted_over_every_run(mixed, tmp_path):
    result = run_batch(mixed, [], BatchConfig(n=N, seed=SEED, jobs=1, out=tmp_path / "b"))
    m = _metric(result.summary, BASELINE, "expectation.E1.lateness")
    assert (m["not_in_play"], m["reached"]["n"]) == (0, N)


def test_a_lateness_never_in_play_has_no_rate(never, tmp_path):
    result = run_batch(never, [], BatchConfig(n=N, seed=SEED, jobs=1, out=tmp_path / "b"))
    m = _metric(result.summary, BASELINE, "expectation.E9.lateness")
    assert m["not_in_play"] == N
    assert m["reached"]["n"] == 0
    assert m["reached"]["rate"] is None and m["reached"]["rate_ci"] == [None, None]


def test_the_sweep_of_a_lateness_counts_the_runs_in_play(mixed, tmp_path, capsys):
    out = tmp_path / "s"
    code = main(["batch", str(mixed.path), "-n", str(N), "--seed", str(SEED), "--jobs", "1",
                 "--out", str(out), "--sweep", "expectations[id=E8].score=1,2",
                 "--metric", "expectation.E9.lateness"])
    assert code == 0
    text = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    sweep = parse_sweep("expectations[id=E8].score=1,2")
    counts = sweep_reached(summary, sweep, "expectation.E9.lateness")
    in_play = [N - _expectation(summary, v.name, "E9")["not_in_play"] for v in sweep]
    assert counts is not None and [runs for _, runs in counts] == in_play
    assert all(0 < n < N for n in in_play)
    svg = (out / "sweep.svg").read_text(encoding="utf-8")
    titles = re.findall(r"<title>([^<]*runs reached it)</title>", svg)
    assert titles == [f"{v}: {hits} of {runs} runs reached it"
                      for v, (hits, runs) in zip((1, 2), counts, strict=True)]
    # met at once whenever it is in play: every run in play reached it
    table = text[text.index("sweep of"):]
    rows = [ln.split() for ln in table.splitlines()[2:4]]
    assert [r[:2] for r in rows] == [["1", "100%"], ["2", "100%"]]


# --- 4. a variant's artefact files are read and checked -----------------------------------


SECRET = "root:$6$do-not-show-me"


@pytest.fixture
def with_artefact(scenario_data, tmp_path):
    """A scenario in ``tmp_path/sc`` whose inject 1 carries evidence/note.txt; another
    file beside it, and a file outside the scenario's folder."""
    folder = tmp_path / "sc"
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "note.txt").write_text("the ransom note\n", encoding="utf-8")
    (folder / "evidence" / "other.txt").write_text("another note\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    scenario_data["injects"][0]["artefacts"] = [{"file": "evidence/note.txt"}]
    return load_scenario(write(folder, scenario_data))


def _artefact(data: dict) -> dict:
    return data["injects"][0]["artefacts"][0]


@pytest.mark.parametrize(("file", "says"), [
    ("../secret.txt", "is outside the scenario's folder"),
    ("evidence/no-such-file.txt", "no artefact file"),
])
def test_a_variant_artefact_file_is_checked_as_a_scenario_file_is(with_artefact, file, says):
    with pytest.raises(BatchError) as err:
        variant_scenarios(with_artefact,
                          [parse_variant(f"a: injects[id=1].artefacts[0].file={file}")])
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("variant 'a': injects[0].artefacts[0].file: ")
    assert says in message and file in message
    assert SECRET not in message and "root:" not in message


def test_the_cli_refuses_a_variant_artefact_outside_the_folder(with_artefact, tmp_path,
                                                                capsys):
    code = main(["batch", str(with_artefact.path), "-n", "2", "--jobs", "1",
                 "--out", str(tmp_path / "b"),
                 "--variant", "a: injects[id=1].artefacts[0].file=../secret.txt"])
    assert code == EXIT_INVALID
    err = capsys.readouterr().err
    assert "outside the scenario's folder" in err and SECRET not in err
    assert not (tmp_path / "b" / "summary.json").exists()


def test_the_cli_reads_a_variant_artefact_from_a_folder_allowed_with_allow_include(
        with_artefact, tmp_path, capsys):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "memo.txt").write_text("a memo kept for every drill\n", encoding="utf-8")
    args = ["batch", str(with_artefact.path), "-n", "2", "--jobs", "1", "--variant",
            f"a: injects[id=1].artefacts[0].file={shared / 'memo.txt'}"]
    assert main([*args, "--out", str(tmp_path / "refused")]) == EXIT_INVALID
    assert "--allow-include" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "b"), "--allow-include", str(shared)]) == 0
    assert (tmp_path / "b" / "summary.json").exists()


def test_a_variant_artefact_has_its_own_file_hash_and_text(with_artefact):
    [(_, base), (_, data)] = variant_scenarios(
        with_artefact, [parse_variant("a: injects[id=1].artefacts[0].file=evidence/other.txt")])
    new = _artefact(data)
    other = b"another note\n"
    assert new["file"] == "evidence/other.txt"
    assert new["sha256"] == hashlib.sha256(other).hexdigest()
    assert (new["size"], new["content"]) == (len(other), other.decode())
    assert _artefact(base)["content"] == "the ransom note\n"


def test_a_variant_artefact_hash_given_must_match_its_file(with_artefact):
    wrong = "0" * 64
    with pytest.raises(BatchError, match="not the one given"):
        variant_scenarios(with_artefact,
                          [parse_variant(f"a: injects[id=1].artefacts[0].sha256='{wrong}'")])


def test_a_variant_that_leaves_the_artefacts_alone_keeps_them_as_loaded(with_artefact):
    [(_, base), (_, data)] = variant_scenarios(
        with_artefact, [parse_variant("a: channels.email.loss=0.2")])
    assert _artefact(data) == _artefact(base)
    assert _artefact(data)["content"] == "the ransom note\n"


# --- 5. a variant that reaches the same field twice -------------------------------------


@pytest.mark.parametrize(("changes", "first", "second"), [
    ("channels.email.loss=0.1, channels.email.loss=0.5",
     "channels.email.loss", "channels.email.loss"),
    ("channels.email.loss=0.1, channels[email].loss=0.5",
     "channels.email.loss", "channels[email].loss"),
    ("channels.email={kind: email, latency: 5m, loss: 0}, channels.email.loss=0.5",
     "channels.email", "channels.email.loss"),
])
def test_a_variant_that_changes_a_field_twice_is_refused(scenario_data, load, changes,
                                                         first, second):
    loaded = load(scenario_data)
    with pytest.raises(BatchError) as err:
        variant_scenarios(loaded, [parse_variant(f"cli: {changes}")])
    message = str(err.value)
    assert message.startswith("variant 'cli': ")
    assert f"{first!r}" in message and f"{second!r}" in message
    assert "same field" in message


def test_a_variants_file_that_changes_a_field_twice_is_refused(scenario_data, tmp_path,
                                                               capsys):
    path = write(tmp_path, scenario_data)
    variants = tmp_path / "v.yaml"
    variants.write_text('variants:\n  both: {channels.email.loss: 0.1, '
                        '"channels[email].loss": 0.5}\n', encoding="utf-8")
    assert len(load_variants_file(variants)) == 1
    code = main(["batch", str(path), "-n", "2", "--jobs", "1", "--out", str(tmp_path / "b"),
                 "--variants", str(variants)])
    assert code == EXIT_INVALID
    err = capsys.readouterr().err
    assert "'channels.email.loss'" in err and "'channels[email].loss'" in err
    assert len(err.strip().splitlines()) == 1


def test_changes_to_different_fields_of_one_entry_are_taken(scenario_data, load):
    loaded = load(scenario_data)
    [_, (_, data)] = variant_scenarios(loaded, [parse_variant(
        "v: channels.email.loss=0.1, channels[email].latency=10m")])
    [(_, base)] = variant_scenarios(loaded, [])
    assert data["channels"]["email"]["loss"] == 0.1
    assert data["channels"]["email"]["latency"] != base["channels"]["email"]["latency"]


# --- 6. a variant without a name ----------------------------------------------------------


@pytest.mark.parametrize("text", [": channels.email.loss=0.2", "  : channels.email.loss=0.2"])
def test_a_variant_without_a_name_is_asked_for_one(text):
    with pytest.raises(BatchError, match="give the variant a name before the colon"):
        parse_variant(text)


def test_a_variant_named_baseline_is_still_asked_for_another_name():
    with pytest.raises(BatchError, match="give it a name other than 'baseline'"):
        parse_variant("baseline: channels.email.loss=0.2")


# --- 7. the docs: the confidence band is in sweep.svg only --------------------------------


def test_the_docs_place_the_sweep_band_in_the_svg_only():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    [sentence] = [s for s in re.split(r"(?<=\.) ", text) if "confidence band" in s]
    # the terminal chart draws the mean and the median, with no band
    assert "`sweep.svg` only" in sentence and "the terminal" in sentence
