"""Long fuzzing runs: group the failures, and write a small reproducer for each group.

Run from ``tests/`` with the project on the path::

    PYTHONPATH=..:. python -m fuzzing.discover collect --examples 2500 --seed 1 --out run1.json
    PYTHONPATH=..:. python -m fuzzing.discover minimize run1.json run2.json --out FINDINGS/
    PYTHONPATH=..:. python -m fuzzing.discover replay FINDINGS/01-....yaml

``collect`` runs generated cases and groups failures by kind, exception type and
innermost project frame (for hangs: where the time limit struck), keeping the
smallest example of each group. ``minimize`` shrinks each group's example (by
deleting YAML keys and list items, then lines) while the same failure still
happens, and writes ``NN-name.yaml`` and ``NN-name.txt`` (command, output,
traceback tail). ``replay`` lays a reproducer out with the files it may point at
(secrets outside its folder, a FIFO, a symlink) and runs the commands on it.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import math
import re
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .harness import TIMEOUT, Failure, Report, run_case
from .mutate import Case, all_paths, cases, delete_at, dump_data, load_data

COMMAND_COST = ["validate", "lint", "explain", "run", "run --journal", "report", "report html",
                "journals", "batch"]


def _key(f: Failure, note: bool) -> str:
    return ("note | " if note else "") + " | ".join(f.key)


def _encode(case: Case) -> dict:
    return {"source": case.source, "target": case.target, "steps": case.steps,
            "raw": base64.b64encode(case.raw).decode("ascii")}


def _decode(d: dict) -> Case:
    return Case(d["source"], base64.b64decode(d["raw"]), d["target"], list(d["steps"]))


# --- collect ---------------------------------------------------------------------------------


def collect(examples: int, seed: int, out: Path, timeout: float) -> None:
    groups: dict[str, dict] = {}
    stats = {"cases": 0, "failing_cases": 0, "seconds": 0.0, "seed": seed, "timeout": timeout}
    started = time.time()

    def save() -> None:
        stats["seconds"] = round(time.time() - started, 1)
        out.write_text(json.dumps({"stats": stats, "groups": groups}, indent=1), encoding="utf-8")

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @hypothesis_seed(seed)
    @given(case=cases(), with_batch=st.integers(0, 9))
    def explore(case: Case, with_batch: int) -> None:
        report = run_case(case, batch=with_batch == 0, timeout=timeout)
        stats["cases"] += 1
        if report.failures:
            stats["failing_cases"] += 1
        for note, items in ((False, report.failures), (True, report.notes)):
            for f in items:
                k = _key(f, note)
                g = groups.get(k)
                if g is None:
                    g = groups[k] = {"key": list(f.key), "note": note, "kind": f.kind, "detail": f.detail,
                                     "frame": f.frame, "count": 0, "cases": 0, "commands": [],
                                     "tb": f.tb[-4000:], "batch": with_batch == 0,
                                     "example": _encode(case), "_last": -1}
                g["count"] += 1
                if g["_last"] != stats["cases"]:
                    g["cases"] += 1
                    g["_last"] = stats["cases"]
                if f.command not in g["commands"]:
                    g["commands"].append(f.command)
                smaller = len(case.raw) < len(base64.b64decode(g["example"]["raw"]))
                if smaller and (with_batch == 0 or not g["batch"]):
                    g["example"] = _encode(case)
                    g["detail"], g["frame"], g["tb"] = f.detail, f.frame, f.tb[-4000:]
        if stats["cases"] % 50 == 0:
            save()
            print(f"{stats['cases']} cases, {stats['failing_cases']} failing, {len(groups)} groups, "
                  f"{time.time() - started:.0f} s", file=sys.stderr, flush=True)

    explore()
    save()
    print(f"done: {stats['cases']} cases, {stats['failing_cases']} failing, {len(groups)} groups",
          file=sys.stderr)


# --- minimize --------------------------------------------------------------------------------


def _needed(commands: list[str]) -> set[str]:
    cheapest = min(commands, key=lambda c: COMMAND_COST.index(c) if c in COMMAND_COST else 99)
    return {cheapest}


def _reproduces(group: dict, case: Case, only: set[str] | None, timeout: float) -> Report | None:
    report = run_case(case, batch=group["batch"] or "batch" in (only or ()), only=only, timeout=timeout)
    items = report.notes if group["note"] else report.failures
    return report if any(_same(group, f) for f in items) else None


def _same(group: dict, f: Failure) -> bool:
    if group["kind"] in ("hang", "memory"):  # where a limit strikes varies from run to run
        return f.kind == group["kind"]
    return tuple(f.key) == tuple(group["key"])


def _shrink_data(raw: bytes, pred, deadline: float) -> bytes:
    try:
        data = load_data(raw)
    except BaseException:
        return raw
    if not isinstance(data, (dict, list)):
        return raw
    if not pred(dump_data(data).encode("utf-8", "surrogatepass")):
        return raw  # what matters is in the bytes (comments, anchors, encoding)
    i = 0
    while time.time() < deadline:
        paths = all_paths(data)[1:]
        if i >= len(paths):
            break
        trial = copy.deepcopy(data)
        delete_at(trial, paths[i])
        if pred(dump_data(trial).encode("utf-8", "surrogatepass")):
            data = trial
        else:
            i += 1
    return dump_data(data).encode("utf-8", "surrogatepass")


def _shrink_lines(raw: bytes, pred, deadline: float) -> bytes:
    lines = raw.splitlines(keepends=True)
    n = 2
    while len(lines) >= 2 and time.time() < deadline:
        size = math.ceil(len(lines) / n)
        for start in range(0, len(lines), size):
            trial = lines[:start] + lines[start + size:]
            if pred(b"".join(trial)):
                lines = trial
                n = max(n - 1, 2)
                break
        else:
            if size == 1:
                break
            n = min(n * 2, len(lines))
    return b"".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _name(group: dict) -> str:
    kind = group["kind"]
    if kind == "exception":
        exc = group["detail"].split(":")[0]
        func = group["frame"].rsplit(" in ", 1)[-1] if group["frame"] else ""
        return _slug(f"{exc}-{func}")
    if kind in ("hang", "memory"):
        func = group["frame"].rsplit(" in ", 1)[-1] if group["frame"] else ""
        return _slug(f"{kind}-{func}")
    return _slug(f"{kind}-{group['key'][1][:40]}")


def minimize(inputs: list[Path], out: Path, budget: float, timeout: float, only_keys: str | None,
             reuse: bool = False) -> None:
    groups: dict[str, dict] = {}
    total = {"cases": 0, "failing_cases": 0, "seconds": 0.0}
    for path in inputs:
        loaded = json.loads(path.read_text(encoding="utf-8"))
        for k in total:
            total[k] += loaded["stats"][k]
        for k, g in loaded["groups"].items():
            have = groups.get(k)
            if have is None:
                groups[k] = g
                continue
            have["count"] += g["count"]
            have["cases"] += g["cases"]
            have["commands"] = sorted(set(have["commands"]) | set(g["commands"]))
            if len(g["example"]["raw"]) < len(have["example"]["raw"]):
                have["example"], have["tb"], have["detail"] = g["example"], g["tb"], g["detail"]
    ordered = sorted(groups.values(), key=lambda g: (g["note"], -g["cases"], g["kind"]))
    # timing notes are not reproducible on demand
    ordered = [g for g in ordered if g["kind"] != "slow"]
    slow = [g for g in groups.values() if g["kind"] == "slow"]
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for n, group in enumerate(ordered, 1):
        name = f"{n:02d}-{'note-' if group['note'] else ''}{_name(group)}"
        if only_keys and not re.search(only_keys, name):
            continue
        case = _decode(group["example"])
        if reuse and (out / f"{name}.yaml").exists():  # shrunk before: start from there
            case = Case(case.source, (out / f"{name}.yaml").read_bytes(), case.target, case.steps)
        t = min(timeout, 3.0) if group["kind"] == "hang" else timeout
        only = _needed(group["commands"])
        started = time.time()
        if _reproduces(group, case, only, t) is None:
            only = None
        reproduced = _reproduces(group, case, only, t) is not None
        if reproduced:
            deadline = time.time() + budget

            def pred(raw: bytes, case=case, group=group, only=only, t=t) -> bool:
                return _reproduces(group, Case(case.source, raw, case.target), only, t) is not None

            raw = _shrink_data(case.raw, pred, deadline)
            raw = _shrink_lines(raw, pred, deadline)
            case = Case(case.source, raw, case.target, case.steps)
        final = _reproduces(group, case, None, timeout) if reproduced else None
        _write(out, name, group, case, final, reproduced, time.time() - started, total)
        index.append((name, group))
        print(f"{name}: {group['cases']} cases, {len(case.raw)} bytes, "
              f"{'reproduced' if reproduced else 'NOT reproduced alone'}", file=sys.stderr, flush=True)
    summary = [f"{total['cases']} cases, {total['failing_cases']} with a failure, "
               f"{total['seconds']:.0f} s of fuzzing", ""]
    for n, g in enumerate(ordered, 1):
        name = f"{n:02d}-{'note-' if g['note'] else ''}{_name(g)}"
        summary.append(f"{name}\t{g['cases']} cases\t{', '.join(g['commands'])}\t{g['detail'][:100]}"
                       f"\t{g['frame']}")
    for g in slow:
        summary.append(f"(slow, not minimized)\t{g['cases']} cases\t{', '.join(g['commands'])}\t"
                       f"{g['detail']}")
    (out / "SUMMARY.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")


def _write(out: Path, name: str, group: dict, case: Case, final: Report | None, reproduced: bool,
           seconds: float, total: dict) -> None:
    (out / f"{name}.yaml").write_bytes(case.raw)
    failure = None
    if final is not None:
        items = final.notes if group["note"] else final.failures
        failure = next(f for f in items if _same(group, f))
    command = failure.command if failure else group["commands"][0]
    lines = [
        f"class: {group['kind']}: {group['detail'][:300]}",
        f"innermost project frame: {group['frame'] or '-'}",
        f"seen in {group['cases']} of {total['cases']} generated cases; commands: "
        f"{', '.join(group['commands'])}",
        f"generated from: {case.source}, target {case.target}, by: {'; '.join(case.steps)}",
        f"reproducer: {name}.yaml ({len(case.raw)} bytes"
        f"{', minimized' if reproduced else ', NOT reproduced on its own: as generated'})",
        "",
        "reproduce (the scenario is the file itself unless the target says otherwise;",
        "'replay' lays out the files it may point at: ../secret*.yaml, fifo.yaml, link.yaml, @ROOT@):",
        f"  drill {_shell(command, name, case.target)}",
        f"  cd /work/wt-fuzz/tests && PYTHONPATH=..:. python -m fuzzing.discover replay "
        f"{out / (name + '.yaml')} --target {case.target}",
        "",
    ]
    if failure is not None:
        lines.append(f"argv: drill {' '.join(failure.argv)}")
        outcome = next((o for o in final.outcomes if o.argv == failure.argv), None)
        if outcome is not None:
            lines += [f"exit: {outcome.code}", "stderr (first lines):",
                      *["  " + ln for ln in outcome.err.splitlines()[:6]],
                      "stdout (first lines):", *["  " + ln for ln in outcome.out.splitlines()[:4]]]
        tb = failure.tb or group["tb"]
    else:
        tb = group["tb"]
    if tb:
        lines += ["", "traceback (tail):", *tb.rstrip().splitlines()[-24:]]
    (out / f"{name}.txt").write_text(
        "\n".join(ln.encode("unicode_escape").decode("ascii") if any(ord(c) < 32 for c in ln) else ln
                  for ln in lines) + "\n", encoding="utf-8")


def _shell(command: str, name: str, target: str) -> str:
    arg = {"dev-zero": "/dev/zero", "dev-null": "/dev/null", "fifo": "fifo.yaml (mkfifo fifo.yaml)",
           "directory": "a-folder/", "directory-yaml": "a-folder.yaml/", "missing": "missing.yaml",
           "empty": "empty.yaml"}.get(target, f"{name}.yaml")
    return {
        "run --journal": f"run {arg} --seed 1 --journal j.db",
        "report": f"run {arg} --seed 1 --journal j.db; drill report j.db --runs 0",
        "report html": f"run {arg} --seed 1 --journal j.db; "
                       "drill report j.db --runs 0 --format html -o a.html",
        "journals": f"run {arg} --seed 1 --journal j/j.db; drill journals --dir j",
        "batch": f"batch {arg} -n 2 --jobs 1 --chunk 1 --out b",
        "run": f"run {arg} --seed 1 --json --events e.jsonl",
    }.get(command, f"{command} {arg}")


def replay(path: Path, target: str, batch: bool, timeout: float) -> int:
    report = run_case(Case("replay", path.read_bytes(), target), batch=batch, timeout=timeout)
    for o in report.outcomes:
        print(f"drill {o.name}: exit {o.code}{' (raised ' + type(o.exc).__name__ + ')' if o.exc else ''}")
    for f in report.failures + report.notes:
        print(f)
    return 1 if report.failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzzing.discover")
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--examples", type=int, default=1000)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--timeout", type=float, default=TIMEOUT)
    m = sub.add_parser("minimize")
    m.add_argument("inputs", nargs="+", type=Path)
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--budget", type=float, default=90.0, help="seconds of shrinking per group")
    m.add_argument("--timeout", type=float, default=TIMEOUT)
    m.add_argument("--only", help="regular expression: only the groups whose file name matches")
    m.add_argument("--reuse", action="store_true", help="start from reproducers already in --out")
    r = sub.add_parser("replay")
    r.add_argument("file", type=Path)
    r.add_argument("--target", default="scenario")
    r.add_argument("--batch", action="store_true")
    r.add_argument("--timeout", type=float, default=TIMEOUT)
    args = parser.parse_args(argv)
    if args.cmd == "collect":
        collect(args.examples, args.seed, args.out, args.timeout)
    elif args.cmd == "minimize":
        minimize(args.inputs, args.out, args.budget, args.timeout, args.only, args.reuse)
    else:
        return replay(args.file, args.target, args.batch, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
