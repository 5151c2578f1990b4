"""Reader for the UN's monthly "contributions by country" reports (PDF, every layout 2015 on).

:func:`parse_report` opens a report, recognises its layout from the header, reads every
contributor x mission x type line, and checks the result against every total the report
prints (see :func:`pkdata.builder.readers.un_pdf.core.verify`). :func:`to_frame` turns a checked
report into rows of the canonical table.

Layouts (one module each, tried in order; the first whose ``detect`` accepts the report wins):

==================  =======================================================================
module              report
==================  =======================================================================
``summary_2015``    "UN Mission's Summary detailed by Country" (2015-01 .. 2017-04)
``detail_2016``     "Summary of Contributions ... by Country and Mission Detail" (2016-11)
``post_2017``       "... by Country, Mission and Post" (2017-05 .. 2018-02)
``country_2018``    "... by Country and Post", country totals only (2018-03 .. 2019-08)
``flat``            flat tables: mission, country, type, male, female, total, date (2019-09, 2024-10)
``columns_2019``    country x mission with M/F columns per type (2019-10)
``mission_2019``    "... by Mission, Country and Post" (2019-11 .. 2021-01)
``personnel_2021``  "... by Mission, Country, and Personnel Type" (2021-02 ..)
``country_2023``    "... by Country and Personnel Type", country totals only (2023-09)
==================  =======================================================================
"""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pkdata.builder.readers.un_pdf.core import Line, Report, find_date, read_lines, verify
from pkdata.core import countries, paths, schema
from pkdata.core.errors import ParseError
from pkdata.core.hashes import sha256_file

#: Layout modules, in the order they are tried.
LAYOUTS: tuple[str, ...] = (
    "summary_2015",
    "detail_2016",
    "post_2017",
    "country_2018",
    "flat",
    "columns_2019",
    "mission_2019",
    "personnel_2021",
    "country_2023",
)


def _layout_modules():
    for name in LAYOUTS:
        try:
            yield name, import_module(f"pkdata.builder.readers.un_pdf.{name}")
        except ModuleNotFoundError as exc:  # a layout not written yet
            if exc.name != f"pkdata.builder.readers.un_pdf.{name}":
                raise


def preload() -> None:
    """Import pymupdf and every layout module now, so that parse workers forked after this inherit them instead
    of each importing them again.

    >>> import sys
    >>> preload()
    >>> "pymupdf" in sys.modules, "pkdata.builder.readers.un_pdf.personnel_2021" in sys.modules
    (True, True)
    """
    import pymupdf  # noqa: F401

    for _ in _layout_modules():
        pass


def _open(path: Path):
    import pymupdf

    data = path.read_bytes()
    if not data.startswith(b"%PDF-"):
        head = data[:40].decode("latin-1", "replace").strip()
        raise ParseError(path.name, f"not a PDF (file starts with {head!r}; a PDF starts with '%PDF-')")
    if b"%%EOF" not in data[-2048:]:
        raise ParseError(path.name, "truncated PDF (no %%EOF marker at the end); download it again")
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # pymupdf raises its own FileDataError and friends
        raise ParseError(path.name, f"PDF cannot be opened: {exc}") from exc
    if doc.page_count == 0:
        raise ParseError(path.name, "PDF has no pages")
    return doc


#: Curated report dates for reports that print none: sha256 -> date, with reason and evidence.
REPORT_DATES = paths.curated_dir() / "report_dates.csv"


def report_date_overrides(path: Path = REPORT_DATES) -> dict[str, pd.Timestamp]:
    """The curated report dates (file sha256 -> month end) for reports that print no date, checked: a sha256
    of 64 hex digits given once, a real ``YYYY-MM-DD`` date, a ``.pdf`` file name, a reason and evidence.

    >>> sorted(report_date_overrides().values())[0].date()
    datetime.date(2019, 10, 31)
    """
    if not path.exists():
        return {}
    table = pd.read_csv(path, dtype=str)
    missing = {"sha256", "file", "report_date", "reason", "evidence"} - set(table.columns)
    if missing:
        raise ParseError(str(path), f"missing columns {sorted(missing)}")
    out = {}
    for i, row in table.iterrows():
        line = int(i) + 2  # the header is line 1
        if row.isna().any():
            raise ParseError(str(path), "every column must be filled (a date needs its reason and evidence)", row=line)
        digest = row["sha256"].strip().lower()
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ParseError(str(path), f"sha256 {row['sha256'][:80]!r} is not 64 hex digits", row=line)
        if digest in out:
            raise ParseError(str(path), f"sha256 {digest[:12]}… is given twice; keep one date per file", row=line)
        if not row["file"].lower().endswith(".pdf"):
            raise ParseError(str(path), f"file {row['file'][:80]!r} is not a .pdf name", row=line)
        date = pd.to_datetime(row["report_date"], format="%Y-%m-%d", errors="coerce")
        if pd.isna(date):
            raise ParseError(str(path), f"report_date {row['report_date'][:40]!r} is not a date YYYY-MM-DD", row=line)
        out[digest] = date + pd.offsets.MonthEnd(0)
    return out


def printed_month(path: str | Path) -> str | None:
    """The month (``YYYY-MM``) a report is for, read from its first page only (no parse): the date the page
    prints, else the curated ``report_dates.csv`` entry for the file's sha256 (as :func:`parse_report` does);
    ``None`` when neither gives one. For checking a download against the month asked for.

    >>> printed_month(FIXTURES / "UN_country_contributions_2019_08.pdf")
    '2019-08'
    """
    path = Path(path)
    doc = _open(path)
    try:
        when = find_date(doc[0].get_text())
    finally:
        doc.close()
    if when is None:
        when = report_date_overrides().get(sha256_file(path))
    return None if when is None else when.strftime("%Y-%m")


def parse_report(path: str | Path, *, date_overrides: dict[str, pd.Timestamp] | None = None) -> Report:
    """Read one UN monthly report and check it against every total it prints.

    The date is the one the report prints. A report that prints none gets its date from
    ``date_overrides`` (default: the curated ``report_dates.csv``) by the file's sha256, or
    raises :class:`pkdata.core.errors.ParseError`; the file name is never used.

    Raises :class:`pkdata.core.errors.ParseError` (not a PDF, truncated, unknown layout) or
    :class:`pkdata.core.errors.TotalsMismatchError` (naming file, page and both numbers).

    >>> r = parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf")
    >>> r.date.date(), r.grand_total
    (datetime.date(2019, 8, 31), 85951)
    """
    path = Path(path)
    doc = _open(path)
    try:
        lines: list[Line] = read_lines(doc)
    except Exception as exc:
        raise ParseError(path.name, f"text cannot be extracted: {exc}") from exc
    for name, module in _layout_modules():
        if module.detect(lines):
            report = module.parse(lines, path.name)
            report.layout = name
            report.pages = doc.page_count
            if pd.isna(report.date):
                overrides = report_date_overrides() if date_overrides is None else date_overrides
                digest = sha256_file(path)
                if digest not in overrides:
                    raise ParseError(
                        path.name,
                        "the report prints no date, and data/raw/curated/report_dates.csv has no "
                        f"entry for its sha256 {digest}; add one with the reason and evidence "
                        "(pkdata never takes the date from the file name)",
                        page=1,
                    )
                report.date = overrides[digest]
                report.date_source = "curated report_dates.csv (the report prints no date)"
            verify(report)
            return report
    header = " ".join(line.text for line in lines if line.page == 1)[:2000]
    raise ParseError(path.name, f"layout not recognised; page 1 begins {header[:160]!r}", page=1)


def listed_contributors(report: Report) -> dict[str, int]:
    """Every contributor the report lists, ISO3 -> its total, **including those printed with 0 personnel**
    (a line of zeros, or only zero cells), which :func:`to_frame` drops. The number of keys is the report's
    number of contributing countries.

    >>> listed = listed_contributors(parse_report(FIXTURES / "UN_country_contributions_2023_09.pdf"))
    >>> listed["UKR"], listed["CHN"]
    (0, 2275)
    """
    names = {r.contributor for r in report.rows} | {
        p.contributor for p in report.printed if p.scope == "country" and p.contributor
    }
    iso = countries.to_iso3(sorted(names), file=report.file)
    out = dict.fromkeys(sorted(set(iso.values())), 0)
    for r in report.rows:
        out[iso[r.contributor]] += r.total
    return out


def to_frame(report: Report) -> pd.DataFrame:
    """The canonical rows of a checked report (zero rows dropped, one row per key): :func:`to_table` as a
    canonical frame.

    >>> df = to_frame(parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf"))
    >>> int(df["total"].sum())
    85951
    """
    return schema.coerce(table_to_frame(to_table(report)))


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """Rows made by :func:`to_table` (one report's, or several concatenated) as a pandas frame: counts as nullable
    ``Int64``, the coded columns as categoricals (pass it through :func:`~pkdata.core.schema.coerce`).

    >>> table_to_frame(to_table(parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf")))["male"].dtype
    Int64Dtype()
    """
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def to_table(report: Report) -> pa.Table:
    """The canonical rows of a checked report as an Arrow table in the canonical column order: zero rows
    dropped, one row per key, sorted by key. Built straight from the rows (the parse workers hand these to the
    parse cache; a pandas frame per report cost more than the summing).

    >>> t = to_table(parse_report(FIXTURES / "UN_country_contributions_2019_08.pdf"))
    >>> sum(t["total"].to_pylist()), t.column_names == list(schema.COLUMNS)
    (85951, True)
    """
    iso = countries.to_iso3(sorted({r.contributor for r in report.rows}), file=report.file)
    types = schema.map_types(sorted({r.label for r in report.rows}), file=report.file)
    # One row per key: a contributor printed under two spellings, or a type printed twice, adds
    # up (a male or female sum is missing if any of its parts is); the page is the first the key
    # is printed on. Summed here in one pass: per-group pandas work was most of the parse time.
    sums: dict[tuple[str, str | None, str], list] = {}
    for r in report.rows:
        key = (iso[r.contributor], r.mission, types[r.label])
        s = sums.get(key)
        if s is None:
            sums[key] = [r.male, r.female, r.total, r.page]
        else:
            s[0] = None if s[0] is None or r.male is None else s[0] + r.male
            s[1] = None if s[1] is None or r.female is None else s[1] + r.female
            s[2] += r.total
            s[3] = min(s[3], r.page)
    # Zero rows dropped; sorted by key (a row without a mission after those with one).
    keys = sorted((k for k, s in sums.items() if s[2] > 0), key=lambda k: (k[0], k[1] is None, k[1] or "", k[2]))
    counts = [sums[k] for k in keys]
    n = len(keys)
    columns = {
        "date": pa.array(np.full(n, report.date.to_datetime64(), dtype="datetime64[ns]")),
        "contributor_iso3": _coded([k[0] for k in keys]),
        "contributor": _coded([countries.display_name(k[0]) for k in keys]),
        "mission": _coded([k[1] for k in keys]),
        "personnel_type": _coded([k[2] for k in keys], schema.PERSONNEL_TYPES),
        "male": pa.array([c[0] for c in counts], pa.int64()),
        "female": pa.array([c[1] for c in counts], pa.int64()),
        "total": pa.array([c[2] for c in counts], pa.int64()),
        "source": _coded([report.file] * n),
        "source_row": pa.array([c[3] for c in counts], pa.int64()),
    }
    return pa.table([columns[c] for c in schema.COLUMNS], names=list(schema.COLUMNS))


def _coded(values: list[str | None], categories: tuple[str, ...] | None = None) -> pa.DictionaryArray:
    """``values`` as a dictionary array over ``categories`` (else the sorted values); ``None`` stays missing."""
    cats = list(categories) if categories is not None else sorted({v for v in values if v is not None})
    code = {c: i for i, c in enumerate(cats)}
    indices = pa.array([None if v is None else code[v] for v in values], pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(cats, pa.string()))
