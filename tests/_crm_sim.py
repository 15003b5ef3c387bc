"""A simulated customer base whose CRM behaviour depends on the (true) segment, for the crm extend tests.

Four segments; per segment different order counts (Poisson), basket values (log-normal, so revenue is a
skewed amount), recency (exponential days before AS_OF), loyalty tier and channel mixes. The survey
segments of respondents are the true segments with ``survey_error`` of them moved to another segment at
random (a segmentation is never perfect). Personal data (e-mail, phone, name) and an id are there too.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

AS_OF = date(2024, 12, 31)
NAMES = {1: "Bargain hunters", 2: "Loyal regulars", 3: "Digital explorers", 4: "Occasional"}
PRIORS = np.array([0.30, 0.25, 0.25, 0.20])
ORDERS = np.array([4.0, 12.0, 6.0, 1.5])
AOV = np.array([25.0, 60.0, 45.0, 35.0])
RECENCY = np.array([60.0, 20.0, 45.0, 250.0])
TIERS = ["Bronce", "Plata", "Oro", "Platino"]
TIER_P = np.array([[0.55, 0.30, 0.12, 0.03], [0.10, 0.30, 0.40, 0.20], [0.30, 0.40, 0.22, 0.08],
                   [0.75, 0.20, 0.04, 0.01]])
CHANNELS = ["Tienda", "Online", "App"]
CHANNEL_P = np.array([[0.55, 0.35, 0.10], [0.60, 0.25, 0.15], [0.10, 0.35, 0.55], [0.50, 0.40, 0.10]])


def simulate(n: int = 20_000, n_respondents: int = 1_500, seed: int = 7, survey_error: float = 0.10
             ) -> tuple[pd.DataFrame, np.ndarray]:
    """The joined customer list (as ``crm join`` writes it) and every customer's true segment."""
    rng = np.random.default_rng(seed)
    true = rng.choice(4, size=n, p=PRIORS) + 1
    k = true - 1
    orders = rng.poisson(ORDERS[k])
    revenue = np.round(orders * AOV[k] * np.exp(0.35 * rng.standard_normal(n)), 2)
    days = np.floor(rng.exponential(RECENCY[k])).astype(int)
    last = np.array([AS_OF - timedelta(days=int(d)) for d in days])
    u = rng.random(n)[:, None]
    tier = np.array(TIERS)[(u > np.cumsum(TIER_P[k], axis=1)).sum(axis=1)]
    u = rng.random(n)[:, None]
    channel = np.array(CHANNELS, dtype=object)[(u > np.cumsum(CHANNEL_P[k], axis=1)).sum(axis=1)]
    channel[rng.random(n) < 0.05] = None
    discounts = rng.binomial(np.maximum(orders, 0), np.array([0.6, 0.15, 0.25, 0.3])[k]).astype(float)
    discounts[rng.random(n) < 0.03] = np.nan
    rare = rng.random(n) < 0.002  # a rare tier level (pooled)
    tier = tier.astype(object)
    tier[rare] = "Diamante"
    frame = pd.DataFrame({
        "customer_id": [f"C{i:07d}" for i in range(n)],
        "email": [f"user{i}@example.com" for i in range(n)],
        "phone": [f"+34 6{i % 100:02d} {i % 1000:03d} {i % 997:03d}" for i in range(n)],
        "first_name": rng.choice(["Ana", "Luis", "Marta", "Jorge"], size=n),
        "orders": orders, "revenue": revenue, "last_purchase_date": pd.to_datetime(last),
        "loyalty_tier": tier, "preferred_channel": channel, "discounts_used": discounts,
    })
    resp = rng.choice(n, size=n_respondents, replace=False)
    survey = true[resp].copy()
    flip = rng.random(n_respondents) < survey_error
    survey[flip] = (survey[flip] - 1 + rng.integers(1, 4, size=flip.sum())) % 4 + 1
    seg = pd.array(np.zeros(n, dtype=np.int64), dtype="Int64")
    seg[:] = pd.NA
    seg[resp] = survey
    frame["respondent_id"] = pd.array([None] * n, dtype="string")
    frame.loc[resp, "respondent_id"] = [f"R{i}" for i in range(n_respondents)]
    frame["segment"] = seg
    frame["segment_name"] = frame["segment"].map(NAMES).astype(object)
    return frame, true
