"""Tests and confidence intervals for KPIs computed from group moments.

Every function works on sufficient statistics (counts, sums, sums of squares and cross-products over
customers), so the per-customer data never leave DuckDB.

* Shares of customers (lapsed, VIP, buyers): two-proportion z test with the pooled proportion; the
  difference's interval is Newcombe's (1998) hybrid score interval (method 10) from Wilson intervals.
* Means over customers (orders per customer, value per customer): Welch's t test; the difference's
  interval is Welch's, with Welch-Satterthwaite degrees of freedom.
* Ratios of sums (AOV = revenue / orders, discount share = discounted orders / orders): customers are
  the sampling units, so the variance is the delta-method (linearization) variance of a ratio estimator
  ``Var(R) = sum (y_i - R x_i)^2 / ((n - 1) n xbar^2)``; tests and intervals are Wald z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as _st

__all__ = ["Moments", "two_proportion_z", "welch_t", "ratio_var", "ratio_z", "newcombe_ci", "welch_ci",
           "wald_ci", "wilson"]

Z95 = float(_st.norm.ppf(0.975))


@dataclass(frozen=True)
class Moments:
    """Sums over the customers of a group: ``n``, and for variables x, y the sums ``sx``, ``sxx``, ``sxy``."""

    n: float
    s: dict[str, float]

    def __sub__(self, other: Moments) -> Moments:
        return Moments(self.n - other.n, {k: v - other.s.get(k, 0.0) for k, v in self.s.items()})

    def mean(self, x: str) -> float:
        return self.s[x] / self.n if self.n > 0 else math.nan

    def var(self, x: str) -> float:
        """Sample variance ``(sum x^2 - n xbar^2) / (n - 1)``."""
        if self.n < 2:
            return math.nan
        return max((self.s[x + x] - self.s[x] ** 2 / self.n) / (self.n - 1), 0.0)


def two_proportion_z(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]:
    """Two-proportion z test with pooled variance: ``z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2))``.

    Returns ``(z, two-sided p)``; NaN when a group is empty or the pooled share is 0 or 1.
    """
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan
    p = (x1 + x2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return math.nan, math.nan
    z = (x1 / n1 - x2 / n2) / se
    return z, float(2 * _st.norm.sf(abs(z)))


def _welch(m1: float, v1: float, n1: float, m2: float, v2: float, n2: float) -> tuple[float, float, float]:
    a, b = v1 / n1, v2 / n2
    se = math.sqrt(a + b)
    df = (a + b) ** 2 / (a ** 2 / (n1 - 1) + b ** 2 / (n2 - 1)) if a + b > 0 else math.nan
    return m1 - m2, se, df


def welch_t(m1: float, v1: float, n1: float, m2: float, v2: float, n2: float) -> tuple[float, float, float]:
    """Welch's t test of two means: ``t = (m1 - m2) / sqrt(v1/n1 + v2/n2)``, Welch-Satterthwaite df.

    Returns ``(t, df, two-sided p)`` (NaN with fewer than two customers on a side or no variance).
    """
    if n1 < 2 or n2 < 2 or any(map(math.isnan, (v1, v2))):
        return math.nan, math.nan, math.nan
    d, se, df = _welch(m1, v1, n1, m2, v2, n2)
    if se == 0:
        return math.nan, math.nan, math.nan
    t = d / se
    return t, df, float(2 * _st.t.sf(abs(t), df))


def welch_ci(m1: float, v1: float, n1: float, m2: float, v2: float, n2: float, level: float = 0.95
             ) -> tuple[float, float]:
    """Welch interval of ``m1 - m2``: ``d +- t_{df, (1+level)/2} sqrt(v1/n1 + v2/n2)``."""
    if n1 < 2 or n2 < 2 or any(map(math.isnan, (v1, v2))):
        return math.nan, math.nan
    d, se, df = _welch(m1, v1, n1, m2, v2, n2)
    if se == 0:
        return d, d
    h = float(_st.t.ppf((1 + level) / 2, df)) * se
    return d - h, d + h


def ratio_var(m: Moments, y: str, x: str) -> tuple[float, float]:
    """Ratio ``R = sum y / sum x`` over customers and its delta-method variance.

    ``Var(R) = (sum y^2 - 2 R sum xy + R^2 sum x^2) / ((n - 1) n xbar^2)``.
    """
    if m.s[x] == 0 or m.n < 2:
        return math.nan, math.nan
    r = m.s[y] / m.s[x]
    xy = m.s[x + y] if (x + y) in m.s else m.s[y + x]
    ss = max(m.s[y + y] - 2 * r * xy + r * r * m.s[x + x], 0.0)
    xbar = m.s[x] / m.n
    return r, ss / ((m.n - 1) * m.n * xbar ** 2)


def ratio_z(m1: Moments, m2: Moments, y: str, x: str) -> tuple[float, float]:
    """Wald z test of two ratios with delta-method variances; returns ``(z, two-sided p)``."""
    r1, v1 = ratio_var(m1, y, x)
    r2, v2 = ratio_var(m2, y, x)
    if any(map(math.isnan, (r1, r2, v1, v2))) or v1 + v2 == 0:
        return math.nan, math.nan
    z = (r1 - r2) / math.sqrt(v1 + v2)
    return z, float(2 * _st.norm.sf(abs(z)))


def wald_ci(d: float, var: float, level: float = 0.95) -> tuple[float, float]:
    """``d +- z sqrt(var)``."""
    if math.isnan(d) or math.isnan(var):
        return math.nan, math.nan
    h = float(_st.norm.ppf((1 + level) / 2)) * math.sqrt(var)
    return d - h, d + h


def wilson(x: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n <= 0:
        return math.nan, math.nan
    z = float(_st.norm.ppf((1 + level) / 2))
    p = x / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return c - h, c + h


def newcombe_ci(x1: float, n1: float, x2: float, n2: float, level: float = 0.95) -> tuple[float, float]:
    """Newcombe's (1998, method 10) hybrid score interval of ``p1 - p2`` for independent proportions.

    ``L = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)``, ``U = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)`` with
    ``(l_i, u_i)`` the Wilson intervals.

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent proportions:
    comparison of eleven methods. *Statistics in Medicine* 17, 873-890.
    """
    if n1 <= 0 or n2 <= 0:
        return math.nan, math.nan
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, level)
    l2, u2 = wilson(x2, n2, level)
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
