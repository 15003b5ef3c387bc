"""Regenerate the committed import fixtures of this folder.

Most import tests write their exports themselves (tests/survey_exports.py); the files here need tools
that are not dependencies of surveytools, so they are committed:

- ``plain_es.xls``: a legacy Excel 97-2003 workbook (BIFF8) with a notes sheet first and the answers, as
  Spanish labels, on sheet ``Datos``. Needs ``xlwt``.
- ``encrypted.xlsx``: a small workbook encrypted with the password ``survey`` (ECMA-376 agile encryption,
  as Excel writes it). Needs ``msoffcrypto-tool``.

Run ``python tests/data/exports/make_fixtures.py`` with both installed (``pip install xlwt msoffcrypto-tool``).
"""

from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

XLS_ROWS = [
    ["id", "p1", "p2", "socio", "edad"],
    ["c01", "Totalmente de acuerdo", "De acuerdo", "Sí", 34],
    ["c02", "En desacuerdo", "Ni de acuerdo ni en desacuerdo", "No", 51],
    ["c03", "De acuerdo", "", "Sí", 27],
    ["c04", "Totalmente en desacuerdo", "Totalmente de acuerdo", "No", 45],
]


def make_xls() -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    notes = wb.add_sheet("Notas")
    notes.write(0, 0, "Encuesta de clientes, exportada el 2024-05-02")
    data = wb.add_sheet("Datos")
    for i, row in enumerate(XLS_ROWS):
        for j, v in enumerate(row):
            if v != "":
                data.write(i, j, v)
    wb.save(str(HERE / "plain_es.xls"))


def make_encrypted() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["respondent_id", "q1"])
    ws.append(["r1", 3])
    plain = io.BytesIO()
    wb.save(plain)
    plain.seek(0)
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("survey", out)
    (HERE / "encrypted.xlsx").write_bytes(out.getvalue())


if __name__ == "__main__":
    make_xls()
    make_encrypted()
