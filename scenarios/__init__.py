"""The drill scenario format: YAML files validated by strict pydantic models.

This package is headless: it never imports a UI library.
"""

from .loader import (
    DEFAULT_SCENARIO,
    LoadedScenario,
    Problem,
    ScenarioError,
    bundled_scenarios,
    load_scenario,
    resolve_scenario_arg,
)
from .model import Scenario

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
