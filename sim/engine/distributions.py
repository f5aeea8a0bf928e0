"""Sampling the scenario format's distributions (all values in minutes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from scenarios.model import Constant, Empirical, Exponential, LogNormal, Triangular, Uniform


class Rng(Protocol):
    """What a distribution draws from: a named stream (``sim.engine.streams``), or a
    ``random.Random``."""

    def random(self) -> float: ...
    def uniform(self, a: float, b: float) -> float: ...
    def triangular(self, low: float, high: float, mode: float) -> float: ...
    def lognormvariate(self, mu: float, sigma: float) -> float: ...
    def expovariate(self, lambd: float) -> float: ...
    def choices(self, population: Sequence[Any], weights: Sequence[float] | None = ...,
                *, cum_weights: Sequence[float] | None = ..., k: int = ...) -> list[Any]: ...


def _lognormal(d: LogNormal, rng: Rng) -> float:
    mu, sigma = d.params
    value = rng.lognormvariate(mu, sigma)
    return min(value, d.max) if d.max is not None else value


def _exponential(d: Exponential, rng: Rng) -> float:
    value = rng.expovariate(1.0 / d.mean) if d.mean > 0 else 0.0
    return min(value, d.max) if d.max is not None else value


_SAMPLERS = {
    Constant: lambda d, rng: d.value,
    Uniform: lambda d, rng: rng.uniform(d.low, d.high),
    LogNormal: _lognormal,
    Triangular: lambda d, rng: rng.triangular(d.low, d.high, d.mode),
    Exponential: _exponential,
    Empirical: lambda d, rng: rng.choices(d.values, weights=d.weights)[0],
}


def sample(dist: object, rng: Rng) -> float:
    """Draw one duration in minutes from ``dist`` using ``rng``."""
    sampler = _SAMPLERS.get(type(dist))
    if sampler is None:
        raise TypeError(f"not a distribution: {dist!r}")
    return sampler(dist, rng)


def minimum(dist: object) -> float:
    """The shortest duration ``dist`` can produce."""
    if isinstance(dist, Constant):
        return dist.value
    if isinstance(dist, (Uniform, Triangular)):
        return dist.low
    if isinstance(dist, Empirical):
        return min(dist.values)
    return 0.0
