"""The cyclic garbage collector, paused while a scenario or a run builds what lives on.

Reading a big scenario (hundreds of thousands of values, paths and source marks) and
running a drill (its log, pictures and scheduled injects) make tens of thousands of
objects that all stay alive; the automatic collections would walk them again and
again while they are built (a run's time would grow faster than its size, and reading
a 5,000-inject scenario took a third longer with the collector on). What they drop is
freed at once by reference counting (a run makes no cyclic garbage, a test checks
it), so nothing piles up while the collector waits; what a refused file leaves
(a problem's traceback) is collected once the collector runs again. The loader
settles what it built before it returns (:func:`paused`), so that its figures include
the one walk of it that the collector still owes.

This module lives with the scenarios, the lowest layer: the loader and the engine
both use it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(settle: bool = False) -> Iterator[None]:
    """No automatic cyclic collection meanwhile; the collector's state is restored after
    (left off if it was off: a caller that turned it off keeps it off).

    ``settle``: once the collector runs again, collect the young generations at once,
    so that what was built moves on to the old one here, paid for by the work that
    built it, not by whatever allocates next (a drill run after a big file is read)."""
    was = gc.isenabled()
    if was:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
            if settle:
                gc.collect(1)
