"""``docs/assumptions.md``: every default of the regional library, with its source.

Generated from the library itself, like ``docs/scenario-format.md`` from the models:

    python -m sim.authoring.assumptions            # rewrite docs/assumptions.md
    python -m sim.authoring.assumptions --check    # exit 1 if the committed page is stale

The page lists every organisation (zone, hours, staffing, source), every group,
channel, membership, framework and rule with its source, and every timing default
of the automated policy, the channel settings and desk capacities that change timing,
and the dwell time to allow for before the first inject. It ends with a check of the
model against published field data: the end-to-end lifetime of a phishing site that the
tutorial drill produces, reported at times spread over the week, next to the lifetime
Moore & Clayton measured.

:func:`missing_sources` lists the entries that give neither a source nor the word
"assumption"; a test keeps it empty. A handling time (``policy.action_time``) or an
after-hours duty (``on_call``) of the library gives its source in an ``x-source`` key
beside its figures: the simulator ignores ``x-`` keys, and this page reads them.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from scenarios import LoadedScenario, load_scenario
from scenarios.durations import format_duration, parse_drill_time
from scenarios.loader import bundled_dir, library_dir
from scenarios.model import Actor, Policy, Scenario

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
WEEK = 7 * 1440
#: The seed that spreads the lifetime check's reports over the week (the same every time)
REPORT_SEED = 2026
#: Dwell time before outside notification (domain primer section 5): guidance for where
#: a scenario's story starts before its first inject, not a setting of the model.
DWELL_TIME = {
    "median_days": 10,
    "ransomware_days": 5,
    "source": "domain primer §5: Mandiant reports a median of 10 days for 2023, and 5 "
    "for ransomware",
}
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


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _channel_notes(sc: Scenario) -> list[str]:
    """What the channel settings that change timing do, with the library's figures."""
    silent = [(cid, c) for cid, c in sorted(sc.channels.items())
              if c.bounce is not None and c.silent_when_stale]
    waits = [f"`{cid}`" for cid, c in sorted(sc.channels.items()) if c.needs_receiver_on_duty]
    around = [f"`{cid}`" for cid, c in sorted(sc.channels.items())
              if c.handled_around_the_clock]
    share = "; ".join(f"`{cid}` {c.silent_when_stale:g}, {c.silent_when_stale:.0%} of the "
                      "messages to a stale contact" for cid, c in silent)
    return [
        "Three settings of a channel change how long a message takes, beyond its latency:",
        "",
        "- **silent when stale** (`silent_when_stale`): of the messages to a stale point of "
        "contact on a channel that bounces, the share that vanish without a word instead "
        "of bouncing back (a mailbox that still accepts mail nobody reads). The sender "
        "learns nothing: an automated sender tries the rule's next channel, when it has "
        "one, only once `followup_after` has passed unanswered. "
        f"{f'The library sets {share}.' if share else ''}".rstrip(),
        "- **waits for the receiver at work** (`needs_receiver_on_duty`): delivery waits "
        "until someone is at the desk, as a phone call does: the team in its working "
        "hours (or around the clock when staffed 24/7), else an after-hours duty officer "
        "on that channel. "
        f"{'The library sets it for ' + ', '.join(waits) + '.' if waits else ''}".rstrip(),
        "- **handled around the clock** (`handled_around_the_clock`): the receiver's "
        "24/7 point of contact handles these messages out of office hours too, instead "
        "of leaving them for the next working day. "
        f"{'The library sets it for ' + ', '.join(around) + '.' if around else ''}".rstrip(),
        "",
        "Their source is the channel's, in the table above.",
    ]


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
#: what the page says of the desks' capacities, for which neither the model nor the
#: library gives a source
CAPACITY_SOURCE = "assumption"


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
    return [h for seed in range(runs) for h in _lifetimes(loaded, seed)]


def _lifetimes(loaded: LoadedScenario, seed: int) -> list[float]:
    """The lifetimes, hours, of the incidents taken down in one run."""
    from sim.engine import Engine

    opened: dict[str, float] = {}
    done: dict[str, float] = {}
    for e in Engine(loaded, seed=seed, words=False).run():
        if e.type == "incident_opened":
            opened[e.incident] = e.time
        elif e.type == "takedown_completed" and e.incident not in done \
                and not e.details.get("nothing_hosted"):
            done[e.incident] = e.time
    return [(done[i] - opened[i]) / 60 for i in done if i in opened]


def report_offsets(runs: int) -> list[int]:
    """When each run of the lifetime check has its site reported: whole minutes from
    Monday 00:00 on the drill clock. The week's 168 hours are cut into ``runs`` equal
    slices, and run ``n`` reports at a moment drawn at random in slice ``n`` (from
    :data:`REPORT_SEED`, so the same every time): every hour of the week counts alike."""
    rng = random.Random(REPORT_SEED)
    return [int((n + rng.random()) * WEEK / runs) for n in range(runs)]


def _month_from(loaded: LoadedScenario, start: datetime) -> LoadedScenario:
    """The drill run for a month from ``start``: a lifetime is not cut short by the end
    of a one-day drill."""
    sc = loaded.scenario
    drill = sc.drill.model_copy(update={"duration": MONTH, "start": start})
    return LoadedScenario(sc.model_copy(update={"drill": drill}), loaded.source, loaded.path)


def _summary(values: list[float]) -> dict[str, float | None]:
    return {
        "median_h": statistics.median(values) if values else None,
        "mean_h": statistics.fmean(values) if values else None,
        "p90_h": statistics.quantiles(values, n=10)[-1] if len(values) >= 10 else None,
    }


def lifetime_check(runs: int = LIFETIME_RUNS) -> dict[str, Any]:
    """The tutorial drill's phishing site, run for a month with seeds 0 to ``runs`` - 1:
    run ``n`` has the site reported at the ``n``-th moment of :func:`report_offsets`, so
    that nights and weekends count as often as they come. The same seeds with the report
    at its written time (a Monday morning) give ``office_median_h``, for comparison."""
    loaded = load_scenario(bundled_dir() / "tutorial.yaml")
    sc = loaded.scenario
    start = sc.drill.start.astimezone(ZoneInfo(sc.drill.clock_timezone))
    # the inject that reports the site: the first one with a drill time
    first = min(parse_drill_time(i.at, start) for i in sc.injects if i.at is not None)
    written = start + timedelta(minutes=first)
    monday = (start - timedelta(days=start.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0)
    values: list[float] = []
    reported: list[datetime] = []
    for seed, offset in enumerate(report_offsets(runs)):
        moment = monday + timedelta(minutes=offset)
        reported.append(moment)
        values += _lifetimes(_month_from(loaded, moment - timedelta(minutes=first)), seed)
    office = lifetimes(_month_from(loaded, start), runs)
    return {
        "scenario": sc.drill.id,
        "runs": runs,
        "taken_down": len(values),
        **_summary(values),
        "reported": reported,
        "written": f"{written:%H:%M} on a {written:%A}",
        "office_median_h": _summary(office)["median_h"],
        "parties": [f"{a.name} ({hours(a)})" for a in sc.actors.values()
                    if a.kind != "exercise_control"],
        "duty_officers": sum(a.on_call is not None for a in sc.actors.values()),
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
            "| id | kind | latency | loss | bounce | silent when stale "
            "| waits for the receiver at work | handled around the clock | source |",
            "|---|---|---|---|---|---|---|---|---|"]
    for cid, c in sorted(sc.channels.items()):
        out.append(f"| `{cid}` | {c.kind} | {describe_distribution(c.latency)} | {c.loss:g} | "
                   f"{describe_distribution(c.bounce)} | {c.silent_when_stale:g} | "
                   f"{_yes(c.needs_receiver_on_duty)} | {_yes(c.handled_around_the_clock)} | "
                   f"{_source(c.source)} |")
    out += ["", *_channel_notes(sc)]
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
            "Every actor uses these unless its `policy` (or, for `capacity`, the actor) "
            "says otherwise.", "",
            "| setting | default | source |", "|---|---|---|"]
    for name in TIMING_DEFAULTS:
        field = Policy.model_fields[name]
        out.append(f"| `{name}` | {describe_distribution(getattr(defaults, name))} | "
                   f"{_source(field.description)} |")
    capacity = Actor.model_fields["capacity"]
    out.append(f"| `capacity` | {capacity.default} | {_cell(capacity.description)} More "
               "work waits in the team's queue until a place is free. Default 2 "
               f"({CAPACITY_SOURCE}). |")
    larger = [(aid, a) for aid, a in sorted(sc.actors.items())
              if a.capacity != capacity.default]
    if larger:
        out += ["", "Desks the library gives another capacity (the library gives no source "
                f"for these figures: {CAPACITY_SOURCE}):", "",
                "| actor | capacity |", "|---|---|"]
        out += [f"| `{aid}` | {a.capacity} |" for aid, a in larger]
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
    out += ["", "## Scenario guidance: dwell time before the first inject", "",
            "The model does not simulate the intrusion itself: an incident starts with the "
            "inject that first reports it. In real incidents that report comes days "
            "after the intrusion began (dwell time before outside notification: a median "
            f"of {DWELL_TIME['median_days']} days, {DWELL_TIME['ransomware_days']} for "
            "ransomware). When you place the first inject, let its story start that long "
            "before it (logs, samples and first sightings dated days earlier), and do not "
            "expect the players to have known of it sooner.", "",
            f"Source: {DWELL_TIME['source']}."]
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
    parties = check.get("parties")
    written = check.get("written")
    office = check.get("office_median_h")
    out = [
        "Handling time and lifetime are different things. A provider's handling time is "
        "the worked effort on its abuse desk, counted only while the desk is open. A "
        "site's lifetime runs from the first report to its removal, so it also counts "
        "the notification chain, the desks' queues and the nights and weekends in between.",
        "",
        f"What the check runs: the bundled `{check['scenario']}` drill, not the regional "
        "library above. That is one phishing site, reported by exercise control to a "
        "national CERT and hosted in a neighbouring country, with the drill's own parties "
        + (f"and hours: {', '.join(parties)}" if parties else "and hours")
        + (", none with an after-hours duty officer. " if check.get("duty_officers") == 0
           else ". ")
        + f"It is run {check['runs']} times (seeds 0-{check['runs'] - 1}), kept going for "
        "30 days instead of its one working day, with the report's time spread over the "
        "week: the week's 168 hours, from Monday 00:00 on the drill clock, are cut into "
        "as many equal slices as there are runs, and each run has the site reported at a "
        f"moment drawn at random in its own slice (seed {REPORT_SEED}, the same every time), "
        "nights and weekends included"
        + (f", where the drill as written reports it at {written}" if written else "")
        + ". Each run measures the site's lifetime from the first report to its takedown:",
        "",
        "| | model | published |",
        "|---|---|---|",
        f"| median | {check['median_h']:.1f} h | {pub['median_h']:g} h |",
        f"| mean | {check['mean_h']:.1f} h | {pub['mean_h']:g} h |",
        f"| 90th percentile | {check['p90_h']:.1f} h | |",
        f"| taken down within 30 days | {check['taken_down']} of {check['runs']} | |",
        "",
    ]
    if office is not None:
        out += [f"With the report at {written or 'its written time'}, as the drill is "
                f"written, the same seeds give a median of {office:.1f} h.", ""]
    text = f"Published: {pub['source']}. "
    if factor <= 1.5:
        text += (f"The model's median falls within a factor of {factor:.2f} of the published "
                 "median. The model is not fitted to that figure: this is a check, not a "
                 "calibration.")
    else:
        text += (
            f"The model's median, {check['median_h']:.1f} h, is far from the published "
            f"{pub['median_h']:g} h: it is only within a factor of {factor:.2f} of the "
            "published median, and the model is not calibrated to it. The gap comes from "
            "what is modelled. Here every report goes through national CERTs and a "
            "provider's abuse desk that keep office hours, so a site reported in the "
            "evening waits for the next working morning, and one reported on Friday "
            "evening for Monday. The sites of the published study were taken down mostly "
            "at the request of banks and the take-down companies they hire, which work "
            "around the clock and go to the host directly, with no national CERT in "
            "between. Read drill timings as those of the office-hours path the drill "
            "models, not as a forecast of field lifetimes.")
    out += [text, "",
            "The published mean is pulled up by a long tail of sites that stay up for weeks, "
            "which the model's lognormal handling times do not produce."]
    return out


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
