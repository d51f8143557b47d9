"""Scenarios: the whole sandbox (both systems' state, keys included) in one file, and the three shipped."""

from sandbox.scenarios.format import FILE_SUFFIX, ScenarioError, ScenarioFile, read_scenario, write_scenario
from sandbox.scenarios.sandbox_io import apply_scenario, capture_scenario, load_scenario, open_scenario, save_scenario
from sandbox.scenarios.shipped import SHIPPED, ShippedScenario, shipped_scenario

__all__ = [
    "FILE_SUFFIX",
    "SHIPPED",
    "ScenarioError",
    "ScenarioFile",
    "ShippedScenario",
    "apply_scenario",
    "capture_scenario",
    "load_scenario",
    "open_scenario",
    "read_scenario",
    "save_scenario",
    "shipped_scenario",
    "write_scenario",
]
