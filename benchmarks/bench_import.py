"""Benchmark: ``surveytools import`` of a 50,000-respondent x 60-item Qualtrics .xlsx export (target: about 3 s
end to end, at least 8x faster than ``pandas.read_excel(engine="openpyxl")``, under 1 GB).

The export is a Qualtrics "choice text" workbook as the platform writes it: 3 header rows, 16 metadata
columns (dates as text, ResponseId, duration...) and 60 Likert items whose cells are answer labels. Each
contender runs in a fresh process; wall time and peak resident memory (``wait4`` rusage) cover the whole
process, Python start-up and imports included:

- ``surveytools import export.xlsx -q spec.yaml -o clean.parquet``: read, detect the flavour, map every label
  to its code, type the metadata, run the data-quality checks, write the clean file;
- ``pandas.read_excel(engine="openpyxl")``: only reads the sheet into a DataFrame of labels (no coding);
- ``pandas.read_excel(engine="calamine")``: the same with the Rust reader surveytools uses, for reference.

Timings on a shared machine are noisy: the ratios, measured back to back in one run, are the stable numbers.
The coded output is checked against the codes the export was written from.

    python benchmarks/bench_import.py [--rows 50000] [--items 60] [--keep DIR] [--skip-openpyxl]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

LABELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
        "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
        "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage"]
META_TEXT = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
             "Finished", "Recorded Date", "Response ID", "Recipient Last Name", "Recipient First Name",
             "Recipient Email", "External Data Reference", "Location Latitude", "Location Longitude",
             "Distribution Channel", "User Language"]


def _col(i: int) -> str:
    s, i = "", i + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    """A minimal workbook with shared strings, as Excel and Qualtrics write them (fast to generate)."""
    sst: dict[str, int] = {}
    width = max(len(r) for r in rows)
    names = [_col(i) for i in range(width)]
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
              'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r, row in enumerate(rows, 1):
        cells = []
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                k = sst.setdefault(v, len(sst))
                cells.append(f'<c r="{names[c]}{r}" t="s"><v>{k}</v></c>')
            else:
                cells.append(f'<c r="{names[c]}{r}"><v>{v!r}</v></c>')
        out.write(f'<row r="{r}">{"".join(cells)}</row>')
    out.write("</sheetData></worksheet>")
    ns = "http://schemas.openxmlformats.org"
    strings = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in sst)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml",
                   f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
                   f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/'
                   f'relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/'
                   f'2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet0" '
                   'sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}'
                   f'/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
                   'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
                   f'Type="{ns}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                   '</Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", out.getvalue())
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}/spreadsheetml/'
                   f'2006/main" count="{len(sst)}" uniqueCount="{len(sst)}">{strings}</sst>')


def make_study(folder: Path, n: int, p: int, seed: int = 0) -> tuple[Path, Path, np.ndarray]:
    """The export, its questionnaire and the codes it was written from (NaN = no answer)."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(1, 6, size=(n, p)).astype(float)
    codes[rng.random((n, p)) < 0.02] = np.nan
    labels = np.array([None, *LABELS], dtype=object)
    cells = labels[np.nan_to_num(codes, nan=0).astype(int)]
    items = [f"Q1_{j + 1}" for j in range(p)]
    rows: list[list[object]] = [META + items,
                                META_TEXT + [f"How much do you agree? - Statement {j + 1}" for j in range(p)],
                                [f'{{"ImportId":"{m}"}}' for m in META] + [f'{{"ImportId":"QID1_{j + 1}"}}'
                                                                          for j in range(p)]]
    start = pd.Timestamp("2024-05-01 08:00:00") + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    duration = rng.gamma(4.0, 110.0, n).round()
    end = start + pd.to_timedelta(duration, unit="s")
    start_s = start.strftime("%Y-%m-%d %H:%M:%S").tolist()
    end_s = end.strftime("%Y-%m-%d %H:%M:%S").tolist()
    for i in range(n):
        rows.append([start_s[i], end_s[i], "IP Address", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", 100.0,
                     float(duration[i]), "True", end_s[i], f"R_{i:015X}", None, None, None, None,
                     "40.4165", "-3.7026", "anonymous", "EN", *cells[i].tolist()])
    export = folder / "export_qualtrics.xlsx"
    write_xlsx(export, rows)
    spec = folder / "questionnaire.yaml"
    item_lines = "\n".join(f'  s{j + 1}: {{text: "Statement {j + 1}", options: agree5}}' for j in range(p))
    spec.write_text(textwrap.dedent("""\
        title: Import benchmark
        respondent_id: ResponseId
        option_sets:
          agree5: {codes: {1: Strongly disagree, 2: Disagree, 3: Neither agree nor disagree, 4: Agree,
                           5: Strongly agree}}
        quality:
          duration: "Duration (in seconds)"
        items:
        """) + item_lines + "\n", encoding="utf-8")
    return export, spec, codes


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--items", type=int, default=60)
    ap.add_argument("--keep", type=Path, default=None, help="folder for the export (kept)")
    ap.add_argument("--skip-openpyxl", action="store_true", help="skip the slow openpyxl reader")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_import_"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    export, spec, codes = make_study(folder, args.rows, args.items)
    print(f"export: {args.rows:,} respondents x {args.items} items + {len(META)} metadata columns, "
          f"{export.stat().st_size / 1e6:.1f} MB (written in {time.perf_counter() - t0:.1f} s)")

    out = folder / "clean.parquet"
    exe = [sys.executable, "-m", "surveytools"]
    load = os.getloadavg()[0]
    print(f"load average before: {load:.1f} on {os.cpu_count()} cores (wall times grow with it; the ratios "
          "are measured back to back)")
    print(f"{'':58s} {'wall':>7s} {'cpu':>7s} {'peak':>7s}")
    st_wall, st_cpu, st_rss = run([*exe, "import", str(export), "-q", str(spec), "-o", str(out), "--quiet"])
    got = pd.read_parquet(out)
    assert got.shape[0] == args.rows and list(got.columns[:2]) == ["ResponseId", "s1"]
    np.testing.assert_array_equal(got[[f"s{j + 1}" for j in range(args.items)]].to_numpy(), codes)
    print(f"{'surveytools import (read, code, quality, write .parquet)':58s} {st_wall:6.2f}s {st_cpu:6.2f}s "
          f"{st_rss:5.0f}MB  codes checked")

    reader = "import pandas as pd, sys; df = pd.read_excel(sys.argv[1], engine='{}', header=None); print(df.shape)"
    engines = ["calamine"] + ([] if args.skip_openpyxl else ["openpyxl"])
    for engine in engines:
        wall, cpu, rss = run([sys.executable, "-c", reader.format(engine), str(export)])
        label = f"pandas.read_excel(engine={engine!r}) (read only)"
        print(f"{label:58s} {wall:6.2f}s {cpu:6.2f}s {rss:5.0f}MB  surveytools is {wall / st_wall:.1f}x faster "
              f"(cpu {cpu / st_cpu:.1f}x)")
    if args.keep is None:
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
