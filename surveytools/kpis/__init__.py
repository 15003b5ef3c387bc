"""KPIs, loyalty and value per segment from a customer list and its transactions (``surveytools kpis``).

All computation runs in DuckDB over the files (.csv, .csv.gz, .parquet); only per-segment sums come back to
Python and the per-customer file is written by DuckDB. Modules:

``mapping``  the KPI map (YAML): columns in the user's language, rules, custom KPIs
``parse``    dates, amounts and discount flags read per column (ISO, dd/mm/yyyy, Excel serials, decimal commas)
``custom``   safe checking of custom KPI expressions
``engine``   the DuckDB session: per-customer table, group moments, output files
``stats``    tests and intervals from group moments (Welch, two-proportion z, delta method, Newcombe)
``core``     :func:`compute_kpis`
``result``   :class:`KpiResult`
"""

from __future__ import annotations

from .core import compute_kpis, parse_periods
from .mapping import KpiMap, load_kpi_map
from .result import DEFINITIONS, TESTS, KpiResult

__all__ = ["compute_kpis", "parse_periods", "KpiMap", "load_kpi_map", "KpiResult", "DEFINITIONS", "TESTS"]
