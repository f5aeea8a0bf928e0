"""Batch runs: thousands of seeded replications, what-if variants, sweeps.

* Replication ``i`` uses a seed derived from the batch seed and ``i`` alone, and every
  variant runs with the same seeds: common random numbers, so a difference between
  variants is the effect of the change, not of different luck.
* Work goes out in chunks of replications (every variant of those replications in
  one task), to local processes or to a Dask cluster. Each finished chunk is written
  to ``OUT/chunks/`` at once, so an interrupted batch keeps what it finished and
  ``--resume`` runs only the rest.
* When every chunk is in, the chunks are joined in replication order into
  ``replications.csv`` (and Parquet, when pyarrow is installed) while the summary
  is computed in one streaming pass: memory does not grow with the number of
  replications, and the result does not depend on how many workers ran it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scenarios import LoadedScenario, Scenario
from scenarios.loader import format_path, normalise_loc, reword
from scenarios.yamlsrc import YamlProblem, read_yaml_text
from sim.analysis.metrics import LAW_ENFORCEMENT_HOPS, compute
from sim.analysis.stats import Proportion, Running, Sample
from sim.engine import Engine

ROW_FIELDS = ("variant", "replication", "seed", "incident", "metric", "value")
BASELINE = "baseline"
HOP_SLUGS = {
    "CERT -> national police": "le.cert_to_police",
    "police -> international channel": "le.police_to_channel",
    "channel -> foreign police": "le.channel_to_foreign_police",
    "preservation request": "le.preservation",
    "formal MLA request": "le.mla",
}
assert set(HOP_SLUGS) == {h[0] for h in LAW_ENFORCEMENT_HOPS}
LOSS_REASONS = ("stale_contact", "no_contact", "channel_failure")


class BatchError(Exception):
    """A batch that cannot start or resume; the message says why."""


# --- replications ----------------------------------------------------------------


def replication_seed(base: int, rep: int) -> int:
    """The seed of replication ``rep``: the same for every variant, job count and backend."""
    digest = hashlib.sha256(f"batch\x00{base}\x00{rep}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def replication_rows(scenario: Scenario, seed: int) -> list[tuple[str, str, float | None]]:
    """(incident, metric, value) rows of one run; value None when it never happened."""
    m = compute(Engine(scenario, seed=seed).run(), slowest=0)
    rows: list[tuple[str, str, float | None]] = []
    for inc in m["incidents"]:
        i = inc["id"]

        def after(timing: dict | None) -> float | None:
            return None if timing is None else timing.get("after")

        rows.append((i, "first_ack", after(inc["first_acknowledgement"])))
        rows.append((i, "all_certs_reached", after(inc["all_affected_certs_reached"])))
        rows.append((i, "all_certs_reached_incl_control",
                     after(inc["all_affected_certs_reached_incl_control"])))
        rows.append((i, "ansac_reached", after(inc["ansac_reached"])))
        for hop in inc["law_enforcement"]["hops"]:
            rows.append((i, HOP_SLUGS[hop["hop"]], hop["after"]))
        rows.append((i, "le.end_to_end", after(inc["law_enforcement"]["end_to_end"])))
        rows.append((i, "contained", after(inc["contained"])))
    for x in m["expectations"]:
        met = x["status"] == "met"
        rows.append((x["incident"], f"expectation.{x['id']}.met",
                     None if x["status"] == "open" else float(met)))
        rows.append((x["incident"], f"expectation.{x['id']}.lateness",
                     0.0 if met else x.get("lateness")))
    rows.append(("", "score", float(m["score"]["earned"])))
    lost = m["messages"]["lost"]
    rows.append(("", "messages_lost", float(sum(lost.values()))))
    for reason in LOSS_REASONS:
        rows.append(("", f"lost.{reason}", float(lost.get(reason, 0))))
    rows.append(("", "messages_bounced", float(m["messages"]["bounced"])))
    rows.append(("", "tlp_violations", float(len(m["tlp_violations"]))))
    return rows


_SCENARIO_CACHE: dict[str, list[tuple[str, Scenario]]] = {}


def _scenarios(payload: str) -> list[tuple[str, Scenario]]:
    """Validated variant scenarios from their JSON, once per worker process."""
    key = hashlib.sha256(payload.encode()).hexdigest()
    cached = _SCENARIO_CACHE.get(key)
    if cached is None:
        cached = [(name, Scenario.model_validate(data)) for name, data in json.loads(payload)]
        _SCENARIO_CACHE.clear()
        _SCENARIO_CACHE[key] = cached
    return cached


def run_chunk(payload: str, base_seed: int, start: int, count: int) -> list[tuple]:
    """Rows of replications start..start+count-1 for every variant (a task)."""
    out: list[tuple] = []
    variants = _scenarios(payload)
    for rep in range(start, start + count):
        seed = replication_seed(base_seed, rep)
        for name, scenario in variants:
            for incident, metric, value in replication_rows(scenario, seed):
                out.append((name, rep, seed, incident, metric, value))
    return out


# --- variants --------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A named set of changes, each ``dotted.path`` to a new value."""

    name: str
    changes: tuple[tuple[str, Any], ...]


def _scalar(text: str, where: str) -> Any:
    try:
        return read_yaml_text(f"v: {text.strip()}", where).data["v"]
    except (YamlProblem, TypeError):
        raise BatchError(f"{where}: {text!r} is not a value") from None


def parse_changes(text: str, where: str) -> tuple[tuple[str, Any], ...]:
    changes = []
    for part in [p for p in text.split(",") if p.strip()]:
        if "=" not in part:
            raise BatchError(f"{where}: {part.strip()!r} should read path=value")
        path, value = part.split("=", 1)
        changes.append((path.strip(), _scalar(value, where)))
    if not changes:
        raise BatchError(f"{where}: no change given")
    return tuple(changes)


def parse_variant(text: str) -> Variant:
    """``'laocert-24x7: actors.laocert.staffing=24/7, channels.email.loss=0.2'``."""
    if ":" not in text:
        raise BatchError(f"variant {text!r}: write it as 'name: path=value[, path=value]'")
    name, rest = text.split(":", 1)
    name = name.strip()
    if not name or name == BASELINE:
        raise BatchError(f"variant {text!r}: give it a name other than {BASELINE!r}")
    return Variant(name, parse_changes(rest, f"variant {name!r}"))


def load_variants_file(path: Path) -> list[Variant]:
    """A YAML file: ``variants: {name: {dotted.path: value, ...}, ...}``."""
    from scenarios.yamlsrc import read_yaml_file

    try:
        data = read_yaml_file(path).data
    except YamlProblem as exc:
        raise BatchError(f"{exc.mark}: {exc.message}") from None
    if not isinstance(data, dict) or not isinstance(data.get("variants"), dict):
        raise BatchError(f"{path}: expected 'variants:' mapping names to changes")
    out = []
    for name, changes in data["variants"].items():
        if not isinstance(changes, dict) or not changes:
            raise BatchError(f"{path}: variant {name!r}: expected a mapping of path: value")
        out.append(Variant(str(name), tuple((str(k), v) for k, v in changes.items())))
    return out


def parse_sweep(text: str) -> list[Variant]:
    """``'channels.email.loss=0,0.1,0.2'`` or ``'channels.email.loss=0:0.5:0.1'``."""
    if "=" not in text:
        raise BatchError(f"sweep {text!r}: write it as path=v1,v2,... or path=start:stop:step")
    path, spec = (s.strip() for s in text.split("=", 1))
    where = f"sweep {path!r}"
    if spec.count(":") == 2 and "," not in spec:
        start, stop, step = (_scalar(s, where) for s in spec.split(":"))
        if not all(isinstance(v, int | float) for v in (start, stop, step)) or step <= 0:
            raise BatchError(f"{where}: start:stop:step must be numbers with step > 0")
        count = math.floor((stop - start) / step + 1e-9) + 1
        values: list[Any] = [round(start + i * step, 10) for i in range(count)]
    else:
        values = [_scalar(v, where) for v in spec.split(",") if v.strip()]
    if not values:
        raise BatchError(f"{where}: no values")
    label = path.rsplit(".", 1)[-1]
    text = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    return [Variant(f"{label}={t}", ((path, v),)) for t, v in zip(text, values, strict=True)]


def _set(data: Any, path: str, value: Any, variant: str) -> None:
    parts = path.split(".")
    cur = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(cur, dict):
            if part not in cur:
                import difflib

                close = difflib.get_close_matches(part, [str(k) for k in cur], n=1)
                hint = f"; did you mean {'.'.join([*parts[:depth], close[0]])!r}?" if close else ""
                raise BatchError(f"variant {variant!r}: {path}: no field {here!r}{hint}")
            if last:
                cur[part] = value
            else:
                cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            if last:
                cur[int(part)] = value
            else:
                cur = cur[int(part)]
        else:
            raise BatchError(f"variant {variant!r}: {path}: {here!r} is not a field")


def variant_scenarios(loaded: LoadedScenario, variants: list[Variant]) -> list[tuple[str, dict]]:
    """The baseline and every variant as validated, JSON-ready scenario data."""
    names = [v.name for v in variants]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise BatchError(f"variant names must be unique: {', '.join(sorted(dupes))}")
    base = json.loads(loaded.scenario.model_dump_json())
    out = [(BASELINE, base)]
    for v in variants:
        data = json.loads(json.dumps(base))
        for path, value in v.changes:
            _set(data, path, value, v.name)
        try:
            Scenario.model_validate(data)
        except ValidationError as exc:
            problems = []
            for err in exc.errors(include_url=False):
                loc = normalise_loc(tuple(err["loc"]), data)
                problems.append(f"{format_path(loc)}: {reword(err, loc, data)}")
            raise BatchError(f"variant {v.name!r}: " + "; ".join(problems)) from None
        out.append((v.name, data))
    return out


# --- aggregation -----------------------------------------------------------------


@dataclass
class Aggregate:
    """Streaming summary of replication rows, in replication order."""

    variants: list[str]
    confidence: float = 0.95
    samples: dict[tuple[str, str, str], Sample] = field(default_factory=dict)
    reached: dict[tuple[str, str, str], Proportion] = field(default_factory=dict)
    met: dict[tuple[str, str, str], Proportion] = field(default_factory=dict)
    diffs: dict[tuple[str, str, str], Running] = field(default_factory=dict)
    replications: int = 0
    _rep: int | None = None
    _values: dict[tuple[str, str, str], float | None] = field(default_factory=dict)

    def add(self, variant: str, rep: int, incident: str, metric: str, value: float | None) -> None:
        if rep != self._rep:
            self._close_rep()
            self._rep = rep
            self.replications += 1
        key = (variant, incident, metric)
        self._values[key] = value
        if metric.endswith(".met"):
            if value is not None:
                self.met.setdefault(key, Proportion()).add(value >= 0.5)
            return
        self.reached.setdefault(key, Proportion()).add(value is not None)
        if value is not None:
            self.samples.setdefault(key, Sample()).add(value)

    def _close_rep(self) -> None:
        """Paired differences of one replication: each variant minus the baseline."""
        for (variant, incident, metric), value in self._values.items():
            if variant == BASELINE or value is None:
                continue
            base = self._values.get((BASELINE, incident, metric))
            if base is not None:
                self.diffs.setdefault((variant, incident, metric), Running()).add(value - base)
        self._values.clear()

    def finish(self) -> None:
        self._close_rep()
        self._rep = None

    def summary(self) -> dict[str, Any]:
        per: dict[str, dict[str, Any]] = {v: {"metrics": [], "expectations": []}
                                          for v in self.variants}
        for (variant, incident, metric), prop in sorted(self.reached.items()):
            sample = self.samples.get((variant, incident, metric), Sample())
            per[variant]["metrics"].append({
                "incident": incident, "metric": metric,
                "reached": prop.summary(self.confidence),
                **sample.summary(self.confidence),
            })
        for (variant, incident, metric), prop in sorted(self.met.items()):
            per[variant]["expectations"].append({
                "incident": incident, "expectation": metric.split(".")[1],
                **prop.summary(self.confidence),
            })
        differences = []
        for (variant, incident, metric), run in sorted(self.diffs.items()):
            differences.append({
                "variant": variant, "incident": incident, "metric": metric, "pairs": run.n,
                "mean_difference": run.mean, "ci": list(run.mean_ci(self.confidence)),
            })
        return {
            "format": "drill-batch",
            "version": 1,
            "replications": self.replications,
            "confidence": self.confidence,
            "variants": per,
            "differences": differences,
        }


# --- running ---------------------------------------------------------------------


@dataclass
class BatchConfig:
    n: int
    seed: int = 0
    jobs: int | None = None
    out: Path = Path("batch-out")
    backend: str = "local"
    scheduler: str | None = None
    chunk: int | None = None
    resume: bool = False
    confidence: float = 0.95


def chunk_size(n: int, jobs: int, variants: int) -> int:
    """Enough chunks to keep every worker busy, few enough to keep overhead small."""
    target = math.ceil(n / (jobs * 20))
    return max(1, min(max(target, 5), max(1, 400 // variants)))


def _chunk_path(out: Path, start: int, count: int) -> Path:
    return out / "chunks" / f"rows-{start:09d}-{count}.csv"


def write_chunk(out: Path, start: int, count: int, rows: list[tuple]) -> None:
    path = _chunk_path(out, start, count)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for row in rows:
            value = row[-1]
            w.writerow((*row[:-1], "" if value is None else repr(float(value))))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _manifest(loaded: LoadedScenario, payload: str, cfg: BatchConfig, size: int) -> dict:
    return {
        "format": "drill-batch-manifest",
        "version": 1,
        "scenario": loaded.scenario.drill.id,
        "payload_sha256": hashlib.sha256(payload.encode()).hexdigest(),
        "seed": cfg.seed,
        "n": cfg.n,
        "chunk": size,
    }


@dataclass
class BatchResult:
    summary: dict[str, Any]
    out: Path
    files: list[Path]


Progress = Callable[[int], None]


def run_batch(
    loaded: LoadedScenario,
    variants: list[Variant],
    cfg: BatchConfig,
    progress: Callable[[int, int], Progress] | None = None,
) -> BatchResult:
    """Run (or resume) a batch and write its outputs; returns the summary."""
    if cfg.n < 1:
        raise BatchError("-n must be at least 1")
    scenarios = variant_scenarios(loaded, variants)
    payload = json.dumps(scenarios, sort_keys=True)
    jobs = cfg.jobs or os.cpu_count() or 1
    out = Path(cfg.out)
    manifest_path = out / "manifest.json"
    if cfg.resume:
        if not manifest_path.exists():
            raise BatchError(f"{out}: no batch to resume here")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        size = manifest.get("chunk", 0)
        expected = _manifest(loaded, payload, cfg, size)
        if manifest != expected:
            changed = [k for k in expected if manifest.get(k) != expected[k]]
            raise BatchError(
                f"{out}: the batch there differs from this one ({', '.join(changed)}); "
                "resume with the same scenario, variants, seed and -n"
            )
    else:
        if (out / "chunks").exists() and any((out / "chunks").iterdir()):
            raise BatchError(f"{out}: already holds a batch; use --resume, or another --out")
        size = cfg.chunk or chunk_size(cfg.n, jobs, len(scenarios))
        (out / "chunks").mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(
            json.dumps(_manifest(loaded, payload, cfg, size), indent=2) + "\n", encoding="utf-8")
    tasks = [(s, min(size, cfg.n - s)) for s in range(0, cfg.n, size)]
    todo = [(s, c) for s, c in tasks if not _chunk_path(out, s, c).exists()]
    done_reps = sum(c for s, c in tasks if (s, c) not in todo)
    tick = progress(cfg.n, done_reps) if progress else (lambda k: None)

    def finished(start: int, count: int, rows: list[tuple] | None) -> None:
        if rows is not None:  # local workers write their own chunks
            write_chunk(out, start, count, rows)
        tick(count)

    if todo:
        if cfg.backend == "dask":
            _run_dask(payload, cfg, todo, finished)
        elif cfg.backend == "local":
            _run_local(payload, cfg, jobs, todo, out, finished)
        else:
            raise BatchError(f"unknown backend {cfg.backend!r}; 'local' or 'dask'")
    return _collect(out, tasks, [name for name, _ in scenarios], cfg.confidence)


def run_chunk_to_file(payload: str, base_seed: int, start: int, count: int, out: str) -> int:
    """A local task: run a chunk and write it, so the parent does no per-row work."""
    write_chunk(Path(out), start, count, run_chunk(payload, base_seed, start, count))
    return count


def _run_local(payload: str, cfg: BatchConfig, jobs: int, todo: list[tuple[int, int]],
               out: Path, finished: Callable[[int, int, list[tuple] | None], None]) -> None:
    if jobs == 1:
        for start, count in todo:
            finished(start, count, run_chunk(payload, cfg.seed, start, count))
        return
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        pending: dict[Future, tuple[int, int]] = {}
        queue = list(todo)
        try:
            while queue or pending:
                while queue and len(pending) < jobs * 2:
                    start, count = queue.pop(0)
                    fut = pool.submit(run_chunk_to_file, payload, cfg.seed, start, count, str(out))
                    pending[fut] = (start, count)
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    start, count = pending.pop(fut)
                    fut.result()
                    finished(start, count, None)
        except BaseException:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _run_dask(payload: str, cfg: BatchConfig, todo: list[tuple[int, int]],
              finished: Callable[[int, int, list[tuple] | None], None]) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise BatchError(
            "the dask backend needs the 'distributed' package: pip install 'acid-drill[dask]'"
        ) from None
    if not cfg.scheduler:
        raise BatchError("--backend dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    try:
        client = Client(cfg.scheduler, timeout="10s")
    except OSError as exc:
        raise BatchError(f"cannot reach the Dask scheduler {cfg.scheduler}: {exc}") from None
    try:
        shared = client.scatter(payload, broadcast=True)
        futures = {
            client.submit(run_chunk, shared, cfg.seed, start, count, pure=False): (start, count)
            for start, count in todo
        }
        for fut in as_completed(futures):
            start, count = futures[fut]
            finished(start, count, fut.result())
    finally:
        client.close()


def _collect(out: Path, tasks: list[tuple[int, int]], variants: list[str],
             confidence: float) -> BatchResult:
    """Join the chunks in order into replications.csv and summarise in one pass."""
    agg = Aggregate(variants, confidence)
    csv_path = out / "replications.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ROW_FIELDS)
        for start, count in tasks:
            with open(_chunk_path(out, start, count), newline="", encoding="utf-8") as ch:
                for row in csv.reader(ch):
                    w.writerow(row)
                    value = float(row[5]) if row[5] else None
                    agg.add(row[0], int(row[1]), row[3], row[4], value)
    agg.finish()
    summary = agg.summary()
    files = [csv_path]
    parquet = _to_parquet(csv_path)
    if parquet:
        files.append(parquet)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n",
                                      encoding="utf-8")
    (out / "summary.txt").write_text(render_summary(summary), encoding="utf-8")
    files += [out / "summary.json", out / "summary.txt"]
    return BatchResult(summary, out, files)


def _to_parquet(csv_path: Path) -> Path | None:
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv
        from pyarrow import parquet as pq
    except ImportError:
        return None
    target = csv_path.with_suffix(".parquet")
    types = {"variant": pa.string(), "replication": pa.int64(), "seed": pa.int64(),
             "incident": pa.string(), "metric": pa.string(), "value": pa.float64()}
    reader = pacsv.open_csv(csv_path, convert_options=pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=False))
    with pq.ParquetWriter(target, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    return target


# --- the readable table ----------------------------------------------------------


def _hours(v: float | None) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v / 60:.2f}"


def _label(incident: str, metric: str) -> str:
    return f"{incident} {metric}".strip()


def _is_time(metric: str) -> bool:
    return not (metric in ("score", "messages_lost", "messages_bounced", "tlp_violations")
                or metric.startswith("lost.") or metric.endswith(".met"))


def render_summary(s: dict[str, Any]) -> str:
    pct = f"{round(s['confidence'] * 100)}%"
    lines = [f"{s['replications']:,} replications per variant; {pct} confidence intervals "
             "in brackets; times in hours after the incident opened", ""]
    for variant, data in s["variants"].items():
        lines.append(f"== {variant}")
        lines.append(f"  {'metric':<38}{'reached':>8}  {'mean [CI]':<22}{'median [CI]':<22}"
                     f"{'p90':>7}{'p95':>7}{'max':>8}")
        for m in data["metrics"]:
            if not m["metric"].startswith("expectation.") and _is_time(m["metric"]):
                reached = f"{m['reached']['rate'] * 100:.0f}%"
                if m.get("n"):
                    mean = f"{_hours(m['mean'])} [{_hours(m['mean_ci'][0])}, {_hours(m['mean_ci'][1])}]"
                    med = (f"{_hours(m['median'])} [{_hours(m['median_ci'][0])}, "
                           f"{_hours(m['median_ci'][1])}]")
                    tail = f"{_hours(m['p90']):>7}{_hours(m['p95']):>7}{_hours(m['max']):>8}"
                else:
                    mean = med = tail = ""
                lines.append(f"  {_label(m['incident'], m['metric']):<38}{reached:>8}  "
                             f"{mean:<22}{med:<22}{tail}")
        lines.append("  expectations met")
        for x in data["expectations"]:
            lo, hi = x["rate_ci"]
            lines.append(f"    {x['expectation']:<8}{x['rate'] * 100:6.1f}%  "
                         f"[{lo * 100:.1f}, {hi * 100:.1f}]  ({x['incident']})")
        for m in data["metrics"]:
            if not _is_time(m["metric"]) and m.get("n"):
                lines.append(f"  {m['metric']:<24} per drill: mean {m['mean']:.2f} "
                             f"[{m['mean_ci'][0]:.2f}, {m['mean_ci'][1]:.2f}], max {m['max']:g}")
        lines.append("")
    if s["differences"]:
        lines.append("== paired differences, variant minus baseline (common random numbers)")
        unchanged: dict[str, int] = {}
        for d in s["differences"]:
            if d["metric"].endswith(".lateness") or d["pairs"] == 0:
                continue
            if d["mean_difference"] == 0 and d["ci"] == [0.0, 0.0]:
                unchanged[d["variant"]] = unchanged.get(d["variant"], 0) + 1
                continue
            time_metric = _is_time(d["metric"])
            unit = "h" if time_metric else ""
            scale = 60 if time_metric else 1
            lo, hi = (c / scale for c in d["ci"])
            lines.append(
                f"  {d['variant']:<18}{_label(d['incident'], d['metric']):<38}"
                f"{d['mean_difference'] / scale:+9.3f}{unit} [{lo:+.3f}, {hi:+.3f}]  "
                f"({d['pairs']:,} pairs)")
        for variant, n in unchanged.items():
            lines.append(f"  {variant:<18}{n} other metrics identical in every replication")
    return "\n".join(lines) + "\n"


# --- sweeps ----------------------------------------------------------------------


def _find(summary: dict[str, Any], variant: str, metric: str) -> dict[str, Any] | None:
    incident, _, name = metric.rpartition(":")
    for m in summary["variants"][variant]["metrics"]:
        if m["metric"] == name and (not incident or m["incident"] == incident):
            return m
    return None


def sweep_table(summary: dict[str, Any], sweep: list[Variant], metric: str
                ) -> tuple[str, list[float], dict[str, list[float | None]],
                           dict[str, list[tuple[float, float] | None]]]:
    """A table of one metric across the swept values, and the series to plot (hours)."""
    label = sweep[0].changes[0][0]
    values = [v.changes[0][1] for v in sweep]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    xs = [float(v) for v in values] if numeric else [float(i) for i in range(len(values))]
    unit = 60 if _is_time(metric.rpartition(":")[2]) else 1
    lines = [f"sweep of {label}: {metric} ({'hours' if unit == 60 else 'count'})",
             f"  {'value':<16}{'reached':>8}  {'mean [CI]':<24}{'median':>8}{'p90':>8}"]
    means: list[float | None] = []
    medians: list[float | None] = []
    band: list[tuple[float, float] | None] = []
    for v in sweep:
        m = _find(summary, v.name, metric)
        if m is None or not m.get("n"):
            lines.append(f"  {v.changes[0][1]!s:<16}{'0%':>8}")
            means.append(None)
            medians.append(None)
            band.append(None)
            continue
        lo, hi = (c / unit for c in m["mean_ci"])
        means.append(m["mean"] / unit)
        medians.append(m["median"] / unit)
        band.append((lo, hi))
        lines.append(f"  {v.changes[0][1]!s:<16}{m['reached']['rate'] * 100:>7.0f}%  "
                     f"{m['mean'] / unit:7.2f} [{lo:.2f}, {hi:.2f}]{'':<6}"
                     f"{m['median'] / unit:>8.2f}{m['p90'] / unit:>8.2f}")
    return "\n".join(lines) + "\n", xs, {"mean": means, "median": medians}, {"mean": band}
