"""Hostile input files (issue 18): zip-bomb workbooks, huge lines, YAML alias bombs; limits and overrides.

Every fixture is small: the bombs *declare* sizes beyond the limits, or the test lowers a limit through its
environment variable.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from survey_exports import write_xlsx

from surveytools import Questionnaire
from surveytools.exceptions import InputLimitError
from surveytools.io import import_survey
from surveytools.io.limits import current_limits, parse_size

Q = Questionnaire.from_dict({"items": {"q1": {"type": "numeric"}, "q2": {"type": "numeric"}}})


def _rewrite(src: Path, dst: Path, part: str, edit) -> Path:
    """Copy a zip, passing one part's bytes through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = edit(data)
            zout.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return dst


@pytest.fixture()
def workbook(tmp_path) -> Path:
    return write_xlsx([["q1", "q2"], [1, 2], [3, 4]], tmp_path / "ok.xlsx", sheet="Data")


def test_parse_size():
    assert parse_size("2GB") == 2 * 10**9 and parse_size("512MiB") == 512 * 2**20 and parse_size("1000") == 1000
    assert parse_size("1.5 mb") == 1_500_000
    with pytest.raises(ValueError):
        parse_size("lots")


def test_bad_limit_variable_is_an_error(monkeypatch, workbook):
    monkeypatch.setenv("SURVEYTOOLS_MAX_CELLS", "many")
    with pytest.raises(InputLimitError, match="SURVEYTOOLS_MAX_CELLS: 'many' is not a size"):
        current_limits()


def test_wide_declared_dimension_is_refused_before_reading(tmp_path, workbook, invoke, monkeypatch):
    # a bomb declares the whole grid (A1:XFD1048576): calamine would allocate ~17 billion cells up front
    bomb = _rewrite(workbook, tmp_path / "bomb.xlsx", "xl/worksheets/sheet1.xml",
                    lambda b: b.replace(b'<dimension ref="A1:B3"/>', b'<dimension ref="A1:XFD1048576"/>'))
    assert b"XFD1048576" in zipfile.ZipFile(bomb).read("xl/worksheets/sheet1.xml")
    import python_calamine

    def no_read(*a, **k):  # the refusal comes before calamine opens the sheet
        raise AssertionError("calamine was asked to read the bomb")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "get_sheet_by_name", no_read)
    with pytest.raises(InputLimitError, match=r"sheet 'Data': the sheet declares 1,048,576 rows x 16,384 columns "
                                              r"\(dimension A1:XFD1048576\), cells 17,179,869,184, over the limit "
                                              r"of 50,000,000; .*SURVEYTOOLS_MAX_CELLS"):
        import_survey(bomb, Q)
    spec = tmp_path / "q.yaml"
    spec.write_text("items:\n  q1: {type: numeric}\n  q2: {type: numeric}\n", encoding="utf-8")
    res = invoke("import", bomb, "-q", spec, "-o", tmp_path / "c.csv", "--quiet")
    assert res.exit_code == 1 and res.stderr.startswith("Error: ") and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "c.csv").exists()


def test_declared_dimension_within_a_raised_limit(tmp_path, workbook, monkeypatch):
    big = _rewrite(workbook, tmp_path / "big.xlsx", "xl/worksheets/sheet1.xml",
                   lambda b: b.replace(b'<dimension ref="A1:B3"/>', b'<dimension ref="A1:B3000"/>'))
    monkeypatch.setenv("SURVEYTOOLS_MAX_CELLS", "5000")
    with pytest.raises(InputLimitError, match="cells 6,000, over the limit of 5,000"):
        import_survey(big, Q)
    monkeypatch.setenv("SURVEYTOOLS_MAX_CELLS", "6000")
    assert import_survey(big, Q).report.rows_out == 2
    monkeypatch.setenv("SURVEYTOOLS_MAX_CELLS", "0")  # 0 switches the limit off
    assert import_survey(big, Q).report.rows_out == 2


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/theme/theme1.xml", "xl/styles.xml"])
def test_uncompressed_size_over_the_limit(tmp_path, workbook, monkeypatch, part):
    # 3 MB of white space inside the part compresses to a few KB; the limit is lowered to 1 MB
    def pad(b: bytes) -> bytes:
        cut = b.rindex(b"</")
        return b[:cut] + b" " * 3_000_000 + b[cut:]

    bomb = _rewrite(workbook, tmp_path / "padded.xlsx", part, pad)
    assert bomb.stat().st_size < 100_000
    monkeypatch.setenv("SURVEYTOOLS_MAX_UNCOMPRESSED", "1MB")
    with pytest.raises(InputLimitError, match=f"part {part} of the workbook uncompresses to .*over the limit of "
                                              "1,000,000.*SURVEYTOOLS_MAX_UNCOMPRESSED"):
        import_survey(bomb, Q, unknown_labels="missing")
    monkeypatch.setenv("SURVEYTOOLS_MAX_UNCOMPRESSED", "10MB")
    assert import_survey(bomb, Q, unknown_labels="missing").report.rows_out == 2


def test_text_file_without_newlines_is_refused_in_bounded_memory(tmp_path, monkeypatch, invoke):
    import tracemalloc

    path = tmp_path / "huge.csv"
    with open(path, "wb") as fh:
        fh.write(b"q1,q2\n1,2\n")
        for _ in range(24):
            fh.write(b"x" * 2**20)  # 24 MB, no newline
    tracemalloc.start()
    try:
        with pytest.raises(InputLimitError, match=r"huge.csv, line 3: a line holds \(bytes\) at least [\d,]+, over "
                                                  r"the limit of 16,000,000; .*SURVEYTOOLS_MAX_LINE"):
            import_survey(path, Q)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # the file is never read whole (24 MB)
    spec = tmp_path / "q.yaml"
    spec.write_text("items:\n  q1: {type: numeric}\n  q2: {type: numeric}\n", encoding="utf-8")
    res = invoke("import", path, "-q", spec, "-o", tmp_path / "c.csv", "--quiet")
    assert res.exit_code == 1 and res.stderr.startswith("Error: ") and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_long_line_in_the_middle_and_the_limit_override(tmp_path, monkeypatch, ending):
    rows = [b"q1,q2"] + [b"%d,%d" % (i % 5, i % 3) for i in range(2000)]
    rows[1500] = b"1," + b"9" * 5000
    path = tmp_path / "long.csv"
    path.write_bytes(ending.join(rows) + ending)
    monkeypatch.setenv("SURVEYTOOLS_MAX_LINE", "4KB")
    with pytest.raises(InputLimitError, match=r"long.csv, line 1,501: a line holds \(bytes\) at least 5,002"):
        import_survey(path, Q)
    monkeypatch.setenv("SURVEYTOOLS_MAX_LINE", "6KB")
    assert import_survey(path, Q).report.rows_out == 2000


def test_short_lines_pass_the_scan(tmp_path, monkeypatch):
    path = tmp_path / "many.csv"
    path.write_bytes(b"q1,q2\n" + b"1,2\n" * 50_000)
    monkeypatch.setenv("SURVEYTOOLS_MAX_LINE", "100")  # smaller than the file: the scan runs
    assert import_survey(path, Q).report.rows_out == 50_000
