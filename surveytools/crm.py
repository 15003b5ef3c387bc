"""Joining survey segments onto CRM customer lists.

The customer list is never loaded into pandas: DuckDB (an embedded analytical engine) streams it from
.csv or .parquet, normalizes the keys in SQL, joins the (small) survey side and writes the result, so a
list of ten million customers joins in seconds with bounded memory.

Key normalization
-----------------
``email``
    trimmed and lower-cased; with ``gmail_dots=True`` also the Gmail rule (dots and ``+tag`` removed
    from the local part of gmail.com / googlemail.com addresses, domain folded to gmail.com).
``phone``
    E.164: every character but digits and a leading ``+`` removed; ``00`` prefix -> ``+``; numbers
    without a country code get ``+<default_country>`` (leading trunk zeros dropped).
``id``
    trimmed text.
``sha256``
    one side holds SHA-256 hex digests of normalized e-mails, the other plain e-mails: the plain side is
    normalized and hashed, digests are compared case-insensitively.

Duplicates never multiply rows: on the survey side the latest response per key is kept (by the
``order_by`` column when given, else the last row in file order); on the CRM side a key matches the
first customer with that key in file order, and the other customers with the same key stay in the
output unmatched. Both counts are reported.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from .exceptions import DataError, InputFileError

__all__ = ["JoinKey", "CrmJoinResult", "join_crm", "parse_on", "hmac_key_from_env", "redact", "KEY_KINDS"]

KEY_KINDS = ("email", "phone", "id", "sha256")
_GMAIL = ("gmail.com", "googlemail.com")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")

ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class JoinKey:
    """Which columns join, and how their values are normalized.

    Attributes
    ----------
    survey_column, crm_column
        Key columns on each side.
    kind
        One of :data:`KEY_KINDS`.
    hashed_side
        For ``kind="sha256"``: ``"survey"`` or ``"crm"``, the side that holds digests.
    """

    survey_column: str
    crm_column: str
    kind: str
    hashed_side: str | None = None


@dataclass(frozen=True)
class CrmJoinResult:
    """Counts and rules of a survey-to-CRM join.

    Attributes
    ----------
    matched
        Survey respondents matched to a customer.
    unmatched_survey
        Survey respondents with a key that matched no customer.
    unmatched_crm
        Customers without a survey respondent.
    duplicates
        ``{"survey": keys occurring more than once in the survey, "crm": ... in the customer list}``.
    match_rate
        ``matched / survey respondents with a key``.
    survey_rows_in, crm_rows_in, rows_out
        Rows read on each side and written (rows_out = crm_rows_in: every customer is kept).
    survey_excluded
        Survey rows that could not take part, by reason (``no-key``, ``duplicate-key``).
    """

    key: JoinKey
    matched: int
    unmatched_survey: int
    unmatched_crm: int
    duplicates: dict[str, int]
    match_rate: float
    survey_rows_in: int
    crm_rows_in: int
    rows_out: int
    survey_excluded: dict[str, int]
    rules: dict[str, str]
    output: str | None = None
    pseudonymized: tuple[str, ...] = ()
    examples_unmatched: tuple[str, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (CONTRACT keys ``matched``, ``unmatched_survey``, ``unmatched_crm``,
        ``duplicates``, ``match_rate``)."""
        return {
            "matched": self.matched,
            "unmatched_survey": self.unmatched_survey,
            "unmatched_crm": self.unmatched_crm,
            "duplicates": dict(self.duplicates),
            "match_rate": self.match_rate,
            "key": {"survey": self.key.survey_column, "crm": self.key.crm_column, "kind": self.key.kind},
            "survey_rows_in": self.survey_rows_in,
            "survey_excluded": dict(self.survey_excluded),
            "crm_rows_in": self.crm_rows_in,
            "rows_out": self.rows_out,
            "rules": dict(self.rules),
            "pseudonymized": list(self.pseudonymized),
            "unmatched_examples_redacted": list(self.examples_unmatched),
            "output": self.output,
        }

    def to_frame(self) -> pd.DataFrame:
        """The counts as a two-column table."""
        d = self.to_dict()
        rows = [("matched", d["matched"]), ("unmatched survey respondents", d["unmatched_survey"]),
                ("unmatched customers", d["unmatched_crm"]), ("match rate", d["match_rate"]),
                ("duplicate keys in survey", d["duplicates"]["survey"]),
                ("duplicate keys in CRM", d["duplicates"]["crm"])]
        rows += [(f"survey rows excluded: {k}", v) for k, v in d["survey_excluded"].items()]
        return pd.DataFrame(rows, columns=["measure", "value"]).set_index("measure")

    def summary(self, lang: str = "en") -> str:
        """Text for the terminal: the CRM section of the report (key, counts, match rate, duplicate rules, where
        the joined file was written), rendered by :func:`surveytools.summary.text.render_text`."""
        from .summary.sections import summary_text

        return summary_text("crm", self, lang=lang)


def parse_on(on: str | None, survey_columns: list[str], crm_columns: list[str], kind: str | None = None
             ) -> JoinKey:
    """Parse ``--on KEY[=CRMKEY]`` and infer the key kind from the column names and values' shape.

    With ``on=None`` the first of customer id / e-mail / phone columns present on both sides is used.

    Raises
    ------
    DataError
        A named column is missing, or no common key column can be found.
    """
    if on:
        left, _, right = on.partition("=")
        left, right = left.strip(), (right.strip() or left.strip())
    else:
        candidates = ["customer_id", "email", "e_mail", "mail", "phone", "external_reference", "external_id"]
        common = [c for c in candidates if c in survey_columns and c in crm_columns]
        if not common:
            low_s = {c.lower(): c for c in survey_columns}
            low_c = {c.lower(): c for c in crm_columns}
            common_low = [c for c in candidates if c in low_s and c in low_c]
            if not common_low:
                raise DataError("no common key column between the survey and the CRM file; name it with "
                                "--on SURVEYCOL=CRMCOL (e.g. --on email=email_address)",
                                [f"survey columns: {', '.join(survey_columns[:30])}",
                                 f"CRM columns: {', '.join(crm_columns[:30])}"])
            left, right = low_s[common_low[0]], low_c[common_low[0]]
        else:
            left = right = common[0]
    problems = []
    if left not in survey_columns:
        problems.append(f"survey file has no column {left!r} (it has: {', '.join(survey_columns[:30])})")
    if right not in crm_columns:
        problems.append(f"CRM file has no column {right!r} (it has: {', '.join(crm_columns[:30])})")
    if problems:
        raise DataError("key column missing; fix --on SURVEYCOL=CRMCOL", problems)
    if kind is None:
        name = f"{left} {right}".lower()
        if "sha" in name or "hash" in name:
            kind = "sha256"
        elif "mail" in name:
            kind = "email"
        elif "phone" in name or "mobile" in name or "tel" in name:
            kind = "phone"
        else:
            kind = "id"
    if kind not in KEY_KINDS:
        raise DataError(f"unknown key kind {kind!r}; use one of {', '.join(KEY_KINDS)}")
    return JoinKey(survey_column=left, crm_column=right, kind=kind)


def hmac_key_from_env(name: str = "SURVEYTOOLS_HMAC_KEY") -> bytes:
    """The pseudonymization key from an environment variable.

    Raises
    ------
    DataError
        The variable is unset or shorter than 16 characters.
    """
    value = os.environ.get(name)
    if not value:
        raise DataError(f"--pseudonymize needs a secret key in the environment variable {name}; set it "
                        f"(e.g. export {name}=$(python3 -c 'import secrets; print(secrets.token_hex(32))')) "
                        "and keep it with the CRM team")
    if len(value) < 16:
        raise DataError(f"the key in {name} is too short ({len(value)} characters); use at least 16")
    return value.encode("utf-8")


def redact(value: str) -> str:
    """Hide most of a key for reports: ``jane.doe@mail.com`` -> ``j***@m***.com``, ``+34600111222`` -> ``+34*****222``."""
    v = str(value)
    if "@" in v:
        local, _, domain = v.partition("@")
        dom, _, tld = domain.rpartition(".")
        return f"{local[:1]}***@{dom[:1]}***.{tld}" if dom else f"{local[:1]}***@***"
    if len(v) <= 4:
        return "*" * len(v)
    return v[:3] + "*" * max(len(v) - 6, 1) + v[-3:]


# ---------------------------------------------------------------------------- SQL pieces

def _norm_sql(expr: str, kind: str, *, gmail_dots: bool, default_country: str | None) -> str:
    """SQL that normalizes a key expression of the given kind (NULL for blanks)."""
    base = f"NULLIF(trim(CAST({expr} AS VARCHAR)), '')"
    if kind in ("email", "sha256"):
        e = f"lower({base})"
        if gmail_dots:
            local = f"split_part({e}, '@', 1)"
            domain = f"split_part({e}, '@', 2)"
            e = (f"CASE WHEN {domain} IN ('gmail.com', 'googlemail.com') THEN "
                 f"replace(split_part({local}, '+', 1), '.', '') || '@gmail.com' ELSE {e} END")
        return e
    if kind == "phone":
        cleaned = f"regexp_replace({base}, '[^0-9+]', '', 'g')"
        cc = re.sub(r"\D", "", default_country or "")
        no_cc = f"'+{cc}' || ltrim({cleaned}, '0')" if cc else f"'+' || {cleaned}"
        return (f"NULLIF(CASE WHEN {cleaned} LIKE '+%' THEN '+' || replace({cleaned}, '+', '') "
                f"WHEN {cleaned} LIKE '00%' THEN '+' || substr({cleaned}, 3) "
                f"ELSE {no_cc} END, '+')")
    return base


def _hmac_sql(expr: str) -> str:
    """HMAC-SHA256 of a text expression, with the padded keys bound as $ipad / $opad blobs."""
    return f"CASE WHEN {expr} IS NULL THEN NULL ELSE sha256($opad::BLOB || unhex(sha256($ipad::BLOB || encode({expr})))) END"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reader_sql(path: Path) -> str:
    s = str(path).replace("'", "''")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet('{s}')"
    if suffix in (".csv", ".txt", ".tsv", ".gz"):
        return f"read_csv('{s}', header=true, all_varchar=false, sample_size=20480, encoding='utf-8')"
    raise InputFileError(f"CRM file {path}: use .csv or .parquet (export the customer list in one of these)")


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".xlsx", ".xls", ".xlsm"):
        return pd.read_excel(path, engine="calamine", dtype=str)
    try:
        return pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="utf-8-sig")
    except UnicodeDecodeError:
        return pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="latin-1")


def read_survey_side(survey: str | os.PathLike[str] | pd.DataFrame, segments: str | os.PathLike[str] | None = None
                     ) -> pd.DataFrame:
    """The survey side of a join: a table with the key column, plus segments merged by ``respondent_id``.

    Raises
    ------
    InputFileError
        A file is missing or empty.
    DataError
        Segments are given but the survey table has neither a ``respondent_id`` column nor another column of
        unique values holding every assigned respondent id.
    """
    if isinstance(survey, pd.DataFrame):
        frame = survey.copy()
    else:
        p = Path(survey)
        if not p.exists():
            raise InputFileError(f"survey file {p} not found; check --survey")
        if p.stat().st_size == 0:
            raise InputFileError(f"survey file {p} is empty")
        frame = _read_table(p)
    if segments is not None:
        from .segments import read_segments

        a = read_segments(segments)
        if "respondent_id" not in frame.columns:
            # clean data keep the questionnaire's id column name (e.g. Qualtrics' ResponseId): use the column of
            # unique values that holds every assigned respondent id
            ids = set(a.segment.index)
            found = next((c for c in frame.columns
                          if frame[c].is_unique and ids <= set(frame[c].dropna().astype(str))), None)
            if found is None:
                raise DataError("the survey file has no 'respondent_id' column, and no column holds every respondent "
                                "id of --segments; use the clean data written by 'surveytools import'")
            frame = frame.rename(columns={found: "respondent_id"})
        seg = pd.DataFrame({"segment": a.segment}).join(a.extra)
        seg.index.name = "respondent_id"
        frame = frame.drop(columns=[c for c in seg.columns if c in frame.columns])
        frame = frame.merge(seg.reset_index(), on="respondent_id", how="left")
    if "respondent_id" not in frame.columns:
        # clean data keep the questionnaire's id column name (ResponseId, Respondent ID...): matched customers
        # still get a respondent_id column, a copy of it
        from .io.layout import ID_NAMES
        from .questionnaire import normalize_label

        found = next((c for key in ID_NAMES for c in frame.columns
                      if normalize_label(str(c)) == key and frame[c].notna().all() and frame[c].is_unique), None)
        if found is not None:
            frame["respondent_id"] = frame[found]
    if "segment" in frame.columns:  # whole numbers, blank where unassigned (never 2.0)
        frame["segment"] = pd.to_numeric(frame["segment"], errors="coerce").astype("Int64")
    return frame


# ---------------------------------------------------------------------------- the steps of join_crm
def _connect(threads: int | None, memory_limit: str) -> tuple[Any, str]:
    """A DuckDB connection with bounded memory (it spills to a temporary folder, returned for removal)."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads TO {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    # bounded memory: past the limit DuckDB spills to a temporary folder instead of growing
    con.execute(f"SET memory_limit = '{memory_limit}'")
    from .io.atomic import make_temp_dir

    spill = str(make_temp_dir("surveytools-duckdb-"))  # and the spill folders of killed runs are removed
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET enable_progress_bar = false")  # DuckDB would draw its own bar on stdout: the library never prints
    return con, spill


def _with_hashed_side(con: Any, sv: pd.DataFrame, key: JoinKey) -> JoinKey:
    """For ``kind="sha256"``: the key with the side that holds SHA-256 hex digests (exactly one must)."""
    s_hex = sv[key.survey_column].dropna().astype(str).str.strip().str.match(_HEX64).mean() > 0.9
    c_sample = con.execute(f"SELECT {_quote(key.crm_column)} FROM crm_raw WHERE {_quote(key.crm_column)} "
                           "IS NOT NULL LIMIT 1000").fetchall()
    c_hex = bool(c_sample) and sum(bool(_HEX64.match(str(v[0]).strip())) for v in c_sample) > 0.9 * len(c_sample)
    if s_hex == c_hex:
        raise DataError("kind sha256 needs digests on exactly one side; "
                        f"{'both' if s_hex else 'neither'} side holds 64-character SHA-256 hex digests")
    return JoinKey(key.survey_column, key.crm_column, "sha256", "survey" if s_hex else "crm")


def _key_sql(expr: str, side: str, *, key: JoinKey, gmail_dots: bool, default_country: str | None) -> str:
    """SQL of the normalized key of one side (digests compared with the SHA-256 of the other side's e-mail)."""
    if key.kind == "sha256":
        if side == key.hashed_side:
            return f"lower(NULLIF(trim(CAST({expr} AS VARCHAR)), ''))"
        return f"sha256({_norm_sql(expr, 'email', gmail_dots=gmail_dots, default_country=None)})"
    return _norm_sql(expr, key.kind, gmail_dots=gmail_dots, default_country=default_country)


def _survey_table(con: Any, norm: Callable[[str, str], str], key: JoinKey, order_by: str | None
                  ) -> tuple[int, int, int]:
    """Table ``sv1``: one survey row per normalized key, the latest response. Returns the rows without a key,
    the keys seen more than once and the rows dropped as duplicates."""
    order_expr = f"{_quote(order_by)} DESC NULLS LAST, __row DESC" if order_by else "__row DESC"
    con.execute(f"""
        CREATE TABLE sv AS
        SELECT *, {norm(_quote(key.survey_column), 'survey')} AS __key FROM sv_raw
    """)
    no_key = con.execute("SELECT count(*) FROM sv WHERE __key IS NULL").fetchone()[0]
    dup_survey_keys, dup_survey_rows = con.execute(
        "SELECT count(*), coalesce(sum(n) - count(*), 0) FROM "
        "(SELECT __key, count(*) AS n FROM sv WHERE __key IS NOT NULL GROUP BY __key HAVING count(*) > 1)"
    ).fetchone()
    con.execute(f"""
        CREATE TABLE sv1 AS SELECT * EXCLUDE (__rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY __key ORDER BY {order_expr}) AS __rn
            FROM sv WHERE __key IS NOT NULL) WHERE __rn = 1
    """)
    return no_key, dup_survey_keys, dup_survey_rows


def _crm_table(con: Any, norm: Callable[[str, str], str], key: JoinKey, crm_path: Path) -> tuple[int, int]:
    """Tables ``crm`` (normalized key, file order) and ``firsts`` (the first customer of each key that a survey
    row matches). Returns the customers and the keys held by more than one customer."""
    import duckdb

    try:
        con.execute(f"""
            CREATE TEMP TABLE crm AS
            SELECT *, {norm(_quote(key.crm_column), 'crm')} AS __key, row_number() OVER () AS __crow FROM crm_raw
        """)
    except duckdb.Error as exc:
        raise InputFileError(f"CRM file {crm_path} cannot be read: {str(exc).splitlines()[0]}") from None
    crm_rows_in = con.execute("SELECT count(*) FROM crm").fetchone()[0]
    if crm_rows_in == 0:
        raise DataError(f"CRM file {crm_path} has no customers (only a header); export the customer list again")
    dup_crm_keys = con.execute(
        "SELECT count(*) FROM (SELECT __key FROM crm WHERE __key IS NOT NULL GROUP BY __key HAVING count(*) > 1)"
    ).fetchone()[0]
    con.execute("""
        CREATE TEMP TABLE firsts AS SELECT __key, min(__crow) AS __crow FROM crm
        WHERE __key IS NOT NULL AND __key IN (SELECT __key FROM sv1) GROUP BY __key
    """)
    return crm_rows_in, dup_crm_keys


def _carried_columns(sv: pd.DataFrame, survey_columns: list[str] | None) -> list[str]:
    """Survey columns carried into the output (default: respondent id and the segment columns present)."""
    carry = survey_columns
    if carry is None:
        carry = ["respondent_id"] if "respondent_id" in sv.columns else []
        carry += [c for c in ("segment", "segment_name", "probability") if c in sv.columns]
    missing_carry = [c for c in carry if c not in sv.columns]
    if missing_carry:
        raise DataError(f"survey file has no column(s) {', '.join(missing_carry)} to carry into the output")
    return carry


def _write_joined(con: Any, out: Path, crm_cols: list[str], carry: list[str], key: JoinKey, *,
                  pseudonymize_key: bytes | None, default_country: str | None, inputs: list[Path]) -> list[str]:
    """Write every customer, in file order, with the carried survey columns (atomically); e-mail and phone
    columns become HMAC-SHA256 digests when ``pseudonymize_key`` is given. Returns the pseudonymized columns."""
    from .io.atomic import atomic_write

    if out.suffix.lower() not in (".csv", ".parquet"):
        raise InputFileError(f"cannot write {out}: use a .csv or .parquet file name")
    pseudo: list[str] = []
    params: dict[str, Any] = {}
    select_crm = []
    for c in crm_cols:
        q = _quote(c)
        lc = c.lower()
        sensitive = pseudonymize_key is not None and (
            "mail" in lc or "phone" in lc or "mobile" in lc or (c == key.crm_column and key.kind != "id"))
        if sensitive:
            kind_c = "phone" if ("phone" in lc or "mobile" in lc) else "email"
            expr = _norm_sql(f"c.{q}", kind_c, gmail_dots=False, default_country=default_country)
            select_crm.append(f"{_hmac_sql(expr)} AS {q}")
            pseudo.append(c)
        else:
            select_crm.append(f"c.{q}")
    if pseudonymize_key is not None:
        k = pseudonymize_key
        if len(k) > 64:
            import hashlib

            k = hashlib.sha256(k).digest()
        k = k.ljust(64, b"\0")
        params["ipad"] = bytes(b ^ 0x36 for b in k)
        params["opad"] = bytes(b ^ 0x5C for b in k)
    carry_sql = [f"s.{_quote(c)} AS {_quote(c if c not in crm_cols else 'survey_' + c)}" for c in carry]
    query = f"""
        SELECT {', '.join(select_crm + carry_sql)}
        FROM crm c
        LEFT JOIN firsts f ON c.__crow = f.__crow
        LEFT JOIN sv1 s ON f.__key = s.__key
        ORDER BY c.__crow
    """
    if out.suffix.lower() == ".csv":  # text cells that would start a spreadsheet formula get a leading '
        from .io.csv_safe import duckdb_csv_select

        described = con.execute(f"DESCRIBE {query}", params).fetchall()
        query = duckdb_csv_select([(str(r[0]), str(r[1])) for r in described], query)
    with atomic_write(out, inputs=inputs) as tmp:
        fmt = "PARQUET" if out.suffix.lower() == ".parquet" else "CSV, HEADER true"
        tmp_sql = str(tmp).replace("'", "''")
        con.execute(f"COPY ({query}) TO '{tmp_sql}' (FORMAT {fmt})", params)
    return pseudo


def _join_rules(key: JoinKey, *, order_by: str | None, gmail_dots: bool, default_country: str | None
                ) -> dict[str, str]:
    """The rules the join applied, in words (for the report)."""
    return {
        "survey duplicates": "latest response per key kept"
        + (f" (by {order_by})" if order_by else " (last row in file order)"),
        "CRM duplicates": "a key matches the first customer with it in file order; the others stay unmatched",
        "key": {"email": "e-mail trimmed and lower-cased" + ("; Gmail dots and +tags removed" if gmail_dots else ""),
                "phone": "phone as E.164" + (f" (default country +{default_country})" if default_country else ""),
                "id": "identifier trimmed",
                "sha256": f"SHA-256 of the normalized e-mail on the {'CRM' if key.hashed_side == 'survey' else 'survey'} side"
                }[key.kind],
    }


def join_crm(survey: str | os.PathLike[str] | pd.DataFrame, crm: str | os.PathLike[str],
             output: str | os.PathLike[str] | None = None, *, on: str | None = None, kind: str | None = None,
             segments: str | os.PathLike[str] | None = None, gmail_dots: bool = False,
             default_country: str | None = None, order_by: str | None = None,
             pseudonymize_key: bytes | None = None, survey_columns: list[str] | None = None,
             threads: int | None = None, memory_limit: str = "2GB", progress: ProgressCallback | None = None
             ) -> CrmJoinResult:
    """Attach survey respondents (and their segments) to a customer list.

    Every customer is kept; matched customers get ``respondent_id``, ``segment`` and the other survey
    columns named in ``survey_columns`` (default: segment columns from the assignments).

    Parameters
    ----------
    survey
        Survey table (file or DataFrame) with the key column (e.g. clean data with an e-mail item).
    crm
        Customer list (.csv or .parquet), any size.
    output
        Where to write the joined customer list (.csv or .parquet); None to count only.
    on
        ``KEY`` or ``SURVEYKEY=CRMKEY``; default: a common customer id / e-mail / phone column.
    kind
        Key normalization, one of :data:`KEY_KINDS` (default: inferred from the column names).
    segments
        Segments file (:func:`~surveytools.segments.read_segments`) to attach by ``respondent_id``.
    gmail_dots
        Apply the Gmail dot and ``+tag`` rule to e-mails.
    default_country
        Country calling code for phone numbers without one (e.g. ``34``).
    order_by
        Survey column that orders responses (a date); the latest response per key is kept.
    pseudonymize_key
        When given, e-mail and phone columns of the output are replaced by HMAC-SHA256 digests with this key.
    survey_columns
        Survey columns to carry into the output.
    threads
        DuckDB threads (default: all cores).
    memory_limit
        DuckDB's memory limit; larger intermediate tables spill to a temporary folder (removed afterwards).

    Returns
    -------
    CrmJoinResult

    Raises
    ------
    InputFileError, DataError
        Missing or empty files, missing key columns, an empty customer list.
    """
    import duckdb

    crm_path = Path(crm)
    if not crm_path.exists():
        raise InputFileError(f"CRM file {crm_path} not found; check --crm")
    if crm_path.stat().st_size == 0:
        raise InputFileError(f"CRM file {crm_path} is empty; export the customer list again")
    sv = read_survey_side(survey, segments)
    if len(sv) == 0:
        raise DataError("the survey file has no rows")
    con, spill = _connect(threads, memory_limit)
    try:
        if progress:
            progress("Reading the customer list", 0, 3)
        try:
            con.execute(f"CREATE VIEW crm_raw AS SELECT * FROM {_reader_sql(crm_path)}")
            crm_cols = [r[0] for r in con.execute("DESCRIBE crm_raw").fetchall()]
        except duckdb.Error as exc:
            raise InputFileError(f"CRM file {crm_path} cannot be read: {str(exc).splitlines()[0]}") from None
        key = parse_on(on, [str(c) for c in sv.columns], crm_cols, kind)
        sv = sv.reset_index(drop=True)
        sv["__row"] = range(len(sv))
        if order_by is not None and order_by not in sv.columns:
            raise DataError(f"survey file has no column {order_by!r} to order responses by")
        con.register("sv_raw", sv)
        if key.kind == "sha256":
            key = _with_hashed_side(con, sv, key)
        norm = partial(_key_sql, key=key, gmail_dots=gmail_dots, default_country=default_country)
        survey_rows_in = len(sv)
        no_key, dup_survey_keys, dup_survey_rows = _survey_table(con, norm, key, order_by)
        if progress:
            progress("Reading the customer list", 1, 3)
        crm_rows_in, dup_crm_keys = _crm_table(con, norm, key, crm_path)
        matched = con.execute("SELECT count(*) FROM firsts").fetchone()[0]
        with_key = survey_rows_in - no_key - int(dup_survey_rows)
        unmatched_survey = with_key - matched
        unmatched_crm = crm_rows_in - matched
        examples = [redact(r[0]) for r in con.execute(
            f"SELECT CAST({_quote(key.survey_column)} AS VARCHAR) FROM sv1 WHERE __key NOT IN (SELECT __key FROM firsts) "
            "ORDER BY __row LIMIT 5").fetchall() if r[0] is not None]
        if progress:
            progress("Reading the customer list", 2, 3)
        carry = _carried_columns(sv, survey_columns)
        pseudo: list[str] = []
        out_str = None
        if output is not None:
            inputs = [crm_path] + ([] if isinstance(survey, pd.DataFrame) else [Path(survey)])
            pseudo = _write_joined(con, Path(output), crm_cols, carry, key, pseudonymize_key=pseudonymize_key,
                                   default_country=default_country, inputs=inputs)
            out_str = str(Path(output))
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    if progress:
        progress("Reading the customer list", 3, 3)
    rules = _join_rules(key, order_by=order_by, gmail_dots=gmail_dots, default_country=default_country)
    survey_excluded = {"no-key": int(no_key), "duplicate-key": int(dup_survey_rows)}
    return CrmJoinResult(
        key=key, matched=int(matched), unmatched_survey=int(unmatched_survey), unmatched_crm=int(unmatched_crm),
        duplicates={"survey": int(dup_survey_keys), "crm": int(dup_crm_keys)},
        match_rate=(matched / with_key) if with_key else float("nan"),
        survey_rows_in=int(survey_rows_in), crm_rows_in=int(crm_rows_in), rows_out=int(crm_rows_in),
        survey_excluded=survey_excluded, rules=rules, output=out_str, pseudonymized=tuple(pseudo),
        examples_unmatched=tuple(examples),
    )
