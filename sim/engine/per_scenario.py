"""What the engine works out once per scenario and shares between its runs.

Scenarios are frozen, so anything derived from one alone (the rule book, the wording
of its messages) holds for every run of it. Up to 16 scenarios are kept (a batch of
what-if variants); a scenario is recognised by identity, never by an id that a new
object could reuse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_KEPT = 16


def shared(cache: dict[int, tuple[Any, T]], scenario: Any, build: Callable[[Any], T]) -> T:
    """``build(scenario)``, once per scenario kept in ``cache``."""
    hit = cache.get(id(scenario))
    if hit is not None and hit[0] is scenario:
        return hit[1]
    if len(cache) >= _KEPT:
        cache.clear()
    made = build(scenario)
    cache[id(scenario)] = (scenario, made)
    return made
