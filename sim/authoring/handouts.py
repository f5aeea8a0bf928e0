"""Printable inject cards and handout packets, as HTML (and PDF where WeasyPrint is
installed).

- A role's packet holds only what that role may see: the injects that reach it
  whatever happens (timed, with no condition, and arriving during the drill; each
  under its own TLP label, naming the role alone as recipient), the point-of-contact
  sheet as players see it (no stale markers or organisers' notes) and the drill's
  rules of play. A contingency, an inject delivered only if a condition holds and one
  timed after an action are not in it: they would tell players how the drill may go.
  Nor is one that never reaches the role (a phone call held past the drill's end, one
  lost in an outage or sent to an out-of-date point of contact; a channel's random
  loss touches only teams' messages). Nothing addressed only to other teams appears
  in it, whatever its label.
- The controller's packet holds the full MSEL, with each recipient's local time (and
  who takes an inject out of hours), what delivers each inject (its time, the action
  it follows or the expectation that fires it) and the condition it waits on, its
  artefacts with the passwords of protected files, expected player actions and
  controller notes; the player tasks with their answer keys, the expectations, the
  outages, the contact changes and the directory with its stale contacts (and when
  each is stale). It is for exercise control only: no player packet or card ever
  shows a password.
- The inject cards are the players' side of each inject, one to a printed page, for
  controllers who read injects out or hand them over in a one-room drill. A card for
  an inject that may never be delivered says it is handed over only if it fires.

Every string from the scenario is HTML-escaped, with its control characters, terminal
escape sequences and bidirectional overrides shown as visible escapes (as ``drill
explain`` and the after-action report show them): a title cannot add markup or script,
nor make the printed text read differently from what the file holds.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape as _html_escape
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from scenarios.durations import clock_minute, format_duration, parse_drill_time
from scenarios.model import TLP_ORDER, Inject, Scenario
from sim.safe.text import plain

if TYPE_CHECKING:
    from sim.authoring.lint import Reach

TLP_COLOUR = {"RED": "#FF2B2B", "AMBER": "#FFC000", "AMBER+STRICT": "#FFC000",
              "GREEN": "#33FF00", "CLEAR": "#FFFFFF"}

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 2em; color: #111; }
h1 { font-size: 18pt; margin-bottom: 0.2em; }
h2 { font-size: 14pt; border-bottom: 1px solid #999; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #e6e6e6; }
.tlp { background: #000; font-weight: bold; padding: 1px 6px; font-family: monospace; }
.card { border: 2px solid #000; padding: 1em; margin: 1em 0; page-break-inside: avoid; }
.cards .card { page-break-after: always; }
.meta { color: #444; font-size: 10pt; }
.text { white-space: pre-wrap; margin: 0.8em 0; }
.banner { text-align: right; }
@page { size: A4; margin: 15mm; }
@media print { body { margin: 0; } }
"""

RULES_OF_PLAY = (
    "Treat every inject as real and respond as your team would, within your normal "
    "procedures and authority.",
    "Mark every message you send during the drill \"DRILL\" in its subject line.",
    "Respect the TLP label of everything you receive: share it only as the label allows.",
    "Act only on what has reached you: injects from exercise control and messages from "
    "other teams.",
    "Use the points of contact in this packet; if one does not answer, try the others, "
    "as you would in a real incident.",
    "Ask exercise control if anything is unclear; do not contact other teams about the "
    "drill outside it.",
)


def escape(value: str) -> str:
    """Text for HTML: markup characters escaped, control characters shown as escapes."""
    return _html_escape(plain(value), quote=True)


class NoPdf(Exception):
    """PDF copies were asked for but no PDF library is installed."""


def tlp(label: str) -> str:
    colour = TLP_COLOUR.get(label, "#FFFFFF")
    return f'<span class="tlp" style="color:{colour}">TLP:{escape(label)}</span>'


def highest(labels: list[str], floor: str = "CLEAR") -> str:
    return max([floor, *labels], key=TLP_ORDER.index)


def _page(title: str, label: str, body: list[str], cls: str = "") -> str:
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head>",
        f'<body class="{cls}">',
        f'<p class="banner">{tlp(label)}</p>',
        *body,
        f'<p class="banner">{tlp(label)}</p>',
        "</body></html>",
        "",
    ])


def _minute(sc: Scenario, inj: Inject) -> float | None:
    return None if inj.at is None else parse_drill_time(inj.at, sc.drill.start)


def _clock(sc: Scenario, minute: float) -> str:
    """The drill clock at ``minute``, to its minute (the seconds are dropped)."""
    zone = ZoneInfo(sc.drill.clock_timezone)
    moment = (sc.drill.start + timedelta(minutes=minute)).astimezone(zone)
    return f"{moment:%a %d %b %H:%M} ({sc.drill.clock_timezone})"


def _drill_time(minute: float) -> str:
    """A drill time to the minute, rounded down as the drill clock and the live console
    show it: 09:30:40 reads T+00:30."""
    return clock_minute(minute)


def _moment(sc: Scenario, minute: float) -> str:
    """A drill minute as drill time and drill clock: 'T+00:30, Mon 14 Sep 09:30 (...)'."""
    return f"{_drill_time(minute)}, {_clock(sc, minute)}"


def _when(sc: Scenario, inj: Inject) -> str:
    minute = _minute(sc, inj)
    if minute is None:
        if inj.after_action is not None:
            return "on action (only if it happens)"
        return "contingency (only if needed)"
    return _moment(sc, minute)


def certain(inj: Inject) -> bool:
    """Whether an inject goes out whatever happens in the drill: timed, with no
    condition (:func:`reaches_role` says whether it then arrives). A contingency, a
    branch (``when``) and an inject timed after an action are exercise control's to
    know of until they fire."""
    return inj.at is not None and inj.type != "contingency" and inj.when is None \
        and inj.after_action is None


def _delivery(sc: Scenario, inj: Inject) -> list[str]:
    """What delivers an inject beyond its time, and the condition it waits on, for
    exercise control: a contingency's trigger as the MSEL spreadsheet's Trigger column
    words it, the rest as ``drill explain`` words it."""
    from sim.authoring.explain import branching
    from sim.authoring.msel_io import trigger_text

    if inj.type == "contingency" and inj.after_action is None:
        # branching's first line says what fires it; the Trigger column says it in full
        return [*trigger_text(sc, inj).splitlines(), *branching(inj, [])[1:]]
    return branching(inj, [])


def _artefact_lines(sc: Scenario, inj: Inject) -> list[str]:
    """Each artefact by the name players see; a file with its path, and a protected
    file's password, its channel and delay (exercise control only)."""
    out = []
    for art in inj.artefacts:
        if isinstance(art, str):
            out.append(art)
            continue
        line = art.label if art.label == art.file else f"{art.label} ({art.file})"
        if art.protected is not None:
            p = art.protected
            via = sc.channels[p.password_via].name if p.password_via in sc.channels \
                and sc.channels[p.password_via].name else p.password_via
            after = f" {format_duration(p.delay)} after the inject reaches each recipient" \
                if p.delay else " as the inject reaches each recipient"
            said = f'password "{p.password}"' if p.password else \
                "password read out by exercise control"
            line += f"; protected: {said}, sent by {via}{after}"
        out.append(line)
    return out


def _name(sc: Scenario, aid: str) -> str:
    actor = sc.actors.get(aid)
    return f"{actor.name} ({aid})" if actor else aid


def card(sc: Scenario, inj: Inject, to: str | None = None) -> str:
    """The players' side of one inject: what is read out or handed over. In role
    ``to``'s packet it names that role alone as recipient (players are not told who
    else an inject went to); on exercise control's cards it names every recipient, and
    says when the inject may never be delivered."""
    recipients = [to] if to is not None else inj.to
    parts = [
        '<div class="card">',
        f"<p>{tlp(inj.tlp)} &nbsp; <b>Inject {escape(inj.id)}</b> &nbsp; "
        f'<span class="meta">{escape(_when(sc, inj))}</span></p>',
    ]
    if to is None and not certain(inj):
        parts.append('<p class="meta"><b>Hand this card over only if it fires</b>: exercise '
                     "control's packet says what fires it.</p>")
    parts += [
        f"<h3>{escape(inj.title or inj.incident.id)}</h3>",
        f'<p class="meta">From: {escape(_name(sc, inj.sender))} &nbsp; To: '
        f"{escape(', '.join(_name(sc, t) for t in recipients))} &nbsp; By: "
        f"{escape(sc.channels[inj.via].name or inj.via)}</p>",
        f'<div class="text">{escape(inj.text)}</div>',
    ]
    if inj.artefacts:
        parts.append("<p><b>Artefacts:</b></p><ul>"
                     + "".join(f"<li>{escape(a)}</li>" for a in inj.artefact_names) + "</ul>")
    parts.append("</div>")
    return "\n".join(parts)


def _stale_spans(sc: Scenario, reach: Reach, aid: str, channel: str) -> list[tuple[float, float]]:
    """The stretches of the drill, in drill minutes, when a point of contact is out of
    date, as its contact changes leave it."""
    end = sc.drill.duration
    cuts = sorted({at for at, _ in reach.changes.get((aid, channel), ()) if 0 < at < end})
    spans: list[tuple[float, float]] = []
    for begin, until in zip([0.0, *cuts], [*cuts, end], strict=True):
        if not reach.stale_at(aid, channel, begin):
            continue
        if spans and spans[-1][1] == begin:
            spans[-1] = (spans[-1][0], until)
        else:
            spans.append((begin, until))
    return spans


def _stale_note(sc: Scenario, reach: Reach, aid: str, channel: str) -> str:
    """' (STALE: does not answer until T+02:00)' for a contact out of date during the
    drill, with when it is; '' for one never out of date."""
    end = sc.drill.duration
    parts = []
    for begin, until in _stale_spans(sc, reach, aid, channel):
        if begin <= 0 and until >= end:
            parts.append("")
        elif begin <= 0:
            parts.append(f"until {_drill_time(until)}")
        elif until >= end:
            parts.append(f"from {_drill_time(begin)}")
        else:
            parts.append(f"from {_drill_time(begin)} until {_drill_time(until)}")
    if not parts:
        return ""
    return " (STALE: does not answer" + (" " + ", and ".join(parts) if parts[0] else "") + ")"


def _directory(sc: Scenario, organisers: bool) -> list[str]:
    from sim.authoring.explain import hours_in_words
    from sim.authoring.lint import Reach

    reach = Reach(sc) if organisers else None

    rows = ["<table><tr><th>Team</th><th>Country</th><th>Time zone</th><th>Hours</th>"
            "<th>Points of contact</th></tr>"]
    for aid, a in sc.actors.items():
        contacts = []
        for ch, c in a.contacts.items():
            line = f"{sc.channels[ch].name or ch}: {c.address}" if ch in sc.channels \
                else f"{ch}: {c.address}"
            if reach is not None and ch in sc.channels:
                line += _stale_note(sc, reach, aid, ch)
            if organisers and c.note:
                line += f" ({c.note})"
            contacts.append(escape(line))
        rows.append(f"<tr><td>{escape(_name(sc, aid))}</td><td>{escape(a.country or '')}</td>"
                    f"<td>{escape(a.timezone)}</td><td>{escape(hours_in_words(a))}</td>"
                    f"<td>{'<br>'.join(contacts)}</td></tr>")
    rows.append("</table>")
    return rows


def _header(sc: Scenario, heading: str) -> list[str]:
    d = sc.drill
    return [
        f"<h1>{escape(heading)}</h1>",
        f"<p><b>{escape(d.title)}</b></p>",
        f'<p class="meta">Starts {escape(_clock(sc, 0))}, lasts {escape(format_duration(d.duration))}; '
        f"drill times are written T+hh:mm from the start.</p>",
    ]


def _rules(sc: Scenario, aid: str | None) -> list[str]:
    out = ["<h2>Rules of play</h2>", "<ol>"]
    out += [f"<li>{escape(rule)}</li>" for rule in RULES_OF_PLAY]
    out.append("</ol>")
    if sc.drill.objectives:
        out.append("<h2>Objectives of the drill</h2><ul>")
        out += [f"<li>{escape(o.id)}: {escape(o.text)}</li>" for o in sc.drill.objectives]
        out.append("</ul>")
    if aid is not None:
        windows = [w for w in sc.drill.standby if aid in w.actors]
        for w in windows:
            end = f" to {escape(w.end)}" if w.end else " to the end of the drill"
            out.append(f"<p>Your team stands by from {escape(w.start)}{end}, whatever its office "
                       "hours.</p>")
    return out


def reaches_role(reach: Reach, aid: str, inj: Inject) -> bool:
    """Whether an inject reaches role ``aid`` whatever happens in the drill: it is
    :func:`certain`, and arrives before the drill ends (not held past its end, lost in
    an outage or sent to an out-of-date point of contact). A channel's random loss
    never touches an inject, only teams' messages."""
    return aid in inj.to and certain(inj) and inj.id in reach.at \
        and reach.reaches(aid, inj, reach.at[inj.id]) is not None


def role_packet(sc: Scenario, aid: str, reach: Reach | None = None) -> str:
    """Everything role ``aid`` may see, and nothing else (``reach``: the scenario's, to
    share between packets)."""
    from sim.authoring.lint import Reach

    actor = sc.actors[aid]
    reach = reach if reach is not None else Reach(sc)
    mine = [inj for inj in sc.injects if reaches_role(reach, aid, inj)]
    label = highest([inj.tlp for inj in mine], sc.drill.tlp)
    body = _header(sc, f"Player packet: {actor.name}")
    body += _rules(sc, aid)
    body.append("<h2>Points of contact</h2>")
    body += _directory(sc, organisers=False)
    body.append("<h2>Your injects</h2>")
    if mine:
        body.append('<p class="meta">Exercise control hands these over as the drill goes on; '
                    "do not read ahead. It may send others as the drill goes on.</p>")
        body += [card(sc, inj, aid) for inj in mine]
    else:
        body.append("<p>None planned: your team learns of the incidents from other teams, or "
                    "from exercise control as the drill goes on.</p>")
    return _page(f"{sc.drill.title}: {actor.name}", label, body)


def cards_page(sc: Scenario) -> str:
    """Every inject as a card, one to a printed page."""
    label = highest([inj.tlp for inj in sc.injects], sc.drill.tlp)
    body = _header(sc, "Inject cards")
    body += [card(sc, inj) for inj in sc.injects]
    return _page(f"{sc.drill.title}: inject cards", label, body, cls="cards")


def controller_packet(sc: Scenario) -> str:
    """The full MSEL, the expectations and the directory, for exercise control."""
    from sim.authoring.lint import Reach
    from sim.authoring.msel_io import duty_line

    reach = Reach(sc)
    label = highest([inj.tlp for inj in sc.injects], sc.drill.tlp)
    body = _header(sc, "Controller's packet")
    if sc.drill.description:
        body.append(f'<p class="text">{escape(sc.drill.description)}</p>')
    body += _rules(sc, None)
    body.append("<h2>Master Scenario Events List</h2>")
    body.append("<table><tr><th>No.</th><th>When</th><th>From / to / mode</th><th>TLP</th>"
                "<th>Inject</th><th>Artefacts (passwords)</th><th>Expected player actions</th>"
                "<th>Controller</th></tr>")
    for inj in sc.injects:
        minute = _minute(sc, inj)
        lines = [duty_line(sc, to, minute, inj, reach) for to in inj.to] \
            if minute is not None else []
        local = "<br>".join(escape(line) for line in [*_delivery(sc, inj), *lines])
        body.append(
            f"<tr><td>{escape(inj.id)}</td><td>{escape(_when(sc, inj))}<br>"
            f'<span class="meta">{local}</span></td>'
            f"<td>{escape(inj.sender)} &rarr; {escape(', '.join(inj.to))}<br>via "
            f"{escape(inj.via)}</td><td>{tlp(inj.tlp)}</td>"
            f"<td><b>{escape(inj.title)}</b><div class=\"text\">{escape(inj.text)}</div></td>"
            f"<td>{'<br>'.join(escape(a) for a in _artefact_lines(sc, inj))}</td>"
            f"<td>{'<br>'.join(escape(a) for a in inj.expected_actions)}</td>"
            f"<td>{escape(inj.controller)}<br>{escape(inj.notes)}</td></tr>")
    body.append("</table>")
    body += _tasks(sc)
    body.append("<h2>Expectations</h2>")
    body.append("<table><tr><th>Id</th><th>Expected</th><th>Who</th><th>Action</th>"
                "<th>Within</th><th>Score</th><th>If missed</th></tr>")
    for e in sc.expectations:
        anchor = "the incident's first inject" if e.after == "incident" else f"inject {e.after}"
        body.append(
            f"<tr><td>{escape(e.id)}</td><td>{escape(e.description)}</td>"
            f"<td>{escape(', '.join(e.actors))} ({escape(e.require)})</td>"
            f"<td>{escape(e.action)}{(' to ' + escape(e.target)) if e.target else ''}</td>"
            f"<td>{escape(format_duration(e.within))} after {escape(anchor)}</td>"
            f"<td>{e.score:g}</td><td>{escape(e.contingency or '')}</td></tr>")
    body.append("</table>")
    body += _outages(sc)
    body += _contact_changes(sc)
    body.append("<h2>Directory (with stale contacts)</h2>")
    body += _directory(sc, organisers=True)
    return _page(f"{sc.drill.title}: controller's packet", label, body)


def _tasks(sc: Scenario) -> list[str]:
    """The questions put to players, when each is asked and its answer key."""
    out = ["<h2>Player tasks</h2>"]
    if not sc.tasks:
        return [*out, "<p>None in this drill.</p>"]
    out.append("<table><tr><th>Id</th><th>Asked</th><th>To</th><th>Question</th>"
               "<th>Answer key (evaluators only)</th><th>Incident / objective</th></tr>")
    for task in sc.tasks:
        asked = f"when inject {task.inject} reaches each of them" if task.at is None \
            else _moment(sc, parse_drill_time(task.at, sc.drill.start))
        about = " / ".join(x for x in (task.incident, task.objective) if x)
        out.append(f"<tr><td>{escape(task.id)}</td><td>{escape(asked)}</td>"
                   f"<td>{escape(', '.join(task.to))}</td><td>{escape(task.question)}</td>"
                   f"<td>{escape(task.answer_key)}</td><td>{escape(about)}</td></tr>")
    out.append("</table>")
    return out


#: what becomes of what is sent during an outage, by its effect
_OUTAGE_EFFECT = {"bounce": "what is sent during it bounces back to its sender",
                  "lose": "what is sent during it is lost without a word",
                  "hold": "what is sent during it is held until it ends"}


def _channel(sc: Scenario, cid: str) -> str:
    ch = sc.channels.get(cid)
    return f"{ch.name} ({cid})" if ch is not None and ch.name else cid


def _outages(sc: Scenario) -> list[str]:
    """Each outage: the channel, whose end of it, when, what it does and why."""
    from sim.engine.drift import outage_windows

    out = ["<h2>Outages</h2>"]
    windows = outage_windows(sc)
    if not windows:
        return [*out, "<p>None in this drill.</p>"]
    out.append("<table><tr><th>Channel</th><th>Whose end</th><th>From</th><th>Until</th>"
               "<th>Effect</th><th>Notes</th></tr>")
    for w in windows:
        whose = _name(sc, w.actor) if w.actor else "everyone's"
        out.append(f"<tr><td>{escape(_channel(sc, w.channel))}</td><td>{escape(whose)}</td>"
                   f"<td>{escape(_moment(sc, w.start))}</td><td>{escape(_moment(sc, w.end))}</td>"
                   f"<td>{escape(_OUTAGE_EFFECT.get(w.effect, w.effect))}</td>"
                   f"<td>{escape(sc.outages[w.index].note)}</td></tr>")
    out.append("</table>")
    return out


def _contact_changes(sc: Scenario) -> list[str]:
    """Each point of contact that goes out of date or is repaired, in time order."""
    out = ["<h2>Contact changes</h2>"]
    if not sc.contact_changes:
        return [*out, "<p>None in this drill.</p>"]
    out.append("<table><tr><th>When</th><th>Team</th><th>Contact</th><th>Change</th>"
               "<th>Notes</th></tr>")
    timed = sorted(((parse_drill_time(c.at, sc.drill.start), i, c)
                    for i, c in enumerate(sc.contact_changes)), key=lambda x: x[:2])
    for at, _, c in timed:
        actor = sc.actors.get(c.actor)
        contact = actor.contacts.get(c.channel) if actor is not None else None
        where = _channel(sc, c.channel) + (f": {contact.address}" if contact else "")
        change = "goes stale: does not answer from then on" if c.stale \
            else "repaired: answers from then on"
        out.append(f"<tr><td>{escape(_moment(sc, at))}</td><td>{escape(_name(sc, c.actor))}</td>"
                   f"<td>{escape(where)}</td><td>{escape(change)}</td>"
                   f"<td>{escape(c.note)}</td></tr>")
    out.append("</table>")
    return out


def packets(sc: Scenario, roles: list[str] | None = None) -> dict[str, str]:
    """{file name: HTML}: the named roles' packets, or every role's packet, the
    controller's packet and the inject cards."""
    from sim.authoring.lint import Reach

    out: dict[str, str] = {}
    reach = Reach(sc)
    for aid in roles if roles is not None else list(sc.actors):
        out[f"role-{aid}.html"] = role_packet(sc, aid, reach)
    if roles is None:
        out["controller.html"] = controller_packet(sc)
        out["cards.html"] = cards_page(sc)
    return out


def _pdf_writer():  # type: ignore[no-untyped-def]
    try:
        from weasyprint import HTML  # type: ignore[import-not-found]
    except Exception:  # not installed, or its system libraries are missing
        raise NoPdf("drill handout --pdf: no PDF library is installed (pip install "
                    "weasyprint); the HTML packets print to PDF from any browser") from None
    return HTML


def write_packets(sc: Scenario, folder: Path, roles: list[str] | None = None,
                  pdf: bool = False) -> list[Path]:
    from sim.safe.files import private_dir, write_private

    writer = _pdf_writer() if pdf else None
    private_dir(folder)
    written = []
    for name, page in packets(sc, roles).items():
        written.append(write_private(folder / name, page))
        if writer is not None:
            data = writer(string=page).write_pdf()
            written.append(write_private(folder / name.replace(".html", ".pdf"), data))
    return written
