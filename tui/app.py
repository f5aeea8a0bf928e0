"""The live-drill terminal app: facilitator console and participant role views.

The app drives a *drill connection* (commands in, domain events out) and draws a
:class:`~sim.runs.view.DrillState` fed only by those events. The connection is a local
:class:`~sim.runs.session.DrillSession` with its :class:`~sim.runs.session.DrillClock`,
or a drill served by ``drill host`` (:class:`~sim.net.remote.RemoteSession` and its
:class:`~sim.net.remote.RemoteClock`), whose commands are requests the server carries
out or refuses: :meth:`DrillApp.command` awaits them without blocking the UI.
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import secrets
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from textual.app import SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen

from scenarios.durations import format_drill_time
from scenarios.model import Inject
from sim.analysis import review as review_defaults
from sim.engine import Action, ActionError
from sim.net.client import DrillConnectionError, Unanswered
from sim.net.protocol import BreaksState
from sim.net.remote import RemoteClock, RemoteSession
from sim.runs.breaks import Break, BreakPlan, parse_break, wall_clock
from sim.runs.session import DrillClock, DrillSession, JournalError
from sim.runs.view import ACTION_EVENTS, DrillState
from sim.runs.when import check_ahead, parse_when, when_in_words

from .forms import ConfirmQuit, HelpScreen, ObservationForm, PinPrompt
from .forms.sending import Outcome
from .plain import PlainTextApp
from .screens.console import FacilitatorScreen
from .screens.live import LiveScreen
from .screens.role import ParticipantScreen

if TYPE_CHECKING:
    from .screens.review import ReviewScreen

SPEEDS = (1, 10, 60, 300, 600, 3600)
TICK = 0.2  # seconds between clock ticks

#: The review at the drill's end compares with the model as ``drill review`` and ``drill
#: report`` do (:data:`sim.analysis.review.MODEL_RUNS` runs from ``MODEL_SEED``).
MODEL_RUNS, MODEL_SEED = review_defaults.MODEL_RUNS, review_defaults.MODEL_SEED


def _pin_hash(pin: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, 100_000)


#: actions a player in a role view may not take when the console is locked with a PIN
FACILITATOR_ONLY = frozenset({
    "toggle_clock", "faster", "slower", "next_inject", "review", "quit_drill", "quit",
    "observe",  # an evaluator's note: a player in hot seat writes none (and reads none)
    "next_role",  # another person's role: what it received is not this player's to read
})
#: a team's own actions in its role view: none while the automated policy plays the team
TEAM_ACTIONS = frozenset({"acknowledge", "act", "answer_task", "notify_ansac"})

#: over the network, what each token's terminal offers (the server checks again):
#: a player has its role view only; an observer reads everything and writes notes
CONTROL_ACTIONS = frozenset({
    "toggle_clock", "faster", "slower", "next_inject", "fire", "skip", "delay", "adhoc",
    "reschedule", "edit_inject", "unskip", "go_to", "plan_break", "toggle_role", "tokens",
})
#: the drill clock's keys: they do nothing while a review is open over the drill (its
#: timeline has keys of its own, and a review must not move the drill on)
CLOCK_ACTIONS = frozenset({"toggle_clock", "faster", "slower", "next_inject"})
#: what a review opened during the drill turns off: the clock's keys, and R (a second
#: review over the first, with model runs of its own)
NOT_IN_REVIEW = CLOCK_ACTIONS | frozenset({"review"})
PLAYER_NEVER = CONTROL_ACTIONS | frozenset({
    "review", "observe", "console", "next_role", "role_view", "show_tab"})
OBSERVER_NEVER = CONTROL_ACTIONS | frozenset({
    "acknowledge", "act", "answer_task", "notify_ansac"})


class DrillApp(PlainTextApp):
    """A live drill: the facilitator console and participants' role views."""

    CSS_PATH = Path(__file__).with_name("drill.tcss")  # absolute: subclasses live elsewhere
    TITLE = "acid-drill"
    BINDINGS = [
        Binding("space", "toggle_clock", "Run/pause", id="clock.toggle"),
        Binding("plus,equals_sign", "faster", "Faster", id="clock.faster", show=False),
        Binding("minus", "slower", "Slower", id="clock.slower", show=False),
        Binding("j", "next_inject", "Next", id="clock.next_inject"),
        Binding("R", "review", "Review", id="app.review", show=False),
        Binding("I", "tokens", "Invitations", id="app.tokens", show=False),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("q", "quit_drill", "Quit", id="app.quit"),
    ]

    def __init__(self, session: DrillSession | RemoteSession, speed: float = 60.0,
                 roles: Iterable[str] = (), clock: DrillClock | None = None,
                 tick: float = TICK, pin: str | None = None,
                 keymap: dict[str, str] | None = None,
                 wall: Callable[[], datetime] | None = None):
        super().__init__()
        if keymap:  # binding id -> keys, checked by tui.keymap.load
            self.set_keymap(keymap)
        #: the facilitator's wall clock (local time), which scheduled breaks follow
        self.wall = wall or (lambda: datetime.now().astimezone())
        self.breaks = BreakPlan.from_json(session.breaks())
        self._break_resumes = False
        # hot seat: the facilitator's PIN, kept only as a salted hash
        self._pin_salt = secrets.token_bytes(16)
        self._pin_hash = _pin_hash(pin, self._pin_salt) if pin else None
        self.session = session
        #: the drill served elsewhere (``drill join``), or None for a drill run here
        self.remote = session if isinstance(session, RemoteSession) else None
        #: what the header says about the connection ("reconnecting…"), "" when all is well
        self.link_note = ""
        #: what quitting means, when not the local journal's story
        self.quit_note: str | None = None
        if self.remote is not None:
            self.quit_note = ("The drill goes on at the server, which keeps the journal. "
                              "Join again later with the same invitation.")
        self.clock: DrillClock | RemoteClock
        if isinstance(session, RemoteSession):
            self.state = session.state  # fed by the client with the server's events
            self.clock = RemoteClock(session.client)
            session.client.on_status = self._link_status
            session.on_reset(self._remote_reset)
            session.on_rating(self._rating_given)
            # the breaks are the server's: it pauses and resumes the clock for them
            if session.client.breaks is not None:
                self._server_breaks(session.client.breaks, quiet=True)
            session.client.on_breaks(self._server_breaks)
            roles = [session.role] if session.role else []
        else:
            self.state = DrillState(session.scenario)
            for event in session.engine.log:
                self.state.apply(event)
            session.listen(self.state.apply)
            self._list_sent_adhoc(session)
            self.clock = clock or DrillClock(speed=speed, start=session.now)
        #: the ids of the ad-hoc injects this terminal has added (see :meth:`send_adhoc`)
        self._adhoc_ids: set[str] = set()
        #: the roles people play here, as given (``--role``): a player's terminal over the
        #: network opens at its role; the console opens first everywhere else
        self.start_roles = list(roles)
        self.tick_seconds = tick
        self._shown = -1

    # --- lifecycle ---------------------------------------------------------------

    @property
    def access(self) -> str:
        """Who holds this terminal: the facilitator (locally always), a player, an observer."""
        return self.remote.access if self.remote is not None else "facilitator"

    def may(self, action: str) -> bool:
        """Whether this terminal offers ``action`` (a drill served elsewhere: by its token)."""
        bare = action.split("(")[0].rsplit(".", 1)[-1]
        if self.remote is None or self.access == "facilitator":
            return bare != "tokens" or self.remote is not None
        return bare not in (PLAYER_NEVER if self.access == "player" else OBSERVER_NEVER)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.offers(action)

    def offers(self, action: str) -> bool:
        """Whether ``action`` works now: this terminal offers it (:meth:`may`), and it is
        neither a clock key nor R while a review is open: a key the review's timeline does
        not take must not fall through to the drill and deliver an inject, and one review
        (with its model runs) is enough."""
        if action.split("(")[0].rsplit(".", 1)[-1] in NOT_IN_REVIEW and self.reviewing:
            return False
        return self.may(action)

    @property
    def reviewing(self) -> bool:
        """Whether a review is open (on top, or under a dialog of its own)."""
        from .screens.review import ReviewScreen

        return any(isinstance(s, ReviewScreen) for s in self.screen_stack)

    def _link_status(self, line: str) -> None:
        """The client's word on the connection: lost, back, or refused for good."""
        if line.startswith("connection lost"):
            self.link_note = "reconnecting…"
        elif line == "reconnected":
            self.link_note = ""
            self.notify("Reconnected to the drill server.", timeout=4)
        else:
            self.link_note = "disconnected" if self.remote and self.remote.client.failure else \
                self.link_note
            self.notify(line, severity="error", timeout=10)
        self.redraw()

    #: screens that hold nothing of the drill's read model: kept open through a reset
    #: from the server (unless above a screen that is closed)
    KEPT_THROUGH_RESET: tuple[type[Screen], ...] = (HelpScreen, ConfirmQuit, PinPrompt)

    def _remote_reset(self) -> None:
        """The server said to start again from nothing (the host resumed from an earlier
        copy of its journal, or this terminal reconnected into another drill). Called by
        the client as it takes the welcome in: the screens are seen to in the app's own
        turn (:meth:`_after_reset`)."""
        self.call_later(self._after_reset)

    def _rating_given(self, eid: str, rating: dict[str, str]) -> None:
        """A rating kept by the drill server (given on this console or another): shown in
        every review open here."""
        from .screens.review import ReviewScreen

        if self._screens_gone():
            return
        for screen in self.screen_stack:
            if isinstance(screen, ReviewScreen):
                screen.rating_given(eid, rating)

    def _after_reset(self) -> None:
        """Let go of what was built from the lost timeline: an open review or form (it
        holds the old review or read model; a form's answer is not sent), the console's
        record of the people's actions announced, and whether the drill's end was seen
        (the review opens when the drill, as it now stands, ends). Then say so."""
        if self._screens_gone():
            return
        from .forms.tokens import TokensScreen
        from .screens.review import ReviewScreen

        kept: tuple[type[Screen], ...] = (LiveScreen, *self.KEPT_THROUGH_RESET, TokensScreen)
        stack = list(self.screen_stack)
        # the lowest screen built from the lost timeline goes, and every one above it
        lowest = next((i for i, s in enumerate(stack) if i > 0 and not isinstance(s, kept)),
                      len(stack))
        closed = [s for s in stack[lowest:] if not isinstance(s, kept)]
        for _ in stack[lowest:]:
            self.pop_screen()  # without an answer: nothing of a form is sent
        for screen in self.screen_stack:
            if isinstance(screen, FacilitatorScreen):
                screen.forget_announced()
        self._ended_seen = False
        self._review_stale = False
        what = ("review" if any(isinstance(s, ReviewScreen) for s in closed)
                else "form" if closed else "")
        closed_note = (f" The {what} that was open showed the drill as it was, and is "
                       "closed." if what else "")
        self.notify("The drill started again from the server's record (the host resumed "
                    "an earlier copy of its journal, or this invitation now leads to another "
                    "drill): everything shown is the drill as it stands now."
                    f"{closed_note}", severity="warning", timeout=12)
        self.redraw()

    def on_mount(self) -> None:
        """A player's terminal opens at its role's view; every other one at the console
        (the roles people play are marked there: ``v`` and ``h`` open their views)."""
        if self.access == "player" and self.start_roles:
            self.push_screen(ParticipantScreen(self.start_roles[0]))
        else:
            self.push_screen(FacilitatorScreen())
        if self.session.path:
            self.notify(f"Journal: {self.session.path}", timeout=6)
        self.set_interval(self.tick_seconds, self.tick)

    #: why the drill was halted (the journal could not be written), or None
    halted: str | None = None

    def _halt(self, exc: JournalError) -> None:
        """Stop the drill where the journal stops: nothing is played that is not recorded."""
        self.clock.pause()
        self.halted = (f"{exc} The drill is halted at the last recorded step: quit, make room, "
                       "and carry on with drill play --resume.")
        self.notify(self.halted, severity="error", timeout=30)

    _ended_seen = False

    def _screens_gone(self) -> bool:
        """True once the app has let go of its screens: a tick of the clock can still
        come while it closes."""
        try:
            return not self.screen_stack
        except KeyError:
            return True

    def tick(self) -> None:
        """Advance the engine to the clock's drill time and redraw what changed."""
        if self._screens_gone():
            return
        self._renew_review()
        if self.remote is not None:  # the server moves the drill on
            if self.remote.finished and not self._ended_seen:
                self._ended_seen = True
                self.drill_ended()
            if self.access == "facilitator":
                self.check_breaks()
            self.redraw()
            return
        if self.halted is None and not self.state.finished and self.clock.running:
            target = self.clock.drill_time()
            if target > self.session.now:
                try:
                    self.session.advance_to(target)
                except JournalError as exc:
                    self._halt(exc)
                    return
            self._reached_end()
        self.check_breaks()  # after the drill has caught up with the clock
        self.redraw()

    def _reached_end(self) -> None:
        """The drill run here has reached its end, however it got there (the clock, ``j``,
        a jump): the clock stops, and the end is said (and the review opened) once."""
        if self.remote is not None or not self.session.finished or self._ended_seen:
            return
        self._ended_seen = True
        self.clock.pause()
        self.drill_ended()

    def drill_ended(self) -> None:
        """Say the drill has ended and open the review (the hot wash). In hot seat a
        player holds the keyboard: the review, with every team's timeline and the
        evaluators' notes, opens only once the facilitator has given the PIN. A review
        open already showed the drill as it was then: the hot wash takes its place
        (:meth:`_renew_review`)."""
        self.notify("The drill has ended.", timeout=10)
        if not self.may("review"):
            return
        if self.reviewing:
            self._review_stale = True
            self._renew_review()
            return
        self._open_hot_wash()

    def _open_hot_wash(self) -> None:
        if self.locked:
            self.as_facilitator(self.action_review, "The drill has ended; the review")
        else:
            self.action_review()

    #: the drill ended while a review was open: it is to be replaced by the hot wash
    _review_stale = False

    def _renew_review(self) -> None:
        """Put the hot wash in place of the review that was open as the drill ended, as
        soon as nothing is open over it (a note being written there is not lost; the
        clock's ticks try again). The ratings and notes given in it are kept (in the
        journal, or by the drill server) and show in the hot wash. Closed meanwhile, it
        is opened anew, as at any drill's end."""
        from .screens.review import ReviewScreen

        if not self._review_stale:
            return
        if not self.reviewing:
            self._review_stale = False
            self._open_hot_wash()
            return
        if not isinstance(self.screen, ReviewScreen):
            return  # a note form, the help or the palette over it: once it closes
        self._review_stale = False
        self.switch_screen(self._review_screen())
        self.notify("The review now shows the drill as it ended.", timeout=8)

    def redraw(self) -> None:
        if self.remote is not None:
            self.state = self.remote.state  # a new one when the server said to start again
        # the read model knows time from events; between events the clock moves on. The
        # session's drill time is never behind the events it has sent (a drill served
        # elsewhere: the server's, which goes back only when the host resumed an earlier
        # copy of its journal, and then every terminal shows the server's)
        self.state.now = self.session.now
        # and deadlines from deliveries: the views show the engine's own anchors
        self.state.use_anchors(self.session.anchors)
        if self._screens_gone():
            return
        screen = self.screen
        if isinstance(screen, FacilitatorScreen | ParticipantScreen) and screen.ready:
            with suppress(NoMatches):  # the screen is being torn down (closing the app)
                screen.refresh_view()

    #: why the journal could not be closed with everything written (a full disk), or
    #: None: ``drill play`` says it once the app has closed, with how to carry on
    close_problem: str | None = None

    async def on_unmount(self) -> None:
        if self.remote is not None:
            await self.remote.close_async()
        try:
            self._keep_speed()  # before the journal closes: resuming carries on at it
        finally:
            try:
                self.session.close()
            except JournalError as exc:  # what was written is kept; the rest is not
                self.close_problem = str(exc)

    # --- commands ----------------------------------------------------------------

    def command(self, fn, done: str | Callable[[object], str],
                outcome: Outcome | None = None) -> None:
        """Run a session command; show its refusal instead of raising. A command to a
        drill served elsewhere returns a request: it is awaited in the background and its
        refusal (the server's reason) shows the same way.

        ``done`` is the toast once it is carried out, or makes it from what the command
        returned (here, the events it produced; a drill served elsewhere: None).
        ``outcome``, from the form the command came from, is told how it went: None once
        carried out, or the reason it was refused, which the form shows beside what was
        typed (the toast says it instead once the form has closed)."""
        if self.halted is not None:
            self._refused(self.halted, outcome, timeout=10)
            return
        try:
            result = fn()
            if inspect.isawaitable(result):
                self.run_worker(self._request(result, done, outcome), group="requests",
                                exit_on_error=False)
                return
        except ActionError as exc:
            self._refused(str(exc), outcome)
            return
        except JournalError as exc:
            self._halt(exc)
            if outcome is not None and self.halted is not None:
                outcome(self.halted)  # the toast has said it already
            return
        self._done(done, result, outcome)
        self.redraw()

    def _refused(self, reason: str, outcome: Outcome | None, timeout: float = 6,
                 severity: SeverityLevel = "error") -> None:
        """A command refused: its form shows why, else (or once it has closed) a toast."""
        if outcome is None or not outcome(reason):
            self.notify(reason, severity=severity, timeout=timeout)

    def _done(self, done: str | Callable[[object], str], result: object,
              outcome: Outcome | None = None) -> None:
        said = done(result) if callable(done) else done
        if outcome is not None:
            outcome(None)
        if said:
            self.notify(said, timeout=3)

    async def _request(self, request: Awaitable[object],
                       done: str | Callable[[object], str],
                       outcome: Outcome | None = None) -> None:
        try:
            await request
        except Unanswered as exc:
            # not a refusal: the server may have carried it out, and sending it again could
            # do it twice (a request lost with the connection is sent again on its own)
            self._refused(str(exc), outcome, timeout=12, severity="warning")
            return
        except (ActionError, DrillConnectionError) as exc:
            self._refused(str(exc), outcome)
            return
        except TimeoutError:
            self._refused("The drill server did not answer in time: the command may have been "
                          "carried out; check the drill before sending it again.", outcome,
                          timeout=12, severity="warning")
            return
        self._done(done, None, outcome)  # the events come later, with the server's others
        self.redraw()

    def _clock_request(self, result: object) -> None:
        """A clock change: done here, or (served elsewhere) a request to the server."""
        if inspect.isawaitable(result):
            self.run_worker(self._request(result, ""), group="requests", exit_on_error=False)

    def send_action(self, action: Action | None, sent: str = "",
                    outcome: Outcome | None = None) -> None:
        """A team's action. The toast says what its events say was done; ``sent`` is
        the toast when the drill is served elsewhere (its events come later, with the
        server's others), by default "<verb> sent". ``outcome``: see :meth:`command`."""
        if action is None:
            return
        refused = self.policy_plays(action.actor)
        if refused is not None:  # handed to the policy while the form was open
            self._refused(refused, outcome, severity="warning")
            return
        self.command(lambda: self.session.act(action),
                     lambda events: self.acted(action, events, sent), outcome)

    def policy_plays(self, role: str) -> str | None:
        """Why ``role``'s view takes no action now, or None when a person plays the team.

        While the automated policy plays it, the view is there to read: an action taken
        in it would be the team's, taken out of the policy's hands (the policy would do
        no more with the item, and the review would count the team as played by a
        person). The facilitator hands the team to a person first."""
        if self.state.played_by.get(role) == "human":
            return None
        name = f"{self.state.name(role)} ({role})"
        if self.access == "player":
            return (f"{name} is played by the automated policy now: the facilitator has "
                    "taken the role back.")
        return (f"{name} is played by the automated policy: its view is for reading. To "
                "act for the team, hand it to a person first: "
                f"{self.keys_of('actors.toggle_role')} (Person/policy) on the console's "
                "Actors tab.")

    def acted(self, action: Action, events: object, sent: str = "") -> str:
        """The toast for a team's action: what its events say was done (a takedown where
        nothing is hosted is not one that was done), or that nothing was."""
        verb = action.verb.replace("_", " ")
        if not isinstance(events, list):  # a drill served elsewhere: the request went
            return sent or f"{verb} sent"
        done = [e for e in events if e.type in ACTION_EVENTS and e.actor == action.actor]
        if not done:
            return f"Nothing was done ({verb}): the drill recorded no action."
        # the toast is the team's own view's: its words are the team's, not exercise
        # control's (an incident's title is control's knowledge)
        return "; ".join(self.state.describe(e, control=False) for e in done)

    def _list_sent_adhoc(self, session: DrillSession) -> None:
        """A drill resumed from its journal: the ad-hoc injects already sent now, listed
        with what they are (see :meth:`DrillState.inject_sent`), as the console that
        sent them listed them. Its events alone list one only once it reaches or is
        lost for a recipient. (One added for later is in its ``inject_added`` event.)"""
        listed = {inj.id for inj in session.scenario.injects} | {
            e.details.get("inject") for e in session.engine.log if e.type == "inject_added"}
        for sched in session.engine.injects.values():
            if sched.state == "fired" and sched.inject.id not in listed:
                self.state.inject_sent(sched.inject, None)

    def inject_ids(self) -> set[str]:
        """Every inject id the drill uses, listed or not: the MSEL's rows, the ad-hoc
        injects this terminal added, and (a drill run here) every inject the engine holds."""
        ids = set(self.state.msel) | self._adhoc_ids
        if isinstance(self.session, DrillSession):
            ids |= set(self.session.engine.injects)
        return ids

    def _adhoc_sent(self, inject: Inject, at: float) -> str:
        """An ad-hoc inject has been sent now: listed in the MSEL as what became of it,
        and the toast that says so."""
        self._adhoc_ids.add(inject.id)
        state = self.remote.state if self.remote is not None else self.state
        state.inject_sent(inject, at)
        status = state.msel[inject.id].status
        if status == "lost":
            return f"inject {inject.id} sent, but lost for every recipient (see the log)"
        if status == "held":
            return f"inject {inject.id} sent, held: it has reached no recipient yet"
        return f"inject {inject.id} sent"

    def send_adhoc(self, spec: dict | None, outcome: Outcome | None = None) -> None:
        """An ad-hoc inject from the inject form: delivered now, or waiting in the MSEL.
        ``outcome``: see :meth:`command` (an inject that is not valid is refused too).
        Its id is one no inject of the drill has (:meth:`inject_ids`)."""
        if spec is None:
            return
        used = self.inject_ids()
        n = sum(1 for i in used if i.startswith("adhoc-")) + 1
        while f"adhoc-{n}" in used:
            n += 1
        control = next((a for a, x in self.state.scenario.actors.items()
                        if x.kind == "exercise_control"), spec["to"][0])
        incident = {"id": spec["incident"]}
        if spec["incident"] not in self.state.incidents:
            incident["type"] = spec.get("incident_type") or "other"
        when = str(spec.get("when") or "now")
        now = when.lower() == "now"
        try:
            at = None if now else parse_when(when, self.state.scenario, self.session.now)
            inject = Inject(id=f"adhoc-{n}", sender=spec.get("sender") or control,
                            to=spec["to"], via=spec["via"], tlp=spec["tlp"],
                            title=spec["title"], text=spec["text"], incident=incident,
                            type=spec.get("type") or "information",
                            at=None if at is None else format_drill_time(at))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            self._refused(f"The inject is not valid: {where}: {first.get('msg', '')}", outcome)
            return
        except ValueError as exc:
            self._refused(str(exc), outcome)
            return
        if at is None:
            sent_at = self.session.now
            self.command(lambda: self.session.add_inject(inject),
                         lambda _: self._adhoc_sent(inject, sent_at), outcome)
        else:
            words = when_in_words(self.state.scenario, at, self.session.now)

            def added(_: object) -> str:
                self._adhoc_ids.add(inject.id)
                return f"inject {inject.id} will be delivered at {words}"

            self.command(lambda: self.session.add_inject(inject, now=False), added, outcome)

    def check_when(self, text: str, allow_now: bool = True) -> str | None:
        """What is wrong with a drill time the facilitator typed (None when nothing)."""
        if allow_now and text.strip().lower() == "now":
            return None
        try:
            t = parse_when(text, self.state.scenario, self.session.now, allow_now=allow_now)
        except ValueError as exc:
            return str(exc)
        end = self.session.end if isinstance(self.session, RemoteSession) \
            else self.session.engine.end
        return check_ahead(t, self.session.now, end)

    def observe(self, about: str = "-") -> None:
        """An evaluator's observation: a timestamped note, kept in the journal. The form
        stays open until the note is kept: one refused (a drill server's limit, say)
        is shown there with its reason, nothing typed lost."""

        def save(note: dict, outcome: Outcome) -> None:
            kept = " in the journal" if self.session.journal is not None \
                or self.remote is not None else ""
            self.command(lambda: self.session.add_note(**note), f"observation saved{kept}",
                         outcome)

        self.push_screen(ObservationForm(self.state, about, send=save))

    def default_channel(self, targets: list[str]) -> str:
        sc = self.state.scenario
        for cid in sc.channels:
            if all(cid in sc.actors[t].contacts for t in targets):
                return cid
        return next(iter(sc.channels))

    def open_role(self, role: str) -> None:
        """Open ``role``'s view: from the console, or in place of the role view open now
        (hot seat), without the console coming back in between. The toasts shown go: a
        role's view says nothing of what another team received or did."""
        self.clear_notifications()
        if isinstance(self.screen, ParticipantScreen):
            self.switch_screen(ParticipantScreen(role))
            return
        if not isinstance(self.screen, FacilitatorScreen):
            self.pop_screen()
        self.push_screen(ParticipantScreen(role))

    def people(self) -> list[str]:
        """The roles people play now, in the order ``v`` and ``h`` go through them: those
        given at the start (``--role``), as given; then those handed to a person during
        the drill, in the order they were handed over; then any other (a drill served
        elsewhere: as the scenario lists them)."""
        st = self.state
        human = [a for a, by in st.played_by.items() if by == "human"]
        order = [*self.start_roles, *st.handed, *human]
        return [a for i, a in enumerate(order) if a in human and a not in order[:i]]

    def next_role(self, current: str) -> None:
        """Hot seat: hand the view to the next role a person plays (see :meth:`people`)."""
        people = self.people()
        if not people:
            self.notify("No role is played by a person.", severity="warning")
            return
        nxt = people[(people.index(current) + 1) % len(people)] if current in people else people[0]
        self.open_role(nxt)

    # --- hot seat: the console is the facilitator's ----------------------------

    @property
    def locked(self) -> bool:
        """A player holds the keyboard: a role view is open and a PIN guards the console."""
        if self._pin_hash is None:
            return False
        return any(isinstance(s, ParticipantScreen) for s in self.screen_stack)

    def pin_matches(self, pin: str) -> bool:
        if self._pin_hash is None:
            return True
        return hmac.compare_digest(_pin_hash(pin, self._pin_salt), self._pin_hash)

    def as_facilitator(self, fn, what: str) -> None:
        """Run ``fn`` now, or once the facilitator's PIN is given (hot seat)."""
        if not self.locked:
            fn()
            return

        def answer(ok: bool | None) -> None:
            if ok:
                fn()

        if isinstance(self.screen, PinPrompt):
            # a prompt is asking already (the drill ended while a player was asked
            # for the PIN): this one takes its place, not a second prompt on top
            self.screen.dismiss(None)
        self.push_screen(PinPrompt(what, self.pin_matches), answer)

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """Keys, clicks and the palette all come here: facilitator actions ask for the PIN,
        and a team's actions are refused in the view of a team the policy plays."""
        name = action if isinstance(action, str) else action[1]
        bare = name.split("(")[0].rsplit(".", 1)[-1]
        if bare in TEAM_ACTIONS and isinstance(self.screen, ParticipantScreen):
            refused = self.policy_plays(self.screen.role)
            if refused is not None:  # before any form opens: nothing typed is lost
                self.notify(refused, severity="warning", timeout=8)
                return True
        if self.locked and bare in FACILITATOR_ONLY and isinstance(self.screen, PinPrompt):
            # the prompt is asking already: nothing of the facilitator's runs past it (the
            # action it guards runs once the PIN is given, see as_facilitator)
            self.notify("That is for the facilitator: give the PIN first.",
                        severity="warning", timeout=4)
            return True
        if self.locked and bare in FACILITATOR_ONLY:
            run = super().run_action
            self.as_facilitator(
                lambda: self.call_later(run, action, default_namespace, namespaces),
                "That is for the facilitator")
            return True
        return await super().run_action(action, default_namespace, namespaces)

    # --- clock actions -----------------------------------------------------------

    def action_toggle_clock(self) -> None:
        if self.state.finished:
            return
        if self.breaks.current is not None:
            self.end_break(early=True)
            return
        if self.clock.running:
            self._clock_request(self.clock.pause())
        else:
            self._clock_request(self.clock.resume())
        self.redraw()

    def action_faster(self) -> None:
        faster = [s for s in SPEEDS if s > self.clock.speed]
        self._clock_request(self.clock.set_speed(faster[0] if faster else self.clock.speed))
        self._keep_speed()
        self.redraw()

    def action_slower(self) -> None:
        slower = [s for s in SPEEDS if s < self.clock.speed]
        self._clock_request(self.clock.set_speed(slower[-1] if slower else self.clock.speed))
        self._keep_speed()
        self.redraw()

    def _keep_speed(self) -> None:
        """Keep the clock's speed in the journal (a drill run here, not yet over), so
        that ``drill play --resume`` carries on at it. A drill served elsewhere: the
        server keeps its own."""
        session = self.session
        if isinstance(session, RemoteSession) or session.finished \
                or session.speed == self.clock.speed:
            return
        try:
            session.set_speed(self.clock.speed)
        except JournalError as exc:
            self.notify(f"The speed is not saved: {exc}", severity="error", timeout=8)

    def action_next_inject(self) -> None:
        if self.remote is not None:  # the server knows the whole MSEL
            self.command(self.remote.client.next_inject, "")
            return
        t = self.session.next_inject_time()
        if t is None:
            self.notify("No inject is waiting.", severity="warning")
            return
        self.jump_to(t)

    def jump_to(self, t: float) -> None:
        """Move the drill on to drill time ``t``: everything until then happens (injects
        due at ``t`` are delivered); the clock carries on from there."""
        if self.halted is not None:
            self.notify(self.halted, severity="error", timeout=10)
            return
        if isinstance(self.clock, RemoteClock):
            self._clock_request(self.clock.jump_to(t))
            return
        self.clock.jump_to(t)
        try:
            self.session.advance_to(t)
            # deliver injects due at exactly this time
            self.session.advance_to(t + 1e-6)
        except JournalError as exc:
            self._halt(exc)
            return
        self.clock.jump_to(self.session.now)
        self._reached_end()
        self.redraw()

    # --- scheduled breaks ---------------------------------------------------------

    def _server_breaks(self, state: BreaksState, quiet: bool = False) -> None:
        """The breaks as the drill server keeps them (a drill served elsewhere): shown in
        the header, and the start and end of a break said as they happen."""
        was = self.breaks.current
        plan = BreakPlan([b for b in (Break.from_json(x) for x in state.planned) if b])
        plan.current = Break.from_json(state.current) if state.current is not None else None
        self.breaks, self._break_resumes = plan, state.resumes
        if quiet or self._screens_gone():
            return
        if plan.current is not None and was is None:
            self.notify(f"Break until {wall_clock(plan.current.end, self.wall())}: the drill "
                        "clock is paused"
                        + (f" ({self.keys_of('clock.toggle')} ends the break early)."
                           if self.may("toggle_clock") else "."), timeout=10)
        elif plan.current is None and was is not None:
            self.notify("The break is over.", timeout=6)
        self.redraw()

    def check_breaks(self) -> None:
        """Start or end a break as the wall clock says (a drill served elsewhere: its
        server does, and says so)."""
        if self.remote is not None or self.state.finished or self.halted is not None:
            return
        change = self.breaks.update(self.wall())
        current = self.breaks.current
        if change == "start" and current is not None:
            self._break_resumes = self.clock.running
            self._clock_request(self.clock.pause())
            self.notify(f"Break until {wall_clock(current.end, self.wall())}: the drill "
                        f"clock is paused ({self.keys_of('clock.toggle')} ends the break "
                        "early).", timeout=10)
        elif change == "end":
            self._resume_after_break()
            self.notify("The break is over: the drill clock runs again."
                        if self.clock.running else "The break is over.", timeout=6)
        if change:
            self._keep_breaks()

    def end_break(self, early: bool = False) -> None:
        if self.remote is not None:  # the server ends it, and runs the clock again
            self.command(self.remote.client.end_break,
                         "Break ended early: the drill clock runs again.")
            return
        self.breaks.end_now()
        self._resume_after_break(force=early)
        self._keep_breaks()
        self.notify("Break ended early: the drill clock runs again.", timeout=4)
        self.redraw()

    def _resume_after_break(self, force: bool = False) -> None:
        if (force or self._break_resumes) and not self.state.finished:
            self._clock_request(self.clock.resume())
        self._break_resumes = False

    def _keep_breaks(self) -> None:
        try:
            self.session.set_breaks(self.breaks.to_json())
        except JournalError as exc:
            self.notify(f"The breaks are not saved: {exc}", severity="error", timeout=8)

    def plan_break(self, at: str, minutes: str) -> None:
        try:
            b = parse_break(at, minutes, self.wall())
            if self.remote is not None:
                BreakPlan(list(self.breaks.planned)).add(b)  # checked here, and there
            else:
                self.breaks.add(b)
        except ValueError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        day = "" if b.at.date() == self.wall().date() else " tomorrow"
        planned = (f"Break planned{day} at {wall_clock(b.at, self.wall())} for {b.minutes:g} "
                   "minutes.")
        if self.remote is not None:  # the server keeps it, and pauses the drill then
            client = self.remote.client
            self.command(lambda: client.plan_break(b.at.isoformat(timespec="seconds"),
                                                   b.minutes),
                         planned + " The drill server keeps it, for every console.")
            return
        self._keep_breaks()
        self.notify(planned, timeout=4)
        self.check_breaks()
        self.redraw()

    def break_note(self) -> str:
        """What the header says about breaks: the one under way, or the next."""
        if self.breaks.current is not None:
            then = ("resumes automatically" if self._break_resumes
                    else "the clock stays paused after")
            return f"BREAK until {wall_clock(self.breaks.current.end, self.wall())} ({then})"
        nxt = self.breaks.next()
        return f"next break {wall_clock(nxt.at, self.wall())}" if nxt is not None else ""

    def action_review(self, runs: int | None = None) -> None:
        """The review screen for the drill so far (at the end: the hot wash). The
        comparison with the model is the one ``drill review`` makes (:data:`MODEL_RUNS`
        runs from :data:`MODEL_SEED`), unless ``runs`` says how many. Opened while the
        drill runs, it pauses the clock (:meth:`_pause_for_review`)."""
        self._pause_for_review()
        self.push_screen(self._review_screen(runs))

    def _review_screen(self, runs: int | None = None) -> ReviewScreen:
        """A review of the drill as it stands now (see :meth:`action_review`)."""
        from sim.analysis.review import build_review, with_model

        from .review import ReviewScreen

        runs = MODEL_RUNS if runs is None else runs
        if isinstance(self.session, RemoteSession):  # from the events this token was sent
            remote = self.session
            # the ratings are the server's journal's: given here, they are sent there
            review = build_review(remote.scenario, list(remote.events),
                                  {eid: dict(r) for eid, r in remote.ratings.items()})
            with_model(review, runs, MODEL_SEED, None, None, background=True)
            review.notes = list(remote.notes)
            return ReviewScreen(review, None, rate=remote.set_rating)
        journal = self.session.journal
        events = list(self.session.engine.log)
        review = build_review(self.session.scenario, events,
                              journal.ratings() if journal else {},
                              meta=journal.meta() if journal else {})
        # the model's runs go on in the background, kept in the journal for these events
        head = journal.events_head() if journal else None
        with_model(review, runs, MODEL_SEED, journal,
                   head if head and head[0] == len(events) else None, background=True)
        review.notes = list(self.session.notes)
        return ReviewScreen(review, journal)

    def _pause_for_review(self) -> None:
        """A review opened during the drill shows it as it stands, and reading it never
        moves the drill on: the clock is paused, and stays paused back in the console
        until the facilitator runs it again (a break under way ends with the clock still
        paused). A terminal that does not run the clock (an observer's) leaves it be."""
        if self.state.finished or not self.may("toggle_clock"):
            return
        on_break = self.remote is None and self.breaks.current is not None \
            and self._break_resumes
        if not self.clock.running and not on_break:
            return
        if self.clock.running:
            self._clock_request(self.clock.pause())
        if self.remote is None:
            self._break_resumes = False
        self.notify("The drill clock is paused while you review, and stays paused: "
                    f"{self.keys_of('clock.toggle')} in the console runs it again.",
                    timeout=8)

    def action_tokens(self) -> None:
        """A drill served by ``drill host``: the invitations, to revoke or issue anew."""
        from .forms.tokens import TokensScreen

        if self.remote is not None and self.may("tokens"):
            self.push_screen(TokensScreen(self.remote.client))

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self._binding_rows()))

    async def action_quit(self) -> None:
        """ctrl+q: the same question as q while the drill runs."""
        self.action_quit_drill()

    def action_quit_drill(self) -> None:
        if isinstance(self.screen, ConfirmQuit):
            return
        if self.state.finished:
            self.exit()
            return
        path = str(self.session.path) if self.session.path else None

        def answer(quit_: bool | None) -> None:
            if quit_:
                self.exit()

        self.push_screen(ConfirmQuit(path, self.quit_note), answer)

    # --- screenshots: they hold the drill's text, TLP:RED included ---------------

    # --- help and the command palette -------------------------------------------

    def _drill_bindings(self, screen: Screen | None = None) -> list[tuple[Binding, object]]:
        out = []
        for owner in (screen or self.screen, self):
            for b in owner.BINDINGS:
                if isinstance(b, Binding) and b.id and self.offers(b.action):
                    out.append((b, owner))
        return out

    def _binding_rows(self) -> list[tuple[str, str, str]]:
        rows = []
        for b, _ in self._drill_bindings():
            keys = self.key_names(b)
            if b.id == "app.quit":  # Textual's own ctrl+q asks the same question
                keys += " ctrl+q"
            rows.append((keys, b.description, b.id or ""))
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # one Quit: the drill's own, which asks first; in a browser (drill web) no
        # Screenshot: the gateway would hand the drill's text on beyond this terminal
        dropped = {"Quit", "Screenshot"} if self.is_web else {"Quit"}
        yield from (c for c in super().get_system_commands(screen) if c.title not in dropped)
        for b, owner in self._drill_bindings(screen):
            yield SystemCommand(
                b.description, f"key: {self.key_names(b)}",
                lambda b=b, owner=owner: owner.run_action(b.action),  # type: ignore[union-attr]
            )
