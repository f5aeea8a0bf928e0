"""Statistics for batch runs, in bounded memory.

* :class:`Sample` keeps a metric's values: exactly while there are few of them
  (up to :data:`EXACT_LIMIT`), then in a log-bucketed histogram whose buckets are
  1 % wide, so memory does not grow with the number of replications while a
  quantile stays within 0.5 % of the value of the same rank (exact quantiles are
  interpolated between the two values around them; binned ones are not, which
  matters only where the values jump). Mean, variance, minimum and maximum are
  always exact (Welford's algorithm).
* Confidence intervals: Student-t for means (never below 0: a :class:`Sample`
  holds times and counts), distribution-free order statistics
  for quantiles, Wilson score for proportions, Tango's score interval for the
  difference of two paired proportions. A bound the values cannot give (the
  mean of one value; a quantile's bound beyond the smallest or largest value) is
  ``None``: more replications are needed, not a narrower interval.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

EXACT_LIMIT = 4096
_RATIO = 1.01
_LOG_RATIO = math.log(_RATIO)
_FLOOR = 1e-3  # values at or below this (minutes) share the lowest bucket


def z_value(confidence: float = 0.95) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def t_value(df: int, confidence: float = 0.95) -> float:
    """Student-t critical value (Cornish-Fisher expansion; exact for df 1 and 2, within
    0.2 % for df >= 3 at 95 % confidence and within 0.8 % at 99 %)."""
    z = z_value(confidence)
    if df <= 0:
        return math.inf
    if df == 1:
        return math.tan(math.pi * confidence / 2)
    if df == 2:
        a = 1 - confidence
        return math.sqrt(2 / (a * (2 - a)) - 2)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion. It always holds the observed rate: its
    lower bound is exactly 0 when nothing happened, its upper exactly 1 when everything
    did (rounding would otherwise leave 2.8e-17 and 0.9999999999999999)."""
    if n == 0:
        return (0.0, 1.0)
    z = z_value(confidence)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo = 0.0 if successes <= 0 else min(p, max(0.0, centre - half))
    hi = 1.0 if successes >= n else max(p, min(1.0, centre + half))
    return (lo, hi)


def paired_score_difference(first_only: int, second_only: int, n: int,
                            confidence: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Difference of two paired proportions (first minus second) and Tango's score
    interval for it (Tango 1998, as Fagerland, Lydersen and Laake 2014 give it).

    Only the discordant pairs count: ``first_only`` pairs had the event in the first
    only, ``second_only`` in the second only, of ``n`` pairs. The interval is every
    difference d whose score statistic
    ``(first_only - second_only - n d) / sqrt(n (2 q + d (1 - d)))``, q the constrained
    maximum-likelihood estimate of the second-only probability, lies within the
    normal quantile; its ends are found by bisection. It stays within [-1, 1], is not
    degenerate when every pair agrees (0 of 40 changed gives about +-0.088) and keeps
    its coverage when changes are rare, as they are between variants run on the same
    seeds (Newcombe's hybrid interval covers a 2 %
    one-way change in 100 pairs only about 87 % of the time at 95 %).
    """
    if n <= 0:
        return (math.nan, (math.nan, math.nan))
    b, c = first_only, second_only
    z = z_value(confidence)
    diff = (b - c) / n

    def score(d: float) -> float:
        a = 2 * n
        bb = -b - c + (2 * n - b + c) * d
        cc = -c * d * (1 - d)
        q = (math.sqrt(max(0.0, bb * bb - 4 * a * cc)) - bb) / (2 * a)
        variance = n * (2 * q + d * (1 - d))
        num = b - c - n * d
        if variance <= 0:
            return 0.0 if num == 0 else math.copysign(math.inf, num)
        return num / math.sqrt(variance)

    def root(lo: float, hi: float, target: float) -> float:
        """Where the score (decreasing in d) crosses ``target`` between lo and hi."""
        for _ in range(200):
            mid = (lo + hi) / 2
            if mid in (lo, hi):
                break
            if score(mid) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    edge = 1e-12
    # the score is 0 at the estimate and falls as d grows: the lower end is where it
    # comes down to z, the upper where it reaches -z
    lower = -1.0 if diff <= -1 or score(-1 + edge) <= z else root(-1 + edge, diff, z)
    upper = 1.0 if diff >= 1 or score(1 - edge) >= -z else root(diff, 1 - edge, -z)
    # the interval holds the estimate, whatever the rounding of the bisection
    return (diff, (max(-1.0, min(lower, diff)), min(1.0, max(upper, diff))))


class Running:
    """Count, mean and variance by Welford's algorithm."""

    __slots__ = ("m2", "max", "mean", "min", "n")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.min = math.inf
        self.max = -math.inf

    def add(self, x: float) -> None:
        self.n += 1
        d = x - self.mean
        self.mean += d / self.n
        self.m2 += d * (x - self.mean)
        self.min = min(self.min, x)
        self.max = max(self.max, x)

    def extend(self, xs: Iterable[float]) -> None:
        """``add`` each value in turn (the same arithmetic, in the same order)."""
        n, mean, m2, lo, hi = self.n, self.mean, self.m2, self.min, self.max
        for x in xs:
            n += 1
            d = x - mean
            mean += d / n
            m2 += d * (x - mean)
            lo = min(lo, x)
            hi = max(hi, x)
        self.n, self.mean, self.m2, self.min, self.max = n, mean, m2, lo, hi

    @property
    def sd(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0

    def mean_ci(self, confidence: float = 0.95) -> tuple[float | None, float | None]:
        """Student-t interval of the mean; no bounds from fewer than two values."""
        if self.n < 2:
            return (None, None)
        half = t_value(self.n - 1, confidence) * self.sd / math.sqrt(self.n)
        return (self.mean - half, self.mean + half)


class Sample:
    """One metric's values across replications, in bounded memory (values >= 0)."""

    def __init__(self) -> None:
        self.running = Running()
        self._exact: array | None = array("d")
        self._bins: dict[int, int] = {}

    @property
    def n(self) -> int:
        return self.running.n

    @property
    def exact(self) -> bool:
        return self._exact is not None

    def add(self, x: float) -> None:
        self.running.add(x)
        self._keep(x)

    def extend(self, xs: Sequence[float]) -> None:
        """``add`` each value in turn: the same state as adding them one by one."""
        self.running.extend(xs)
        exact = self._exact
        if exact is not None and len(exact) + len(xs) <= EXACT_LIMIT:
            exact.extend(xs)  # the common case: no value past the exact limit
            return
        for x in xs:
            self._keep(x)

    def _keep(self, x: float) -> None:
        """Keep a value exactly while there are few, then in the histogram."""
        if self._exact is not None:
            self._exact.append(x)
            if len(self._exact) > EXACT_LIMIT:
                for v in self._exact:
                    self._bin(v)
                self._exact = None
        else:
            self._bin(x)

    def _bin(self, x: float) -> None:
        i = -1 if x <= _FLOOR else int(math.log(x / _FLOOR) / _LOG_RATIO)
        self._bins[i] = self._bins.get(i, 0) + 1

    def _at_rank(self, k: int) -> float:
        """The k-th smallest value (0-based)."""
        k = min(max(k, 0), self.n - 1)
        if self._exact is not None:
            return sorted(self._exact)[k]
        seen = 0
        for i in sorted(self._bins):
            seen += self._bins[i]
            if seen > k:
                if i < 0:
                    return 0.0
                value = _FLOOR * _RATIO ** (i + 0.5)
                return min(max(value, self.running.min), self.running.max)
        return self.running.max  # pragma: no cover

    def quantile(self, q: float) -> float:
        """The q-quantile (nearest rank on an interpolated position)."""
        if self.n == 0:
            return math.nan
        if self._exact is not None:
            values = sorted(self._exact)
            pos = q * (len(values) - 1)
            lo = math.floor(pos)
            hi = min(lo + 1, len(values) - 1)
            return values[lo] + (values[hi] - values[lo]) * (pos - lo)
        return self._at_rank(round(q * (self.n - 1)))

    def quantile_ci(self, q: float, confidence: float = 0.95
                    ) -> tuple[float | None, float | None]:
        """Distribution-free interval from order statistics (normal approximation). A
        bound whose rank falls outside the values is None: the smallest or largest
        value would cover less than the confidence asked for."""
        n = self.n
        if n == 0:
            return (None, None)
        z = z_value(confidence)
        half = z * math.sqrt(n * q * (1 - q))
        lo = math.floor(n * q - half) - 1
        hi = math.ceil(n * q + half)
        if self._exact is not None:
            values = sorted(self._exact)
            return (values[lo] if lo >= 0 else None, values[hi] if hi < n else None)
        return (self._at_rank(lo) if lo >= 0 else None, self._at_rank(hi) if hi < n else None)

    def mean_ci(self, confidence: float = 0.95) -> tuple[float | None, float | None]:
        """Student-t interval of the mean, clipped at 0 when no value is below 0: the
        values are times and counts, whose mean cannot be negative (a count that is 0
        in most runs would otherwise get a negative lower bound)."""
        lo, hi = self.running.mean_ci(confidence)
        if lo is not None and self.running.min >= 0:
            lo = max(lo, 0.0)
        return (lo, hi)

    def summary(self, confidence: float = 0.95) -> dict[str, object]:
        r = self.running
        if r.n == 0:
            return {"n": 0}
        return {
            "n": r.n,
            "mean": r.mean,
            "mean_ci": list(self.mean_ci(confidence)),
            "sd": r.sd,
            "median": self.quantile(0.5),
            "median_ci": list(self.quantile_ci(0.5, confidence)),
            "p90": self.quantile(0.9),
            "p90_ci": list(self.quantile_ci(0.9, confidence)),
            "p95": self.quantile(0.95),
            "p95_ci": list(self.quantile_ci(0.95, confidence)),
            "max": r.max,
            "exact_quantiles": self.exact,
        }


@dataclass
class Proportion:
    """How often something happened, with a Wilson interval."""

    hits: int = 0
    n: int = 0

    def add(self, hit: bool) -> None:
        self.n += 1
        self.hits += bool(hit)

    def summary(self, confidence: float = 0.95) -> dict[str, object]:
        rate = self.hits / self.n if self.n else math.nan
        return {"n": self.n, "rate": rate, "rate_ci": list(wilson(self.hits, self.n, confidence))}


def percent(rate: float, decimals: int = 0) -> str:
    """A rate as a percentage, never rounded to 0 % or 100 % unless it is exactly that:
    1 in 200 is ``<1%``, 199 in 200 ``>99%`` (``<0.1%``, ``>99.9%`` with one decimal)."""
    text = f"{rate * 100:.{decimals}f}"
    step = 10.0 ** -decimals
    if rate > 0 and float(text) == 0:
        return f"<{step:.{decimals}f}%"
    if rate < 1 and float(text) >= 100:
        return f">{100 - step:.{decimals}f}%"
    return text + "%"
