"""The drill model: actors, what each knows, the policy, messaging, the MSEL and
expectations, driven through :class:`Engine`."""

from .core import Action, ActionError, Engine, preflight, run_scenario

__all__ = ["Action", "ActionError", "Engine", "preflight", "run_scenario"]
