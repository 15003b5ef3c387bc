"""The section of a project run (``surveytools run``): one line per stage, then where the outputs are."""

from __future__ import annotations

from typing import Any

from ..document import Fact, Facts, Msg, Section, Table
from ._common import Context, col, num, term

__all__ = ["run_section"]

_REPORTS = ("report.xlsx", "report.html", "report.pptx")


def run_section(ctx: Context) -> Section:
    """Each stage's status, time, rows in and out, exclusions and note; the output folder, the reports and the
    manifest."""
    run = ctx.results["run"]
    english = ctx.lang == "en"  # exclusion reasons and notes are the stages' English words
    rows = []
    for s in run["stages"]:
        excluded = s.get("excluded") or {}
        shown: Any = (", ".join(f"{k}: {v:,}" for k, v in excluded.items()) if english else
                      sum(int(v) for v in excluded.values())) if excluded else None
        rows.append([s["stage"], term("status_", s["status"]), num(s["seconds"]), s.get("rows_in"), s.get("rows_out"),
                     shown] + ([s.get("note")] if english else []))
    table = Table([col("stage"), col("run_status"), col("run_seconds", "num1"), col("rows_in", "int"),
                   col("rows_out", "int"), col("run_excluded", "text" if english else "int")]
                  + ([col("run_note")] if english else []), rows, title=Msg("run_stages"), id="run-stages")
    facts = [Fact(Msg("run_output"), str(run["output"]))]
    facts += [Fact(Msg("run_report"), str(o)) for s in run["stages"] for o in s.get("outputs") or []
              if str(o).endswith(_REPORTS)]
    facts.append(Fact(Msg("run_manifest"), str(run["manifest"])))
    return Section("run", Msg("run_title"), [table, Facts(facts)])
