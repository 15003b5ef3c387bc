"""Run every benchmark and print one table: surveytools against the tool users would otherwise use.

Each ``benchmarks/bench_*.py`` runs in its own process with ``OPENBLAS_NUM_THREADS=1`` (both sides then
use one BLAS thread, and the machine's other work disturbs the ratio less). The scripts time surveytools
and the alternative back to back in one run; the ratio (alternative time / surveytools time, so above 1
means surveytools is faster) is the number to read on a shared or busy machine, not the absolute times.

    python benchmarks/run_all.py [--quick] [--only NAME ...] [--no-r] [--json] [--verbose]

``--quick`` runs smaller sizes (where a script has a size option) and one repetition: minutes instead of
tens of minutes. Targets are stated for the full sizes, so in quick mode the targets of benchmarks whose
size shrinks are shown but not judged. A script that fails, or whose output has no result this runner recognizes, is
reported in the table and makes the exit status 1; ``--strict`` also makes an unmet target exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

_NUM = r"([0-9][0-9,]*\.?[0-9]*(?:e[-+]?\d+)?)"


@dataclass
class Row:
    """One line of the table."""

    benchmark: str
    surveytools_s: float | None = None
    alternative: str = ""
    alternative_s: float | None = None
    target: str = ""
    met: bool | None = None  # None: no target, or not judged (quick run, alternative missing)
    note: str = ""
    surveytools_mb: float | None = None
    alternative_mb: float | None = None
    failed: bool = False  # the script did not run to a result
    printed_ratio: float | None = None  # the script's own ratio (from unrounded times) when it prints one

    @property
    def ratio(self) -> float | None:
        if self.printed_ratio is not None:
            return self.printed_ratio
        if self.surveytools_s and self.alternative_s:
            return self.alternative_s / self.surveytools_s
        return None


@dataclass
class Bench:
    """How to run one script and read its output."""

    quick: list[str] = field(default_factory=list)  # options for --quick (only those the script accepts)
    no_r: list[str] = field(default_factory=list)  # options that skip R (only those the script accepts)
    json: bool = False  # run with --json and parse one JSON object
    parse: Callable[[str, bool], list[Row]] | None = None  # (output, quick) -> rows


def _f(text: str) -> float:
    return float(text.replace(",", ""))


def _ratio_target(row: Row, minimum: float, strict: bool = False, judge: bool = True) -> Row:
    """Set a ratio target (``ratio >= minimum``, or ``> minimum`` when strict) and judge it when ``judge``
    (a target stated for the full size is not judged on a quick run's smaller data)."""
    row.target = f"{'>' if strict else '>='} {minimum:g}x"
    r = row.ratio
    if r is not None and judge:
        row.met = r > minimum if strict else r >= minimum
    return row


# ---------------------------------------------------------------------------------------------------------
# parsers of the scripts' printed output (one per script; each reads the lines that script prints)


def parse_import(out: str, quick: bool) -> list[Row]:
    size = re.search(r"export: ([\d,]+) respondents x (\d+) items", out)
    # "<what> (<details>)[:]  <wall> s  [<cpu> s]  <peak> MB": wall time first, CPU time optional
    times = rf"\)\s*:?\s+{_NUM}\s?s\s+(?:{_NUM}\s?s\s+)?{_NUM}\s?MB"
    st = re.search(r"surveytools import \(.*?" + times, out)
    if not st:
        return []
    label = f"import Qualtrics .xlsx ({size.group(1)} x {size.group(2)}, fresh process)" if size else "import"
    st_s, st_mb = _f(st.group(1)), _f(st.group(3))
    rows = []
    for engine in ("calamine", "openpyxl"):
        m = re.search(rf"pandas\.read_excel\(engine='{engine}'\) \(.*?" + times + rf".*?surveytools is {_NUM}x faster",
                      out)
        if not m:
            continue
        row = Row(label, st_s, f"pandas.read_excel({engine}), read only", _f(m.group(1)), surveytools_mb=st_mb,
                  alternative_mb=_f(m.group(3)), printed_ratio=_f(m.group(4)))
        if engine == "openpyxl":
            _ratio_target(row, 8, judge=not quick)
        else:  # the script's absolute target: about 3 s end to end and under 1 GB for 50,000 x 60
            row.target = "< 1 GB (about 3 s)"
            if not quick:
                row.met = st_mb < 1024
        rows.append(row)
    return rows or [Row(label, st_s, surveytools_mb=st_mb)]


def parse_segment(out: str, quick: bool) -> list[Row]:
    rows: list[Row] = []
    size = re.search(r"segment target: n=([\d,]+) x (\d+), k=([\d.]+), (\d+) bootstrap", out)
    st = re.search(rf"surveytools segment:\s+{_NUM} s wall.*?peak\s+{_NUM} MB", out)
    verdict = re.search(r"target (<= .*?): (met|not met)", out)
    if st:
        label = (f"segment k-means, k {size.group(3)}, {size.group(4)} bootstrap ({size.group(1)} x {size.group(2)}, "
                 "fresh process)") if size else "segment (target run)"
        row = Row(label, _f(st.group(1)), surveytools_mb=_f(st.group(2)), target="<= 60 s, < 2 GB")
        if verdict and not quick:
            row.met = verdict.group(2) == "met"
        rows.append(row)
    h2h = re.search(r"head to head: n=([\d,]+) x (\d+), k=([\d.]+), (\d+) bootstrap", out)
    mine = re.search(rf"surveytools Segmenter:\s+{_NUM} s CPU", out)
    alt = re.search(rf"scikit-learn loop .*?:\s+{_NUM} s CPU", out)
    ratio = re.search(rf"ratio scikit-learn / surveytools:\s+{_NUM}x", out)
    if mine:
        label = (f"segment k {h2h.group(3)} + criteria + {h2h.group(4)} bootstrap ({h2h.group(1)} x {h2h.group(2)}, CPU)"
                 if h2h else "segment head to head (CPU)")
        rows.append(Row(label, _f(mine.group(1)), "scikit-learn KMeans loop", _f(alt.group(1)) if alt else None,
                        printed_ratio=_f(ratio.group(1)) if ratio else None))
    return rows


def parse_latent_class(out: str, quick: bool) -> list[Row]:
    rows: list[Row] = []
    h2h = re.search(r"latent class head to head: n=([\d,]+) x (\d+) mixed items, k=(\d+), (\d+) starts", out)
    mine = re.search(rf"surveytools latent class:\s+{_NUM} s CPU", out)
    alt = re.search(rf"StepMix 3 latent class:\s+{_NUM} s CPU", out)
    ratio = re.search(rf"ratio StepMix / surveytools:\s+{_NUM}x", out)
    if mine:
        label = (f"latent class k={h2h.group(3)}, {h2h.group(4)} starts ({h2h.group(1)} x {h2h.group(2)} mixed, CPU)"
                 if h2h else "latent class head to head (CPU)")
        row = Row(label, _f(mine.group(1)), "StepMix 3", _f(alt.group(1)) if alt else None,
                  printed_ratio=_f(ratio.group(1)) if ratio else None)
        rows.append(_ratio_target(row, 1, strict=True, judge=not quick))
    size = re.search(r"latent class target: n=([\d,]+) x (\d+) mixed items, k=([\d.]+), (\d+) bootstrap", out)
    st = re.search(rf"surveytools segment --method latent-class:\s+{_NUM} s wall.*?peak\s+{_NUM} MB", out)
    verdict = re.search(r"target (<= .*?): (met|not met)", out)
    if st:
        label = (f"segment latent class, k {size.group(3)} ({size.group(1)} x {size.group(2)} mixed, fresh process)"
                 if size else "segment latent class (target run)")
        row = Row(label, _f(st.group(1)), surveytools_mb=_f(st.group(2)), target="<= 60 s, < 2 GB")
        if verdict and not quick:
            row.met = verdict.group(2) == "met"
        rows.append(row)
    return rows


def parse_reliability(out: str, quick: bool) -> list[Row]:
    rows: list[Row] = []
    data = ""
    for line in out.splitlines():
        m = re.match(r"^(\S.*?): ([\d,]+) respondents x (\d+) items", line)
        if m:
            data = f"{m.group(1)} ({m.group(2)} x {m.group(3)})"
            continue
        m = re.match(rf"^\s+(raw alpha only|full item analysis)\s+surveytools\s+{_NUM} ms\s+(pingouin|R psych)\s+"
                     rf"{_NUM} ms\s+ratio\s+{_NUM}x", line)
        if m:
            what = "alpha" if m.group(1).startswith("raw") else "item analysis"
            alt = "pingouin cronbach_alpha" if m.group(3) == "pingouin" else "R psych alpha + fa(1)"
            if m.group(3) == "pingouin" and what == "item analysis":
                alt = "pingouin, once per item dropped"
            rows.append(Row(f"reliability {what}, {data}", _f(m.group(2)) / 1e3, alt, _f(m.group(4)) / 1e3,
                            printed_ratio=_f(m.group(5))))
    return rows


def parse_polychoric(out: str, quick: bool) -> list[Row]:
    rows: list[Row] = []
    n = re.search(r"polychoric matrix, (\d+) respondents", out)
    n_rows = int(n.group(1)) if n else 0
    for line in out.splitlines():
        m = re.match(rf"^\s+(\d+) items: surveytools\s+{_NUM} s(.*)$", line)
        if not m:
            continue
        p, st, rest = int(m.group(1)), _f(m.group(2)), m.group(3)
        row = Row(f"polychoric matrix ({n_rows:,} x {p})", st, "R psych polychoric")
        ps = re.search(rf"psych\s+{_NUM} s", rest)
        pr = re.search(rf"ratio psych/surveytools\s+{_NUM}x", rest)
        if ps:
            row.alternative_s = _f(ps.group(1))
            row.printed_ratio = _f(pr.group(1)) if pr else None
        else:
            row.note = rest.strip(" |")
        if p >= 100:
            row.target = "<= 5 s"
            if not quick and n_rows >= 4000:
                row.met = st <= 5.0
        else:
            _ratio_target(row, 10, judge=not quick)
        rows.append(row)
    return rows


def parse_factor(out: str, quick: bool) -> list[Row]:
    data = re.search(r"data: \S*?([a-z]+)/responses\.csv\.gz: (\d+) respondents x (\d+) items", out)
    label = f"{data.group(1)} {data.group(2)} x {data.group(3)}" if data else "spi"
    efa = re.search(rf"surveytools\s+EFA 5 factors.*?:\s+{_NUM} s", out)
    auto = re.search(rf"surveytools\s+--n-factors auto.*?:\s+{_NUM} s", out)
    fa2 = re.search(rf"factor-analyzer FactorAnalyzer\(5\)\.fit.*?:\s+{_NUM} s", out)
    fa2_fail = re.search(r"factor-analyzer fails: (.*)", out)
    r_fa = re.search(rf"R psych\s+fa\(x, 5\).*?:\s+{_NUM} s", out)
    r_par = re.search(rf"R psych\s+fa\.parallel.*?:\s+{_NUM} s", out)
    ratio_efa = re.search(rf"ratio EFA .*?:\s+{_NUM}x", out)
    ratio_auto = re.search(rf"ratio auto .*?:\s+{_NUM}x", out)
    ratio_fa2 = re.search(rf"FactorAnalyzer\(5\)\.fit.*\(ratio {_NUM}x\)", out)
    rows: list[Row] = []
    if efa:
        st = _f(efa.group(1))
        row = Row(f"EFA 5 factors minres+oblimin ({label})", st, "R psych fa", _f(r_fa.group(1)) if r_fa else None)
        row.printed_ratio = _f(ratio_efa.group(1)) if ratio_efa else None
        if not r_fa:
            row.note = "R not run"
        rows.append(_ratio_target(row, 1, strict=True))
        if fa2 or fa2_fail:
            row = Row(f"EFA 5 factors minres+oblimin ({label})", st, "factor-analyzer",
                      _f(fa2.group(1)) if fa2 else None)
            row.printed_ratio = _f(ratio_fa2.group(1)) if ratio_fa2 else None
            if fa2_fail:
                row.note = "factor-analyzer fails: " + fa2_fail.group(1)[:70]
            rows.append(row)
    if auto:
        row = Row(f"factor --n-factors auto ({label})", _f(auto.group(1)), "R psych fa.parallel alone",
                  _f(r_par.group(1)) if r_par else None)
        row.printed_ratio = _f(ratio_auto.group(1)) if ratio_auto else None
        if not r_par:
            row.note = "R not run"
        rows.append(_ratio_target(row, 3))
    return rows


def parse_retention(out: str, quick: bool) -> list[Row]:
    size = re.search(r"number of factors, (\d+) respondents x (\d+) six-point items", out)
    label = f"{int(size.group(1)):,} x {size.group(2)}" if size else ""
    auto = re.search(rf"FactorModel\(n_factors='auto'\)\.fit.*?:\s+{_NUM} s", out)
    summ = re.search(rf"retention_summary \(parallel.*?:\s+{_NUM} s", out)
    par = re.search(rf"psych fa\.parallel\(n\.iter = 20\):\s+{_NUM} s", out)
    rows: list[Row] = []
    mine = auto or summ
    if mine:
        what = "factor --n-factors auto" if auto else "retention_summary"
        row = Row(f"{what}, simulated ({label})", _f(mine.group(1)), "R psych fa.parallel alone",
                  _f(par.group(1)) if par else None)
        pr = re.search(rf"ratio psych fa\.parallel / surveytools {re.escape(what)}:\s+{_NUM}x", out)
        row.printed_ratio = _f(pr.group(1)) if pr else None
        fail = re.search(r"(psych failed: .*|Rscript not found.*)", out)
        if fail:
            row.note = fail.group(1)[:60]
        rows.append(_ratio_target(row, 3, judge=not quick))
    return rows


def parse_profile(out: str, quick: bool) -> list[Row]:
    size = re.search(r"profile table: n=([\d,]+), (\d+) rows x (\d+) segments", out)
    st = re.search(rf"surveytools profile_segments:\s+{_NUM} s", out)
    alt = re.search(rf"scipy/statsmodels loop:\s+{_NUM} s", out)
    ratio = re.search(rf"ratio \(loop / surveytools\):\s+{_NUM}x", out)
    if not st:
        return []
    label = f"n={size.group(1)}, {size.group(2)} rows x {size.group(3)} segments" if size else ""
    return [Row(f"segment profile table ({label})", _f(st.group(1)), "scipy + statsmodels loop",
                _f(alt.group(1)) if alt else None, printed_ratio=_f(ratio.group(1)) if ratio else None)]


def parse_assign(out: str, quick: bool) -> list[Row]:
    size = re.search(r"data: ([\d,]+) customers", out)
    st = re.search(rf"surveytools assign\s*:\s+{_NUM} s\b.*?peak\s+{_NUM} MB", out)  # wall time first
    alt = re.search(rf"pandas \+ sklearn\s*:\s+{_NUM} s\b.*?peak\s+{_NUM} MB", out)
    ratio = re.search(rf"ratio \(alternative / surveytools\): (?:time|wall) {_NUM}x", out)
    if not st:
        return []
    row = Row(f"assign ({size.group(1) if size else '?'} customers, fresh process)", _f(st.group(1)),
              "pandas + sklearn LDA", _f(alt.group(1)) if alt else None, target="<= 10 s, < 2 GB",
              surveytools_mb=_f(st.group(2)), alternative_mb=_f(alt.group(2)) if alt else None,
              printed_ratio=_f(ratio.group(1)) if ratio else None)
    if not quick:
        row.met = row.surveytools_s <= 10 and row.surveytools_mb < 2048  # type: ignore[operator]
    return [row]


def parse_startup(out: str, quick: bool) -> list[Row]:
    """``--help`` and usage errors against ``python -c "import click"``; the ratio (click / surveytools) must stay
    above 0.25, i.e. surveytools' start-up under 4x a bare click start."""
    base = re.search(rf"bare click import: {_NUM} ms", out)
    rows = []
    for m in re.finditer(rf"^(surveytools [^:]+): {_NUM} ms, {_NUM}x click", out, re.MULTILINE):
        row = Row(f"start-up: {m.group(1)} (fresh process)", _f(m.group(2)) / 1000, 'python -c "import click"',
                  _f(base.group(1)) / 1000 if base else None)
        row.target = ">= 0.25x (under 4x click)"
        if row.ratio is not None:
            row.met = row.ratio >= 0.25
        rows.append(row)
    heavy = re.search(r"heavy modules loaded by --help: (.+)", out)
    if rows and heavy and heavy.group(1).strip() != "none":
        rows[0].note = f"--help loads {heavy.group(1).strip()}"
        rows[0].met = False
    return rows


def parse_voc_text(out: str, quick: bool) -> list[Row]:
    size = re.search(r"data: ([\d,]+) comments", out)
    st = re.search(rf"surveytools themes .*?:\s+{_NUM} s wall.*?peak\s+{_NUM} MB; agreement with the truth {_NUM}", out)
    alt = re.search(rf"naive per-comment loop:\s+{_NUM} s on ([\d,]+) comments ->\s+{_NUM} s scaled", out)
    ratio = re.search(rf"ratio \(naive / surveytools\): {_NUM}x", out)  # wall ratio, printed first
    if not st:
        return []
    n = _f(size.group(1)) if size else 0
    row = Row(f"voc themes ({size.group(1) if size else '?'} Spanish comments, code frame)", _f(st.group(1)),
              f"per-comment loop (timed on {alt.group(2)}, scaled)" if alt else "per-comment loop",
              _f(alt.group(3)) if alt else None, target="<= 60 s", surveytools_mb=_f(st.group(2)),
              note=f"agreement with the truth {st.group(3)}", printed_ratio=_f(ratio.group(1)) if ratio else None)
    if not quick and n >= 1_000_000:
        row.met = row.surveytools_s <= 60  # type: ignore[operator]
    return [row]


def parse_crm_join_json(obj: dict, quick: bool) -> list[Row]:
    row = Row(f"crm join ({obj['rows']:,} customers x {obj['respondents']:,} respondents)", obj["surveytools_s"],
              "pandas read + merge", obj.get("pandas_s"), target="<= 30 s, < 4 GB",
              surveytools_mb=obj.get("surveytools_peak_mb"), alternative_mb=obj.get("pandas_peak_mb"))
    if not quick and obj["rows"] >= 10_000_000:
        row.met = obj["surveytools_s"] <= 30 and obj["surveytools_peak_mb"] < 4096
    return [row]


def parse_extend_json(obj: dict, quick: bool) -> list[Row]:
    """bench_extend: the target run (surveytools alone) and the head-to-head with pandas + scikit-learn."""
    rows = [Row(f"crm extend ({obj['rows']:,} customers, {obj['respondents']:,} respondents)", obj["surveytools_s"],
                target="<= 60 s, < 4 GB", surveytools_mb=obj.get("surveytools_peak_mb"))]
    if not quick and obj["rows"] >= 10_000_000:
        rows[0].met = obj["surveytools_s"] <= 60 and obj["surveytools_peak_mb"] < 4096
    if obj.get("pandas_s") is not None:
        rows.append(Row(f"crm extend ({obj['pandas_rows']:,} customers)", obj["surveytools_small_s"],
                        "pandas + sklearn predict_proba", obj["pandas_s"],
                        surveytools_mb=obj.get("surveytools_small_peak_mb"), alternative_mb=obj.get("pandas_peak_mb")))
    return rows


def parse_kpis_json(obj: dict, quick: bool) -> list[Row]:
    """bench_kpis: the full-size run against its target, and the equal-size comparison with pandas."""
    row = Row(f"kpis ({obj['transactions']:,} transactions, {obj['customers']:,} customers)", obj["surveytools_s"],
              target="<= 90 s, < 4 GB", surveytools_mb=obj.get("surveytools_peak_mb"),
              note=f"CPU {obj['surveytools_cpu_s']:.1f} s" if obj.get("surveytools_cpu_s") else "")
    if not quick and obj["transactions"] >= 100_000_000:
        row.met = obj["surveytools_s"] <= 90 and obj["surveytools_peak_mb"] < 4096
    rows = [row]
    if "pandas_s" in obj:
        rows.append(Row(f"kpis ({obj['pandas_transactions']:,} transactions, same data both sides)",
                        obj["surveytools_small_s"], "pandas merge + groupby", obj["pandas_s"],
                        surveytools_mb=obj.get("surveytools_small_peak_mb"), alternative_mb=obj.get("pandas_peak_mb")))
    return rows


def parse_generic_json(obj: dict, quick: bool) -> list[Row]:
    """A script's own rows: ``{"results": [{"benchmark", "surveytools_s", "alternative", "alternative_s",
    "target", "met", "note"}, ...]}`` (the keys of :class:`Row`)."""
    known = set(Row.__dataclass_fields__)
    return [Row(**{k: v for k, v in r.items() if k in known}) for r in obj.get("results", [])]


def parse_generic(out: str, quick: bool) -> list[Row]:
    """Fallback for a script without a parser here: every line that reports a ratio, as a note."""
    return [Row(benchmark="", note=line.strip()[:100]) for line in out.splitlines()
            if re.search(r"\bratio\b.*\d(\.\d+)?x", line)]


BENCHES: dict[str, Bench] = {
    "bench_import": Bench(quick=["--rows", "10000"], parse=parse_import),
    "bench_reliability": Bench(quick=["--rows", "20000"], no_r=["--no-r"], parse=parse_reliability),  # best of 3: the
    # bfi timings are milliseconds, and a single run would time first-call overheads
    "bench_polychoric": Bench(quick=["--rows", "2000", "--items", "30", "--repeat", "1"], no_r=["--no-r"],
                              parse=parse_polychoric),
    "bench_factor": Bench(quick=["--repeat", "1"], no_r=["--skip-r"], parse=parse_factor),
    "bench_retention": Bench(quick=["--items", "60", "--repeat", "1"], no_r=["--no-r"], parse=parse_retention),
    "bench_segment": Bench(quick=["--rows", "20000", "--bootstrap", "10", "--n", "5000", "--compare-bootstrap", "5"],
                           no_r=["--no-r"], parse=parse_segment),
    "bench_assign": Bench(quick=["--rows", "100000"], parse=parse_assign),
    "bench_latent_class": Bench(quick=["--rows", "20000", "--n", "2000", "--starts", "4"], parse=parse_latent_class),
    "bench_profile": Bench(quick=["--n", "20000"], parse=parse_profile),
    "bench_startup": Bench(quick=["--repeat", "5"], parse=parse_startup),
    "bench_crm_join": Bench(quick=["--rows", "1000000", "--respondents", "10000"], json=True),
    "bench_voc_text": Bench(quick=["--rows", "100000", "--baseline-rows", "20000"], parse=parse_voc_text),
    "bench_extend": Bench(quick=["--rows", "1000000", "--pandas-rows", "500000"], json=True),
    "bench_kpis": Bench(quick=["--transactions", "5000000", "--customers", "500000", "--pandas-transactions",
                               "1000000"], json=True),
}

JSON_PARSERS: dict[str, Callable[[dict, bool], list[Row]]] = {"bench_crm_join": parse_crm_join_json,
                                                              "bench_extend": parse_extend_json,
                                                              "bench_kpis": parse_kpis_json}


# ---------------------------------------------------------------------------------------------------------
# running


def _accepted_options(script: Path, env: dict[str, str]) -> set[str]:
    """The long options a script's ``--help`` lists."""
    proc = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, env=env,
                          timeout=120)
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", proc.stdout))


def _filter(options: list[str], accepted: set[str]) -> list[str]:
    """Keep the options (with their values) that the script accepts."""
    out: list[str] = []
    i = 0
    while i < len(options):
        opt = options[i]
        has_value = i + 1 < len(options) and not options[i + 1].startswith("--")
        if opt in accepted:
            out.extend(options[i:i + 1 + has_value])
        i += 1 + has_value
    return out


def run_one(name: str, bench: Bench, args: argparse.Namespace, env: dict[str, str]) -> tuple[list[Row], str]:
    """Run one script; return its rows and its full output."""
    script = HERE / f"{name}.py"
    accepted = _accepted_options(script, env)
    cmd = [sys.executable, str(script)]
    if args.quick:
        cmd += _filter(bench.quick, accepted)
    if args.no_r:
        cmd += _filter(bench.no_r, accepted)
    use_json = "--json" in accepted and (bench.json or name in JSON_PARSERS or bench.parse is None)
    if use_json:
        cmd.append("--json")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return [Row(name, note=f"timed out after {args.timeout:.0f} s", failed=True)], ""
    wall = time.perf_counter() - t0
    output = proc.stdout + ("\n" + proc.stderr if proc.stderr.strip() else "")
    rows: list[Row] = []
    if use_json:
        try:
            obj = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else None
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict):
            rows = JSON_PARSERS.get(name, parse_generic_json)(obj, args.quick)
    else:
        rows = (bench.parse or parse_generic)(proc.stdout, args.quick)
    for row in rows:
        if not row.benchmark:
            row.benchmark = name
    if not rows:
        tail = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["no output"])[-1]
        what = f"exit {proc.returncode}" if proc.returncode else "no result recognized"
        rows = [Row(name, note=f"{what}: {tail[:90]}", failed=True)]
    elif proc.returncode and not any(r.note for r in rows):
        rows[-1].note = f"script exit {proc.returncode}"
    print(f"  {name}: {wall:.0f} s", file=sys.stderr, flush=True)
    return rows, " ".join(cmd[1:]) + "\n" + output


def _seconds(s: float | None, mb: float | None) -> str:
    if s is None:
        return "-"
    text = f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"
    return text + (f", {mb:,.0f} MB" if mb is not None else "")


def format_table(rows: list[Row]) -> str:
    """The rows as a fixed-width text table (notes under the table)."""
    head = ["benchmark", "surveytools", "alternative", "its time", "ratio", "target", "met"]
    body = []
    notes = []
    for r in rows:
        ratio = f"{r.ratio:.1f}x" if r.ratio is not None else "-"
        met = {True: "yes", False: "NO", None: "-"}[r.met]
        bench = r.benchmark
        if r.note:
            notes.append(r.note)
            bench += f" [{len(notes)}]"
        body.append([bench, _seconds(r.surveytools_s, r.surveytools_mb), r.alternative or "-",
                     _seconds(r.alternative_s, r.alternative_mb), ratio, r.target or "-", met])
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=False)]
    right = {1, 3, 4}
    lines = []
    for i, cells in enumerate([head, *body]):
        lines.append("  ".join(c.rjust(w) if j in right else c.ljust(w)
                               for j, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"[{i}] {n}" for i, n in enumerate(notes, 1)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, one repetition")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run these benchmarks only (e.g. factor crm_join)")
    ap.add_argument("--no-r", action="store_true", help="skip R psych (scripts that time R)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per script (default 3600)")
    ap.add_argument("--json", action="store_true", help="print the rows as one JSON object instead of a table")
    ap.add_argument("--verbose", action="store_true", help="print each script's own output too (on stderr)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a judged target is not met")
    args = ap.parse_args(argv)

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.only}
        unknown = wanted - set(found)
        if unknown:
            ap.error(f"no such benchmark: {', '.join(sorted(unknown))} (have: {', '.join(found)})")
        found = [n for n in found if n in wanted]
    order = [n for n in BENCHES if n in found] + [n for n in found if n not in BENCHES]

    print(f"running {len(order)} benchmarks{' (quick)' if args.quick else ''} with OPENBLAS_NUM_THREADS=1",
          file=sys.stderr, flush=True)
    rows: list[Row] = []
    for name in order:
        got, output = run_one(name, BENCHES.get(name, Bench()), args, env)
        if args.verbose:
            print(f"\n$ {output}", file=sys.stderr, flush=True)
        rows.extend(got)

    if args.json:
        print(json.dumps({"quick": args.quick, "results": [dict(asdict(r), ratio=r.ratio) for r in rows]}))
    else:
        print()
        print(format_table(rows))
        print("\nratio = alternative time / surveytools time (above 1: surveytools is faster); "
              "measured back to back in one run.")
        if args.quick:
            print("quick run: targets are stated for the full sizes; those of smaller runs are not judged (met: -).")
    failed = any(r.failed for r in rows)
    unmet = any(r.met is False for r in rows)
    return 1 if failed or (args.strict and unmet) else 0


if __name__ == "__main__":
    sys.exit(main())
