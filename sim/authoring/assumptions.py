"""``docs/assumptions.md``: every default of the regional library, with its source.

Generated from the library itself, like ``docs/scenario-format.md`` from the models:

    python -m sim.authoring.assumptions            # rewrite docs/assumptions.md
    python -m sim.authoring.assumptions --check    # exit 1 if the committed page is stale

The page lists every organisation (zone, hours, staffing, source), every group,
channel, membership, framework and rule with its source, and every timing default
of the automated policy. It ends with a check of the model against published field
data: the end-to-end lifetime of a phishing site that the tutorial drill produces,
next to the lifetime Moore & Clayton measured.

:func:`missing_sources` lists the entries that give neither a source nor the word
"assumption"; a test keeps it empty. A handling time (``policy.action_time``) or an
after-hours duty (``on_call``) of the library gives its source in an ``x-source`` key
beside its figures: the simulator ignores ``x-`` keys, and this page reads them.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from scenarios import LoadedScenario, load_scenario
from scenarios.durations import format_duration
from scenarios.loader import bundled_dir, library_dir
from scenarios.model import Policy, Scenario

DOCS = Path(__file__).resolve().parents[2] / "docs"
LIBRARY_FILES = ("asean/actors", "asean/channels", "asean/frameworks")

#: The published figure the lifetime check compares with (domain primer section 5).
PUBLISHED_LIFETIME = {
    "median_h": 5.5,
    "mean_h": 54.0,
    "source": "Moore & Clayton 2007, 'Examining the impact of website take-down on "
    "phishing'; end-to-end lifetimes (detection, notification, removal)",
}
LIFETIME_RUNS = 300
MONTH = 30 * 1440.0
#: The key beside a handling time or an after-hours duty that gives its source
SOURCE_KEY = "x-source"


# --- the library as one scenario ---------------------------------------------------


@cache
def _loaded_library() -> LoadedScenario:
    """Every library file merged and read, as a scenario with no injects."""
    stub = (
        f"include: [{', '.join(LIBRARY_FILES)}]\n"
        "drill: {id: library, title: The regional library, start: '2026-09-14T09:00:00+08:00',"
        " duration: 8h}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "library.yaml"
        path.write_text(stub, encoding="utf-8")
        return load_scenario(path)


def library() -> Scenario:
    """Every library file merged, as a scenario with no injects."""
    return _loaded_library().scenario


def timing_sources(data: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The ``x-source`` of every handling time and after-hours duty in ``data`` (the
    library's merged files when None), by where it is: ``actors.ID.on_call`` and
    ``actors.ID.policy.action_time.VERB``."""
    if data is None:
        data = _loaded_library().source.data
    out: dict[str, str] = {}
    actors = data.get("actors")
    for aid, actor in (actors.items() if isinstance(actors, dict) else ()):
        if not isinstance(actor, dict):
            continue
        on_call = actor.get("on_call")
        if isinstance(on_call, dict) and isinstance(on_call.get(SOURCE_KEY), str):
            out[f"actors.{aid}.on_call"] = on_call[SOURCE_KEY]
        policy = actor.get("policy")
        times = policy.get("action_time") if isinstance(policy, dict) else None
        for verb, dist in (times.items() if isinstance(times, dict) else ()):
            if isinstance(dist, dict) and isinstance(dist.get(SOURCE_KEY), str):
                out[f"actors.{aid}.policy.action_time.{verb}"] = dist[SOURCE_KEY]
    return out


# --- describing values -------------------------------------------------------------


def describe_distribution(d: Any) -> str:
    """A distribution in a few words: 'lognormal, median 15m, p90 1h'."""
    if d is None:
        return ""
    kind = d.dist
    if kind == "constant":
        return format_duration(d.value)
    if kind in ("uniform",):
        return f"uniform {format_duration(d.low)}-{format_duration(d.high)}"
    if kind == "triangular":
        return (f"triangular {format_duration(d.low)}-{format_duration(d.high)}, "
                f"mode {format_duration(d.mode)}")
    if kind == "exponential":
        return f"exponential, mean {format_duration(d.mean)}"
    if kind == "lognormal":
        if d.median is not None:
            text = f"lognormal, median {format_duration(d.median)}, p90 {format_duration(d.p90)}"
        else:
            text = f"lognormal, mu {d.mu:g}, sigma {d.sigma:g}"
        return text + (f", at most {format_duration(d.max)}" if d.max is not None else "")
    if kind == "empirical":
        return f"empirical, {len(d.values)} values"
    return kind


def hours(actor: Any) -> str:
    """When the actor works, as the scenario gives it, and who answers after hours."""
    if actor.always_on:
        return "24/7"
    if actor.working_pattern:
        text = "; ".join(f"{days}: {', '.join(spans)}" for days, spans in _items(actor.working_pattern))
    else:
        text = actor.working_hours
        if list(actor.working_days) != ["mon", "tue", "wed", "thu", "fri"]:
            text += f" ({', '.join(actor.working_days)})"
    if actor.on_call is not None:
        text += "; on call after hours (see below)"
    return text


def on_call(actor: Any) -> str:
    """Who answers after hours, on what, for what, and how soon."""
    oc = actor.on_call
    return (f"on {', '.join(oc.channels)} for {oc.min_severity} severity and above, "
            f"answering in {describe_distribution(oc.answer_after)}")


def _items(mapping: Any) -> Iterator[tuple[str, list[str]]]:
    items = mapping.items() if isinstance(mapping, dict) else mapping
    for k, v in items:
        yield str(k), [str(x) for x in (v if isinstance(v, list | tuple) else [v])]


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") if text else ""


def _source(text: str) -> str:
    return _cell(text) if text else "**missing**"


# --- sources -----------------------------------------------------------------------


def sourced_entries(sc: Scenario, sources: Mapping[str, str] | None = None
                    ) -> Iterator[tuple[str, str]]:
    """(what, source) for every library entry that must say where it comes from.

    ``sources`` gives the sources of the handling times and after-hours duties
    (:func:`timing_sources`; the library's when None)."""
    sources = timing_sources() if sources is None else sources
    for aid, a in sc.actors.items():
        yield f"actors.{aid}", a.source
        if a.on_call is not None:
            yield f"actors.{aid}.on_call", sources.get(f"actors.{aid}.on_call", "")
        for verb in a.policy.action_time:
            where = f"actors.{aid}.policy.action_time.{verb}"
            yield where, sources.get(where, "")
    for cid, c in sc.channels.items():
        yield f"channels.{cid}", c.source
    for fid, f in sc.frameworks.items():
        yield f"frameworks.{fid}", f.source
        for rid, r in f.rules.items():
            yield f"frameworks.{fid}.rules.{rid}", r.source or f.source
    for mid, m in sc.memberships.items():
        yield f"memberships.{mid}", m.source
    for name, field in Policy.model_fields.items():
        if name in TIMING_DEFAULTS:
            yield f"policy.{name}", field.description or ""


TIMING_DEFAULTS = ("ack_delay", "analysis_time", "drafting_time", "followup_after")


def _cites(text: str) -> bool:
    """A source is given: the word 'assumption', a citation, or 'unverified'."""
    return bool(text and text.strip())


def missing_sources(sc: Scenario | None = None,
                    sources: Mapping[str, str] | None = None) -> list[str]:
    """The entries of ``sc`` (the library when None) that give no source."""
    sc = sc or library()
    return [what for what, src in sourced_entries(sc, sources) if not _cites(src)]


# --- the lifetime check --------------------------------------------------------------


def lifetimes(loaded: LoadedScenario, runs: int = LIFETIME_RUNS) -> list[float]:
    """End-to-end lifetimes (incident opened to first takedown), hours, one per seed.

    A drill in which nothing is taken down before it ends is left out (and counted
    by :func:`lifetime_check`).
    """
    from sim.engine import Engine

    out = []
    for seed in range(runs):
        opened: dict[str, float] = {}
        done: dict[str, float] = {}
        for e in Engine(loaded, seed=seed, words=False).run():
            if e.type == "incident_opened":
                opened[e.incident] = e.time
            elif e.type == "takedown_completed" and e.incident not in done \
                    and not e.details.get("nothing_hosted"):
                done[e.incident] = e.time
        out += [(done[i] - opened[i]) / 60 for i in done if i in opened]
    return out


def lifetime_check(runs: int = LIFETIME_RUNS) -> dict[str, Any]:
    loaded = load_scenario(bundled_dir() / "tutorial.yaml")
    # a lifetime is not cut short by the end of a one-day drill: run for a month
    sc = loaded.scenario
    month = sc.model_copy(update={"drill": sc.drill.model_copy(update={"duration": MONTH})})
    values = lifetimes(LoadedScenario(month, loaded.source, loaded.path), runs)
    return {
        "scenario": "tutorial",
        "runs": runs,
        "taken_down": len(values),
        "median_h": statistics.median(values) if values else None,
        "mean_h": statistics.fmean(values) if values else None,
        "p90_h": statistics.quantiles(values, n=10)[-1] if len(values) >= 10 else None,
    }


# --- the page ------------------------------------------------------------------------


def render(sc: Scenario | None = None, check: dict[str, Any] | None = None,
           sources: Mapping[str, str] | None = None) -> str:
    """The page, for ``sc`` (the library when None) with the ``sources`` of its handling
    times and after-hours duties (:func:`timing_sources`)."""
    sources = timing_sources() if sources is None else sources
    sc = sc or library()
    check = check if check is not None else lifetime_check()
    out: list[str] = [
        "# Assumptions and sources of the regional library",
        "",
        "<!-- generated by `python -m sim.authoring.assumptions` from "
        "scenarios/library/; do not edit by hand -->",
        "",
        "Every organisation, channel, membership, framework, rule and timing default that "
        "the library gives, with where it comes from. \"Assumption\" marks a figure no "
        "drill or study publishes: change it in your scenario when you know better. "
        "Contact addresses in the library are drill placeholders, not real ones.",
        "",
        f"Library files: {', '.join(f'`{f}`' for f in LIBRARY_FILES)} "
        f"(in `{library_dir().relative_to(library_dir().parents[1])}`).",
        "",
        "## Organisations",
        "",
        "| id | name | kind | country | time zone | hours | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for aid, a in sorted(sc.actors.items()):
        out.append(f"| `{aid}` | {_cell(a.name)} | {a.kind} | {a.country or ''} | {a.timezone} | "
                   f"{_cell(hours(a))} | {_source(a.source)} |")
    duty = [(aid, a) for aid, a in sorted(sc.actors.items()) if a.on_call is not None]
    if duty:
        out += ["", "After-hours duty officers the library sets (each with its source, the "
                f"`{SOURCE_KEY}` key beside the figures, which the simulator ignores):", "",
                "| actor | after hours | source |", "|---|---|---|"]
        out += [f"| `{aid}` | {_cell(on_call(a))} | "
                f"{_source(sources.get(f'actors.{aid}.on_call', ''))} |" for aid, a in duty]
    out += [
        "",
        "Public holidays are not typed into the library. They come from the maintained "
        "[`holidays`](https://pypi.org/project/holidays/) package for every year a drill "
        "spans, for each actor's country (or a subdivision, e.g. a Malaysian state), "
        "when a scenario sets `drill.public_holidays: true` or an actor sets "
        "`public_holidays`. Every bundled ACID-style drill does.",
        "Ramadan hours are dated and differ each year: a scenario gives them as "
        "`special_hours`.",
        "",
        "## Groups", "", "| group | countries |", "|---|---|"]
    for gid, countries in sorted(sc.groups.items()):
        out.append(f"| `{gid}` | {', '.join(countries)} |")
    memberships = sc.memberships
    if memberships:
        out += ["", "## Memberships", "",
                "Rules offer a legal channel only to the countries that really have it.", "",
                "| membership | title | countries | as of | source | note |",
                "|---|---|---|---|---|---|"]
        for mid, m in sorted(memberships.items()):
            countries = ", ".join(m.countries) or "none"
            as_of = m.as_of.isoformat() if m.as_of else ""
            out.append(f"| `{mid}` | {_cell(m.title)} | {countries} | {as_of} | "
                       f"{_source(m.source)} | {_cell(m.note)} |")
    roles = sc.roles
    if roles:
        out += ["", "## Roles", "", "| role | bound to |", "|---|---|"]
        out += [f"| `{role}` | `{aid}` |" for role, aid in sorted(roles.items())]
    out += ["", "## Channels", "",
            "| id | kind | latency | loss | bounce | source |", "|---|---|---|---|---|---|"]
    for cid, c in sorted(sc.channels.items()):
        out.append(f"| `{cid}` | {c.kind} | {describe_distribution(c.latency)} | {c.loss:g} | "
                   f"{describe_distribution(c.bounce)} | {_source(c.source)} |")
    out += ["", "## Frameworks and rules", ""]
    for fid, f in sorted(sc.frameworks.items()):
        out += [f"### `{fid}`: {_cell(f.title)}", "", f"Source: {_source(f.source)}", "",
                "| rule | by | action | to | deadline | source |", "|---|---|---|---|---|---|"]
        for rid, r in f.rules.items():
            deadline = format_duration(r.deadline) if r.deadline is not None else ""
            out.append(f"| `{rid}` | {', '.join(r.by)} | {r.action} | {', '.join(r.to)} | "
                       f"{deadline} | {_source(r.source or '(as the framework)')} |")
        out.append("")
    defaults = Policy()
    out += ["## Timing defaults of the automated policy", "",
            "Every actor uses these unless its `policy` says otherwise.", "",
            "| setting | default | source |", "|---|---|---|"]
    for name in TIMING_DEFAULTS:
        field = Policy.model_fields[name]
        out.append(f"| `{name}` | {describe_distribution(getattr(defaults, name))} | "
                   f"{_source(field.description)} |")
    overrides = [(aid, verb, d) for aid, a in sorted(sc.actors.items())
                 for verb, d in a.policy.action_time.items()]
    if overrides:
        out += ["", "Handling times the library sets for particular actors (worked time, on "
                "the actor's desk, not end-to-end; each with its source, the "
                f"`{SOURCE_KEY}` key beside the figures):", "",
                "| actor | action | handling time | source |", "|---|---|---|---|"]
        out += [f"| `{aid}` | {verb} | {describe_distribution(d)} | "
                f"{_source(sources.get(f'actors.{aid}.policy.action_time.{verb}', ''))} |"
                for aid, verb, d in overrides]
    out += ["", "## Check: end-to-end lifetimes against published ones", ""]
    out += _lifetime_text(check)
    return "\n".join(out).rstrip() + "\n"


def _lifetime_text(check: dict[str, Any]) -> list[str]:
    pub = PUBLISHED_LIFETIME
    if not check["taken_down"]:
        return [f"No takedown completed in {check['runs']} runs of `{check['scenario']}`."]
    factor = max(check["median_h"], pub["median_h"]) / min(check["median_h"], pub["median_h"])
    # rounded up to two decimals, so that "within a factor of" never understates the gap
    factor = math.ceil(round(factor * 100, 6)) / 100
    return [
        "Handling time and lifetime are different things. A provider's handling time is "
        "the worked effort on its abuse desk, counted only while the desk is open. A "
        "site's lifetime runs from the first report to its removal, so it also counts "
        "the notification chain, the desks' queues and the nights and weekends in between.",
        "",
        f"The model is run {check['runs']} times (seeds 0-{check['runs'] - 1}) on "
        f"`{check['scenario']}`, kept going for 30 days instead of its one working day. "
        "That is one phishing site, reported to a national CERT and hosted in a "
        "neighbouring country. Each run measures the site's lifetime from the first "
        "report to its takedown:",
        "",
        "| | model | published |",
        "|---|---|---|",
        f"| median | {check['median_h']:.1f} h | {pub['median_h']:g} h |",
        f"| mean | {check['mean_h']:.1f} h | {pub['mean_h']:g} h |",
        f"| 90th percentile | {check['p90_h']:.1f} h | |",
        f"| taken down within 30 days | {check['taken_down']} of {check['runs']} | |",
        "",
        f"Published: {pub['source']}. The model's median falls within a factor of "
        f"{factor:.2f} of the published median. The published mean is pulled up by a long tail of "
        "sites that stay up for weeks, which the model's lognormal handling times do not "
        "produce. Read drill timings as the working-hours case, not the tail.",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="write docs/assumptions.md from the library")
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed page is stale")
    args = ap.parse_args(argv)
    text = render()
    target = DOCS / "assumptions.md"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is stale: run python -m sim.authoring.assumptions", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
