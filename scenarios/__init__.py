"""The drill scenario format: YAML files validated by strict pydantic models.

This package is headless: it never imports a UI library. Its names are imported on
first use, so that a command printing its help does not build the pydantic models.
"""

from __future__ import annotations

from typing import Any

#: the bundled scenario run when none is named
DEFAULT_SCENARIO = "acid-botnet"

__all__ = [
    "DEFAULT_SCENARIO",
    "LoadedScenario",
    "Problem",
    "Scenario",
    "ScenarioError",
    "bundled_scenarios",
    "load_scenario",
    "resolve_scenario_arg",
]

_WHERE = {"LoadedScenario": "loader", "Problem": "loader", "ScenarioError": "loader",
          "bundled_scenarios": "loader", "load_scenario": "loader",
          "resolve_scenario_arg": "loader", "Scenario": "model"}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'scenarios' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value
