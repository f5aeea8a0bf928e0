"""Local time, working days and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scenarios.model import Actor
from sim.engine.clock import Shift

UTC = UTC


def minutes(start: datetime, moment: datetime) -> float:
    return (moment - start) / timedelta(minutes=1)


def test_sydney_office_opens_an_hour_earlier_in_utc_after_daylight_saving_starts():
    # Australia/Sydney moves from UTC+10 to UTC+11 on Sunday 4 October 2026
    start = datetime(2026, 10, 2, 0, 0, tzinfo=UTC)  # Friday
    aus = Actor(name="AusCERT", kind="partner_cert", country="AU",
                timezone="Australia/Sydney", working_hours="09:00-17:00")
    shift = Shift(aus, start)
    friday_open = shift.next_on(0)
    monday_open = shift.next_on(minutes(start, datetime(2026, 10, 3, tzinfo=UTC)))
    assert friday_open == 0  # Friday 10:00 in Sydney: already at work
    assert shift.local(0).strftime("%a %H:%M %z") == "Fri 10:00 +1000"
    assert start + timedelta(minutes=monday_open) == datetime(2026, 10, 4, 22, 0, tzinfo=UTC)
    assert shift.local(monday_open).strftime("%a %H:%M %z") == "Mon 09:00 +1100"


def test_next_on_and_shift_end_respect_the_working_week():
    start = datetime(2026, 8, 21, 8, 0, tzinfo=UTC)  # Friday 16:00 in Singapore
    sg = Actor(name="SingCERT", kind="national_cert", country="SG",
               timezone="Asia/Singapore", working_hours="09:00-17:00")
    shift = Shift(sg, start)
    assert shift.on_duty(0)
    assert shift.shift_end(0) == 60
    assert not shift.on_duty(60)  # 17:00 sharp: closed
    assert shift.next_on(60) == minutes(start, datetime(2026, 8, 24, 1, 0, tzinfo=UTC))


def test_holidays_and_round_the_clock_staffing():
    start = datetime(2026, 8, 31, 1, 0, tzinfo=UTC)  # Monday 09:00 in Kuala Lumpur
    my = Actor(name="MyCERT", kind="national_cert", country="MY",
               timezone="Asia/Kuala_Lumpur", working_hours="09:00-17:00",
               holidays=["2026-08-31"])  # Merdeka Day
    assert not Shift(my, start).on_duty(0)
    assert Shift(my, start).next_on(0) == 24 * 60
    always = my.model_copy(update={"staffing": "24/7"})
    assert Shift(always, start).on_duty(0)


def test_a_shift_shared_by_runs_in_several_threads_answers_as_it_does_in_one():
    # Shifts are shared by every run of a scenario, and a Dask worker runs chunks in
    # threads: working periods listed by one thread must not interleave with another's.
    import sys
    import threading

    start = datetime(2026, 8, 21, 8, 0, tzinfo=UTC)
    sg = Actor(name="SingCERT", kind="national_cert", country="SG",
               timezone="Asia/Singapore", working_hours="09:00-17:00")
    moments = [m * 37.0 for m in range(1200)]  # a month, in steps that cross days
    alone = Shift(sg, start)
    expected = [(alone.next_on(t), alone.shift_end(t)) for t in moments]

    shared = Shift(sg, start)
    answers: dict[int, list[tuple[float, float]]] = {}
    go = threading.Barrier(4)

    def run(k: int) -> None:
        go.wait()
        answers[k] = [(shared.next_on(t), shared.shift_end(t)) for t in moments]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    assert all(answers[k] == expected for k in range(4))
