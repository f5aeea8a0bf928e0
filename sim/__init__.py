"""The drill engine: a headless SimPy model of cross-border incident escalation.

This package never imports a UI library. Its names are loaded on first use, so
that light modules (``sim.version``, ``sim.safe``) and ``drill --version`` do not
load the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.engine import Action, ActionError, Engine, run_scenario
    from sim.engine.events import EVENT_TYPES, Event

__all__ = ["EVENT_TYPES", "Action", "ActionError", "Engine", "Event", "run_scenario"]

_FROM = {"EVENT_TYPES": "sim.engine.events", "Event": "sim.engine.events"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_FROM.get(name, "sim.engine")), name)
