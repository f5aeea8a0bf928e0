"""The drill engine: a headless SimPy model of cross-border incident escalation.

This package never imports a UI library. Its names are imported on first use, so
that ``drill --help`` and other light commands do not load the engine.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EVENT_TYPES", "Action", "ActionError", "Engine", "Event", "run_scenario"]

_WHERE = {"Action": "sim.engine", "ActionError": "sim.engine", "Engine": "sim.engine",
          "run_scenario": "sim.engine", "EVENT_TYPES": "sim.engine.events",
          "Event": "sim.engine.events"}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value
