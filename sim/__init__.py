"""The drill engine: a headless SimPy model of cross-border incident escalation.

This package never imports a UI library.
"""

from sim.engine import Action, ActionError, Engine, run_scenario
from sim.engine.events import EVENT_TYPES, Event

__all__ = ["EVENT_TYPES", "Action", "ActionError", "Engine", "Event", "run_scenario"]
