"""Plain tables: any delimiter and encoding, workbooks and sheets, file kinds read from the content."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from survey_exports import write_xlsx

from surveytools import InputFileError, load_questionnaire
from surveytools.io import import_survey, load_survey, sniff_kind

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"

SPEC_ES = """\
language: es
respondent_id: id
option_sets:
  acuerdo: [Totalmente en desacuerdo, En desacuerdo, Ni de acuerdo ni en desacuerdo, De acuerdo,
            Totalmente de acuerdo]
items:
  p1: {text: La atención fue rápida, options: acuerdo}
  p2: {text: Recomendaría la tienda, options: acuerdo}
  socio: {text: "¿Es usted socio?", type: categorical, codes: {1: Sí, 2: No}}
  edad: {text: Edad, type: numeric}
"""
ROWS = [["id", "p1", "p2", "socio", "edad"],
        ["c01", "Totalmente de acuerdo", "De acuerdo", "Sí", "34"],
        ["c02", "En desacuerdo", "Ni de acuerdo ni en desacuerdo", "No", "51"],
        ["c03", "De acuerdo", "", "Sí", "27"],
        ["c04", "Totalmente en desacuerdo", "Totalmente de acuerdo", "No", "45"]]
EXPECTED = {"p1": [5, 2, 4, 1], "p2": [4, 3, np.nan, 5], "socio": [1, 2, 1, 2], "edad": [34, 51, 27, 45]}


@pytest.fixture()
def spec_es(tmp_path):
    p = tmp_path / "es.yaml"
    p.write_text(SPEC_ES, encoding="utf-8")
    return load_questionnaire(p)


def _check(survey) -> None:
    assert list(survey.ids) == ["c01", "c02", "c03", "c04"]
    for item, values in EXPECTED.items():
        np.testing.assert_array_equal(survey.responses[item].to_numpy(), values, err_msg=item)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"])
def test_plain_csv_any_delimiter_and_encoding(tmp_path, spec_es, delimiter, encoding):
    text = "\r\n".join(delimiter.join(r) for r in ROWS) + "\r\n"
    path = tmp_path / "datos.csv"
    path.write_bytes(text.encode(encoding))
    result = import_survey(path, spec_es)
    _check(result.survey)
    assert result.report.format == "csv"
    assert result.report.delimiter == delimiter
    assert result.report.encoding == {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16", "utf-8": "utf-8"}.get(
        encoding, "cp1252")


def test_quoted_fields_with_delimiters_and_newlines(tmp_path, spec_es):
    rows = [r[:] for r in ROWS]
    path = tmp_path / "quoted.csv"
    lines = [";".join(rows[0]), 'c01;"Totalmente de acuerdo";De acuerdo;Sí;34',
             'c02;"En desacuerdo";"Ni de acuerdo ni en desacuerdo";No;51',
             'c03;De acuerdo;;Sí;"27"', 'c04;"Totalmente en\ndesacuerdo";Totalmente de acuerdo;No;45']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = load_survey(path, spec_es)
    _check(s)
    assert s.source.row_of("c04") == 5


def test_title_rows_above_the_header(tmp_path, spec_es):
    path = write_xlsx([["Encuesta de clientes 2024"], [], *ROWS], tmp_path / "titulo.xlsx")
    s = load_survey(path, spec_es)
    _check(s)
    assert s.source.row_of("c01") == 4


def test_legacy_xls_and_sheet_choice(spec_es):
    path = EXPORTS / "plain_es.xls"
    for sheet in ("Datos", 1, "1", "datos"):
        result = import_survey(path, spec_es, sheet=sheet)
        _check(result.survey)
        assert result.report.sheet == "Datos" and result.report.format == "excel"
    with pytest.raises(InputFileError, match="header rows not found"):
        import_survey(path, spec_es)  # the first sheet holds a note


def test_unknown_sheet_lists_the_sheets(spec_es):
    with pytest.raises(InputFileError, match=r"no sheet 'Answers'; its sheets are 'Notas', 'Datos'; fix --sheet"):
        import_survey(EXPORTS / "plain_es.xls", spec_es, sheet="Answers")
    with pytest.raises(InputFileError, match=r"no sheet number 5 \(sheets are numbered from 0"):
        import_survey(EXPORTS / "plain_es.xls", spec_es, sheet=5)


def test_sheet_named_with_digits(tmp_path, spec_es):
    path = write_xlsx(ROWS, tmp_path / "years.xlsx", sheet="2024", extra_sheets=("2023",))
    _check(import_survey(path, spec_es, sheet=2024).survey)
    assert import_survey(path, spec_es, sheet=0).report.sheet == "2024"


def test_empty_sheet(tmp_path, spec_es):
    path = write_xlsx(ROWS, tmp_path / "two.xlsx", extra_sheets=("Vacía",))
    with pytest.raises(InputFileError, match=r"sheet 'Vacía' is empty; choose the sheet with the responses"):
        import_survey(path, spec_es, sheet="Vacía")


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"%PDF-1.7\n...", "is a PDF document, not a survey export"),
    (b"\x89PNG\r\n\x1a\n....", "is a PNG image"),
    (bytes(range(256)) * 4, "binary data"),
    (b"\n\n  \n", "holds no data"),
])
def test_files_that_are_not_tables(tmp_path, spec_es, content, message):
    path = tmp_path / "export.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        import_survey(path, spec_es)


def test_zip_without_workbook_and_word_document(tmp_path):
    z = tmp_path / "export.xlsx"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(InputFileError, match="a zip archive without a workbook"):
        sniff_kind(z)
    d = tmp_path / "export2.xlsx"
    with zipfile.ZipFile(d, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    with pytest.raises(InputFileError, match="is a Word document"):
        sniff_kind(d)
    cut = tmp_path / "cut.xlsx"
    full = write_xlsx(ROWS, tmp_path / "full.xlsx").read_bytes()
    cut.write_bytes(full[: len(full) // 2])
    with pytest.raises(InputFileError, match="damaged zip archive"):
        sniff_kind(cut)


def test_damaged_office_file(tmp_path):
    bad = tmp_path / "old.xls"
    bad.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4000))
    with pytest.raises(InputFileError, match="is a damaged Office file"):
        sniff_kind(bad)


def test_encrypted_workbook():
    with pytest.raises(InputFileError, match="is an encrypted \\(password-protected\\) workbook"):
        sniff_kind(EXPORTS / "encrypted.xlsx")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputFileError, match="not found; check the path"):
        sniff_kind(tmp_path / "nope.xlsx")
    with pytest.raises(InputFileError, match="is a folder"):
        sniff_kind(tmp_path)


def test_kinds(tmp_path):
    assert sniff_kind(write_xlsx(ROWS, tmp_path / "a.bin")) == "xlsx"
    assert sniff_kind(EXPORTS / "plain_es.xls") == "xls"
    (tmp_path / "a.txt").write_text("a,b\n1,2\n")
    assert sniff_kind(tmp_path / "a.txt") == "csv"


def test_header_only(tmp_path, spec_es):
    path = tmp_path / "header.csv"
    path.write_text(",".join(ROWS[0]) + "\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no responses below them"):
        import_survey(path, spec_es)


def test_excel_dates_and_numbers_in_metadata(tmp_path, spec_es):
    import datetime as dt

    rows = [ROWS[0] + ["StartDate", "Duration", "Finished"]]
    for k, r in enumerate(ROWS[1:]):
        rows.append(r + [dt.datetime(2024, 5, 1, 9, k), 300.0 + k, k % 2 == 0])
    spec = tmp_path / "d.yaml"
    spec.write_text(SPEC_ES + "quality: {duration: Duration}\n", encoding="utf-8")
    s = load_survey(write_xlsx(rows, tmp_path / "dates.xlsx"), load_questionnaire(spec))
    _check(s)
    assert s.metadata["StartDate"].iloc[3] == dt.datetime(2024, 5, 1, 9, 3)
    assert s.metadata["Duration"].tolist() == [300, 301, 302, 303]
    assert s.metadata["Finished"].tolist() == [1, 0, 1, 0]


def test_export_without_any_item_lists_every_missing_item(tmp_path):
    from survey_exports import make_answers, qualtrics_rows

    from surveytools import ImportMappingError

    path = write_xlsx(qualtrics_rows(make_answers(6)), tmp_path / "q.xlsx")
    spec = tmp_path / "other.yaml"
    spec.write_text("items: {x1: {text: Something else, type: numeric}, x2: {type: numeric}}\n", encoding="utf-8")
    with pytest.raises(ImportMappingError, match="2 columns named by the questionnaire are not in the export") as e:
        import_survey(path, load_questionnaire(spec))
    assert "x1: no column named 'x1' or with the text 'Something else'" in str(e.value)


@pytest.mark.parametrize("hint", [0, 2, 1000])
def test_row_buffer_grows_or_trims(tmp_path, spec_es, hint):
    """The cell buffer is sized from the sheet's row count, grows when a reader yields more, trims to fit."""
    from surveytools.io.importer import _read_cells
    from surveytools.io.layout import detect_layout
    from surveytools.io.sources import open_table

    rows = [ROWS[0]] + [ROWS[1 + k % 4] for k in range(50)]  # 50 rows: more than the rows read ahead
    path = tmp_path / "many.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    table = open_table(path)
    table.rows_hint = hint
    layout = detect_layout(table, spec_es)
    cells, n = _read_cells(table, layout, [1, 2])
    assert n == 50 and cells.ids.shape == (50, 2)
    values = cells.uniques[cells.ids]
    np.testing.assert_array_equal(values[:, 0], [ROWS[1 + k % 4][1] for k in range(50)])
