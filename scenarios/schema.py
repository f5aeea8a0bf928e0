"""The scenario format for editors and readers.

* :func:`json_schema` is the JSON Schema (labelled draft-07, which
  yaml-language-server reads) written to ``docs/scenario.schema.json``.
* :func:`reference_markdown` is ``docs/scenario-format.md``, generated from the
  same models so that the reference cannot drift from the code.

Regenerate both with ``python -m scenarios.schema``; a test checks they are current.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .durations import DURATION_PATTERN
from .model import DURATION_SCHEMA, SELECTORS, TLP_PATTERN, VERBS, Scenario
from .yamlsrc import MAX_ALIAS_VALUES, MAX_BYTES, MAX_VALUES

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
#: Models that a file may give only in part, over an included definition.
PARTIAL_IN_A_FILE = ("Actor", "Contact", "OnCall", "Policy", "Channel", "Framework", "Rule",
                     "Condition", "Membership")
#: Models whose distributions a file may give only in part, without 'dist', over an
#: included distribution: those merged field by field (a pair latency is an item of a
#: list, which a file replaces whole).
PARTIAL_DISTRIBUTIONS = ("Policy", "OnCall", "Channel")
DISTRIBUTIONS = ("Constant", "Uniform", "Exponential", "Triangular", "Empirical", "LogNormal")
#: the definition of a distribution given in part
SOME_FIGURES = "DistributionFigures"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def _editor_friendly(node: Any) -> Any:
    """Let distributions be written as a plain duration ('30m') too."""
    if isinstance(node, dict):
        node = {k: _editor_friendly(v) for k, v in node.items()}
        if "discriminator" in node and "oneOf" in node:
            node["anyOf"] = [
                {**DURATION_SCHEMA, "description": "A constant duration, e.g. '30m'."},
                *node.pop("oneOf"),
            ]
            node.pop("discriminator")
        return node
    if isinstance(node, list):
        return [_editor_friendly(v) for v in node]
    return node


def _some_figures(defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of a distribution given in part: some of its figures, without 'dist'."""
    figures: dict[str, Any] = {}
    for name in DISTRIBUTIONS:
        for field, prop in defs[name]["properties"].items():
            if field != "dist":
                figures.setdefault(field, prop)
    return {
        "type": "object",
        "title": SOME_FIGURES,
        "description": "Some figures of an included distribution, given without 'dist' "
        "in a file that includes it (in an actor's policy or on_call, a channel's latency "
        "or bounce), e.g. {median: 2h}: the family and the other figures stay the "
        "included file's. Give 'dist' to replace the distribution whole.",
        "properties": figures,
        "additionalProperties": False,
        "patternProperties": {"^x-": {}},
    }


def _or_some_figures(node: Any) -> Any:
    """Let each distribution in ``node`` be given in part too (see :func:`_some_figures`)."""
    if isinstance(node, dict):
        node = {k: _or_some_figures(v) for k, v in node.items()}
        options = node.get("anyOf")
        if isinstance(options, list) and {"$ref": "#/definitions/Constant"} in options:
            node["anyOf"] = [*options, {"$ref": f"#/definitions/{SOME_FIGURES}"}]
        return node
    if isinstance(node, list):
        return [_or_some_figures(v) for v in node]
    return node


def json_schema(partial: bool = True) -> dict[str, Any]:
    """The JSON Schema of a scenario file (``partial``: as one file of several)."""
    schema = Scenario.model_json_schema(ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs")
    schema = _editor_friendly(schema)
    # A file may include the library and then override only some fields of an actor,
    # channel or rule, and a library file has no drill (it is only ever included), so
    # nothing is required in one file: what is required is checked after the includes
    # are merged (drill validate). A distribution there may change only some figures of
    # the included one ({median: 2h}); one given with 'dist' replaces it, and is whole.
    if partial:
        schema.pop("required", None)
        defs = schema["definitions"]
        for name in PARTIAL_IN_A_FILE:
            defs[name].pop("required", None)
        for name in PARTIAL_DISTRIBUTIONS:
            defs[name] = _or_some_figures(defs[name])
        defs[SOME_FIGURES] = _some_figures(defs)
    return {
        "$schema": DRAFT_07,
        "$id": "https://acid-drill.example/scenario.schema.json",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- the Markdown reference ------------------------------------------------------

ORDER = [
    "Scenario", "Drill", "Standby", "StageNames", "Objective", "MessageTemplate",
    "Membership", "Actor", "Contact", "OnCall", "SpecialHours", "PublicHolidays", "Policy",
    "Channel", "PairLatency", "Outage", "ContactChange",
    "Framework", "Rule", "Condition", "Inject", "Incident", "Expectation",
    "Constant", "Uniform", "Exponential", "Triangular", "Empirical", "LogNormal",
    SOME_FIGURES,
]
#: teams, conditions, branches and player tasks
ORDER += ["TeamFilter", "Phase", "ActionDone", "ActionSeen", "AfterAction", "InjectCondition",
          "Task"]
#: artefacts that are files
ORDER += ["ArtefactFile", "Protection"]

INTRO = """\
# Scenario format reference

<!-- Generated by `python -m scenarios.schema` from scenarios/model.py; do not edit. -->

A scenario is one YAML file describing one drill. Unknown keys are errors, and
`drill validate FILE` reports every problem as `file:line:col: path.to.field: message`.
Editors that speak yaml-language-server get completion and hover text from
[`scenario.schema.json`](scenario.schema.json) through the first line of the file:

```yaml
# yaml-language-server: $schema=../../docs/scenario.schema.json
```

## Conventions

- **Durations** are written for people: `30m`, `4h`, `1h30m`, `2d`, `1w`, `9mo`
  (units `s m h d w mo`; a month is 30 days). A bare number is an error, except `0`.
- **Drill times** are offsets from the drill start, `T+01:30` or `T+1d02:00`, or
  absolute ISO 8601 times with an offset, `2026-09-09T10:00:00+08:00` (the seconds may
  be left out, and a space may stand for the `T`: `2026-09-09 10:00+08:00`), given to
  the whole second: a fraction of a second is refused.
- **Dates** (`holidays`, the `start` and `end` of `special_hours`, a membership's
  `as_of`, the date a member joined) are ISO calendar dates, `2026-08-31`, unquoted or
  quoted. Nothing else is read as a date: a number or a date-time there is refused.
- **Members from a date.** A country of a membership's `countries` or of a group may
  be given with the date it joined, `{PH: 2018-07-01}`, beside plain codes:
  `countries: [JP, {PH: 2018-07-01}]`. Memberships and groups are taken as they stood
  on the day the drill starts, on the drill clock: a drill that starts earlier (a
  replay of a past drill) leaves that member out, and `drill explain` names it.
- **Distributions** are either a duration (a constant) or a mapping with `dist`:
  `constant`, `uniform`, `exponential`, `triangular`, `empirical` or `lognormal`. A
  lognormal is given by `median` and `p90` (numbers an organiser can reason about)
  or by `mu` and `sigma` of ln(minutes):

  ```yaml
  ack_delay: 15m
  analysis_time: {dist: lognormal, median: 1h, p90: 4h, max: 8h}
  latency: {dist: uniform, low: 1m, high: 10m}
  ```
- **YAML 1.1 traps are closed.** Only `true` and `false` are booleans (`NO` stays the
  country code of Norway), `9:30` stays text, `010` is ten, and dates stay text for the
  models to parse. Numbers are numbers: a quoted `"5"` or a `true` where a number
  belongs is refused. An explicit core tag gives a value its type: `!!int 5` and
  `!!float 0.1` are numbers, `!!str 5` is text; a value its tag does not fit
  (`!!int abc`) is refused, and so is any other tag. U+0085, U+2028 and U+2029, line
  breaks to YAML 1.1 but not to editors, are refused (write them as `\\u2028` in a
  double-quoted string). Aliases may be used, but a document of more than
  {max_values} values, one whose aliases repeat more than {max_alias_values} values,
  or a file over {max_mb} MB, is refused.
- **TLP labels** are `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT` and `RED` (TLP 2.0);
  `TLP:AMBER` is accepted too, and so is any case (`amber`, `tlp:amber`).
- **`x-` keys** are ignored in every mapping of fields (the top level, an actor, an
  inject, a rule...), as in OpenAPI and compose files: keep YAML anchors there,
  `x-cert: &cert {kind: national_cert, staffing: 24/7}`, and merge them with `<<: *cert`
  (once per mapping: merge several as a list, `<<: [*cert, *asean]`; the first that
  gives a key wins, and the mapping's own keys win over all of them).
- **Teams** (section `teams`) name a set of actors once; use the name wherever actors
  are listed: inject `to`, expectation `actors` and `target`, rule `to` and `by`, task
  `to`. A team is a list (actor ids, other teams, selectors such as `member_certs`) or
  a filter: `{kind: [national_cert], country_in: [asean], exclude: [mmcert]}`. A team
  in an inject's or a rule's `to` is checked member by member, as actors listed one by
  one are: each must have a point of contact on the channel.
- **Ids** are 1 to 64 letters, digits, `-`, `_` and `.`, starting with a letter or a
  digit (`C1`, `isp-th`, `2026.q3`; not `_C1` or `.E1`). Quote ids that look like
  numbers, as written, in lists too: `id: "1"`, `id: "002"` (not `"2"`),
  `received: ["4", C1]`.

## Includes and the regional library

`include` names library files (`asean/actors`, `asean/channels`, `asean/frameworks`)
or paths relative to the including file's folder (`./my-directory.yaml`; for a
symbolic link, the folder of the file it points to). Included files may
hold `groups`, `actors`, `channels`, `frameworks`, `memberships` and `roles`, each a
mapping by id (a section left empty is empty; a list or a text there is an error at its
line). The including file then overrides field by field: giving only
`contacts.email.stale: true` for `mmcert` keeps everything else the library says about
mmCERT; a distribution given in full (with `dist`) replaces the library's whole, and
one without `dist` changes only the figures it gives (`{median: 2h}` keeps the
library's lognormal and its p90). A `working_pattern` is one weekly timetable and is
given whole: `{sun-thu: [...]}` replaces the library's timetable, not its days one by
one. Giving `working_days` or `working_hours` for an actor whose included entry has a
`working_pattern` replaces that timetable too, keeping what the override leaves out:
`working_hours` alone keep the timetable's days (BruCERT given only
`working_hours: "08:00-17:00"` still rests on Friday and Sunday), and `working_days`
alone keep its hours, lunch closure included, when every working day of the timetable
has the same ones; when its hours differ by day (MyCERT's Friday-prayer break), that is
one problem at `working_days`: give `working_hours` too, or a whole `working_pattern`.
What is wrong with an entry an override changes (`special_hours` that overlap, a
`public_holidays` subdivision the holidays package does not know, a rule left without
a trigger) is reported at the override, in the including file. An id that no
included file defines, under `actors`,
`channels`, `memberships`, `frameworks` or a framework's `rules`, is a definition of its
own and must be whole: given in part, as an override under a misspelt id is, it is one
problem at the id, naming what it lacks and the included id it is closest to. Two
included files may not
both define the same id (one file reached twice, directly and through another file,
is no conflict); a missing include or an include cycle is reported with its line. One
file may be named alone, `include: asean/actors`. What an included library file refers
to that the scenario does not define (the channels the library's actors use, when
`asean/channels` is not included) is one problem at the include entry, naming what is
missing and the library file that defines it.

## How the engine reads a scenario

- Every actor works only on its `working_days`, within `working_hours` (or the
  ranges of its `working_pattern` and `special_hours`) in its own `timezone`
  (daylight saving included), outside `holidays` and its `public_holidays` (or
  `drill.public_holidays`), unless `staffing: 24/7` or a `drill.standby` window names
  it. Out of hours, an `on_call` officer takes severe incidents' messages on its
  channels after `answer_after`.
  The policy's delays are worked time: they pause overnight and at weekends.
- A message travels over a channel with a sampled `latency`. To a recipient whose
  contact on that channel is `stale` it bounces back after the channel's `bounce`
  delay (or vanishes silently: always without `bounce`, else with probability
  `silent_when_stale`); it is lost when the recipient has no contact there, or with
  probability `loss`. When `needs_receiver_on_duty` is true (a phone
  call), delivery waits for the recipient to be at work. A sender whose message is
  not acknowledged within `followup_after` worked time tries the rule's next
  `fallback` channel. An inject from exercise control reaches its recipients at its
  drill time, whatever the channel's `latency` and `loss`. It waits only for an
  outage that holds it or, when the channel needs the receiver on duty, for someone
  at the desk; a stale or missing contact, or an outage that loses messages, loses it.
- A framework rule fires when an actor of a kind in `by` receives a trigger in `on`
  (`inject`, or a verb it was sent), or when every message it sent under a rule in
  `after` has been acknowledged, and the incident matches `when`. An action (a
  takedown, a preservation) is carried out once per actor and incident; a message
  rule goes again only to recipients not yet told the facts that make them one (a
  newly added affected or hosting country, say; see docs/model.md). The actor drafts
  (`drafting_time`, or `action_time` for the verb) and then performs `action` towards
  `to`.
- **TLP.** The policy passes on what it received only where the label allows
  (RED: named recipients; AMBER+STRICT: nobody outside the sender's organisation;
  AMBER: that organisation and its clients, victims and ISPs of its country; GREEN:
  the drill community; CLEAR: anyone). Actors sharing an `organisation` are one
  organisation. Anything else is withheld, or passed on with probability `tlp_breach`,
  which records a TLP violation.
- An expectation is met when one of its `actors` (or all, with `require: all`)
  performs `action` on `incident` (towards `target`, when given) by `within` after
  its anchor (`after`: the incident's first inject, or an inject id; anchored on an
  inject, only what is done once that inject is out counts). When it is missed, its
  `contingency` inject fires after that inject's `delay`. A message action is towards
  its recipients, and an `acknowledge` towards whoever sent what is acknowledged
  (`exercise_control`, for an inject); the other actions are towards nobody, and
  `target` on one of them is an error.

## Vocabularies

**Actions** (`action` of rules and expectations, and what people do in a live drill):
{verbs}

**Recipient selectors** (in a rule's `to`, and an expectation's `target`, where for
`acknowledge` they name the senders), relative to the acting actor and the incident;
actor ids may be used too:

{selectors}

## Sections and fields
"""


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    # alternatives; a schema with a type of its own is that type, which its anyOf only
    # narrows (a drill time is a string in one of two forms), so it is read below
    if "anyOf" in prop and "type" not in prop:
        # a TLP label written another way is still one of the labels
        parts = [_type(p) for p in prop["anyOf"]
                 if p.get("type") != "null" and p.get("pattern") != TLP_PATTERN]
        if any(p.get("pattern") == DURATION_PATTERN for p in prop["anyOf"]) and len(parts) > 3:
            return "distribution"
        return " or ".join(dict.fromkeys(parts))
    t = prop.get("type")
    if t == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if t == "object":
        extra = prop.get("additionalProperties")
        if not isinstance(extra, dict) and prop.get("patternProperties"):
            extra = next(iter(prop["patternProperties"].values()))
        key = "action" if "enum" in prop.get("propertyNames", {}) else "id"
        return f"map of {key} to {_type(extra)}" if isinstance(extra, dict) else "mapping"
    if prop.get("pattern") == DURATION_PATTERN:
        return "duration"
    if prop.get("format") == "date":
        return "date"
    if t == "string" and "examples" in prop:
        return "drill time" if any("T+" in str(e) for e in prop["examples"]) else "string"
    return {"string": "text", "number": "number", "integer": "integer",
            "boolean": "true/false"}.get(str(t), str(t))


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" not in prop:
        return ""
    d = prop["default"]
    if d is None:
        return "none"
    if isinstance(d, dict):
        return "`" + json.dumps(d).replace('"', "") + "`"
    return f"`{json.dumps(d)}`"


def reference_markdown() -> str:
    schema = json_schema(partial=False)  # what is required once includes are merged
    defs = dict(schema["definitions"])
    defs["Scenario"] = {k: v for k, v in schema.items() if k != "definitions"}
    defs[SOME_FIGURES] = _some_figures(defs)  # what an including file may give
    fill = {
        "{verbs}": ", ".join(f"`{v}`" for v in VERBS),
        "{selectors}": "\n".join(f"- `{k}`: {v}" for k, v in SELECTORS.items()),
        # the reading limits of scenarios/yamlsrc.py
        "{max_values}": f"{MAX_VALUES:,}",
        "{max_alias_values}": f"{MAX_ALIAS_VALUES:,}",
        "{max_mb}": f"{MAX_BYTES / 1_000_000:g}",
    }
    intro = INTRO
    for placeholder, text in fill.items():
        intro = intro.replace(placeholder, text)
    out = [intro]
    for name in ORDER:
        d = defs[name]
        out.append(f"### {name}\n")
        desc = " ".join(d.get("description", "").split())
        if desc:
            out.append(desc + "\n")
        out.append("| Field | Type | Default | Description |")
        out.append("|---|---|---|---|")
        required = set(d.get("required", []))
        for field, prop in d.get("properties", {}).items():
            text = " ".join(prop.get("description", "").split()).replace("|", "\\|")
            out.append(
                f"| `{field}` | {_type(prop)} | {_default(prop, field in required)} | {text} |"
            )
        out.append("")
    return "\n".join(out)


def write_docs(docs: Path = DOCS) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "scenario.schema.json").write_text(schema_text(), encoding="utf-8")
    (docs / "scenario-format.md").write_text(reference_markdown(), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m scenarios.schema",
        description="Write the editors' JSON schema and the scenario format reference.")
    parser.add_argument("folder", nargs="?", type=Path, default=DOCS,
                        help="where to write them (default: the docs folder)")
    write_docs(parser.parse_args(argv).folder)


if __name__ == "__main__":  # pragma: no cover
    main()
