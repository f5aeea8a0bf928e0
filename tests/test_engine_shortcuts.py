"""The engine's shortcuts give what the long way gives.

Streams draw the numbers their derivation documents, desks queue requests
without SimPy's resource classes, the policy remembers answers per picture, message
wording is remembered per item and per scenario, the cyclic garbage collector is
paused while the engine advances, a finished run is freed at once, and a chase is timed
by callbacks rather than a process. Each test here fails if its shortcut drifts from
the long way.
"""

from __future__ import annotations

import gc
import random
import weakref
from hashlib import blake2b
from itertools import pairwise

import pytest
import simpy
from conftest import cert, events_of
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import load_scenario, resolve_scenario_arg
from sim.analysis.metrics import compute
from sim.engine import Engine
from sim.engine.actors import ALWAYS, Desk
from sim.engine.core import Action
from sim.engine.streams import Streams


def _by_the_book(seed: int, name: str, count: int) -> list[float]:
    """The first ``count`` numbers of a stream, as the streams module documents them."""
    out: list[float] = []
    block = 0
    while len(out) < count:
        digest = blake2b(f"{seed}\x00{name}\x00".encode() + block.to_bytes(8, "big")).digest()
        for i in range(8):
            word = int.from_bytes(digest[8 * i:8 * i + 8], "big")
            out.append((word >> 11) / 2**53)
        block += 1
    return out[:count]


@given(st.integers(min_value=-(2**70), max_value=2**70), st.text(max_size=40))
@settings(max_examples=60, deadline=None)
def test_a_stream_draws_the_numbers_its_derivation_documents(seed, name):
    stream = Streams(seed)(name)
    # three blocks' worth and a bit: the block counter moves on
    assert [stream.random() for _ in range(27)] == _by_the_book(seed, name, 27)


def test_a_stream_reaches_blocks_beyond_the_precomputed_indices():
    stream = Streams(1)("long")
    drawn = [stream.random() for _ in range(8 * 66)]
    assert drawn[-16:] == _by_the_book(1, "long", 8 * 66)[-16:]


def test_the_distributions_draw_as_random_random_does_from_the_same_numbers():
    """log-normal, uniform, triangular, exponential and weighted choices are
    ``random.Random``'s, fed with the stream's numbers."""

    class Fed(random.Random):
        def __init__(self, numbers: list[float]) -> None:
            super().__init__(0)
            self.numbers = iter(numbers)

        def random(self) -> float:
            return next(self.numbers)

    def both():
        return Streams(9)("d"), Fed(_by_the_book(9, "d", 400))

    for draw in (lambda r: r.lognormvariate(2.0, 0.7), lambda r: r.uniform(3.0, 8.0),
                 lambda r: r.triangular(1.0, 9.0, 2.0), lambda r: r.expovariate(0.25),
                 lambda r: r.choices([10, 20, 30], weights=[1, 5, 2])[0]):
        ours, theirs = both()
        assert [draw(ours) for _ in range(40)] == [draw(theirs) for _ in range(40)]


def test_a_stream_is_uniform_on_the_unit_interval():
    stream = Streams(2024)("uniformity")
    draws = [stream.random() for _ in range(100_000)]
    assert min(draws) >= 0.0 and max(draws) < 1.0
    counts = [0] * 20
    for x in draws:
        counts[int(x * 20)] += 1
    expected = len(draws) / 20
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    assert chi2 < 43.8  # 19 degrees of freedom, p = 0.001
    # successive numbers are not correlated
    mean = sum(draws) / len(draws)
    lag = sum((a - mean) * (b - mean) for a, b in pairwise(draws))
    var = sum((a - mean) ** 2 for a in draws)
    assert abs(lag / var) < 0.015


# --- desks -----------------------------------------------------------------------------

#: an operation on a desk: ("request", priority), ("release", k) / ("cancel", k) of the
#: k-th request made so far, ("wait", minutes)
_ops = st.lists(st.one_of(
    st.tuples(st.just("request"), st.integers(0, 5)),
    st.tuples(st.sampled_from(["release", "cancel"]), st.integers(0, 30)),
    st.tuples(st.just("wait"), st.sampled_from([0, 1, 2])),
), max_size=40)


def _play(ops, capacity: int, simpy_resource: bool) -> list[tuple[float, int, int]]:
    """Run ``ops`` against a desk; (time, eid, request number) of every grant."""
    env = simpy.Environment(initial_time=0.0)
    res = simpy.PriorityResource(env, capacity) if simpy_resource else None
    desk = Desk(env, capacity, ALWAYS)
    grants: list[tuple[float, int, int]] = []
    reqs: list[simpy.Event] = []
    dropped: set[int] = set()

    def driver():
        for n, (op, arg) in enumerate(ops):
            if op == "request":
                # priorities are unique in the engine: the request number breaks ties
                prio = (arg, n)
                req = res.request(priority=prio) if res is not None else desk.request(prio)
                k = len(reqs)
                req.callbacks.append(lambda _e, k=k: grants.append((env.now, next(env._eid), k)))
                reqs.append(req)
            elif op == "wait":
                yield env.timeout(arg)
            elif reqs:
                k = arg % len(reqs)
                req = reqs[k]
                if k in dropped:
                    continue  # the engine releases or cancels a request once
                dropped.add(k)
                if op == "release" and req.triggered:
                    if res is not None:
                        res.release(req)
                    else:
                        desk.release(req)
                elif op == "cancel":
                    if res is not None:
                        req.cancel()
                    else:
                        desk.cancel(req)
        yield env.timeout(1)

    env.process(driver())
    env.run()
    return grants


@given(_ops, st.integers(1, 3))
@settings(max_examples=200, deadline=None)
def test_a_desk_grants_as_a_simpy_priority_resource_does(ops, capacity):
    assert _play(ops, capacity, False) == _play(ops, capacity, True)


# --- remembered answers ----------------------------------------------------------------

def test_a_remembered_recipient_list_grows_with_the_picture(scenario_data, load):
    """cert-a is told of victims in TH, then in MY too: the rule's recipients, worked
    out once for the first picture, must take in the new country."""
    scenario_data["actors"]["cert-c"] = cert("MY", "Asia/Kuala_Lumpur")
    scenario_data["groups"]["asean"].append("MY")
    scenario_data["injects"][0]["incident"]["affected"] = ["SG", "TH"]
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "More victims",
         "incident": {"id": "x", "affected": ["SG", "TH", "MY"]}})
    log = Engine(load(scenario_data), seed=0).run()
    told = [e.details["targets"] for e in events_of(log, "notified", "cert-a")]
    assert told == [["cert-b"], ["cert-c"]]


def test_a_remembered_condition_changes_with_the_picture(scenario_data, load):
    """The escalation needs two affected ASEAN countries: cert-a first hears of one,
    then of the second; the condition, answered 'no' first, must be asked again."""
    scenario_data["injects"][0]["incident"]["affected"] = ["SG"]
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "More victims",
         "incident": {"id": "x", "affected": ["SG", "TH"]}})
    log = Engine(load(scenario_data), seed=0).run()
    [escalated] = events_of(log, "escalated", "cert-a")
    assert escalated.time > 180 and escalated.details["targets"] == ["council"]


def test_a_forwarded_report_is_reworded_when_the_incident_is_renamed(scenario_data, load):
    """An untitled report is forwarded as 'report on <incident>': once the incident
    has a new title, the same report is forwarded under the new one."""
    first = scenario_data["injects"][0]
    del first["title"]
    first["incident"]["title"] = "Bank botnet"
    scenario_data["injects"].append(
        {"id": "2", "at": "T+03:00", "sender": "ctl", "to": ["cert-a"], "via": "email",
         "tlp": "GREEN", "title": "Renamed",
         "incident": {"id": "x", "title": "Banking trojan campaign"}})
    engine = Engine(load(scenario_data), seed=0, human=("cert-a",))
    engine.run_until(120)
    engine.act(Action("cert-a", "share", "x", targets=("cert-b",), refs=("inject:1",)))
    engine.run_until(240)
    engine.act(Action("cert-a", "share", "x", targets=("council",), refs=("inject:1",)))
    texts = {e.actor: e.details["text"] for e in events_of(engine.run(), "message_delivered")}
    assert "Forwarded: report on Bank botnet" in texts["cert-b"]
    assert "Forwarded: report on Banking trojan campaign" in texts["council"]
    assert "Bank botnet" not in texts["council"]


# --- the cyclic garbage collector ------------------------------------------------------

def _run_with_hand_overs(loaded, seed: int) -> Engine:
    engine = Engine(loaded, seed=seed)
    roles = list(loaded.scenario.actors)
    for k, frac in enumerate((0.1, 0.2, 0.3, 0.45)):
        engine.run_until(engine.end * frac)
        for aid in roles[k::4]:
            engine.set_human(aid, k % 2 == 0)
    engine.run()
    return engine


def test_a_run_leaves_no_cyclic_garbage_behind():
    """The collector is paused while the engine advances: that only costs memory if a
    run makes garbage that only the collector frees (here with hand-overs, which
    interrupt the policy's work)."""
    loaded = load_scenario(resolve_scenario_arg(None))
    # a first run loads what is loaded once (holiday calendars, lazy classes)
    _run_with_hand_overs(loaded, 2)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        # the engine lives on: what the run dropped must be freed already
        engine = _run_with_hand_overs(loaded, 3)
        assert any(e.type == "work_dropped" for e in engine.log)
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


def test_a_finished_run_is_freed_as_soon_as_it_is_dropped():
    """A batch drops thousands of finished runs: each must go when its last reference
    does, not wait for the collector to find cycles through the engine (the policy,
    messaging and MSEL point back at it; work, desks and timers at one another)."""
    loaded = load_scenario(resolve_scenario_arg(None))
    _run_with_hand_overs(loaded, 2)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        engine = _run_with_hand_overs(loaded, 3)
        alive = weakref.ref(engine)
        first_actor = weakref.ref(next(iter(engine.actors.values())))
        del engine
        assert alive() is None
        assert first_actor() is None
        # nothing of the run is left to the collector, not even SimPy's environment
        # (whose methods SimPy binds to it); garbage other tests' threads may make
        # meanwhile is not the run's
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage}
        assert not left & {"Engine", "Policy", "Messaging", "ActorState", "Event", "Received",
                           "Dispatch", "Process", "generator", "Desk", "Picture",
                           "Environment"}, left
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()


def test_the_collector_is_left_as_it_was(scenario_data, load):
    loaded = load(scenario_data)
    assert gc.isenabled()
    Engine(loaded, seed=0).run_until(120)
    assert gc.isenabled()
    gc.disable()
    try:
        Engine(loaded, seed=0).run()
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- advancing time --------------------------------------------------------------------

def test_run_until_stops_before_what_is_due_at_that_minute(scenario_data, load):
    """As ``env.run(until=t)``: the clock shows ``t``, and what is due at ``t`` happens
    on the next advance."""
    engine = Engine(load(scenario_data), seed=0)
    calls: list[float] = []
    engine.after(10, lambda: calls.append(engine.now))
    engine.run_until(10)
    assert (engine.now, calls) == (10, [])
    engine.run_until(10.5)
    assert calls == [10]


def test_a_failure_in_the_engine_stops_the_run(scenario_data, load):
    engine = Engine(load(scenario_data), seed=0)

    def broken():
        yield engine.env.timeout(1)
        raise ValueError("broken work")

    engine.env.process(broken())
    with pytest.raises(ValueError, match="broken work"):
        engine.run_until(10)


# --- chases ----------------------------------------------------------------------------

def _chase_by_process(self, d, index: int) -> None:
    """The long way: a SimPy process that spends the sender's follow-up time with
    ``work`` (on the clock of the desk that sent the message) and then chases."""
    from sim.engine.actors import work
    from sim.engine.messaging import DECIDE_CHASE

    engine = self.engine

    def process():
        sender = engine.actors[d.sender]
        wait = engine.draw(sender.spec.policy.followup_after,
                           f"{d.sender}/followup/{d.incident}")
        yield from work(self.env, d.desk if d.desk is not None else sender.shift, wait,
                        engine.end)
        # decided once everything else due at that moment has happened
        decide = self.env.event()
        decide._ok, decide._value = True, None
        self.env.schedule(decide, DECIDE_CHASE)
        yield decide
        if not d.acked and not sender.human and d.index == index:
            engine.emit("message_chased", d.sender, d.incident, dispatch=d.id, to=d.recipient,
                        verb=d.verb, channel=d.channels[index], waited=wait,
                        delivered=d.delivered)
            self.send(d, index + 1, retry="unacknowledged")

    self.env.process(process())


def _tied_variant(name: str, k: int, tmp_path):
    """A bundled scenario with whole-minute durations everywhere, so that chases, work
    and deliveries often fall on the same moment, and a fallback for every rule."""
    import yaml

    from scenarios import bundled_scenarios

    path = next(p for p in bundled_scenarios() if p.stem == name)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    r = random.Random(k)
    data["drill"]["duration"] = "2d"
    channels = list(data.get("channels", {}))
    for ch in data.get("channels", {}).values():
        ch["latency"] = r.choice(["0m", "1m", "5m", "30m"])
        ch.pop("pair_latency", None)
        ch["loss"] = r.choice([0.0, 0.3])
    for aid, actor in data["actors"].items():
        policy = actor.setdefault("policy", {})
        policy["followup_after"] = r.choice(["0m", "30m", "1h", "4h"])
        policy["ack_delay"] = r.choice(["15m", "1h", "6h"])
        policy["drafting_time"] = r.choice(["0m", "10m", "30m"])
        policy["analysis_time"] = r.choice(["30m", "1h", "2h"])
        contacts = actor.setdefault("contacts", {})
        for cid in channels:
            contacts.setdefault(cid, {"address": f"{aid}@{cid}.example"})
        if r.random() < 0.3:
            actor["working_hours"] = r.choice(["09:00-17:00", "08:00-12:00"])
    for fw in (data.get("frameworks") or {}).values():
        for rule in (fw.get("rules") or {}).values():
            if True in rule:  # YAML 1.1 reads the key `on` as true
                rule["on"] = rule.pop(True)
            others = [c for c in channels if c != rule.get("channel")]
            r.shuffle(others)
            if others:
                rule["fallback"] = others
    for inject in data.get("injects") or []:
        inject.pop("artefacts", None)  # files beside the bundled scenario, not copied
    out = tmp_path / f"{name}-{k}.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_scenario(out, allow_include=(path.parent,))


def test_a_chase_comes_where_a_process_spending_the_time_would(tmp_path, monkeypatch):
    """Chases are timed callbacks: with durations that tie, each must still come in the
    same place among the events of its moment as the process it replaces, so logs are
    the same event for event."""
    from scenarios import bundled_scenarios
    from sim.engine.events import log_to_jsonl
    from sim.engine.messaging import Messaging

    chased = 0
    for path in bundled_scenarios():
        for k in range(4):
            loaded = _tied_variant(path.stem, k, tmp_path)
            for seed in range(3):
                short = log_to_jsonl(Engine(loaded, seed=seed).run())
                with monkeypatch.context() as m:
                    m.setattr(Messaging, "_follow_up", _chase_by_process)
                    long = log_to_jsonl(Engine(loaded, seed=seed).run())
                assert short == long, (path.stem, k, seed)
                chased += short.count('"type":"message_chased"')
    assert chased > 100  # the variants do chase


# --- runs read for their timings alone ---------------------------------------------

def _wording(ev) -> tuple[str, ...]:
    """The details of ``ev`` that only the wording of a message fills."""
    if ev.type == "message_delivered":
        return ("subject", "text", "attached")
    return ("subject",) if "msg" in ev.details else ()


@pytest.mark.parametrize("name", ["acid-botnet", "acid-hacktivism", "apcert-outage",
                                  "ocsem-law-enforcement", "tutorial"])
def test_a_run_without_words_is_the_same_run_with_its_messages_unwritten(name):
    """``Engine(words=False)`` (a batch, the review's model runs) changes nothing but the
    messages' subject, text and attachments: every event, time and other detail (an
    inject's own text included) is the same."""
    loaded = load_scenario(resolve_scenario_arg(name))
    for seed in (0, 5):
        full = Engine(loaded, seed=seed).run()
        bare = Engine(loaded, seed=seed, words=False).run()
        assert len(full) == len(bare)
        worded = 0
        for a, b in zip(full, bare, strict=True):
            assert (a.seq, a.time, a.type, a.actor, a.incident) == \
                (b.seq, b.time, b.type, b.actor, b.incident)
            fields = _wording(a)
            assert {k: v for k, v in a.details.items() if k not in fields} == \
                {k: v for k, v in b.details.items() if k not in fields}
            for k in fields:
                assert not b.details[k]
            if a.type == "message_delivered":
                worded += 1
                assert a.details["text"] and a.details["subject"]
        assert worded
        assert compute(full) == compute(bare)
