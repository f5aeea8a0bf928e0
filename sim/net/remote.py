"""A live drill served elsewhere, seen through the same interface as a local one.

The terminal UI drives a *drill connection*: the commands of a
:class:`~sim.runs.session.DrillSession` (``act``, ``fire_inject``, ``set_human``,
``add_note``...), the drill's read model and its events, and a clock with ``running``,
``speed``, ``drill_time()``, ``pause()``, ``resume()``, ``set_speed()`` and
``jump_to()``. Locally that is the session and a :class:`~sim.runs.session.DrillClock`;
over the network it is :class:`RemoteSession` and :class:`RemoteClock`, built on a
:class:`~sim.net.client.DrillClient`.

Over the network the server decides: every command is a request, so the methods here
return coroutines that finish once the server has carried the command out (and its
events are in the read model), or raise :class:`~sim.engine.ActionError` with the
server's reason. The UI awaits them in its own event loop. The server owns the clock:
:meth:`RemoteSession.advance_to` does nothing, and the clock shows the server's.
Never imports Textual or Rich.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import Any

from scenarios import Scenario
from scenarios.model import Inject
from sim.engine import Action
from sim.engine.events import Event
from sim.net.client import DrillClient
from sim.runs.session import Note
from sim.runs.view import DrillState

Request = Coroutine[Any, Any, None]


class RemoteClock:
    """The server's drill clock; changing it is a request to the server (facilitator)."""

    def __init__(self, client: DrillClient):
        self.client = client

    @property
    def running(self) -> bool:
        return self.client.clock.running and not self.client.finished

    @property
    def speed(self) -> float:
        return self.client.clock.speed

    def drill_time(self) -> float:
        return self.client.now

    def pause(self) -> Request:
        return self.client.pause()

    def resume(self) -> Request:
        return self.client.resume()

    def set_speed(self, speed: float) -> Request:
        return self.client.set_speed(speed)

    def jump_to(self, t: float) -> Request:
        return self.client.jump(t)


class RemoteSession:
    """A drill served by ``drill host``, through a connected :class:`DrillClient`."""

    remote = True
    #: nothing is journaled on this side: the server keeps the journal
    path: Path | None = None
    journal = None

    def __init__(self, client: DrillClient):
        if client.scenario is None or client.state is None:
            raise ValueError("connect the client first")
        self.client = client
        #: every event this token may see, in order (the review is built from them); after
        #: a reset from the server, those of the drill as it now stands
        self.events: list[Event] = []
        client.on_reset(self.events.clear)
        client.listen(self.events.append)

    # --- what the UI reads ----------------------------------------------------------

    @property
    def access(self) -> str:
        return self.client.access or "observer"

    @property
    def role(self) -> str | None:
        return self.client.role

    @property
    def scenario(self) -> Scenario:
        assert self.client.scenario is not None
        return self.client.scenario

    @property
    def state(self) -> DrillState:
        """The read model, fed by the server's events (a new one if the server said reset)."""
        assert self.client.state is not None
        return self.client.state

    @property
    def anchors(self) -> dict[str, float]:
        """When the server's engine started each expectation's countdown (see
        :attr:`DrillClient.anchors`): the deadline it scores against is that plus ``within``."""
        return self.client.anchors

    @property
    def now(self) -> float:
        return self.client.now

    @property
    def finished(self) -> bool:
        return self.client.finished

    @property
    def end(self) -> float:
        return float(self.scenario.drill.duration)

    @property
    def notes(self) -> list[Note]:
        return self.client.notes

    @property
    def ratings(self) -> dict[str, dict[str, str]]:
        """The expectations' ratings kept in the server's journal (facilitator and
        observers): expectation id -> ``rating``, ``note``, ``who``."""
        return self.client.ratings

    def on_rating(self, fn: Callable[[str, dict[str, str]], None]) -> None:
        """``fn(expectation, rating)`` whenever a rating is given, here or elsewhere."""
        self.client.on_rating(fn)

    @property
    def human_roles(self) -> dict[str, bool]:
        return self.client.human_roles

    @property
    def connected(self) -> bool:
        return self.client.connected

    @property
    def seed(self) -> int:
        started = next((e for e in self.events if e.type == "drill_started"), None)
        value = started.details.get("seed", 0) if started is not None else 0
        return value if isinstance(value, int) else 0

    @property
    def speed(self) -> float:
        return self.client.clock.speed

    def listen(self, fn: Callable[[Event], None]) -> None:
        self.client.listen(fn)

    def on_reset(self, fn: Callable[[], None]) -> None:
        """``fn()`` when the server said to start again from nothing (the host resumed from
        an earlier copy of its journal, or this terminal reconnected into another drill):
        :attr:`events` and :attr:`state` have started again, and the events follow. Anything
        built from the earlier events is to be thrown away."""
        self.client.on_reset(fn)

    def advance_to(self, t: float) -> None:
        """Nothing: the server moves the drill on."""

    def next_inject_time(self) -> float | None:
        """Drill time of the next inject waiting, as far as this token may see the MSEL."""
        now = self.now
        times = [r.at for r in self.state.msel.values()
                 if r.status == "pending" and r.at is not None and r.at >= now]
        return min(times) if times else None

    def breaks(self) -> list[dict[str, Any]]:
        """The breaks the server keeps, as the journal keeps them: the one under way first,
        then those to come (the server pauses and resumes the clock for them)."""
        state = self.client.breaks
        if state is None:
            return []
        return ([dict(state.current)] if state.current is not None else []) + [
            dict(b) for b in state.planned]

    def set_breaks(self, breaks: list[dict[str, Any]]) -> None:
        """Nothing: the server keeps the breaks (planned with
        :meth:`DrillClient.plan_break`, ended early with :meth:`DrillClient.end_break`)."""

    def set_speed(self, speed: float) -> None:
        """Nothing: the server keeps the speed in its journal."""

    # --- commands: coroutines, carried out by the server -------------------------------

    def act(self, action: Action, who: str | None = None) -> Request:
        return self.client.command("act", asdict(action))

    def fire_inject(self, inject_id: str) -> Request:
        return self.client.command("fire_inject", {"id": inject_id})

    def skip_inject(self, inject_id: str) -> Request:
        return self.client.command("skip_inject", {"id": inject_id})

    def delay_inject(self, inject_id: str, minutes: float) -> Request:
        return self.client.command("delay_inject", {"id": inject_id, "minutes": minutes})

    def add_inject(self, inject: Inject, now: bool = True) -> Request:
        payload: dict[str, Any] = {"inject": json.loads(inject.model_dump_json())}
        if not now:
            payload["fire_now"] = False
        return self.client.command("add_inject", payload)

    def reschedule_inject(self, inject_id: str, at: float) -> Request:
        return self.client.command("reschedule_inject", {"id": inject_id, "at": float(at)})

    def edit_inject(self, inject_id: str, changes: dict[str, Any]) -> Request:
        return self.client.command("edit_inject", {"id": inject_id, "changes": changes})

    def unskip_inject(self, inject_id: str, at: float | None = None) -> Request:
        payload: dict[str, Any] = {"id": inject_id}
        if at is not None:
            payload["at"] = float(at)
        return self.client.command("unskip_inject", payload)

    def set_human(self, actor: str, human: bool) -> Request:
        return self.client.command("set_human", {"actor": actor, "human": human})

    def answer_task(self, actor: str, task: str, text: str) -> Request:
        return self.client.command("answer_task", {"actor": actor, "task": task, "text": text})

    def add_note(self, text: str, expectation: str = "", team: str = "",
                 who: str = "evaluator") -> Request:
        return self.client.add_note(text, expectation, team)

    def set_rating(self, expectation: str, rating: str, note: str = "") -> Request:
        """Rate an expectation in the review: kept in the server's journal."""
        return self.client.rate(expectation, rating, note)

    async def close_async(self) -> None:
        await self.client.close()

    def close(self) -> None:
        """Nothing to write here; the connection is closed by :meth:`close_async`."""
