"""The cyclic garbage collector, paused while the engine builds what lives on.

A drill's log, pictures and scheduled injects are tens of thousands of objects that
all stay alive; each automatic collection would walk them all again, so the time of a
big run would grow with the square of its size. What the engine drops is freed at once
by reference counting (a run makes no cyclic garbage, a test checks it), so nothing
piles up while the collector waits.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No automatic cyclic collection meanwhile; the collector's state is restored after
    (left off if it was off: a caller that turned it off keeps it off)."""
    was = gc.isenabled()
    if was:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
