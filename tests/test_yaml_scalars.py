"""Plain scalars resolve the same with the quick path for text as through every pattern."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import yamlsrc
from scenarios.yamlsrc import Mark, YamlProblem, _scalar

MARK = Mark("t.yaml", 1, 1)


def _every_pattern(value: str):
    """The resolution without the quick path: each YAML 1.2 core-schema pattern in turn."""
    y = yamlsrc
    if y._NULL.match(value):
        return None
    if y._BOOL_TRUE.match(value):
        return True
    if y._BOOL_FALSE.match(value):
        return False
    if len(value) > y._MAX_DIGITS and (y._INT10.match(value) or y._FLOAT.match(value)):
        return YamlProblem
    if y._INT10.match(value):
        return int(value, 10)
    if y._INT8.match(value):
        return int(value[2:], 8)
    if y._INT16.match(value):
        return int(value[2:], 16)
    if y._FLOAT.match(value):
        return float(value)
    if y._INF.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if y._NAN.match(value):
        return float("nan")
    return value


def _resolve(value: str):
    event = SimpleNamespace(value=value, style=None, tag=None)
    try:
        return _scalar(event, MARK, ())
    except YamlProblem:
        return YamlProblem


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("value", [
    "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    "12", "-3", "+4", "0o17", "0x1F", "1.5", ".5", "-1e3", ".inf", "-.Inf", "+.INF", ".nan",
    "9" * 401, "NO", "no", "yes", "on", "T+0d09:15", "email", "x1", "9:30", "2026-08-19",
    "\n", "12\n", "true\n",  # a trailing line break: text, never a null, number or boolean
])
def test_known_scalars(value):
    assert _same(_resolve(value), _every_pattern(value))


@settings(derandomize=True)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
       | st.from_regex(r"[-+.~0-9nNtTfFxo eEaluirs]{0,8}", fullmatch=True))
def test_any_plain_scalar(value):
    assert _same(_resolve(value), _every_pattern(value))
