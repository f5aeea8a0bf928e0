"""Batch runs: thousands of seeded replications, what-if variants, sweeps.

* Replication ``i`` uses a seed derived from the batch seed and ``i`` alone, and every
  variant runs with the same seeds: common random numbers, so a difference between
  variants is the effect of the change, not of different luck.
* Work goes out in chunks of replications (every variant of those replications in
  one task), to local processes or to a Dask cluster. Each finished chunk is written
  to ``OUT/chunks/`` at once, so an interrupted batch keeps what it finished and
  ``--resume`` runs only the rest.
* The chunks are joined in replication order into ``replications.csv`` (and
  Parquet, when pyarrow is installed) while the summary is computed in one
  streaming pass; each chunk is joined as soon as every chunk before it is in, so
  the join runs while the workers compute. A worker tallies its chunk (:class:`Tally`),
  so the command's own process does no per-row work for it: it checks and copies the
  chunk's bytes and merges the tally. Memory does not grow with the number of
  replications, and the result does not depend on how many workers ran it.
* Every file is written through :mod:`sim.safe.files` (``0600`` in ``0700``
  folders, atomically). The sha256 of each finished chunk is recorded in
  ``OUT/chunks.sha256`` (``sha256sum`` format); ``--resume`` runs again any chunk
  that is missing, unrecorded, cut short or taken from another batch, and the
  final join checks every chunk once more, so nothing foreign reaches the summary.
* Local workers die with the process that started them, even when it is killed
  outright (``kill -9``): a batch never leaves orphans writing chunks behind it.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import hashlib
import io
import json
import math
import os
import re
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from scenarios import LoadedScenario, Scenario, collector
from scenarios.loader import IncludeRoots, Problem, _read_artefacts, check_scenario
from scenarios.yamlsrc import Located, YamlProblem, read_yaml_text
from sim.analysis.metrics import (
    COORDINATOR,
    LAW_ENFORCEMENT_HOPS,
    STAGE_KEYS,
    compute,
    not_in_drill,
    not_modelled,
    not_routed,
)
from sim.analysis.report import NO_CERT, NOT_IN_DRILL
from sim.analysis.stats import Proportion, Running, Sample, paired_score_difference, percent
from sim.engine import Engine, preflight
from sim.engine.knowledge import View
from sim.engine.policy import Directory
from sim.safe.files import (
    FileProblem,
    Unreadable,
    open_private,
    private_dir,
    read_bounded,
    write_private,
)
from sim.safe.text import one_line

ROW_FIELDS = ("variant", "replication", "seed", "incident", "metric", "value")
BASELINE = "baseline"
HOP_SLUGS = {
    "CERT -> national police": "le.cert_to_police",
    "preservation request": "le.preservation",
    "police -> international channel": "le.police_to_channel",
    "police -> foreign police": "le.police_to_foreign_police",
    "police -> central authority": "le.police_to_central_authority",
    "formal MLA request": "le.mla",
}
assert set(HOP_SLUGS) == {h[0] for h in LAW_ENFORCEMENT_HOPS}
#: the same slugs by stage, for scenarios that name their stages (drill.names)
STAGE_SLUGS = {key: HOP_SLUGS[h[0]] for h, key in zip(LAW_ENFORCEMENT_HOPS, STAGE_KEYS,
                                                      strict=True)}
LOSS_REASONS = ("stale_contact", "no_contact", "channel_failure", "outage", "never_on_duty")
#: the version of summary.json's format (see Aggregate.summary)
SUMMARY_VERSION = 3
#: the row of an expectation that was not in play in a run (counted from an inject that
#: was skipped): it stands in place of the expectation's ``.met`` and ``.lateness`` rows
NOT_IN_PLAY = ".not_in_play"
#: the row of a metric that does not apply in a run: it stands in place of the metric's
#: row (``all_certs_reached.not_applicable``: none of the incident's affected countries
#: has a CERT in the drill, so there was nobody to reach; ``le.mla.not_applicable``: the
#: drill has no central authorities in two countries, so no MLA request to send)
NOT_APPLICABLE = ".not_applicable"
#: the metrics that may not apply in a run, and why: no affected CERT in the drill, or
#: no bodies in it for the step (a law-enforcement step without its police or central
#: authorities, or one its framework routes no request through: an international police
#: channel; the chain without any of its steps, the regional coordinator without a
#: regional council)
MAY_NOT_APPLY = {"all_certs_reached": NO_CERT, "all_certs_reached_incl_control": NO_CERT,
                 "ansac_reached": NOT_IN_DRILL,
                 **dict.fromkeys(HOP_SLUGS.values(), NOT_IN_DRILL),
                 "le.end_to_end": NOT_IN_DRILL}
#: the metrics that do not apply when none of an incident's affected countries has a CERT
NO_AFFECTED_CERT = frozenset(m for m, why in MAY_NOT_APPLY.items() if why == NO_CERT)
#: the metrics that do not apply in a drill without the bodies for them, whatever the
#: incident: an incident a scenario does not have at all lacks them too in its runs
NOT_IN_DRILL_METRICS = frozenset(m for m, why in MAY_NOT_APPLY.items() if why == NOT_IN_DRILL)


class BatchError(Exception):
    """A batch that cannot start or resume; the message says why."""


class BatchCannotRun(BatchError):
    """The arguments are valid but the batch could not be carried out (a replication
    failed, the Dask scheduler is unreachable); the message says why."""


#: Bounds that keep a mistyped argument from exhausting the machine.
MAX_JOBS = 1024
MAX_REPLICATIONS = 1_000_000_000
MAX_CHUNKS = 1_000_000
MAX_SWEEP_VALUES = 1000
MANIFEST_LIMIT = 1 << 20
DASK_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")


# --- replications ----------------------------------------------------------------


def replication_seed(base: int, rep: int) -> int:
    """The seed of replication ``rep``: the same for every variant, job count and backend."""
    digest = hashlib.sha256(f"batch\x00{base}\x00{rep}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def replication_rows(scenario: Scenario, seed: int) -> list[tuple[str, str, float | None]]:
    """(incident, metric, value) rows of one run; value None when it never happened.

    Every incident of the scenario has its rows, one that never opened in the run too
    (each value None, after those of the incidents that opened). A metric that does not
    apply has a ``.not_applicable`` row (:data:`NOT_APPLICABLE`) in place of its row, as
    `drill run` says why: "every affected CERT reached" of an incident none of whose
    affected countries has a CERT in the drill (of one that never opened: when none of
    its injects names such a country), and what the drill has no bodies for ("not in
    this drill"): a law-enforcement step, the chain's end when it has none of its
    steps, the regional coordinator without a regional council (in an incident that
    never opened too)."""
    # timings only: the messages need no wording
    m = compute(Engine(scenario, seed=seed, words=False).run(), slowest=0,
                unrouted=not_routed(scenario))
    rows: list[tuple[str, str, float | None]] = []
    opened = {inc["id"] for inc in m["incidents"]}

    def after(timing: dict | None) -> float | None:
        return None if timing is None else timing.get("after")

    for inc in m["incidents"]:
        i = inc["id"]
        rows.append((i, "first_ack", after(inc["first_acknowledgement"])))
        for metric, reach in (("all_certs_reached", inc["all_affected_certs_reached"]),
                              ("all_certs_reached_incl_control",
                               inc["all_affected_certs_reached_incl_control"])):
            if reach.get("of") == 0:  # nobody to reach: neither reached nor missed
                rows.append((i, metric + NOT_APPLICABLE, 1.0))
            else:
                rows.append((i, metric, after(reach)))
        # what the drill has no bodies for: neither reached nor missed either
        ansac = inc["ansac_reached"]
        rows.append((i, "ansac_reached" + NOT_APPLICABLE, 1.0) if not_in_drill(ansac)
                    else (i, "ansac_reached", after(ansac)))
        hops = inc["law_enforcement"]["hops"]
        for hop in hops:
            slug = STAGE_SLUGS[hop["stage"]] if "stage" in hop else HOP_SLUGS[hop["hop"]]
            rows.append((i, slug + NOT_APPLICABLE, 1.0) if not_in_drill(hop)
                        else (i, slug, hop["after"]))
        rows.append((i, "le.end_to_end" + NOT_APPLICABLE, 1.0) if all(map(not_in_drill, hops))
                    else (i, "le.end_to_end", after(inc["law_enforcement"]["end_to_end"])))
        rows.append((i, "contained", after(inc["contained"])))
    absent = _not_in_drill(scenario)
    nobody = _without_affected_cert(scenario)
    for i in dict.fromkeys(inj.incident.id for inj in scenario.injects):
        if i not in opened:  # never opened in this run: it reached none of its milestones
            mine = absent | NO_AFFECTED_CERT if i in nobody else absent
            rows.extend((i, metric + NOT_APPLICABLE, 1.0) if metric in mine
                        else (i, metric, None) for metric in INCIDENT_METRICS)
    for x in m["expectations"]:
        if "skipped" in x:
            # counted from an inject that was skipped: never in play, as `drill run` says
            # (left out of its score); neither met nor open
            rows.append((x["incident"], f"expectation.{x['id']}{NOT_IN_PLAY}", 1.0))
            continue
        met = x["status"] == "met"
        rows.append((x["incident"], f"expectation.{x['id']}.met",
                     None if x["status"] == "open" else float(met)))
        rows.append((x["incident"], f"expectation.{x['id']}.lateness",
                     0.0 if met else x.get("lateness")))
    rows.append(("", "score", float(m["score"]["earned"])))
    lost = m["messages"]["lost"]
    # the teams' messages; control's injects that never arrived are counted apart
    rows.append(("", "messages_lost", float(sum(lost.values()))))
    for reason in LOSS_REASONS:
        rows.append(("", f"lost.{reason}", float(lost.get(reason, 0))))
    rows.append(("", "injects_lost", float(sum(m["messages"]["injects_lost"].values()))))
    rows.append(("", "messages_bounced", float(m["messages"]["bounced"])))
    rows.append(("", "tlp_violations", float(len(m["tlp_violations"]))))
    return rows


def _not_in_drill(scenario: Scenario) -> frozenset[str]:
    """The metrics of an incident that the drill has no bodies for, as the metrics of
    a run say (:func:`~sim.analysis.metrics.not_modelled`): law-enforcement steps (and
    those its framework routes no request through,
    :func:`~sim.analysis.metrics.not_routed`), ``le.end_to_end`` when the drill has none
    of them, ``ansac_reached`` when it has no regional council."""
    missing = not_modelled({aid: {"kind": a.kind, "country": a.country}
                            for aid, a in scenario.actors.items()}) | not_routed(scenario)
    out = {STAGE_SLUGS[key] for key in STAGE_KEYS if key in missing}
    if len(out) == len(STAGE_KEYS):
        out.add("le.end_to_end")
    if COORDINATOR in missing:
        out.add("ansac_reached")
    return frozenset(out)


def _without_affected_cert(scenario: Scenario) -> frozenset[str]:
    """The incidents none of whose injects names an affected country with a CERT in the
    drill: whichever of them opened it, "every affected CERT reached" would not apply
    (the affected CERTs of an opened incident are the engine's, from the same
    directory), so it does not apply in a run where the incident never opened either.
    An incident one of whose injects names such a country could have had a CERT to
    reach: where it never opened, it reached none."""
    directory = Directory.of(scenario)
    view = View()
    seen: set[str] = set()
    some: set[str] = set()
    for inj in scenario.injects:
        spec = inj.incident
        seen.add(spec.id)
        view.affected = list(spec.affected or ())
        if directory.select("affected_certs", None, view, None):
            some.add(spec.id)
    return frozenset(seen - some)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines() or [""]
    return one_line(lines[0][:300])


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
    """Rows of replications start..start+count-1 for every variant (a task).

    The cyclic garbage collector is paused for the whole task: a replication leaves no
    cyclic garbage (what it drops is freed at once; a test checks it), while every
    collection in between would walk the log of the run under way again."""
    variants = _scenarios(payload)
    with collector.paused():
        return _replications(variants, base_seed, start, count)


def _replications(variants: list[tuple[str, Scenario]], base_seed: int, start: int,
                  count: int) -> list[tuple]:
    out: list[tuple] = []
    for rep in range(start, start + count):
        seed = replication_seed(base_seed, rep)
        for name, scenario in variants:
            try:
                rows = replication_rows(scenario, seed)
            except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError,
                    RecursionError) as exc:
                raise BatchCannotRun(
                    f"replication {rep} of {name!r} (seed {seed}) failed: "
                    f"{type(exc).__name__}: {_first_line(exc)}") from None
            for incident, metric, value in rows:
                out.append((name, rep, seed, incident, metric, value))
    return out


# --- variants --------------------------------------------------------------------


#: What a variant may be called, like a scenario's ids: 1 to 64 letters, digits, '_',
#: '.' or '-', starting with a letter or a digit. The name is written to every row of
#: replications.csv, where a cell starting with = + - @ is a formula to a spreadsheet,
#: and to summary.txt, where a control character would reach a terminal.
VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


def check_variant_name(name: str, where: str = "") -> None:
    """Refuse a variant name that is not an id, naming it escaped (and cut short)."""
    if not VARIANT_NAME.fullmatch(name):
        shown = one_line(repr(name[:64])) + ("..." if len(name) > 64 else "")
        raise BatchError(f"{where}variant {shown}: a variant name is 1 to 64 letters, digits, "
                         "'_', '.' or '-', starting with a letter or digit")


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


def _outside_brackets(text: str, wanted: str) -> list[int]:
    """Where ``wanted`` (one character) stands in ``text`` outside brackets."""
    depth = 0
    found = []
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == wanted and depth == 0:
            found.append(i)
    return found


def _assignment(text: str) -> tuple[str, str] | None:
    """``path=value`` split at the first '=' outside brackets (``injects[id=9].at=...``)."""
    at = _outside_brackets(text, "=")
    return (text[:at[0]], text[at[0] + 1:]) if at else None


def split_top_level(text: str) -> list[str]:
    """``text`` split at each comma outside brackets, braces and quotes.

    Values are written as in YAML, so a flow list (``[a, b]``), a flow mapping
    (``{dist: uniform, low: 1m}``) or quoted text (``'Hello, world'``) keeps its commas.
    A quote opens quoted text only where YAML would read one: at the start of a value
    (after ``=``, ``,``, ``:``, ``[`` or ``{`` and any spaces), so the apostrophe of
    ``Bob's report`` is plain text. In single quotes ``''`` is a quote; in double quotes
    a backslash escapes the next character.
    """
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    previous = ""  # the last character outside quotes that is not a space
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if (quote == '"' and ch == "\\") or quote == ch == "'" == text[i + 1:i + 2]:
                i += 1  # the escaped character, or the second quote of ''
            elif ch == quote:
                quote = ""
                previous = ch
        elif ch in "'\"" and previous in ("", "=", ",", ":", "[", "{"):
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        if not quote and not ch.isspace() and ch not in "'\"":
            previous = ch
        i += 1
    parts.append(text[start:])
    return parts


def parse_changes(text: str, where: str) -> tuple[tuple[str, Any], ...]:
    changes = []
    for part in [p for p in split_top_level(text) if p.strip()]:
        pair = _assignment(part)
        if pair is None:
            raise BatchError(f"{where}: {part.strip()!r} should read path=value (a value "
                             "holding a comma goes in quotes: path='a, b')")
        path, value = pair
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
    if not name:
        raise BatchError(f"variant {text!r}: give the variant a name before the colon "
                         "('name: path=value')")
    if name == BASELINE:
        raise BatchError(f"variant {text!r}: give it a name other than {BASELINE!r}")
    check_variant_name(name)
    return Variant(name, parse_changes(rest, f"variant {name!r}"))


def load_variants_file(path: Path) -> list[Variant]:
    """A YAML file: ``variants: {name: {dotted.path: value, ...}, ...}``."""
    from scenarios.yamlsrc import MAX_BYTES

    try:  # a regular file of bounded size only: never a pipe, a device or a folder
        raw = read_bounded(path, MAX_BYTES, what="variants file")
    except Unreadable as exc:
        raise BatchError(str(exc)) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BatchError(f"{path}: is not UTF-8 text") from None
    try:
        located = read_yaml_text(text, str(path))
    except YamlProblem as exc:
        raise BatchError(f"{exc.mark}: {exc.message}") from None

    def at(*keys: Any) -> str:
        """Where ``keys`` are in the file: ``FILE:LINE:COL``, or the file alone."""
        mark = located.key_mark(keys)
        return str(mark) if mark is not None else str(path)

    data = located.data
    if isinstance(data, dict):
        # any other key is refused, never skipped with whatever it holds; it is quoted
        # only in what is plainly a variants file (one with 'variants:', or a key close
        # to it): a file given by mistake, or a link to one, is not echoed
        close = {key for key in data
                 if difflib.get_close_matches(str(key).casefold(), ["variants"], n=1)}
        if "variants" not in data and not close:
            raise BatchError(f"{path}: not a variants file: it has no 'variants:' mapping "
                             "names to changes")
        for key in data:
            if key != "variants":
                shown = one_line(repr(str(key)[:64])) + ("..." if len(str(key)) > 64 else "")
                hint = ("did you mean 'variants'?" if key in close
                        else "a variants file holds 'variants:' only")
                raise BatchError(f"{at(key)}: unknown key {shown}; {hint}")
    if not isinstance(data, dict) or not isinstance(data.get("variants"), dict):
        where = at("variants") if isinstance(data, dict) else str(path)
        raise BatchError(f"{where}: expected 'variants:' mapping names to changes")
    out = []
    for name, changes in data["variants"].items():
        where = at("variants", name)
        check_variant_name(str(name), f"{where}: ")
        if not isinstance(changes, dict):
            raise BatchError(f"{where}: variant {name!r}: expected a mapping of path: value")
        if not changes:
            raise BatchError(f"{where}: variant {name!r} changes nothing; give it at least "
                             "one path: value")
        out.append(Variant(str(name), tuple((str(k), v) for k, v in changes.items())))
    return out


def parse_sweep(text: str) -> list[Variant]:
    """``'channels.email.loss=0,0.1,0.2'`` or ``'channels.email.loss=0:0.5:0.1'``."""
    pair = _assignment(text)
    if pair is None:
        raise BatchError(f"sweep {text!r}: write it as path=v1,v2,... or path=start:stop:step")
    path, spec = (s.strip() for s in pair)
    where = f"sweep {path!r}"
    ends = _range_ends(spec, where)
    if ends is not None:
        start, stop, step = ends
        if not all(_finite_number(v) for v in (start, stop, step)) or step <= 0:
            raise BatchError(f"{where}: start:stop:step must be finite numbers with step > 0")
        try:
            span = (stop - start) / step + 1e-9
        except OverflowError:  # each end fits in a float, the distance between them not
            span = math.inf
        if span >= MAX_SWEEP_VALUES:
            raise BatchError(f"{where}: {spec!r} gives more than {MAX_SWEEP_VALUES:,} values; "
                             "use a larger step")
        count = math.floor(span) + 1
        values: list[Any] = [round(start + i * step, 10) for i in range(count)]
    else:
        values = [_scalar(v, where) for v in split_top_level(spec) if v.strip()]
        if len(values) > MAX_SWEEP_VALUES:
            raise BatchError(f"{where}: more than {MAX_SWEEP_VALUES:,} values")
        bad = [v for v in values if isinstance(v, float) and not math.isfinite(v)]
        if bad:
            raise BatchError(f"{where}: {bad[0]!r} is not a finite number")
    if not values:
        raise BatchError(f"{where}: no values")
    label = _leaf(path)
    text = [value_text(v) for v in values]
    # each value names its variant, on every row of replications.csv
    unsafe = [t for t in text if one_line(t) != t]
    if unsafe:
        raise BatchError(f"{where}: {one_line(repr(unsafe[0][:64]))} holds a control character")
    return [Variant(f"{label}={t}", ((path, v),)) for t, v in zip(text, values, strict=True)]


def _range_ends(spec: str, where: str) -> tuple[Any, Any, Any] | None:
    """START, STOP and STEP of ``START:STOP:STEP`` when all three are numbers; None for a
    single value that holds colons (``08:00-17:00``, ``T+01:00:00``) or a list."""
    if spec.count(":") != 2 or "," in spec:
        return None
    try:
        ends = [_scalar(s, where) for s in spec.split(":")]
    except BatchError:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in ends):
        return None
    start, stop, step = ends
    return start, stop, step


def value_text(value: Any) -> str:
    """A value as a sweep names it: a number by its shortest exact form (``0.1234561``,
    ``1e-07``; a whole number without ``.0``), ``true``, ``false`` and ``null`` as
    YAML writes them, text as it is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _leaf(path: str) -> str:
    """The last part of a path, after its last dot outside brackets
    (``staffing`` of ``actors[sg.cert].staffing``)."""
    dots = _outside_brackets(path, ".")
    return path[dots[-1] + 1:] if dots else path


def _finite_number(v: Any) -> bool:
    if not isinstance(v, int | float) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer too large for a float (10**309) is not finite here
        return False


_PATH_PART = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def path_parts(path: str) -> list[str | int | tuple[str, str]]:
    """A variant path as keys, list indexes and ``(field, value)`` lookups.

    Accepts the notation errors print (``injects[9].at``), dotted indexes
    (``injects.9.at``) and lookups by id (``injects[id=C1].at``); in brackets, dots
    belong to the id (``actors[sg.cert].staffing``: an actor's entry by its key).
    """
    parts: list[str | int | tuple[str, str]] = []
    pos = 0
    for m in _PATH_PART.finditer(path):
        gap = path[pos:m.start()]
        if gap not in ("", ".") or (gap == "" and pos and m.group(2) is not None):
            raise ValueError(f"{path!r} is not a path; write e.g. injects[0].at, "
                             "injects[id=C1].at or actors.mycert.staffing")
        pos = m.end()
        inner, key = m.group(1), m.group(2)
        if inner is not None:
            inner = inner.strip()
            if "=" in inner:
                field, _, wanted = inner.partition("=")
                parts.append((field.strip(), wanted.strip().strip("'\"")))
            elif inner.isdigit():
                parts.append(int(inner))
            else:
                parts.append(("id", inner.strip("'\"")))
        else:
            parts.append(int(key) if key.isdigit() else key)
    if pos != len(path) or not parts:
        raise ValueError(f"{path!r} is not a path; write e.g. injects[0].at, "
                         "injects[id=C1].at or actors.mycert.staffing")
    return parts


def _show(parts: list) -> str:
    """Parts as a path: a key holding a dot (an id such as ``sg.cert``) in brackets."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif isinstance(p, tuple):
            out += f"[{p[0]}={p[1]}]"
        elif _PATH_PART.fullmatch(p) and p.strip() == p:
            out += ("." if out else "") + p
        else:
            out += f"[{p}]"
    return out


def _mapping_key(cur: dict, parts: list, depth: int) -> tuple[str, int] | None:
    """The key of ``cur`` that ``parts[depth]`` names and how many parts it takes: an
    id holding dots, written without brackets (``actors.sg.cert``, as a validation
    error prints it), takes one part per dotted piece."""
    part = parts[depth]
    if str(part) in cur:
        return str(part), 1
    for end in range(depth + 2, len(parts) + 1):
        if isinstance(parts[end - 1], tuple):
            break
        joined = ".".join(str(p) for p in parts[depth:end])
        if joined in cur:
            return joined, end - depth
    return None


#: where a change writes in the scenario's data: its keys and list indexes
FieldPlace = tuple[str | int, ...]


def _set(data: Any, path: str, value: Any, variant: str) -> FieldPlace:
    """Write ``value`` at ``path`` of ``data``; returns where it wrote (keys and indexes,
    however the path spells them)."""
    try:
        parts = path_parts(path)
    except ValueError as exc:
        raise BatchError(f"variant {variant!r}: {exc}") from None
    where = f"variant {variant!r}: {path}"
    cur = data
    depth = 0
    # the path so far as messages show it: a mapping's entry by its key
    done: list = []
    # the same as keys and list indexes
    place: list[str | int] = []
    while True:  # parts is never empty; its last writes the value
        part = parts[depth]
        here = _show([*done, part])
        step = 1
        if isinstance(cur, dict) and not isinstance(part, tuple):
            found_key = _mapping_key(cur, parts, depth)
            if found_key is None:
                keys = [str(k) for k in cur]
                hint = ""
                for end in range(len(parts), depth, -1):  # an id holding dots first
                    if any(isinstance(p, tuple) for p in parts[depth:end]):
                        continue
                    close = difflib.get_close_matches(
                        ".".join(str(p) for p in parts[depth:end]), keys, n=1)
                    if close:
                        hint = f"; did you mean {_show([*done, close[0]])!r}?"
                        break
                raise BatchError(f"{where}: no field {here!r}{hint}")
            key: Any = found_key[0]
            step = found_key[1]
        elif isinstance(cur, dict) and isinstance(part, tuple):
            # a mapping's entry by its key, the id: actors[sg.cert] or actors[id=sg.cert];
            # or by a field of the entry: actors[name=SingCERT]
            field, wanted = part
            if field == "id":
                keys = [wanted] if wanted in cur else []
                known = [str(k) for k in cur]
            else:
                keys = [k for k, item in cur.items()
                        if isinstance(item, dict) and str(item.get(field)) == wanted]
                known = [str(item.get(field)) for item in cur.values()
                         if isinstance(item, dict) and item.get(field) is not None]
            if not keys:
                close = difflib.get_close_matches(wanted, known, n=1)
                shown = (_show([*done, close[0]]) if close and field == "id"
                         else _show([*done, (field, close[0])]) if close else "")
                hint = (f"; did you mean {shown!r}?" if close
                        else f"; {'key' if field == 'id' else field}s: {', '.join(known) or 'none'}")
                raise BatchError(f"{where}: no entry {'' if field == 'id' else field + ' '}"
                                 f"{wanted!r} in {_show(done)}{hint}")
            if len(keys) > 1:
                _several(where, here, [_show([*done, k]) for k in keys])
            key = keys[0]
        elif isinstance(cur, list) and isinstance(part, int):
            if part >= len(cur):
                raise BatchError(f"{where}: {_show(done) or 'the list'} has "
                                 f"{len(cur)} entries, {here!r} is not one of them; count from "
                                 f"0, or pick one by id: {_show(done)}[id=...]")
            key = part
        elif isinstance(cur, list) and isinstance(part, tuple):
            field, wanted = part
            found = [i for i, item in enumerate(cur)
                     if isinstance(item, dict) and str(item.get(field)) == wanted]
            if not found:
                known = [str(item.get(field)) for item in cur
                         if isinstance(item, dict) and item.get(field) is not None]
                close = difflib.get_close_matches(wanted, known, n=1)
                hint = (f"; did you mean {_show([*done, (field, close[0])])!r}?"
                        if close else f"; {field}s: {', '.join(known) or 'none'}")
                raise BatchError(f"{where}: no entry with {field} {wanted!r}{hint}")
            if len(found) > 1:
                _several(where, here, [_entry_name(done, cur, i) for i in found])
            key = found[0]
        elif isinstance(cur, list) and isinstance(part, str):
            ids = [str(item.get("id")) for item in cur if isinstance(item, dict)
                   and item.get("id") is not None]
            form = f"{_show(done)}[id={part}]" if part in ids else \
                f"{_show(done)}[0]"
            raise BatchError(f"{where}: {_show(done)} is a list; write {form!r}")
        else:
            raise BatchError(f"{where}: {here!r} is not a field")
        if depth + step == len(parts):
            cur[key] = value
            return (*place, key)
        done.append(key if isinstance(cur, dict) else part)
        place.append(key)
        cur = cur[key]
        depth += step


def _several(where: str, here: str, matches: list[str]) -> None:
    """Refuse a lookup that matches more than one entry, naming them (a few of many)."""
    shown = ", ".join(matches[:10]) + (f" and {len(matches) - 10} more"
                                       if len(matches) > 10 else "")
    raise BatchError(f"{where}: {here!r} matches {len(matches)} entries ({shown}); a lookup "
                     "must match one entry: write a change for each of them")


def _entry_name(done: list, items: list, index: int) -> str:
    """A list entry as a path: by its id when it has one, else by its place."""
    item = items[index]
    ident = item.get("id") if isinstance(item, dict) else None
    return _show([*done, ("id", str(ident)) if ident is not None else index])


#: the fields that may name teams and selectors (``to: [partners]``, ``actors:
#: [affected_certs]``), which validating a scenario turns into the actor ids they stand for
WRITTEN_NAMES = (("injects", "to"), ("expectations", "actors"), ("tasks", "to"))


def as_written(loaded: LoadedScenario) -> dict[str, Any]:
    """The scenario as JSON-ready data to apply variants to: every field spelt out, as
    the validated scenario holds it (defaults included, so that ``channels.email.loss``
    can be changed where the file leaves it out), but the recipients of injects and
    tasks and the actors of expectations as the file writes them. Validating the data
    turns team names and selectors into actor ids again, with the teams, actors and
    incidents the variant makes, as it does for a scenario file."""
    data: dict[str, Any] = json.loads(loaded.scenario.model_dump_json())
    source = loaded.source.data if isinstance(loaded.source.data, dict) else {}
    for section, key in WRITTEN_NAMES:
        written, items = source.get(section), data.get(section)
        if not (isinstance(written, list) and isinstance(items, list)
                and len(written) == len(items)):
            continue
        for item, raw in zip(items, written, strict=True):
            names = raw.get(key) if isinstance(raw, dict) else None
            if isinstance(names, str):
                names = [names]
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                item[key] = list(names)
    return data


def _refused(name: str, problems: list[Problem]) -> BatchError:
    """A variant's problems, in one line naming it."""
    return BatchError(one_line(f"variant {name!r}: " + "; ".join(
        f"{p.path}: {p.message}" if p.path else p.message for p in problems)))


def _checked_variant(name: str, data: dict[str, Any]) -> Scenario:
    """The scenario a variant makes, checked as a scenario file is checked (its model,
    cross-references, contacts, teams member by member, holiday calendars); every
    problem refused in one line naming the variant. Its artefact files are read and
    checked apart (:func:`_read_variant_artefacts`)."""
    scenario, problems = check_scenario(Located(data))
    if problems or scenario is None:
        raise _refused(name, problems)
    return scenario


def _artefact_key(artefact: dict[str, Any]) -> str:
    return json.dumps(artefact, sort_keys=True, default=str)


def _injects(data: Any) -> list[dict[str, Any]]:
    """The injects of scenario data that are mappings (a variant may have made it
    anything: checking it says what is wrong)."""
    injects = data.get("injects") if isinstance(data, dict) else None
    return [i for i in injects if isinstance(i, dict)] if isinstance(injects, list) else []


def _artefacts_unread(base: dict[str, Any], loaded: LoadedScenario
                      ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The data a variant's changes are made to: ``base`` with each artefact file as the
    scenario writes it (no size or text, and a hash only where the file gives one), so
    that a variant that names another file does not carry the first one's; and each of
    those artefacts as loaded, by its :func:`_artefact_key`, for the variants that leave
    it as it is."""
    data: dict[str, Any] = json.loads(json.dumps(base))
    source = loaded.source.data if isinstance(loaded.source.data, dict) else {}
    written = source.get("injects")
    injects = _injects(data)
    aligned = isinstance(written, list) and len(written) == len(injects)
    read: dict[str, dict[str, Any]] = {}
    for i, inject in enumerate(injects):
        artefacts = inject.get("artefacts")
        if not isinstance(artefacts, list):
            continue
        raw = written[i] if aligned and isinstance(written, list) else None
        raw_artefacts = raw.get("artefacts") if isinstance(raw, dict) else None
        for j, artefact in enumerate(artefacts):
            if not isinstance(artefact, dict):
                continue
            given = (raw_artefacts[j] if isinstance(raw_artefacts, list)
                     and j < len(raw_artefacts) else None)
            as_loaded = dict(artefact)
            artefact.update(sha256=given.get("sha256") if isinstance(given, dict) else None,
                            size=None, content=None)
            read[_artefact_key(artefact)] = as_loaded
    return data, read


def _as_loaded(data: dict[str, Any], read: dict[str, dict[str, Any]]) -> bool:
    """Put back, as loaded, each artefact of a variant that is one of the scenario's as
    it writes it; whether any other is left (a file to read)."""
    unread = False
    for inject in _injects(data):
        artefacts = inject.get("artefacts")
        if not isinstance(artefacts, list):
            continue
        for j, artefact in enumerate(artefacts):
            if not isinstance(artefact, dict):
                continue
            known = read.get(_artefact_key(artefact))
            if known is None:
                unread = True
            else:
                artefacts[j] = dict(known)
    return unread


def _artefact_roots(loaded: LoadedScenario, allow_include: tuple[str | Path, ...]
                    ) -> IncludeRoots:
    """The folders a variant's artefact files may be read from: the scenario's, as for
    the scenario itself, the folders named with ``--allow-include`` and those the
    scenario's own artefact files were read from (each within one of those already)."""
    folder = loaded.path.resolve().parent
    read_from = {(folder / a.file).resolve().parent
                 for inject in loaded.scenario.injects for a in inject.artefact_files}
    return IncludeRoots.for_scenario(loaded.path, (*allow_include, *sorted(read_from)))


def _read_variant_artefacts(name: str, loaded: LoadedScenario, data: dict[str, Any],
                            scenario: Scenario, roots: IncludeRoots) -> None:
    """Read a variant's artefact files as a scenario file's are read (confined to the
    scenario's folder and the folders allowed, present, of bounded size, matching any
    hash given) into its scenario and its data; problems refused in one line naming the
    variant (they name the file, never show what it holds)."""
    problems: list[Problem] = []
    _read_artefacts(scenario, Located(data), loaded.path, roots, problems)
    if problems:
        raise _refused(name, problems)
    for inject, item in zip(scenario.injects, _injects(data), strict=False):
        if inject.artefact_files:
            item["artefacts"] = [a if isinstance(a, str) else json.loads(a.model_dump_json())
                                 for a in inject.artefacts]


def _once(name: str, path: str, place: FieldPlace, changed: dict[FieldPlace, str]) -> None:
    """Refuse a change to a field that another change of the variant also reaches (the
    last would silently win), or to a part of one, naming both as written."""
    for other, written in changed.items():
        shorter, longer = sorted((other, place), key=len)
        if longer[:len(shorter)] == shorter:
            within = "" if other == place else (
                f" ({(path if longer == place else written)!r} is part of "
                f"{(written if longer == place else path)!r})")
            raise BatchError(f"variant {name!r}: {written!r} and {path!r} change the same "
                             f"field{within}; "
                             + ("keep one of them" if not within else "write them as one"))
    changed[place] = path


def checked_variants(loaded: LoadedScenario, variants: list[Variant],
                     allow_include: tuple[str | Path, ...] = ()
                     ) -> list[tuple[str, dict, Scenario]]:
    """The baseline and every variant: its JSON-ready data and its validated scenario.

    A variant's changes are made to the scenario as written (:func:`as_written`) and
    the result is checked as a scenario file is, so that a variant gives the runs the
    same change written into a copy of the file gives: an artefact file it names is
    read from the scenario's folder, or one of ``allow_include``, as the file's are.
    A variant that changes the same field twice is refused."""
    names = [v.name for v in variants]
    if BASELINE in names:
        # from a variants file: the command line refuses it as it parses
        raise BatchError(f"variant {BASELINE!r}: give it a name other than {BASELINE!r} "
                         "(the scenario as it is)")
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise BatchError(f"variant names must be unique: {', '.join(sorted(dupes))}")
    base = as_written(loaded)
    out = [(BASELINE, base, loaded.scenario)]
    unread, read = _artefacts_unread(base, loaded)
    text = json.dumps(unread)
    roots: IncludeRoots | None = None
    for v in variants:
        data = json.loads(text)
        changed: dict[FieldPlace, str] = {}
        for path, value in v.changes:
            _once(v.name, path.strip(), _set(data, path, value, v.name), changed)
        # an artefact as the scenario has it keeps what was read; another is read now
        to_read = _as_loaded(data, read)
        scenario = _checked_variant(v.name, data)
        if to_read:
            roots = roots or _artefact_roots(loaded, allow_include)
            _read_variant_artefacts(v.name, loaded, data, scenario, roots)
        out.append((v.name, data, scenario))
    return out


def variant_scenarios(loaded: LoadedScenario, variants: list[Variant],
                      allow_include: tuple[str | Path, ...] = ()) -> list[tuple[str, dict]]:
    """The baseline and every variant as validated, JSON-ready scenario data."""
    return [(name, data) for name, data, _ in checked_variants(loaded, variants,
                                                               allow_include)]


def check_runnable(loaded: LoadedScenario, scenarios: list[tuple[str, dict]]) -> None:
    """Refuse, before anything runs, a baseline or variant that `drill run` would refuse
    (every inject timed after the drill ends, say): one line naming it."""
    for name, data in scenarios:
        if name == BASELINE:
            # the scenario file as it is: its problems are placed in the file
            problems = [str(p) for p in preflight(loaded)]
        else:
            # a changed scenario has no place in the file
            changed = LoadedScenario(Scenario.model_validate(data), Located(data), loaded.path)
            problems = [f"variant {name!r}: {p.path}: {p.message}" if p.path
                        else f"variant {name!r}: {p.message}" for p in preflight(changed)]
        if problems:
            raise BatchCannotRun(one_line("; ".join(problems)) + " (cannot run)")


# --- metrics by name -------------------------------------------------------------

#: Metrics of an incident, as rows of ``replications.csv`` name them.
INCIDENT_METRICS = ("first_ack", "all_certs_reached", "all_certs_reached_incl_control",
                    "ansac_reached", *HOP_SLUGS.values(), "le.end_to_end", "contained")
#: Metrics counted per drill (their incident column is empty).
RUN_METRICS = ("score", "messages_lost", *(f"lost.{r}" for r in LOSS_REASONS), "injects_lost",
               "messages_bounced", "tlp_violations")


def check_metric(scenario: Scenario, metric: str) -> None:
    """Refuse a ``--metric`` the sweep table could not show, naming the ones that exist."""
    incident, sep, name = metric.rpartition(":")
    lateness = {f"expectation.{x.id}.lateness": x.incident for x in scenario.expectation_units()}
    known = [*INCIDENT_METRICS, *lateness, *RUN_METRICS]
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise BatchError(f"--metric {metric!r}: no such metric; {hint}metrics: {', '.join(known)} "
                         "(prefix INCIDENT: for one incident)")
    incidents = sorted({inj.incident.id for inj in scenario.injects})
    if not sep:
        if name in INCIDENT_METRICS and len(incidents) > 1:
            raise BatchError(f"--metric {metric!r}: measured for each of {len(incidents)} "
                             f"incidents; name one: "
                             f"{', '.join(f'{i}:{name}' for i in incidents)}")
        return
    if name in RUN_METRICS:
        raise BatchError(f"--metric {metric!r}: {name} is counted per drill, not per incident; "
                         f"write --metric {name}")
    if incident not in incidents:
        close = difflib.get_close_matches(incident, incidents, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise BatchError(f"--metric {metric!r}: no incident {incident!r}; {hint}"
                         f"incidents: {', '.join(incidents)}")
    if name in lateness and lateness[name] != incident:
        raise BatchError(f"--metric {metric!r}: that expectation is about incident "
                         f"{lateness[name]!r}")


# --- order ------------------------------------------------------------------------

#: where each milestone and per-drill count comes in a summary: as a run report gives
#: them, law-enforcement stages in chain order
_METRIC_PLACE = {m: i for i, m in enumerate((*INCIDENT_METRICS, *RUN_METRICS))}
#: an expectation's place: (its place in the scenario's list, the actor's place in it
#: for one split by ``require: each``)
ExpectationOrder = dict[str, tuple[int, int]]


def _natural(text: str) -> tuple[str | int, ...]:
    """A text's sort key with its digits compared as numbers: ``E2`` before ``E10``."""
    return tuple(int(part) if i % 2 else part
                 for i, part in enumerate(re.split(r"(\d+)", text)))


def expectation_order(scenarios: list[Scenario]) -> ExpectationOrder:
    """The place of every expectation (as scored: ``E1.mycert`` for one of
    ``require: each``) in the scenario's list; one only a variant has, at its place in
    that variant's list."""
    order: ExpectationOrder = {}
    for scenario in scenarios:
        for place, x in enumerate(scenario.expectations):
            if x.require == "each":
                # the actors the teams and selectors stand for, as scored
                for sub, actor in enumerate(x.actors):
                    order.setdefault(f"{x.id}.{actor}", (place, sub + 1))
            else:
                order.setdefault(x.id, (place, 0))
    return order


def _metric_key(metric: str, order: ExpectationOrder
                ) -> tuple[int, tuple[int, int], tuple[str | int, ...], str]:
    """Where a metric comes among an incident's: its milestones as a run report gives
    them, then its expectations in the scenario's order (any it does not list in
    natural order, ``E2`` before ``E10``), then any other by name."""
    if metric in _METRIC_PLACE:
        return (0, (_METRIC_PLACE[metric], 0), (), metric)
    if metric.startswith("expectation."):
        ident = metric.removeprefix("expectation.").rpartition(".")[0]
        return (1, order.get(ident, (len(order), 0)), _natural(ident), metric)
    return (2, (0, 0), _natural(metric), metric)


# --- aggregation -----------------------------------------------------------------


_K = TypeVar("_K")
_V = TypeVar("_V")


def _entry(table: dict[_K, _V], key: _K, new: Callable[[], _V]) -> _V:
    """``table[key]``, made with ``new()`` the first time (tens of thousands of rows add
    to a few hundred entries: nothing is built for the others)."""
    found = table.get(key)
    if found is None:
        found = table[key] = new()
    return found


class Tally:
    """What whole replications add to a batch's summary, before any arithmetic: per
    (variant, incident, metric), whether it happened, its values and its paired
    differences (variant minus baseline), each in replication order.

    An expectation's ``.met`` row is 1 (met), 0 (missed or late) or None (still open
    when the drill ended): its rate counts met among the decided replications, and the
    open ones separately; its paired differences and its change in rate compare every
    replication where both the variant and the baseline have it in play, an expectation
    still open at the end counting as not met. In a run where it was not in play
    (counted from an inject that was skipped) it has a ``.not_in_play`` row instead,
    counted apart, like `drill run` leaves it out of the score: neither decided nor
    open, and left out of the comparison of that replication. So is a replication where
    the variant or the baseline has no such expectation at all (a variant that turns
    ``require: each`` into ``any`` has ``E1`` where the baseline has ``E1.certph``, ...):
    the replications left out are counted, and out of the denominator of the change in
    rate; an expectation never in play in both at once is not compared at all.

    A metric that does not apply in a run (no affected CERT in the drill to reach) has a
    ``.not_applicable`` row in place of its own, counted apart: left out of the
    denominator of its rate, and the replication out of its comparison when it does not
    apply in the variant or in the baseline, as an expectation not in play is. An
    incident that only some of the variants have counts, in the runs of the others, as
    one that never opened there, what their drill has no bodies for not applying (as
    their own incidents' ``.not_applicable`` rows say).

    A worker tallies the rows of its chunk; the command's own process merges the
    tallies in replication order (:meth:`Aggregate.merge`), which adds every value to
    the summary in the order, and so with the rounding, that adding the rows one by
    one gives: the summary does not depend on the chunking or the number of workers.
    """

    __slots__ = (
        "_rep",
        "_row",
        "diffs",
        "happened",
        "met",
        "not_applicable",
        "reached",
        "reps",
        "unpaired",
        "values",
        "variants",
    )

    def __init__(self, variants: list[str]) -> None:
        self.variants = variants
        self.reps = 0
        #: key -> [happened, replications with a row] (the summary's rates are over
        #: every replication: a variant may lack an incident the baseline has)
        self.reached: dict[tuple[str, str, str], list[int]] = {}
        #: key of a ``.met`` metric -> [met, decided, still open at the end, not in play]
        self.met: dict[tuple[str, str, str], list[int]] = {}
        #: key of a metric -> [replications where it did not apply]
        self.not_applicable: dict[tuple[str, str, str], list[int]] = {}
        #: key -> the values where it happened, in replication order
        self.values: dict[tuple[str, str, str], list[float]] = {}
        #: key of a variant -> value minus the baseline's, where both happened (a
        #: ``.met`` metric: in every replication where both have it in play, open
        #: counting as not met)
        self.diffs: dict[tuple[str, str, str], list[float]] = {}
        #: key of a variant -> replications where it happened (a ``.met`` metric: was
        #: met) in both the variant and the baseline, only in the variant, only in the
        #: baseline
        self.happened: dict[tuple[str, str, str], list[int]] = {}
        #: key of a variant's ``.met`` or ``.lateness`` metric -> [replications where
        #: the expectation was not in play in the variant or in the baseline, or one of
        #: them does not have it]; of another metric -> [replications where it did not
        #: apply in the variant or in the baseline]: left out of its comparison
        self.unpaired: dict[tuple[str, str, str], list[int]] = {}
        self._rep: int | None = None
        self._row: dict[tuple[str, str, str], float | None] = {}

    def add(self, variant: str, rep: int, incident: str, metric: str,
            value: float | None) -> None:
        if rep != self._rep:
            self._close_rep()
            self._rep = rep
            self.reps += 1
        key = (variant, incident, metric)
        self._row[key] = value
        if metric.endswith(NOT_IN_PLAY):
            _entry(self.met, (variant, incident, _met_metric(metric)), _quad)[3] += 1
            return
        if metric.endswith(NOT_APPLICABLE):
            _entry(self.not_applicable,
                   (variant, incident, metric.removesuffix(NOT_APPLICABLE)), _one)[0] += 1
            return
        if metric.endswith(".met"):
            counts = _entry(self.met, key, _quad)
            if value is None:
                counts[2] += 1
            else:
                counts[0] += value >= 0.5
                counts[1] += 1
            return
        counts = _entry(self.reached, key, _pair)
        counts[1] += 1
        if value is not None:
            counts[0] += 1
            _entry(self.values, key, list).append(value)

    def close(self) -> Tally:
        """Finish the replication under way; returns the tally."""
        self._close_rep()
        self._rep = None
        return self

    def _close_rep(self) -> None:
        """Paired differences of one replication: each variant minus the baseline.

        Values are compared where both happened; whether it happened at all is
        compared in every replication (a metric missing from a run did not happen),
        so a metric that only the variant or only the baseline ever reaches still
        shows its change in rate. An expectation is compared only in a replication
        where it was in play in both, met (1) or not (0): still open at the end is not
        met. Where it was not in play in one of them, or one of them does not have it
        at all (a variant that changes ``require: each`` to ``any`` has ``E1`` where the
        baseline has ``E1.certph``, ...), the replication is unpaired: counted, and
        left out of the comparison of its ``.met`` and ``.lateness`` rows. So is a
        replication where a metric does not apply in the variant or in the baseline.
        """
        row = self._row
        self._lacking_incidents(row)
        # a not-in-play row stands for both the ``.met`` and the ``.lateness`` row: each
        # is left out of its comparison in that replication, and so out of the
        # denominator of its change in rate; a not-applicable row for its metric's row
        measured = {(i, metric) for (_, i, m) in row for metric in _stood_for(m)}
        for variant in self.variants:
            if variant == BASELINE:
                continue
            for incident, metric in measured:
                key = (variant, incident, metric)
                base_key = (BASELINE, incident, metric)
                stem = _expectation_stem(metric)
                if stem is not None:
                    in_play = [(side, incident, stem + ".met") in row
                               for side in (variant, BASELINE)]
                    if not all(in_play):
                        if any(in_play) or any((side, incident, stem + NOT_IN_PLAY) in row
                                               for side in (variant, BASELINE)):
                            _entry(self.unpaired, key, _one)[0] += 1
                        continue
                elif any((side, incident, metric + NOT_APPLICABLE) in row
                         for side in (variant, BASELINE)):
                    _entry(self.unpaired, key, _one)[0] += 1
                    continue
                if metric.endswith(".met"):
                    mine_met, base_met = _met(row.get(key)), _met(row.get(base_key))
                    _entry(self.diffs, key, list).append(mine_met - base_met)
                    mine, base = mine_met > 0, base_met > 0
                else:
                    value, base_value = row.get(key), row.get(base_key)
                    if value is not None and base_value is not None:
                        _entry(self.diffs, key, list).append(value - base_value)
                    mine, base = value is not None, base_value is not None
                if mine or base:
                    counts = _entry(self.happened, key, _triple)
                    counts[0 if mine and base else 1 if mine else 2] += 1
        row.clear()

    def _lacking_incidents(self, row: dict[tuple[str, str, str], float | None]) -> None:
        """In one replication, an incident that another variant has and this one's
        scenario does not (one a variant adds, seen from the baseline) did not open in
        its run: it reached none of its milestones, but what this drill has no bodies
        for does not apply, as for its own incidents (their ``.not_applicable`` rows
        say which): counted so, and its row added for the paired differences."""
        incidents: dict[str, set[str]] = {}
        for variant, incident, _ in row:
            if incident:
                found = incidents.get(variant)
                if found is None:
                    found = incidents[variant] = set()
                found.add(incident)
        every = set().union(*incidents.values())
        for variant, mine in incidents.items():
            lacking = every - mine
            if not lacking:
                continue
            absent = {metric.removesuffix(NOT_APPLICABLE) for v, _, metric in row
                      if v == variant and metric.endswith(NOT_APPLICABLE)
                      and metric.removesuffix(NOT_APPLICABLE) in NOT_IN_DRILL_METRICS}
            for incident in sorted(lacking):
                for metric in sorted(absent):
                    row[(variant, incident, metric + NOT_APPLICABLE)] = 1.0
                    _entry(self.not_applicable, (variant, incident, metric), _one)[0] += 1


def _expectation_stem(metric: str) -> str | None:
    """``expectation.ID`` of an expectation's ``.met`` or ``.lateness`` metric."""
    if metric.startswith("expectation."):
        for suffix in (".met", ".lateness"):
            if metric.endswith(suffix):
                return metric.removesuffix(suffix)
    return None


def _pair() -> list[int]:
    return [0, 0]


def _met(value: float | None) -> float:
    """An expectation's ``.met`` value as met (1.0) or not (0.0): open is not met."""
    return 1.0 if value is not None and value >= 0.5 else 0.0


def _triple() -> list[int]:
    return [0, 0, 0]


def _quad() -> list[int]:
    return [0, 0, 0, 0]


def _one() -> list[int]:
    return [0]


def _met_metric(metric: str) -> str:
    """``expectation.ID.met`` of an ``expectation.ID.not_in_play`` row."""
    return metric.removesuffix(NOT_IN_PLAY) + ".met"


def _lateness_metric(metric: str) -> str:
    """``expectation.ID.lateness`` of an ``expectation.ID.met`` metric."""
    return metric.removesuffix(".met") + ".lateness"


def _is_lateness(metric: str) -> bool:
    """Whether a metric is an expectation's ``expectation.ID.lateness``."""
    return metric.startswith("expectation.") and metric.endswith(".lateness")


def _in_play_metrics(metric: str) -> tuple[str, str]:
    """``expectation.ID.met`` and ``expectation.ID.lateness``, the rows that an
    ``expectation.ID.not_in_play`` row stands in place of."""
    stem = metric.removesuffix(NOT_IN_PLAY)
    return stem + ".met", stem + ".lateness"


def _stood_for(metric: str) -> tuple[str, ...]:
    """The metrics a row is about: a not-in-play row's ``.met`` and ``.lateness``, a
    not-applicable row's metric, any other row's own."""
    if metric.endswith(NOT_IN_PLAY):
        return _in_play_metrics(metric)
    if metric.endswith(NOT_APPLICABLE):
        return (metric.removesuffix(NOT_APPLICABLE),)
    return (metric,)


def tally_rows(rows: list[tuple], variants: list[str]) -> Tally:
    """The tally of a chunk's rows (variant, replication, seed, incident, metric, value)."""
    tally = Tally(variants)
    add = tally.add
    for variant, rep, _seed, incident, metric, value in rows:
        add(variant, rep, incident, metric, value)
    return tally.close()


@dataclass
class Aggregate:
    """Streaming summary of replication rows, in replication order: tallies merged one
    after another, or rows added one by one."""

    variants: list[str]
    confidence: float = 0.95
    #: the expectations' places in the scenario (:func:`expectation_order`): the
    #: summary lists them in that order
    order: ExpectationOrder = field(default_factory=dict)
    samples: dict[tuple[str, str, str], Sample] = field(default_factory=dict)
    reached: dict[tuple[str, str, str], Proportion] = field(default_factory=dict)
    met: dict[tuple[str, str, str], Proportion] = field(default_factory=dict)
    #: replications where an expectation was still open when the drill ended
    open: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: replications where an expectation was not in play (its inject was skipped), by
    #: its ``.met`` metric and again by its ``.lateness`` metric
    not_in_play: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: replications where a metric did not apply (no affected CERT in the drill)
    not_applicable: dict[tuple[str, str, str], int] = field(default_factory=dict)
    #: per variant's ``.met`` or ``.lateness`` metric, the replications left out of its
    #: comparison: not in play in the variant or in the baseline, or missing from one;
    #: per variant's other metric, those where it did not apply in either
    unpaired: dict[tuple[str, str, str], int] = field(default_factory=dict)
    diffs: dict[tuple[str, str, str], Running] = field(default_factory=dict)
    happened: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    replications: int = 0
    _rows: Tally | None = None

    def add(self, variant: str, rep: int, incident: str, metric: str, value: float | None) -> None:
        """Add one row; each replication's rows are merged once the next one starts."""
        rows = self._rows
        if rows is None:
            rows = self._rows = Tally(self.variants)
        elif rep != rows._rep:
            self.merge(rows)  # a replication at a time: memory does not grow with rows
            rows = self._rows = Tally(self.variants)
        rows.add(variant, rep, incident, metric, value)

    def merge(self, tally: Tally) -> None:
        """Add a tally of the replications that follow those already added."""
        if self._rows is not None and tally is not self._rows:
            rows, self._rows = self._rows, None
            self.merge(rows)
        self._rows = None
        tally.close()
        self.replications += tally.reps
        for key, (hits, n) in tally.reached.items():
            prop = _entry(self.reached, key, Proportion)
            prop.hits += hits
            prop.n += n
        for key, (hits, n, still_open, absent) in tally.met.items():
            prop = _entry(self.met, key, Proportion)
            prop.hits += hits
            prop.n += n
            if still_open:
                self.open[key] = self.open.get(key, 0) + still_open
            if absent:
                self.not_in_play[key] = self.not_in_play.get(key, 0) + absent
                # its lateness was not in play in those runs either
                late = (key[0], key[1], _lateness_metric(key[2]))
                self.not_in_play[late] = self.not_in_play.get(late, 0) + absent
        for key, (left_out,) in tally.unpaired.items():
            self.unpaired[key] = self.unpaired.get(key, 0) + left_out
        for key, (absent,) in tally.not_applicable.items():
            self.not_applicable[key] = self.not_applicable.get(key, 0) + absent
        for key, values in tally.values.items():
            _entry(self.samples, key, Sample).extend(values)
        for key, values in tally.diffs.items():
            _entry(self.diffs, key, Running).extend(values)
        for key, counts in tally.happened.items():
            mine = _entry(self.happened, key, _triple)
            for i in range(3):
                mine[i] += counts[i]

    def finish(self) -> None:
        if self._rows is not None:
            self.merge(self._rows)

    def summary(self) -> dict[str, Any]:
        per: dict[str, dict[str, Any]] = {v: {"metrics": [], "expectations": []}
                                          for v in self.variants}
        # how often over every replication where it applies: a run without the
        # metric's row (a variant without the incident, but for what its drill has no
        # bodies for: not applicable, as the tally counts it) or with an empty value (an
        # incident that never opened) did not reach it, and a metric any variant has is
        # listed for every variant, at 0 % where it never happened; a run where it did
        # not apply (its .not_applicable row) is counted apart, and so is a run where an
        # expectation was not in play, for its lateness; where it applied (or was in
        # play) in no run it has no rate
        # milestones and expectations as a run report lists them (not as text: E2
        # before E10, the preservation request before the MLA request)
        order = self.order
        skipped_lateness = [k for k in self.not_in_play if _is_lateness(k[2])]
        measured = sorted({(incident, metric)
                           for (_, incident, metric) in (*self.reached, *self.not_applicable,
                                                         *skipped_lateness)},
                          key=lambda im: (im[0], _metric_key(im[1], order)))
        for variant in self.variants:
            for incident, metric in measured:
                key = (variant, incident, metric)
                counts = self.reached.get(key)
                absent = self.not_applicable.get(key, 0)
                lateness = _is_lateness(metric)
                # an expectation's lateness: over the runs where it was in play
                skipped = self.not_in_play.get(key, 0) if lateness else 0
                reached = Proportion(counts.hits if counts else 0,
                                     self.replications - absent - skipped)
                rate: dict[str, Any] = reached.summary(self.confidence)
                if not reached.n:  # applied (or in play) in no run: no rate
                    rate.update(rate=None, rate_ci=[None, None])
                entry: dict[str, Any] = {"incident": incident, "metric": metric,
                                         "reached": rate}
                if metric in MAY_NOT_APPLY or absent:
                    entry["not_applicable"] = absent
                if lateness:
                    entry["not_in_play"] = skipped
                per[variant]["metrics"].append(
                    {**entry, **self.samples.get(key, Sample()).summary(self.confidence)})
        for key, prop in sorted(self.met.items(),
                                key=lambda kv: (_metric_key(kv[0][2], order), kv[0][1])):
            variant, incident, metric = key
            # met among the decided replications (n); open: still open at the end;
            # not_in_play: its inject was skipped (neither decided nor open)
            entry = {"incident": incident,
                     "expectation": metric.removeprefix("expectation.").removesuffix(".met"),
                     **prop.summary(self.confidence), "open": self.open.get(key, 0),
                     "not_in_play": self.not_in_play.get(key, 0)}
            if not prop.n:  # never decided: no rate
                entry.update(rate=None, rate_ci=[None, None])
            per[variant]["expectations"].append(entry)
        differences = []
        # each variant's in the order the variants were given, as their own sections
        place = {v: i for i, v in enumerate(self.variants)}
        for key in sorted(set(self.diffs) | set(self.happened),
                          key=lambda k: (place.get(k[0], len(place)), k[0], k[1],
                                         _metric_key(k[2], order))):
            variant, incident, metric = key
            run = self.diffs.get(key)
            both, mine, base = self.happened.get(key, [0, 0, 0])
            # an expectation is compared where it was in play in both, a metric where it
            # applied in both
            compared = self.replications - self.unpaired.get(key, 0)
            if compared <= 0:  # never in play (or applied) in both at once: nothing to compare
                continue
            rate, rate_ci = paired_score_difference(mine, base, compared, self.confidence)
            if metric.endswith(".met"):
                # differences of 0 and +-1: their mean is the change in met rate, and
                # its interval the paired one of that change (a t-interval on them is
                # zero wide when every pair changed alike, past [-1, 1] from few pairs)
                ci: list[float | None] | None = list(rate_ci)
            else:
                ci = list(run.mean_ci(self.confidence)) if run else None
            differences.append({
                "variant": variant, "incident": incident, "metric": metric,
                "pairs": run.n if run else 0,
                "mean_difference": run.mean if run else None,
                "ci": ci,
                "rate_baseline": (both + base) / compared,
                "rate_variant": (both + mine) / compared,
                "rate_difference": rate, "rate_difference_ci": list(rate_ci),
                "rate_changed_in": mine + base,
            })
        return {
            "format": "drill-batch",
            # 2: the ``ci`` of an expectation's ``.met`` difference is the paired
            # interval of its change in met rate (Tango's score interval, as is every
            # ``rate_difference_ci``), and an expectation compared only where both
            # sides have it in play (none at all: no entry); 3: a metric that does not
            # apply in a run (no affected CERT in the drill) is counted in
            # ``not_applicable``, left out of its rate (``null`` when it applied in no
            # run) and out of its comparison
            "version": SUMMARY_VERSION,
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


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_scheduler(address: str | None) -> None:
    """Refuse a Dask scheduler address that cannot be one, before anything runs."""
    if not address:
        raise BatchError("--backend dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    problem = None
    if scheme not in DASK_SCHEMES:
        problem = f"unknown protocol {scheme!r} (one of {', '.join(DASK_SCHEMES)})"
    elif not rest or any(c.isspace() or not c.isprintable() for c in rest):
        problem = "expected PROTOCOL://HOST:PORT"
    elif scheme != "inproc":
        try:
            parts = urlsplit(f"{scheme}://{rest}")
            port = parts.port
        except ValueError:
            port, parts = None, None
        if parts is None or not parts.hostname or port is None or parts.path or parts.query:
            problem = "expected PROTOCOL://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    if problem:
        raise BatchError(f"--scheduler {address!r}: not a Dask scheduler address: {problem}")


def out_folder(text: str) -> Path:
    """``--out`` as a folder; an empty one is refused (it would be the current folder)."""
    if not text:
        raise BatchError("--out is empty; give it a folder (--out . for this one)")
    return Path(text)


def check_config(cfg: BatchConfig) -> None:
    """Every argument problem, before a file is created or a process started."""
    out_folder(os.fspath(cfg.out))
    if not _is_int(cfg.n) or not 1 <= cfg.n <= MAX_REPLICATIONS:
        raise BatchError(f"-n must be between 1 and {MAX_REPLICATIONS:,} (got {cfg.n})")
    if cfg.jobs is not None and (not _is_int(cfg.jobs) or not 1 <= cfg.jobs <= MAX_JOBS):
        raise BatchError(f"--jobs must be between 1 and {MAX_JOBS:,} (got {cfg.jobs}); "
                         "leave it out to use every core")
    if cfg.chunk is not None:
        if not _is_int(cfg.chunk) or cfg.chunk < 1:
            raise BatchError(f"--chunk must be at least 1 (got {cfg.chunk}); "
                             "leave it out to choose automatically")
        if -(-cfg.n // cfg.chunk) > MAX_CHUNKS:
            raise BatchError(f"--chunk {cfg.chunk} makes more than {MAX_CHUNKS:,} chunks of "
                             f"{cfg.n:,} replications; use a larger --chunk")
    if not 0 < cfg.confidence < 1:
        raise BatchError(f"the confidence level must be between 0 and 1 (got {cfg.confidence})")
    if cfg.backend == "dask":
        check_scheduler(cfg.scheduler)
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            raise BatchError("the dask backend needs the 'distributed' package: "
                             "pip install 'acid-drill[dask]'")
    elif cfg.backend == "local":
        if cfg.scheduler is not None:
            raise BatchError("--scheduler is used only with --backend dask")
    else:
        raise BatchError(f"unknown backend {cfg.backend!r}; 'local' or 'dask'")
    out = Path(cfg.out)
    for folder in (out, *out.parents):
        try:
            there = folder.exists() or folder.is_symlink()
        except OSError as exc:  # a folder on the way that may not be looked into
            raise BatchError(f"{folder}: cannot be looked into: {exc.strerror}") from None
        if there:
            if not folder.is_dir():
                what = "is a file" if folder.is_file() else "is not a folder"
                raise BatchError(f"{folder}: {what}; give --out a folder")
            break


def chunk_size(n: int, jobs: int, variants: int) -> int:
    """Enough chunks to keep every worker busy, few enough to keep overhead small."""
    target = math.ceil(n / (jobs * 20))
    size = max(1, min(max(target, 5), max(1, 400 // variants)))
    return max(size, -(-n // MAX_CHUNKS))


#: the last few chunks' worth of a batch goes in chunks this many times smaller
TAPER = 4


def chunk_plan(n: int, size: int) -> list[tuple[int, int]]:
    """(first replication, count) of every chunk, in the order they go out.

    Chunks of ``size``, except at the end: the last ``TAPER`` chunks' worth of
    replications goes in chunks a ``TAPER``-th of the size, so that the workers run out
    of work within a small chunk's time of one another instead of one of them working
    on alone through a last full chunk. A batch of fewer than ``2 * TAPER`` chunks, of
    chunks of one replication, or that would have more than ``MAX_CHUNKS`` chunks is
    all chunks of ``size``. The plan depends on ``n`` and ``size`` only (the manifest
    records both), never on the number of workers, so a resumed batch finds the same
    chunks whatever ``--jobs`` it is given.
    """
    small = -(-size // TAPER)  # a TAPER-th of a chunk, rounded up
    body = (n - TAPER * size) // size * size  # whole chunks, then at least TAPER chunks' worth
    if (small == size or n < 2 * TAPER * size
            or body // size + -(-(n - body) // small) > MAX_CHUNKS):
        body = n
    plan = [(s, min(size, body - s)) for s in range(0, body, size)]
    plan += [(s, min(small, n - s)) for s in range(body, n, small)]
    return plan


CHUNK_NAME = re.compile(r"rows-(\d{9,})-(\d+)\.csv")
CHECKSUMS = "chunks.sha256"
MANIFEST = "manifest.json"
#: the files a batch writes in its folder (sweep.* written by the command)
OWN_FILES = (MANIFEST, CHECKSUMS, "replications.csv", "replications.parquet", "summary.json",
             "summary.txt", "sweep.txt", "sweep.svg")
#: the temporary files of those writes (``.NAME.RANDOM.part``, see sim.safe.files), in
#: the folder and in chunks/: the only files a batch ever removes besides its chunks
_OWN_PART = re.compile(r"\.(?:" + "|".join(re.escape(f) for f in OWN_FILES)
                       + r")\.[A-Za-z0-9_]+\.part")
_CHUNK_PART = re.compile(r"\.rows-\d{9,}-\d+\.csv\.[A-Za-z0-9_]+\.part")
_CHECKSUM_LINE = re.compile(r"([0-9a-f]{64})  chunks/(rows-\d{9,}-\d+\.csv)")


def _chunk_name(start: int, count: int) -> str:
    return f"rows-{start:09d}-{count}.csv"


def _chunk_path(out: Path, start: int, count: int) -> Path:
    return out / "chunks" / _chunk_name(start, count)


def batch_key(payload: str) -> str:
    """What names a batch in its manifest and in every chunk: the sha256 of the
    scenarios it runs (the baseline and every variant, as sent to the workers)."""
    return hashlib.sha256(payload.encode()).hexdigest()


def chunk_header(key: str) -> bytes:
    """A chunk's first line: the batch it belongs to (never copied to replications.csv)."""
    return f"# batch {key}\r\n".encode()


def chunk_bytes(rows: list[tuple], key: str) -> bytes:
    """A chunk file's content: the header naming its batch, then CSV rows, values as
    ``repr`` of the float (lossless)."""
    buf = io.StringIO(newline="")
    buf.write(chunk_header(key).decode())
    w = csv.writer(buf)
    for row in rows:
        value = row[-1]
        w.writerow((*row[:-1], "" if value is None else repr(float(value))))
    return buf.getvalue().encode("utf-8")


def write_chunk(out: Path, start: int, count: int, rows: list[tuple], key: str) -> str:
    """Write a chunk atomically (``0600``); returns the sha256 of what was written."""
    data = chunk_bytes(rows, key)
    write_private(_chunk_path(out, start, count), data)
    return hashlib.sha256(data).hexdigest()


def _open_regular(path: Path) -> int | None:
    """A read descriptor of ``path`` if it is a regular file (not a link, pipe or device)."""
    flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_BINARY", 0))  # Windows reads a file's bytes as they are only so
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def file_sha256(path: Path) -> str | None:
    """sha256 of a regular file, or None when it is missing or not a regular file."""
    fd = _open_regular(path)
    if fd is None:
        return None
    digest = hashlib.sha256()
    try:
        while block := os.read(fd, 1 << 20):
            digest.update(block)
    except OSError:
        return None
    finally:
        os.close(fd)
    return digest.hexdigest()


class _HashingReader(io.RawIOBase):
    """Reads a file descriptor and hashes every byte read (and keeps them, if asked)."""

    def __init__(self, fd: int, keep: bytearray | None = None) -> None:
        self._fd = fd
        self.sha = hashlib.sha256()
        self.keep = keep

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        data = os.read(self._fd, len(buf))
        buf[: len(data)] = data
        self.sha.update(data)
        if self.keep is not None:
            self.keep += data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _manifest(loaded: LoadedScenario, payload: str, cfg: BatchConfig, size: int) -> dict:
    return {
        "format": "drill-batch-manifest",
        # 2: every chunk starts with a line naming its batch; 3: chunks have lost.outage;
        # 4: an expectation not in play has a .not_in_play row, not .met and .lateness;
        # 5: chunks have le.police_to_central_authority and injects_lost, messages_lost
        # counts the teams' messages only, and an expectation of an incident whose
        # opening was skipped is not in play; 6: an incident that never opened in a run
        # has its rows, with empty values; 7: "every affected CERT reached" of an
        # incident with no affected CERT in the drill has a .not_applicable row; 8: so
        # have a law-enforcement step, the chain's end and the regional coordinator the
        # drill has no bodies for; 9: so has "every affected CERT reached" of an incident
        # that never opened in a run, when none of its injects names an affected country
        # with a CERT in the drill; 10: chunks have lost.never_on_duty
        "version": 10,
        "scenario": loaded.scenario.drill.id,
        "payload_sha256": batch_key(payload),
        "seed": cfg.seed,
        "n": cfg.n,
        "chunk": size,
    }


def _read_manifest(path: Path) -> dict:
    def damaged(why: str) -> BatchError:
        return BatchError(f"{path}: is damaged ({why}); it cannot say which batch this folder "
                          "holds; run the batch again with another --out")

    if path.is_symlink():  # the folder's files are data: a link in it is never followed
        raise damaged("a symbolic link, not a file")
    try:
        text = read_bounded(path, MANIFEST_LIMIT, what="batch manifest").decode("utf-8")
        manifest = json.loads(text)
    except Unreadable as exc:
        raise BatchError(str(exc)) from None
    except (UnicodeDecodeError, ValueError):
        raise damaged("not a batch manifest") from None
    except RecursionError:
        raise damaged("nested too deeply") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "drill-batch-manifest":
        raise damaged("not a batch manifest")
    size = manifest.get("chunk")
    if not _is_int(size) or size < 1:
        raise damaged("its chunk size is not a whole number above 0")
    return manifest


def _read_checksums(out: Path, limit: int) -> dict[str, str]:
    """Recorded sha256 by chunk name; a torn or foreign line records nothing."""
    try:
        data = read_bounded(out / CHECKSUMS, limit, what="checksum list")
    except Unreadable:
        return {}
    recorded: dict[str, str] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        m = _CHECKSUM_LINE.fullmatch(line)
        if m:
            recorded[m.group(2)] = m.group(1)
    return recorded


def _clear_leftovers(out: Path) -> None:
    """Temporary files of this batch's writes that a crash cut short (never complete
    files, never a file of another name)."""
    for folder, own in ((out, _OWN_PART), (out / "chunks", _CHUNK_PART)):
        if not folder.is_dir():
            continue
        for p in _listed(folder):
            if own.fullmatch(p.name) and not p.is_dir():
                with contextlib.suppress(OSError):
                    p.unlink()


def _only_leftovers(out: Path) -> bool:
    """Whether ``out`` holds nothing but what a batch killed as it started leaves: its
    own temporary files and a chunks/ folder of nothing else."""
    for p in _listed(out):
        if _OWN_PART.fullmatch(p.name) and not p.is_dir():
            continue
        if (p.name == "chunks" and p.is_dir() and not p.is_symlink()
                and all(_CHUNK_PART.fullmatch(q.name) for q in _listed(p))):
            continue
        return False
    return True


def _is_batch_manifest(path: Path) -> bool:
    """Whether ``path`` is a manifest written by ``drill batch`` (of any version): never
    a symbolic link, which the folder's files never are."""
    if path.is_symlink():
        return False
    try:
        manifest = json.loads(read_bounded(path, MANIFEST_LIMIT, what="batch manifest"))
    except (Unreadable, UnicodeDecodeError, ValueError, RecursionError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == "drill-batch-manifest"


def _check_fresh(out: Path) -> None:
    """A batch is started only in a new or empty folder, or resumed in a batch folder:
    one with a batch manifest. Refused before anything in the folder is touched."""
    manifest = out / MANIFEST
    if manifest.exists() or manifest.is_symlink():
        if _is_batch_manifest(manifest):
            return
        why = f"{manifest} is not a batch manifest"
    elif not out.is_dir() or _only_leftovers(out):
        return
    else:
        why = f"no {MANIFEST}"
    raise BatchError(f"{out}: is not empty and holds no batch ({why}); give --out a new or "
                     "empty folder")


def _listed(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError as exc:
        raise FileProblem(f"{folder}: cannot list the folder: {exc.strerror}") from None


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise FileProblem(f"{path}: cannot remove: {exc.strerror}") from None


def _chunk_files(out: Path) -> list[Path]:
    chunks = out / "chunks"
    if not chunks.is_dir():
        return []
    return [p for p in _listed(chunks) if CHUNK_NAME.fullmatch(p.name)]


@dataclass
class BatchResult:
    summary: dict[str, Any]
    out: Path
    files: list[Path]


Progress = Callable[[int], None]
Notice = Callable[[str], None]


def run_batch(
    loaded: LoadedScenario,
    variants: list[Variant],
    cfg: BatchConfig,
    progress: Callable[[int, int], Progress] | None = None,
    notice: Notice | None = None,
    allow_include: tuple[str | Path, ...] = (),
) -> BatchResult:
    """Run (or resume) a batch and write its outputs; returns the summary.

    ``notice`` receives one line for each thing a resume found and repaired (a
    damaged chunk run again, say). A variant may read artefact files from the folders
    in ``allow_include`` too, as the scenario may (``--allow-include``).
    """
    check_config(cfg)
    checked = checked_variants(loaded, variants, allow_include)
    scenarios = [(name, data) for name, data, _ in checked]
    check_runnable(loaded, scenarios)
    # in the scenario's own order: actors, channels and injects in the order the file
    # gives them, so that a replication is the run `drill run --seed` gives
    payload = json.dumps(scenarios)
    jobs = cfg.jobs or os.cpu_count() or 1
    say = notice or (lambda line: None)
    order = expectation_order([scenario for _, _, scenario in checked])
    try:
        return _run(loaded, scenarios, payload, cfg, jobs, progress, say, order)
    except FileProblem as exc:
        raise BatchError(str(exc)) from None


def _prepare(loaded: LoadedScenario, payload: str, cfg: BatchConfig, jobs: int,
             variants: int, say: Notice) -> tuple[int, bool]:
    """Check or create the batch folder; (chunk size, whether it is a resume)."""
    out = Path(cfg.out)
    manifest_path = out / MANIFEST
    resume = cfg.resume
    if (out / "chunks").is_symlink():
        raise BatchError(f"{out / 'chunks'}: is a symbolic link; a batch keeps its chunks in "
                         "its own folder")
    if resume and not (manifest_path.exists() or manifest_path.is_symlink()):
        if _chunk_files(out):
            raise BatchError(f"{out}: holds chunks but no manifest.json, so nothing says which "
                             "batch they belong to; run the batch again with another --out")
        _check_fresh(out)
        say(f"nothing to resume in {out}; starting the batch")
        resume = False
    if resume:
        manifest = _read_manifest(manifest_path)
        size = manifest["chunk"]
        expected = _manifest(loaded, payload, cfg, size)
        if manifest != expected:
            changed = [k for k in expected if manifest.get(k) != expected[k]]
            older = manifest.get("version")
            if _is_int(older) and 1 <= older < expected["version"]:
                raise BatchError(
                    f"{out}: the batch there was written by an earlier version of acid-drill, "
                    "whose chunks this version cannot check; run the batch again with "
                    "another --out")
            if set(manifest) - set(expected):  # never echo what the file holds
                changed.append("unknown fields")
            raise BatchError(
                f"{out}: the batch there differs from this one ({', '.join(changed)}); "
                "resume with the same scenario, variants, seed and -n"
            )
        if -(-cfg.n // size) > MAX_CHUNKS:
            raise BatchError(f"{manifest_path}: is damaged (chunk size {size} is too small)")
        return size, True
    _check_fresh(out)
    if manifest_path.exists() or manifest_path.is_symlink() or _chunk_files(out):
        # a batch's folder, finished or not, with its chunks or without them: never
        # written over by another batch
        raise BatchError(f"{out}: already holds a batch; use --resume, or another --out")
    size = cfg.chunk or chunk_size(cfg.n, jobs, variants)
    # the manifest first: from then on the folder says it is a batch folder
    write_private(manifest_path, json.dumps(_manifest(loaded, payload, cfg, size), indent=2) + "\n")
    private_dir(out / "chunks")
    _clear_leftovers(out)
    write_private(out / CHECKSUMS, "")
    return size, False


def _verify(out: Path, tasks: list[tuple[int, int]], say: Notice) -> set[tuple[int, int]]:
    """The chunks of ``tasks`` already finished and intact; every other chunk file goes."""
    _clear_leftovers(out)
    recorded = _read_checksums(out, 200 * len(tasks) + 4096)
    good: set[tuple[int, int]] = set()
    unrecorded = 0
    for start, count in tasks:
        name = _chunk_name(start, count)
        path = out / "chunks" / name
        if not (path.exists() or path.is_symlink()):
            continue
        want = recorded.get(name)
        if want is not None and file_sha256(path) == want:
            good.add((start, count))
            continue
        if want is None:
            unrecorded += 1
        else:
            say(f"{path}: damaged or from another batch (checksum differs); running it again")
        _remove(path)
    if unrecorded:
        say(f"{unrecorded} chunk{'s' if unrecorded != 1 else ''} in {out / 'chunks'} "
            "finished as the batch stopped but never recorded; running "
            f"{'them' if unrecorded != 1 else 'it'} again")
    keep = {_chunk_name(s, c) for s, c in good}
    for path in _chunk_files(out):
        if path.name not in keep:  # not a chunk of this batch's plan
            say(f"{path}: not a chunk of this batch; removed")
            _remove(path)
    lines = "".join(f"{recorded[_chunk_name(s, c)]}  chunks/{_chunk_name(s, c)}\n"
                    for s, c in sorted(good))
    write_private(out / CHECKSUMS, lines)
    return good


class _Record:
    """Appends a finished chunk's sha256 to ``chunks.sha256`` (one writer: the parent)."""

    def __init__(self, out: Path) -> None:
        self.path = out / CHECKSUMS
        # created 0600 by write_private; appended to, never created or followed here
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            self.fh = os.fdopen(os.open(self.path, flags), "a", encoding="utf-8")
        except OSError as exc:
            raise FileProblem(f"{self.path}: cannot write: {exc.strerror}") from None

    def add(self, start: int, count: int, digest: str) -> None:
        # the chunk is already on disk (fsynced, renamed): a line lost to a power cut
        # only means the chunk runs again, so the line needs no fsync of its own
        try:
            self.fh.write(f"{digest}  chunks/{_chunk_name(start, count)}\n")
            self.fh.flush()
        except OSError as exc:
            raise FileProblem(f"{self.path}: cannot write: {exc.strerror}") from None

    def close(self) -> None:
        self.fh.close()


def _run(loaded: LoadedScenario, scenarios: list[tuple[str, dict]], payload: str,
         cfg: BatchConfig, jobs: int, progress: Callable[[int, int], Progress] | None,
         say: Notice, order: ExpectationOrder) -> BatchResult:
    out = Path(cfg.out)
    size, resumed = _prepare(loaded, payload, cfg, jobs, len(scenarios), say)
    tasks = chunk_plan(cfg.n, size)
    done = _verify(out, tasks, say) if resumed else set()
    todo = [t for t in tasks if t not in done]
    tick = progress(cfg.n, sum(c for _, c in done)) if progress else (lambda k: None)
    key = batch_key(payload)  # what every chunk of this batch names in its first line
    with contextlib.ExitStack() as stack:
        record = _Record(out)
        stack.callback(record.close)
        join = _Join(out, tasks, [name for name, _ in scenarios], cfg.confidence, cfg.seed,
                     key, _read_checksums(out, 200 * len(tasks) + 4096), stack, order)

        def finished(start: int, count: int, digest: str, tally: Tally) -> None:
            record.add(start, count, digest)
            tick(count)
            join.ready(start, count, digest, tally)

        if todo and cfg.backend == "dask":
            _run_dask(payload, key, cfg, todo, out, finished)
        elif todo:
            _run_local(payload, key, cfg, min(jobs, len(todo)), todo, out, finished)
        record.close()
        return join.finish()


# --- local workers -----------------------------------------------------------------

_PARENT: int | None = None
PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies (True if armed)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError, ValueError):
        return False


def _watch_parent(parent: int, interval: float = 0.2) -> None:
    """The portable fallback: leave as soon as the parent is gone (we get a new one)."""
    while True:
        time.sleep(interval)
        if os.getppid() != parent:
            os._exit(1)


def _worker_start(parent: int, use_prctl: bool = True) -> None:
    """Initializer of every local worker: die with the parent, leave Ctrl-C to it."""
    global _PARENT
    _PARENT = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    armed = use_prctl and _parent_death_signal()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent",
                         daemon=True).start()


def run_chunk_tallied(payload: str, base_seed: int, start: int,
                      count: int) -> tuple[list[tuple], Tally]:
    """A chunk's rows and their tally (a Dask task)."""
    rows = run_chunk(payload, base_seed, start, count)
    return rows, tally_rows(rows, [name for name, _ in _scenarios(payload)])


def run_chunk_to_file(payload: str, base_seed: int, start: int, count: int,
                      out: str, key: str) -> tuple[str, Tally]:
    """A local task: run a chunk, write it and tally it, so that the parent does no
    per-row work."""
    rows, tally = run_chunk_tallied(payload, base_seed, start, count)
    if _PARENT is not None and os.getppid() != _PARENT:  # orphaned: write nothing
        os._exit(1)
    return write_chunk(Path(out), start, count, rows, key), tally


def _result(fut: Future) -> tuple[str, Tally]:
    """A local task's chunk checksum and tally; a worker's failure as one line."""
    try:
        result = fut.result()
    except (BatchError, FileProblem):
        raise
    except BrokenProcessPool:
        raise BatchCannotRun("a worker process died (out of memory?); finished chunks are "
                             "kept: carry on with --resume") from None
    except Exception as exc:
        raise BatchCannotRun(f"a worker failed: {type(exc).__name__}: {_first_line(exc)}"
                             ) from None
    return result


def _run_local(payload: str, key: str, cfg: BatchConfig, jobs: int,
               todo: list[tuple[int, int]], out: Path,
               finished: Callable[[int, int, str, Tally], None]) -> None:
    if len(todo) == 1:  # one chunk: no pool to start, nothing to overlap
        [(start, count)] = todo
        rows, tally = run_chunk_tallied(payload, cfg.seed, start, count)
        finished(start, count, write_chunk(out, start, count, rows, key), tally)
        return
    # --jobs 1 runs its chunks in one worker too, as --jobs N does in N: the command's
    # own process joins the finished chunks meanwhile, whatever the number of workers
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_start,
                             initargs=(os.getpid(),)) as pool:
        pending: dict[Future, tuple[int, int]] = {}
        queue = list(todo)
        try:
            while queue or pending:
                while queue and len(pending) < jobs * 2:
                    start, count = queue.pop(0)
                    fut = pool.submit(run_chunk_to_file, payload, cfg.seed, start, count,
                                      str(out), key)
                    pending[fut] = (start, count)
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    start, count = pending.pop(fut)
                    finished(start, count, *_result(fut))
        except BaseException:
            _stop_pool(pool)
            raise


#: how long stopping a pool waits for its management thread and its workers to end
_STOP_WAIT = 10.0


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` at once (Ctrl-C, or a chunk that failed): no worker carries on
    writing chunks nobody will record, and the pool's management thread has ended when
    this returns, so nothing of the pool is left running for the interpreter's exit to
    wake (it would write to a pipe closed under it and print a traceback)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.terminate()
    # the management thread sees its workers gone, fails what was pending, closes its
    # pipes and ends
    if manager is not None and manager.is_alive():
        manager.join(_STOP_WAIT)
    for proc in workers:
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            proc.join(_STOP_WAIT)


def _run_dask(payload: str, key: str, cfg: BatchConfig, todo: list[tuple[int, int]],
               out: Path, finished: Callable[[int, int, str, Tally], None]) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise BatchError(
            "the dask backend needs the 'distributed' package: pip install 'acid-drill[dask]'"
        ) from None
    try:
        client = Client(cfg.scheduler, timeout="10s")
    except (OSError, ValueError, TypeError) as exc:
        raise BatchCannotRun(
            f"cannot reach the Dask scheduler {cfg.scheduler}: {_first_line(exc)}") from None
    try:
        shared = client.scatter(payload, broadcast=True)
        futures = {
            client.submit(run_chunk_tallied, shared, cfg.seed, start, count,
                          pure=False): (start, count)
            for start, count in todo
        }
        for fut in as_completed(futures):
            start, count = futures[fut]
            rows, tally = fut.result()
            finished(start, count, write_chunk(out, start, count, rows, key), tally)
    except (OSError, CancelledError) as exc:
        # a scheduler that goes away cancels every task it held
        why = _first_line(exc) or "its tasks were cancelled"
        raise BatchCannotRun(f"lost the Dask scheduler {cfg.scheduler}: {why}") from None
    finally:
        client.close()


# --- the join --------------------------------------------------------------------


def _read_chunk(out: Path, start: int, count: int, want: str | None, key: str,
                keep: bytearray | None = None) -> Iterator[list[str]]:
    """The rows of a chunk of batch ``key``, checked against its recorded sha256 once
    read to the end; its bytes, header line included, are added to ``keep``, when
    given, as they are read.

    A chunk that fails a check is removed, so that ``--resume`` runs it again.
    """
    path = _chunk_path(out, start, count)
    fd = _open_regular(path)
    if fd is None:
        raise BatchError(f"{path}: missing or not a regular file; carry on with --resume")
    raw = _HashingReader(fd, keep)
    with io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding="utf-8", newline="") as text:
        try:
            first = text.readline(100)
            if not first:
                _refuse(path, "is damaged (replications are missing)")
            if first != chunk_header(key).decode():
                # same seed and variant names, other scenarios: its rows alone look right
                _refuse(path, "holds rows of another batch (its first line names another)")
            yield from csv.reader(text)
        except (UnicodeDecodeError, csv.Error):
            _refuse(path, "is damaged")
    if raw.sha.hexdigest() != want:
        _refuse(path, "changed after it was written (checksum differs)")


def _refuse(path: Path, why: str) -> None:
    _remove(path)
    raise BatchError(f"{path}: {why}; removed it: carry on with --resume to run it again")


class _Join:
    """Joins the chunks in order into replications.csv and summarises in one pass.

    A chunk is joined as soon as it and every chunk before it are finished, so the
    join runs while the workers are still computing; the rows reach the file and the
    summary in replication order all the same. Each chunk must match its recorded
    checksum, when joined and once more at the end. A chunk a worker finished in this
    run comes with its tally, and its bytes are only checked and copied. A chunk found
    on disk (a resumed batch) is read row by row, and each row must belong to this
    batch (a known variant, a replication of the chunk's range, that replication's
    seed): a chunk of another batch never reaches the summary. Nothing is written
    unless every chunk is joined.
    """

    def __init__(self, out: Path, tasks: list[tuple[int, int]], variants: list[str],
                 confidence: float, seed: int, key: str, recorded: dict[str, str],
                 stack: contextlib.ExitStack, order: ExpectationOrder | None = None) -> None:
        self.out, self.tasks, self.seed, self.key = out, tasks, seed, key
        self.variants = variants
        self.recorded = recorded
        self.agg = Aggregate(variants, confidence, order or {})
        self.csv_path = out / "replications.csv"
        # the file is renamed into place only when the stack closes without an error
        self.file = stack.enter_context(open_private(self.csv_path, "wb"))
        header = io.StringIO(newline="")
        csv.writer(header).writerow(ROW_FIELDS)
        self.file.write(header.getvalue().encode("utf-8"))
        self.stack = stack
        self.next = 0
        #: tallies of chunks finished in this run, until their turn to be joined
        self.tallies: dict[tuple[int, int], Tally] = {}
        self._advance()

    def ready(self, start: int, count: int, digest: str, tally: Tally) -> None:
        self.recorded[_chunk_name(start, count)] = digest
        self.tallies[(start, count)] = tally
        self._advance()

    def _advance(self) -> None:
        while self.next < len(self.tasks):
            start, count = self.tasks[self.next]
            want = self.recorded.get(_chunk_name(start, count))
            if want is None:
                return
            tally = self.tallies.pop((start, count), None)
            if tally is None:
                self._join(start, count, want)
            else:
                self._join_tallied(start, count, want, tally)
            self.next += 1

    def _join_tallied(self, start: int, count: int, want: str, tally: Tally) -> None:
        """Summarise a chunk finished in this run from its tally, and copy it to
        replications.csv once its bytes are checked: they are what the worker wrote
        (its checksum) and start with this batch's line."""
        path = _chunk_path(self.out, start, count)
        fd = _open_regular(path)
        if fd is None:
            raise BatchError(f"{path}: missing or not a regular file; carry on with --resume")
        data = bytearray()
        try:
            while block := os.read(fd, 1 << 20):
                data += block
        except OSError as exc:
            raise BatchError(f"{path}: cannot read: {exc.strerror}") from None
        finally:
            os.close(fd)
        if hashlib.sha256(data).hexdigest() != want:
            _refuse(path, "changed after it was written (checksum differs)")
        header = chunk_header(self.key)
        if not data.startswith(header) or not data.endswith(b"\r\n"):
            _refuse(path, "holds rows of another batch (its first line names another)")
        self.agg.merge(tally)
        self.file.write(memoryview(data)[len(header):])

    def _join(self, start: int, count: int, want: str) -> None:
        """Check and summarise a chunk's rows, then copy it to replications.csv as it
        is: its rows are already written as the file writes them (``chunk_bytes``)."""
        known = set(self.variants)
        tally = Tally(self.variants)
        path = _chunk_path(self.out, start, count)
        cur_rep, cur_seed = start - 1, ""
        seen = known  # the variants of the replication under way
        data = bytearray()
        for row in _read_chunk(self.out, start, count, want, self.key, data):
            try:
                rep = int(row[1])
                value = float(row[5]) if row[5] else None
                if rep != cur_rep:
                    # replications come in order, each with rows of every variant
                    if rep != cur_rep + 1 or seen != known:
                        _refuse(path, "is damaged (replications are missing or out of order)")
                    cur_rep, cur_seed, seen = rep, str(replication_seed(self.seed, rep)), set()
                ok = (len(row) == 6 and row[0] in known and rep < start + count
                      and row[2] == cur_seed)
            except (ValueError, IndexError):
                ok = False
            if not ok:
                _refuse(path, "holds a row of another batch")
            seen.add(row[0])
            tally.add(row[0], rep, row[3], row[4], value)
        if cur_rep != start + count - 1 or seen != known:
            _refuse(path, "is damaged (replications are missing)")
        # copied as it is: it must end as every row written by ``chunk_bytes`` does
        if not data.endswith(b"\r\n"):
            _refuse(path, "is damaged (its last row is cut short)")
        self.agg.merge(tally)
        self.file.write(memoryview(data)[len(chunk_header(self.key)):])

    def finish(self) -> BatchResult:
        if self.next < len(self.tasks):  # a chunk never finished (cannot happen)
            start, count = self.tasks[self.next]
            raise BatchError(f"{_chunk_path(self.out, start, count)}: missing; carry on with "
                             "--resume")
        # a chunk joined early is checked once more at the end, as the run leaves it
        for start, count in self.tasks:
            path = _chunk_path(self.out, start, count)
            if file_sha256(path) != self.recorded.get(_chunk_name(start, count)):
                _refuse(path, "changed after it was written (checksum differs)")
        # recorded as the chunks finished, in whatever order that was: listed again in
        # chunk order, so that the same batch always leaves the same folder
        write_private(self.out / CHECKSUMS, "".join(
            f"{self.recorded[name]}  chunks/{name}\n"
            for name in (_chunk_name(start, count) for start, count in self.tasks)))
        self.stack.close()  # replications.csv in place
        out, agg = self.out, self.agg
        agg.finish()
        summary = agg.summary()
        files = [self.csv_path]
        parquet = _to_parquet(self.csv_path)
        if parquet:
            files.append(parquet)
        write_private(out / "summary.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
        write_private(out / "summary.txt", render_summary(summary))
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
    with open_private(target, "wb") as fh, pq.ParquetWriter(fh, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    return target


# --- the readable table ----------------------------------------------------------


def _hours(v: float | None) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v / 60:.2f}"


def _signed(v: float, scale: float) -> str:
    return f"{v / scale:+.3f}"


def _bounds(ci: list[float | None], show: Callable[[float], str]) -> str:
    """``[lo, hi]``, a bound the values cannot give (too few reached it) shown as ``?``."""
    return "[" + ", ".join("?" if c is None else show(c) for c in ci) + "]"


def _change(value: float, decimals: int, scale: float = 1.0, rate: bool = False) -> str:
    """A signed change, never rounded to 0 unless it is exactly that (as :func:`~sim.analysis.stats.percent`
    does for a rate): 1 run in 2,100 is ``<+0.1`` points, -1 in 2,100 ``>-0.1``. A change
    of a ``rate`` (from -1 to +1, shown times ``scale``) is not rounded to the whole
    of it either: ``>+99.9`` points, not ``+100.0``, unless it is exactly that."""
    text = f"{value * scale:+.{decimals}f}"
    step = 10.0 ** -decimals
    if value != 0 and float(text) == 0:
        return f"<+{step:.{decimals}f}" if value > 0 else f">-{step:.{decimals}f}"
    if rate and abs(value) < 1 and abs(float(text)) >= scale:
        most = f"{scale - step:.{decimals}f}"
        return f">+{most}" if value > 0 else f"<-{most}"
    return text


def _label(incident: str, metric: str) -> str:
    return one_line(f"{incident} {metric}".strip())


def _is_time(metric: str) -> bool:
    return not (metric in ("score", "messages_lost", "injects_lost", "messages_bounced",
                           "tlp_violations")
                or metric.startswith("lost.") or metric.endswith(".met"))


def render_summary(s: dict[str, Any]) -> str:
    pct = f"{round(s['confidence'] * 100)}%"
    lines = [f"{s['replications']:,} replications per variant; {pct} confidence intervals "
             "in brackets (? where too few replications reached it to bound it); times in "
             "hours after the incident opened, over the replications that reached them", ""]
    for variant, data in s["variants"].items():
        lines.append(f"== {one_line(variant)}")
        lines.append(f"  {'metric':<38}{'reached':>8}  {'mean [CI]':<22}{'median [CI]':<22}"
                     f"{'p90':>7}{'p95':>7}{'max':>8}")
        for m in data["metrics"]:
            if not m["metric"].startswith("expectation.") and _is_time(m["metric"]):
                label = _label(m["incident"], m["metric"])
                # where it did not apply (no affected CERT in the drill): neither reached
                # nor missed, and left out of the rate
                absent = m.get("not_applicable", 0)
                unused = f"not applicable in {absent:,}" + (
                    f": {MAY_NOT_APPLY[m['metric']]}" if m["metric"] in MAY_NOT_APPLY else "")
                if m["reached"]["rate"] is None:
                    lines.append(f"  {label:<38}{'n/a':>8}  {unused}")
                    continue
                reached = percent(m["reached"]["rate"])
                if m.get("n"):
                    mean = f"{_hours(m['mean'])} {_bounds(m['mean_ci'], _hours)}"
                    med = f"{_hours(m['median'])} {_bounds(m['median_ci'], _hours)}"
                    tail = f"{_hours(m['p90']):>7}{_hours(m['p95']):>7}{_hours(m['max']):>8}"
                else:
                    mean = med = tail = ""
                line = f"  {label:<38}{reached:>8}  {mean:<22}{med:<22}{tail}"
                if absent:  # the rate is over the runs where it applied: say so
                    line = f"{line.rstrip()}  over {m['reached']['n']:,} runs; {unused}"
                lines.append(line)
        lines.append("  expectations met")
        for x in data["expectations"]:
            name, incident = one_line(x["expectation"]), one_line(x["incident"])
            still_open = x.get("open", 0)
            # its inject skipped: neither decided nor open (as `drill run` leaves it out)
            absent = x.get("not_in_play", 0)
            if not x["n"]:
                why = [f"not in play in {absent:,}"] if absent else []
                if still_open:
                    why.append(f"still open at the end in {'all ' if not absent else ''}"
                               f"{still_open:,}")
                lines.append(f"    {name:<8}{'-':>7}  ({incident})  never decided: "
                             + ", ".join(why))
                continue
            # the rate is over the replications where it was decided: say so when that
            # is not every replication
            lo, hi = x["rate_ci"]
            line = (f"    {name:<8}{percent(x['rate'], 1):>7}  "
                    f"[{lo * 100:.1f}, {hi * 100:.1f}]  ({incident})")
            if still_open or absent:
                line += f"  of {x['n']:,} decided"
            if still_open:
                line += f"; {still_open:,} still open at the end"
            if absent:
                line += f"; not in play in {absent:,}"
            lines.append(line)
        for m in data["metrics"]:
            if not _is_time(m["metric"]) and m.get("n"):
                lines.append(f"  {one_line(m['metric']):<24} per drill: mean {m['mean']:.2f} "
                             f"{_bounds(m['mean_ci'], '{:.2f}'.format)}, max {m['max']:g}")
        lines.append("")
    if s["differences"]:
        lines.append("== paired differences, variant minus baseline (common random numbers)")
        unchanged: dict[str, int] = {}
        for d in s["differences"]:
            if d["metric"].endswith(".lateness"):
                continue
            # padded to the columns, and always at least one space after each part
            label = f"  {one_line(d['variant']):<17} {_label(d['incident'], d['metric']):<37} "
            met = d["metric"].endswith(".met")
            if met:
                # an expectation's paired difference is its change in met rate already
                # (open counting as not met): one line says it, with the interval of
                # that change; unchanged when it was met alike in every pair
                value_changed = d["pairs"] > 0 and d.get("rate_changed_in", 0) > 0
                rate_changed = False
            else:
                # a single pair has no interval: unchanged when its one difference is 0
                value_changed = d["pairs"] > 0 and not (
                    d["mean_difference"] == 0 and d["ci"] in ([0.0, 0.0], [None, None]))
                rate_changed = d.get("rate_changed_in", 0) > 0
            if d["pairs"] == 0 and not rate_changed:
                # never compared (an expectation never in play in both, in a summary
                # written before such entries were left out): not identical either
                continue
            if not (value_changed or rate_changed):
                unchanged[d["variant"]] = unchanged.get(d["variant"], 0) + 1
                continue
            if rate_changed:
                lo, hi = (c * 100 for c in d["rate_difference_ci"])
                # 1 replication in 2,100 shows as <+0.1 points, not as +0.0
                points = _change(d["rate_difference"], 1, 100, rate=True)
                lines.append(
                    f"{label}happened {percent(d['rate_baseline'])} -> "
                    f"{percent(d['rate_variant'])}: {points} points [{lo:+.1f}, {hi:+.1f}]")
            if value_changed:
                time_metric = _is_time(d["metric"])
                unit = "h" if time_metric else ""
                scale = 60 if time_metric else 1
                ci = _bounds(d["rate_difference_ci"] if met else d["ci"],
                             partial(_signed, scale=scale))
                # a met rate's change of 1 in 2,100 shows as <+0.001, not as +0.000
                change = _change(d["mean_difference"] / scale, 3, rate=met)
                lines.append(
                    f"{label}{change:>9}{unit} {ci}  "
                    f"({d['pairs']:,} pairs)")
        for variant, n in unchanged.items():
            lines.append(f"  {one_line(variant):<17} {n} other metrics identical in every "
                         "replication")
    return "\n".join(lines) + "\n"


# --- sweeps ----------------------------------------------------------------------


def _find(summary: dict[str, Any], variant: str, metric: str) -> dict[str, Any] | None:
    incident, _, name = metric.rpartition(":")
    for m in summary["variants"][variant]["metrics"]:
        if m["metric"] == name and (not incident or m["incident"] == incident):
            return m
    return None


def sweep_unit(metric: str) -> str:
    """What a metric's sweep figures are in: hours, or what the metric counts."""
    name = metric.rpartition(":")[2]
    if _is_time(name):
        return "hours"
    return "points" if name == "score" else "per drill" if name in RUN_METRICS else "share"


def sweep_ylabel(metric: str) -> str:
    """The y label of a sweep's chart: what it shows, and over which runs."""
    label = f"{metric} ({sweep_unit(metric)})"
    if metric.rpartition(":")[2] in RUN_METRICS:
        return label  # counted in every run
    return label + ", over the runs that reached it"


def sweep_reached(summary: dict[str, Any], sweep: list[Variant], metric: str
                  ) -> list[tuple[int, int]] | None:
    """How many runs of how many reached the metric at each swept value, for the chart
    to show beside the figures over those runs; None for a metric counted in every run
    (the score, lost messages)."""
    if metric.rpartition(":")[2] in RUN_METRICS:
        return None
    counts = []
    for v in sweep:
        m = _find(summary, v.name, metric)
        runs = summary.get("replications", 0)
        if m is None:
            counts.append((0, runs))
            continue
        counts.append((m.get("n", 0), m["reached"].get("n", runs)))
    return counts


def sweep_table(summary: dict[str, Any], sweep: list[Variant], metric: str
                ) -> tuple[str, list[float], dict[str, list[float | None]],
                           dict[str, list[tuple[float, float] | None]]]:
    """A table of one metric across the swept values, and the series to plot (hours).

    Values that are not all numbers are plotted at 0, 1, ... in the order given, and
    the x positions are an :class:`~sim.analysis.plot.Axis` that carries the values as
    text: the charts label their axis with it."""
    from sim.analysis.plot import Axis

    label = sweep[0].changes[0][0]
    values = [v.changes[0][1] for v in sweep]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    xs = [float(v) for v in values] if numeric else Axis(
        (float(i) for i in range(len(values))), (value_text(v) for v in values))
    name = metric.rpartition(":")[2]
    unit = 60 if _is_time(name) else 1
    lines = [f"sweep of {one_line(label)}: {one_line(metric)} ({sweep_unit(name)})",
             f"  {'value':<16}{'reached':>8}  {'mean [CI]':<24}{'median':>8}{'p90':>8}"]
    means: list[float | None] = []
    medians: list[float | None] = []
    band: list[tuple[float, float] | None] = []
    for v in sweep:
        m = _find(summary, v.name, metric)
        if m is None or not m.get("n"):
            # reached in no run, or applicable in none (no affected CERT in the drill)
            none = "n/a" if m is not None and m["reached"]["rate"] is None else "0%"
            lines.append(f"  {one_line(value_text(v.changes[0][1])):<16}{none:>8}")
            means.append(None)
            medians.append(None)
            band.append(None)
            continue
        lo, hi = m["mean_ci"]
        means.append(m["mean"] / unit)
        medians.append(m["median"] / unit)
        band.append(None if lo is None or hi is None else (lo / unit, hi / unit))
        ci = _bounds(m["mean_ci"], lambda c: f"{c / unit:.2f}")
        lines.append(f"  {one_line(value_text(v.changes[0][1])):<16}"
                     f"{percent(m['reached']['rate']):>8}  "
                     f"{m['mean'] / unit:7.2f} {ci:<16}"
                     f"{m['median'] / unit:>8.2f}{m['p90'] / unit:>8.2f}")
    return "\n".join(lines) + "\n", xs, {"mean": means, "median": medians}, {"mean": band}
