"""After the drill: the timeline, expectations met or missed, where the time went."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    DataTable,
    Footer,
    Input,
    Label,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker, WorkerState, get_current_worker

from scenarios.durations import clock_minute
from sim.analysis.report import shown_lateness
from sim.analysis.review import (
    PARTS,
    RATINGS,
    Comparison,
    Hop,
    NotDelivered,
    Review,
    not_in_play,
    shown_due,
    shown_rating,
    shown_status,
)
from sim.analysis.stats import percent
from sim.engine import ActionError
from sim.net.client import DrillConnectionError
from sim.runs.session import JournalError
from sim.safe.text import one_line

from ..plain import PlainTextApp, cells, line, text, tlp_label, tlp_of
from ..widgets.swimlane import SPARK, Swimlane, _h
from ..widgets.tables import fill_table, scrollbar_room

#: cells of the Split bar where there is room; at narrow widths it is narrowed down to
#: SPLIT_MIN first, and the hop shortened, so that the hours of every part stay on screen
SPLIT_CELLS, SPLIT_MIN = 12, 6
#: the Split bar's colour for each part, in PARTS order
SPLIT_COLOURS = ("grey50", "cyan", "yellow", "green", "red", "magenta")
#: the hop column is never shortened below this many cells (see fit_rows)
HOP_FLOOR = 8


def _hours(minutes: float) -> str:
    """A table cell in hours (the column says so): ``20.67``."""
    return f"{minutes / 60:.2f}"


def _split(hop: Hop, width: int) -> Text:
    """The hop's parts as a bar of exactly ``width`` cells (none for a hop of no time):
    each part ends where its share of the hop, added to those before it, ends."""
    bar = Text(end="")
    if not hop.duration:
        return bar
    done, edge = 0.0, 0
    for colour, part in zip(SPLIT_COLOURS, PARTS, strict=True):
        done += hop.parts[part]
        end = min(width, max(edge, round(width * done / hop.duration)))
        bar.append("█" * (end - edge), style=colour)
        edge = end
    return bar


def _hop_name(review: Review, h: Hop | NotDelivered, incident: bool = True) -> str:
    """A hop as the review names it: 'CERT-SG → CERT-TH (notify, x)'."""
    about = h.verb.replace("_", " ") + (f", {h.incident}" if incident else "")
    return f"{review.name(h.sender)} → {review.name(h.recipient)} ({about})"


def _describe(review: Review, e) -> str:
    d = e.details
    parts = [f"{clock_minute(e.time)}  {e.type.replace('_', ' ')}  {review.name(e.actor)}"]
    for key in ("inject", "verb", "action", "sender", "to", "channel", "tlp", "reason", "title"):
        if d.get(key):
            value = review.name(d[key]) if key in ("sender", "to") else d[key]
            parts.append(f"{key}: {value}")
    if d.get("targets"):
        parts.append("to: " + ", ".join(review.name(t) for t in d["targets"]))
    if e.type == "takedown_completed" and d.get("nothing_hosted"):
        parts.append("nothing hosted in its country to take down")
    return "   ".join(str(p) for p in parts)


class NoteForm(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="note.cancel")]

    def __init__(self, expectation: str, note: str):
        super().__init__()
        self.expectation = expectation
        self.note = note

    def compose(self) -> ComposeResult:
        yield Label(line(f"Evaluator's note on {self.expectation} (enter saves)"),
                    id="note-label")
        # a one-line editor: a note from the journal is shown with its controls escaped
        yield Input(value=one_line(self.note), id="note")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewTabs(TabbedContent):
    """The review's tabs. A pane whose widget takes the focus as the review closes (the
    facilitator closes it at once, or the drill starts again) is let be: its tab is gone
    already, and there is nothing to switch to."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        try:
            self.get_tab(event.tab_pane)
        except (NoMatches, ValueError):
            event.stop()
            event.prevent_default()  # not TabbedContent's own switch to the missing tab


class ReviewScreen(Screen):
    """After the drill: timeline, expectations, time breakdown, human against model."""

    BINDINGS = [
        Binding("p", "rate('P')", "Rate P", id="rating.p", show=False),
        Binding("s", "rate('S')", "Rate S", id="rating.s", show=False),
        Binding("m", "rate('M')", "Rate M", id="rating.m", show=False),
        Binding("u", "rate('U')", "Rate U", id="rating.u", show=False),
        Binding("n", "note", "Note", id="rating.note"),
        Binding("q,escape", "close", "Close", id="review.close"),
    ]

    def __init__(self, review: Review, journal=None,
                 rate: Callable[[str, str, str], Awaitable[None]] | None = None):
        super().__init__()
        self.review = review
        self.journal = journal
        #: a drill served elsewhere: sends a rating (expectation, rating, note; rating ""
        #: is a note alone) to the drill server, which keeps it in the drill's journal;
        #: None: kept in ``journal``
        self.rate = rate
        self._tasks: list[dict] = []
        self._breakdown_filled = False
        #: the hops, slowest first, each with its name as the table shows it
        self._hops: list[tuple[str, Hop]] = []

    def compose(self) -> ComposeResult:
        m = self.review.metrics
        yield Static(Text.assemble(
            " Review ", tlp_label(tlp_of(self.review.scenario, self.review.events)),
            f" score {m['score']['earned']:g} of {m['score']['possible']:g}, "
            f"{m['score']['met']} of {m['score']['of']} expectations met   ",
            line(self.review.scenario.drill.title), end=""),
            classes="clockbar")
        with ReviewTabs(id="review-tabs"):
            with TabPane("Timeline", id="tab-timeline"):
                yield Swimlane(self.review, id="swimlane")
                yield Static(id="mark-detail")
            with TabPane("Expectations", id="tab-exp"):
                yield DataTable(id="exp", cursor_type="row", zebra_stripes=True)
                yield Static(line(self._rating_hint()), classes="hint")
            if self.review.scenario.tasks:
                with TabPane("Tasks", id="tab-tasks"):
                    yield DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
                    yield Static(id="task-detail")
            with TabPane("Where the time went", id="tab-breakdown"):
                yield DataTable(id="breakdown", cursor_type="row", zebra_stripes=True)
                yield Static(id="hop-detail")
                # messages that never arrived have no duration: listed apart, as in the
                # after-action report
                yield Static(id="undelivered-title")
                yield DataTable(id="undelivered", cursor_type="row", zebra_stripes=True)
                yield Static(id="undelivered-detail")
            with TabPane("People vs model", id="tab-model"):
                yield Static(id="model-status")
                yield ProgressBar(id="model-progress", show_eta=False)
                yield DataTable(id="model", cursor_type="row", zebra_stripes=True)
            with TabPane("Notes", id="tab-notes"):
                yield DataTable(id="notes", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def _rating_hint(self) -> str:
        """How to rate and note an expectation, with the keys where the keymap put them."""
        app: PlainTextApp = self.app  # type: ignore[assignment]
        rate = " ".join(app.keys_of(f"rating.{r.lower()}") for r in RATINGS)
        return (f"{rate}: rate the selected expectation (HSEEP); {app.keys_of('rating.note')}: "
                "add a note. " + "  ".join(f"{k}={v}" for k, v in RATINGS.items()))

    def on_mount(self) -> None:
        exp = self.query_one("#exp", DataTable)
        exp.add_columns("Id", "Status", "Due", "Done", "Lateness", "Score", "Rating", "Note",
                        "Expectation")
        self._fill_expectations()
        bd = self.query_one("#breakdown", DataTable)
        # hours in every column but the bar: "Hours", not a unit in each cell, keeps all
        # nine columns within 80; the selected hop is spelt out below the table
        bd.add_columns("Hop", "Hours", "Split", *[p.split(" ")[0] for p in PARTS])
        self._breakdown_filled = False  # filled when first shown: a big drill has thousands
        self._set_up_undelivered()
        model = self.query_one("#model", DataTable)
        model.add_columns("Role", "Incident", "What", "Person", "Faster than", "Model did it",
                          "Simulated times")
        self._model_filled = False  # filled when first shown, as the breakdown is
        if self.review.pending is None:  # no progress to show (nor to animate meanwhile)
            self.query_one("#model-status", Static).display = False
            self.query_one("#model-progress", ProgressBar).display = False
        else:
            # the rest of the review shows at once; the runs go on in the background
            self._show_progress(0, self.review.pending.runs)
            self.call_after_refresh(self._start_model)
        self._fill_notes()
        if self.review.scenario.tasks:
            self._fill_tasks()
        self._show_mark()
        self.query_one("#swimlane").focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane is not None and event.pane.id == "tab-timeline":
            # its keys (j, +, -) are the timeline's: not left on the tab bar, where the
            # app's would take them
            self.query_one("#swimlane").focus()
        elif event.pane is not None and event.pane.id == "tab-breakdown":
            # once shown and laid out: the hops are shortened to the table's width
            self.call_after_refresh(self._fill_breakdown)
        elif event.pane is not None and event.pane.id == "tab-model":
            self._show_model()

    def _show_model(self) -> None:
        """Fill the People vs model tab once its comparison is there and it is shown."""
        if (self._model_filled or self.review.pending is not None
                or self.query_one("#review-tabs", TabbedContent).active != "tab-model"):
            return
        self._model_filled = True
        self._fill_model(self.review.comparisons)

    def _fill_breakdown(self) -> None:
        if self._breakdown_filled:
            return
        self._breakdown_filled = True
        self._hops = [(_hop_name(self.review, h), h)
                      for h in sorted(self.review.hops, key=lambda h: -h.duration)]
        self._fit_breakdown()
        self._show_hop()
        self._show_undelivered()

    def _fit_breakdown(self) -> None:
        """The hops fitted to the table's width: the Split bar narrowed (down to SPLIT_MIN),
        then each hop shortened, so that the hours of every part stay on screen."""
        table = self.query_one("#breakdown", DataTable)
        hours = [(_hours(h.duration), *(_hours(h.parts[p]) for p in PARTS))
                 for _, h in self._hops]
        pad = 2 * table.cell_padding
        labels = [str(c.label) for c in table.ordered_columns]
        numbers = [labels[1], *labels[3:]]
        others = sum(max([cell_len(label), *(len(row[i]) for row in hours)]) + pad
                     for i, label in enumerate(numbers))
        # beside the vertical scrollbar, as fit_rows counts it
        room = table.size.width - others - (HOP_FLOOR + pad) - pad - scrollbar_room(table)
        width = max(SPLIT_MIN, min(SPLIT_CELLS, room)) if table.size.width else SPLIT_CELLS
        rows: list[tuple[str, tuple[object, ...]]] = [
            (str(n), (name, row[0], _split(h, width), *row[1:]))
            for n, ((name, h), row) in enumerate(zip(self._hops, hours, strict=True))]
        fill_table(table, rows, fit=0)
        self._fit_undelivered()

    def _set_up_undelivered(self) -> None:
        """Say how many messages never arrived (the table below lists them), or that
        every message sent arrived."""
        lost = self.review.undelivered
        said = (f"Messages that never arrived: {len(lost)} (not ranked above: they have no "
                "duration)" if lost else
                "Every message arrived." if self.review.hops else "No message was sent.")
        self.query_one("#undelivered-title", Static).update(text(said))
        table = self.query_one("#undelivered", DataTable)
        table.add_columns("Message", "Incident", "Sent", "Attempts", "What became of it")
        table.display = bool(lost)
        self.query_one("#undelivered-detail", Static).display = bool(lost)

    def _fit_undelivered(self) -> None:
        """The messages that never arrived, first sent first, each shortened to the
        table's width (spelt out in full below it). Each row is in the after-action
        report's words, its times written as the report writes them."""
        rows: list[tuple[str, tuple[object, ...]]] = [
            (str(n), (_hop_name(self.review, h, incident=False), h.incident,
                      clock_minute(h.first_sent_at), str(h.attempts), h.fate()))
            for n, h in enumerate(self.review.never_arrived())]
        if rows:
            fill_table(self.query_one("#undelivered", DataTable), rows, fit=0)

    def _show_undelivered(self) -> None:
        """The selected message that never arrived, in full: to whom, and what became
        of it, in the after-action report's words."""
        table = self.query_one("#undelivered", DataTable)
        lost = self.review.never_arrived()
        detail = self.query_one("#undelivered-detail", Static)
        if not lost or not 0 <= table.cursor_row < len(lost):
            detail.update("")
            return
        h = lost[table.cursor_row]
        detail.update(text(f"{_hop_name(self.review, h)}: {h.describe()}"))

    def _show_hop(self) -> None:
        """The selected hop in full: its name (shortened in the table), its hours and
        every part by its whole name."""
        table = self.query_one("#breakdown", DataTable)
        detail = self.query_one("#hop-detail", Static)
        if not self._hops or not 0 <= table.cursor_row < len(self._hops):
            detail.update("")
            return
        name, h = self._hops[table.cursor_row]
        parts = ", ".join(f"{p} {_h(h.parts[p])}" for p in PARTS)
        detail.update(text(f"{name} took {_h(h.duration)}: {parts}"))

    def on_resize(self) -> None:
        if self._breakdown_filled:
            self.call_after_refresh(self._fit_breakdown)

    # --- people vs model: simulated in a worker thread, kept in the journal ------------

    class ModelProgress(Message):
        """Another simulated run of the model is done (posted from the worker)."""

        def __init__(self, done: int, runs: int):
            super().__init__()
            self.done = done
            self.runs = runs

    def _start_model(self) -> None:
        pending = self.review.pending
        if pending is None:
            return

        def work() -> list[Comparison]:
            worker = get_current_worker()

            def progress(done: int, runs: int) -> None:
                if worker.is_cancelled:
                    raise _Stopped
                self.post_message(self.ModelProgress(done, runs))

            return pending.compute(progress)

        self.run_worker(work, name="model", group="model", thread=True, exclusive=True,
                        exit_on_error=False)

    def on_review_screen_model_progress(self, message: ModelProgress) -> None:
        if self.review.pending is not None:
            self._show_progress(message.done, message.runs)

    def _show_progress(self, done: int, runs: int) -> None:
        self.query_one("#model-status", Static).update(
            f"Simulating runs of the automated policy to compare with: {done}/{runs}. "
            "The other tabs can be used meanwhile.")
        self.query_one("#model-progress", ProgressBar).update(total=runs, progress=done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "model" or self.review.pending is None:
            return
        if event.state == WorkerState.SUCCESS:
            pending, self.review.pending = self.review.pending, None
            self.review.comparisons = event.worker.result or []
            pending.save(self.journal, self.review.comparisons)
            self.query_one("#model-status", Static).update(
                f"The comparison with {pending.runs} runs of the model is ready.")
            self.query_one("#model-progress", ProgressBar).display = False
            self._show_model()
        elif event.state == WorkerState.ERROR:
            self.review.pending = None
            self.query_one("#model-progress", ProgressBar).display = False
            why = one_line(str(event.worker.error))[:200] or type(event.worker.error).__name__
            self.query_one("#model-status", Static).update(
                line(f"The comparison with the model could not be computed: {why}"))

    @property
    def model_ready(self) -> bool:
        """Whether the comparison with the model is there (shown when its tab is)."""
        return self.review.pending is None

    def _fill_model(self, comparisons: list[Comparison]) -> None:
        status = self.query_one("#model-status", Static)
        until = next((c.until for c in comparisons if c.until is not None), None)
        # a drill stopped early is compared with the model's runs up to where it stopped
        status.display = until is not None
        if until is not None:
            status.update(f"Compared up to {clock_minute(until)}, when the drill "
                          "stopped: the model's runs go no further.")
        self.query_one("#model-progress", ProgressBar).display = False
        model = self.query_one("#model", DataTable)
        model.clear()
        for c in comparisons:
            model.add_row(*cells([
                self.review.name(c.actor), c.incident, c.metric.replace("_", " "),
                _person(c),
                "—" if (faster := c.shown_faster_than) is None else percent(faster),
                _model_did_it(c),
                _spark(c.simulated, c.human if c.human is not None else max(c.simulated))]))
        if not comparisons:
            model.add_row("No role was played by a person, or no comparison was asked for "
                          "(--runs 0).", "", "", "", "", "", "")

    def _fill_notes(self) -> None:
        """The evaluators' notes from play, by what they are about, in drill time order."""
        from sim.analysis.aar import note_groups, note_when

        notes = self.query_one("#notes", DataTable)
        notes.add_columns("About", "When", "By", "Note")
        for title, group in note_groups(self.review):
            for n in group:
                notes.add_row(*cells([title, note_when(self.review, n), n.who, n.text]))
        if not self.review.notes:
            app: PlainTextApp = self.app  # type: ignore[assignment]
            notes.add_row(*cells([f"No note was taken during play ({app.keys_of('notes.observe')} "
                                  "in the console).", "", "", ""]))

    def _fill_tasks(self) -> None:
        """Each player task as asked of each team: the answer beside the answer key."""
        table = self.query_one("#tasks", DataTable)
        table.add_columns("Task", "Team", "Asked", "Answered", "Answer", "Answer key")
        self._tasks = self.review.task_answers()
        for i, t in enumerate(self._tasks):
            table.add_row(*cells([
                f"{t['task']}: {t['question']}", self.review.name(t["actor"]),
                clock_minute(t["asked_at"]),
                clock_minute(t["answered_at"]) if t["answered_at"] is not None else "",
                t["answer"] or "(no answer)", t["answer_key"]]), key=str(i))
        if not self._tasks:
            table.add_row("No task was put to a team.", "", "", "", "", "")
        self._show_task()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "tasks":
            self._show_task()
        elif event.data_table.id == "breakdown":
            self._show_hop()
        elif event.data_table.id == "undelivered":
            self._show_undelivered()

    def _show_task(self) -> None:
        """The selected task in full: answers and keys are free text, often long."""
        table = self.query_one("#tasks", DataTable)
        if not self._tasks or not 0 <= table.cursor_row < len(self._tasks):
            self.query_one("#task-detail", Static).update("")
            return
        t = self._tasks[table.cursor_row]
        self.query_one("#task-detail", Static).update(text(
            f"{t['task']} to {self.review.name(t['actor'])}: {t['question']}\n\n"
            f"Answer: {t['answer'] or '(no answer)'}\n\nAnswer key: {t['answer_key'] or '(none)'}"))

    def _fill_expectations(self) -> None:
        exp = self.query_one("#exp", DataTable)
        row = exp.cursor_row
        exp.clear()
        for x in self.review.metrics["expectations"]:
            rating, note, mine = self.review.rating(x["id"])
            late = shown_lateness(x) if x.get("lateness") and x["status"] != "met" else ""
            # one never in play is left out of the score, as in the header's total
            score = "—" if not_in_play(x) else f"{x['earned']:g}/{x['score']:g}"
            exp.add_row(*cells([
                x["id"], shown_status(x), shown_due(x),
                clock_minute(x["at"]) if x.get("at") is not None else "", late,
                score, shown_rating(rating, mine), note,
                x["description"] or x["action"]]), key=x["id"])
        if row < exp.row_count:
            exp.move_cursor(row=row, animate=False)

    def on_swimlane_selected(self, _message) -> None:
        self._show_mark()

    def _show_mark(self) -> None:
        e = self.query_one("#swimlane", Swimlane).selected_event()
        self.query_one("#mark-detail", Static).update(
            line(_describe(self.review, e)) if e else "")

    def _expectation(self) -> str | None:
        exp = self.query_one("#exp", DataTable)
        if exp.row_count == 0:
            return None
        return str(exp.coordinate_to_cell_key((exp.cursor_row, 0)).row_key.value)

    def action_rate(self, rating: str) -> None:
        if self.query_one("#review-tabs", TabbedContent).active != "tab-exp":
            self.notify("Ratings are given on the Expectations tab.", severity="warning")
            return
        eid = self._expectation()
        if eid is None:
            return
        _, note, _ = self.review.rating(eid)
        self._save(eid, rating, note)

    def action_note(self) -> None:
        """A note on the selected expectation: on the Expectations tab, as ratings are."""
        if self.query_one("#review-tabs", TabbedContent).active != "tab-exp":
            self.notify("Notes on expectations are written on the Expectations tab.",
                        severity="warning")
            return
        eid = self._expectation()
        if eid is None:
            return
        rating, note, mine = self.review.rating(eid)
        if not mine:
            # a note is the evaluator's, a suggested rating is not: it stays a suggestion
            rating = ""

        def done(text: str | None) -> None:
            if text is not None:
                self._save(eid, rating, text)

        self.app.push_screen(NoteForm(eid, note), done)

    def _save(self, eid: str, rating: str, note: str) -> None:
        if self.rate is not None:  # a drill served elsewhere: its server keeps the journal
            self.run_worker(self._send_rating(eid, rating, note), group="ratings",
                            exit_on_error=False)
            return
        if self.journal is not None:
            try:
                self.journal.set_rating(eid, rating, note)
            except JournalError as exc:  # a full disk, say: the review shows what is kept
                what = "rating" if rating else "note"
                self.notify(f"{eid}: {what} not saved: {exc}", severity="error", timeout=10)
                return
        self.review.ratings[eid] = {"rating": rating, "note": note, "who": "evaluator"}
        self._fill_expectations()
        said = f"{eid} rated {rating}" if rating else f"note on {eid}, not rated"
        self.notify(said + (" (saved in the journal)" if self.journal else ""))

    async def _send_rating(self, eid: str, rating: str, note: str) -> None:
        """Send a rating, or a note alone (rating ``""``), to the drill server; shown once
        it is kept, or why not."""
        assert self.rate is not None
        what = f"{eid} rated {rating}" if rating else f"the note on {eid} kept"
        try:
            await self.rate(eid, rating, note)
        except ActionError as exc:
            self.notify(f"{eid} is not rated: {exc}" if rating else
                        f"the note on {eid} is not kept: {exc}", severity="error", timeout=8)
            return
        except DrillConnectionError as exc:  # the answer was lost: rating again is harmless
            self.notify(f"{what}? {exc}", severity="warning", timeout=12)
            return
        except TimeoutError:
            self.notify(f"{what}? The drill server did not answer in time: "
                        f"{'rate' if rating else 'write'} it again to be sure.",
                        severity="warning", timeout=12)
            return
        if eid not in self.review.ratings:  # the server's word on it normally comes first
            self.rating_given(eid, {"rating": rating, "note": note, "who": "evaluator"})
        # a note alone keeps a rating the server holds (given meanwhile on another console)
        kept = self.review.ratings[eid].get("rating", "")
        said = (f"{eid} rated {rating}" if rating else
                f"note on {eid}, rated {kept}" if kept else f"note on {eid}, not rated")
        self.notify(said + " (saved in the drill's journal)")

    def rating_given(self, eid: str, rating: dict[str, str]) -> None:
        """A rating kept by the drill server, given here or on another console: shown."""
        self.review.ratings[eid] = dict(rating)
        if self.is_attached:
            with suppress(NoMatches):
                self._fill_expectations()

    def action_close(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.app.exit()


class _Stopped(Exception):
    """The review closed while the model's runs were under way."""


def _person(c: Comparison) -> str:
    """What the person did, in the People vs model tab: the time it took, "never", or
    "nothing reached it" when nothing about the incident reached the role."""
    if c.human is not None:
        return _h(c.human)
    return "never" if c.reached else "nothing reached it"


def _model_did_it(c: Comparison) -> str:
    """The share of runs in which the policy did it: "97%", "97% of 31" when only the
    runs in which something reached the role are compared, "—" with none."""
    if not c.compared:
        return "—"
    return percent(c.model_did_it) + ("" if c.compared == c.runs else f" of {c.compared}")


def _spark(values: list[float], human: float, bins: int = 16) -> Text:
    if not values:
        return Text("")
    lo, hi = min([*values, human]), max([*values, human])
    if hi == lo:
        hi = lo + 1
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / (hi - lo) * bins))] += 1
    top = max(counts)
    mark = min(bins - 1, int((human - lo) / (hi - lo) * bins))
    out = Text()
    for i, n in enumerate(counts):
        out.append(SPARK[round(n / top * (len(SPARK) - 1))], style="bold red" if i == mark else "cyan")
    return out
