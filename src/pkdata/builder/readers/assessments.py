"""Readers for assessment-rate and budget tables in CSV.

Three shapes:

* **Scale tables** (:func:`read_scale_csv`): one row per member and scale period (``year``
  blank) or calendar year, with columns ``period_start_year, period_end_year, year,
  member_state, iso3, rate_percent, source_document, source_url, note``. The official
  regular-budget scale tables have this shape; the curated compiled-fact tables add a
  ``precision`` column (``integer``, ``2dp``, ``1dp_truncated``, ``as_reported``, ...).
* **Curated budget headlines** (:func:`read_budget_csv`): ``fiscal_year, mission,
  approved_usd, source_document, source_url, note``.
* **The General Assembly's effective rates for peacekeeping** (:func:`read_ga_effective_rates`):
  the annex table of the Secretary-General's report on the implementation of the
  peacekeeping scale (A/xx/xxx/Add.1) exported as CSV: a member-state column and one
  column per year of the scale period.

Every reader validates on load: known ISO3 (and a member name that does not contradict it),
rates in (0, 100], amounts >= 0, no duplicate member-year, and for full tables a sum of
100 per year within rounding. Errors are :class:`~pkdata.core.errors.ParseError` naming the file
and the row, where *row N is line N of the file* (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from pkdata.core import countries
from pkdata.core.errors import ParseError

SCALE_COLUMNS: tuple[str, ...] = (
    "period_start_year",
    "period_end_year",
    "year",
    "member_state",
    "iso3",
    "rate_percent",
    "source_document",
    "source_url",
    "note",
)
BUDGET_CSV_COLUMNS: tuple[str, ...] = (
    "fiscal_year",
    "mission",
    "approved_usd",
    "source_document",
    "source_url",
    "note",
)
#: Columns of the frames :func:`read_budget_csv` and :func:`read_secondary_budgets` return.
_BUDGET_FRAME_COLUMNS: tuple[str, ...] = (
    "fiscal_year",
    "fiscal_year_start",
    "mission",
    "usd",
    "rounding_usd",
    "source_document",
    "source_url",
    "note",
    "row",
)
#: Columns of the frames :func:`read_scale_csv` and :func:`read_ga_effective_rates` return.
RATE_COLUMNS: tuple[str, ...] = (
    "year",
    "period_start",
    "period_end",
    "year_stated",
    "member_iso3",
    "member_state",
    "rate_percent",
    "rate_printed",
    "decimals",
    "precision",
    "precision_mode",
    "source_document",
    "source_url",
    "note",
    "row",
)

_PRECISION = re.compile(r"^(?:(?P<dp>\d)dp|(?P<int>integer)|(?P<as>as_reported))(?:_(?P<how>[a-z_]+))?$")
_FISCAL = re.compile(r"^(\d{4})/(\d{2})$")
_YEAR_HEADER = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d|2100)(?!\d)")
_MEMBER_HEADER = re.compile(r"^member(?:[ _-]?states?)?$|^country$", re.IGNORECASE)
_FOOTNOTE = re.compile(r"\s+[a-z]/$")
_ISO3 = frozenset(countries.NAMES.values())


def _read_rows(
    path: Path, required: tuple[str, ...] = (), *, unique: bool = True
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, stripped values) of every non-blank row; the shape checked."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(str(path), f"not UTF-8 text ({exc.reason})") from exc
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        raise ParseError(str(path), "empty file; expected a header row", row=1)
    twice = sorted({h for h in header if header.count(h) > 1})
    if unique and twice:
        raise ParseError(str(path), f"column(s) {twice} appear more than once in the header", row=1)
    missing = [c for c in required if c not in header]
    if missing:
        raise ParseError(str(path), f"missing column(s) {missing}; expected the columns {list(required)}", row=1)
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise ParseError(str(path), f"{len(values)} fields but the header has {len(header)}", row=reader.line_num)
        rows.append((reader.line_num, [v.strip() for v in values]))
    if not rows:
        raise ParseError(str(path), "no data rows under the header")
    return header, rows


def _records(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    header, rows = _read_rows(path, required)
    return [(line, dict(zip(header, values, strict=True))) for line, values in rows]


def _int(value: str, column: str, path: Path, line: int, lo: int = 1945, hi: int = 2100) -> int:
    try:
        out = int(value)
    except ValueError:
        raise ParseError(str(path), f"{column} {value!r} is not a whole number", row=line) from None
    if not lo <= out <= hi:
        raise ParseError(str(path), f"{column} {out} is outside {lo}..{hi}", row=line)
    return out


def _rate(value: str, column: str, path: Path, line: int) -> tuple[float, str, int]:
    """A percentage rate as (value, printed text, decimals printed); (0, 100] or an error."""
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise ParseError(str(path), f"{column} {value!r} is not a number", row=line) from None
    if not d.is_finite() or not 0 < d <= 100:
        raise ParseError(
            str(path), f"{column} {value} is outside (0, 100]: a rate is a per cent of the whole", row=line
        )
    exponent = d.as_tuple().exponent
    return float(d), value, max(0, -exponent) if isinstance(exponent, int) else 0


def _member(name: str, iso3: str, path: Path, line: int) -> str:
    if iso3 not in _ISO3:
        raise ParseError(
            str(path),
            f"unknown ISO3 code {iso3!r} (member_state {name!r}); expected a code from pkdata.core.countries",
            row=line,
        )
    known = countries.lookup(name) if name else None
    if known is not None and known != iso3:
        raise ParseError(
            str(path), f"member_state {name!r} is {known} in pkdata.core.countries, but iso3 says {iso3}", row=line
        )
    return iso3


def parse_precision(label: str, printed_decimals: int) -> tuple[int, str]:
    """Decimals and rounding mode (``rounded`` or ``truncated``) of a curated ``precision`` label.

    ``as_reported`` takes the decimals printed in the value itself.

    >>> parse_precision("1dp_truncated", 1)
    (1, 'truncated')
    >>> parse_precision("integer", 0), parse_precision("as_reported", 3)
    ((0, 'rounded'), (3, 'rounded'))
    """
    m = _PRECISION.match(label)
    if not m:
        raise ValueError(
            f"precision {label!r}: expected 'integer', 'Ndp' or 'as_reported', optionally with a "
            "suffix such as '_truncated' or '_about'"
        )
    decimals = 0 if m.group("int") else printed_decimals if m.group("as") else int(m.group("dp"))
    return decimals, "truncated" if "truncated" in (m.group("how") or "") else "rounded"


def _check_duplicates(frame: pd.DataFrame, key: list[str], path: Path, what: str) -> None:
    dup = frame[frame.duplicated(key, keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        same = dup[(dup[key] == first[key]).all(axis=1)]
        rows = sorted(set(same["row"].tolist()))
        raise ParseError(
            str(path),
            f"duplicate {what}: {first['member_iso3']} {first['year']} appears in rows "
            f"{', '.join(map(str, rows))}; expected one rate per member and year"
            + (" from each source document" if "source_document" in key else ""),
            row=rows[-1],
        )


def check_full_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Raise unless the rates of every year of a full table sum to 100 within rounding.

    The tolerance is the largest possible sum of rounding errors: members x half a unit of
    the last printed decimal.

    >>> check_full_table(pd.DataFrame({"year": [2020, 2020], "rate_percent": [60.0, 40.0],
    ...                                "decimals": [3, 3]}), "x.csv")
    """
    for year, g in frame.groupby("year"):
        total = float(g["rate_percent"].sum())
        tolerance = len(g) * 0.5 * 10.0 ** -int(g["decimals"].max())
        if abs(total - 100) > tolerance + 1e-9:
            raise ParseError(
                str(path),
                f"year {year}: the {len(g)} rates sum to {total:.6f}; a full scale sums to "
                f"100 (within rounding, +/- {tolerance:.4f})",
            )


def read_scale_csv(path: str | Path, *, full: bool, curated: bool = False) -> pd.DataFrame:
    """A scale-of-assessment table in the official/curated CSV shape, one row per member-year.

    A row whose ``year`` is blank applies to every year of its scale period and becomes one
    row per year (``year_stated`` False). ``full=True`` declares a complete table (every
    member; duplicate member-years are errors and each year must sum to 100 within
    rounding); ``full=False`` is a partial table, where the same member-year may come from
    several source documents. ``curated=True`` requires the ``precision`` column.

    >>> df = read_scale_csv(FIXTURES / "budget/official/regular_budget_scale_2025_2027_A_RES_79_249.csv", full=True)
    >>> df[(df.member_iso3 == "CHN") & (df.year == 2025)][["rate_printed", "precision"]].values.tolist()
    [['20.004', '3dp']]
    """
    path = Path(path)
    required = SCALE_COLUMNS + (("precision",) if curated else ())
    rows = _records(path, required)
    out = [row for line, r in rows for row in _scale_rows(line, r, path, curated)]
    frame = pd.DataFrame(out, columns=list(RATE_COLUMNS))
    key = ["year", "member_iso3"] if full else ["year", "member_iso3", "source_document"]
    _check_duplicates(frame, key, path, "member-year")
    if full:
        check_full_table(frame, path)
    return frame


def _scale_rows(line: int, r: dict[str, str], path: Path, curated: bool) -> list[tuple]:
    """One :data:`RATE_COLUMNS` tuple per year a scale row applies to (its stated year, or its whole period)."""
    start = _int(r["period_start_year"], "period_start_year", path, line)
    end = _int(r["period_end_year"], "period_end_year", path, line)
    if end < start:
        raise ParseError(str(path), f"period_end_year {end} is before period_start_year {start}", row=line)
    iso3 = _member(r["member_state"], r["iso3"], path, line)
    value, printed, dec = _rate(r["rate_percent"], "rate_percent", path, line)
    if curated:
        try:
            decimals, mode = parse_precision(r["precision"], dec)
        except ValueError as exc:
            raise ParseError(str(path), str(exc), row=line) from None
        precision = r["precision"]
    else:
        decimals, mode, precision = dec, "rounded", f"{dec}dp"
    if not r["source_document"]:
        raise ParseError(str(path), "source_document is empty; every rate names its source", row=line)
    if r["year"]:
        year = _int(r["year"], "year", path, line)
        if not start <= year <= end:
            raise ParseError(str(path), f"year {year} is outside its scale period {start}-{end}", row=line)
        years, stated = [year], True
    else:
        years, stated = list(range(start, end + 1)), False
    member = (iso3, r["member_state"], value, printed, decimals, precision, mode)
    source = (r["source_document"], r["source_url"], r["note"], line)
    return [(year, start, end, stated, *member, *source) for year in years]


def read_budget_csv(path: str | Path) -> pd.DataFrame:
    """The curated headline budget table: fiscal year (July-June), mission or ``TOTAL``, approved USD.

    Returns ``fiscal_year``, ``fiscal_year_start``, ``mission``, ``usd``, ``rounding_usd``
    (the power of ten the printed amount is a multiple of, up to 10 million: an *apparent*
    precision), ``source_document``, ``source_url``, ``note`` and ``row``.

    >>> from pkdata.core.paths import REPO_DIR
    >>> df = read_budget_csv(REPO_DIR / "data/raw/curated/peacekeeping_budgets.csv")
    >>> df[(df.fiscal_year == "2019/20") & (df.mission == "TOTAL")]["usd"].tolist()
    [6510000000.0]
    """
    path = Path(path)
    rows = _records(path, BUDGET_CSV_COLUMNS)
    frame = pd.DataFrame(
        [_budget_row(line, r, path) for line, r in rows],
        columns=list(_BUDGET_FRAME_COLUMNS),
    )
    dup = frame[frame.duplicated(["fiscal_year", "mission", "source_document"], keep=False)]
    if not dup.empty:
        rows_ = dup["row"].tolist()
        raise ParseError(
            str(path),
            f"duplicate fiscal year and mission: {dup.iloc[0]['fiscal_year']} {dup.iloc[0]['mission']} in rows {rows_}",
            row=rows_[-1],
        )
    return frame


def _budget_row(line: int, r: dict[str, str], path: Path) -> tuple:
    """A budget table row, checked: fiscal year and its first year, mission, USD, apparent rounding, source."""
    m = _FISCAL.match(r["fiscal_year"])
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ParseError(
            str(path),
            f"fiscal_year {r['fiscal_year']!r}: expected a July-June fiscal year 'YYYY/YY' such as '2019/20'",
            row=line,
        )
    if not r["mission"]:
        raise ParseError(str(path), "mission is empty; expected a mission or TOTAL", row=line)
    try:
        usd = int(r["approved_usd"])
    except ValueError:
        raise ParseError(
            str(path), f"approved_usd {r['approved_usd']!r} is not a whole number of USD", row=line
        ) from None
    if usd < 0:
        raise ParseError(str(path), f"approved_usd {usd} is negative; expected >= 0", row=line)
    if not r["source_document"]:
        raise ParseError(str(path), "source_document is empty; every amount names its source", row=line)
    rounding = 1
    while usd and usd % (rounding * 10) == 0 and rounding < 10_000_000:
        rounding *= 10
    source = (r["source_document"], r["source_url"], r["note"], line)
    return (r["fiscal_year"], int(m.group(1)), r["mission"], float(usd), rounding, *source)


def symbol_from_name(name: str) -> str:
    """A UN document symbol from a file name that spells it with underscores.

    >>> symbol_from_name("A_79_318_Add.1.csv")
    'A/79/318/Add.1'
    >>> symbol_from_name("effective rates.csv")
    'effective rates'
    """
    stem = Path(name).stem
    return stem.replace("_", "/") if re.match(r"^[A-Z]+_\d+_", stem) else stem


#: The ``note`` of every rate read from a General Assembly effective-rates CSV.
_GA_RATES_NOTE = "General Assembly effective rates for peacekeeping (user-supplied CSV)"


def read_ga_effective_rates(path: str | Path) -> pd.DataFrame:
    """The General Assembly's effective rates of assessment for peacekeeping, exported as CSV.

    Expected shape (the annex of A/xx/xxx/Add.1): a member-state column (header ``Member
    State``, ``Member States``, ``member_state`` or ``Country``) and one column per year of
    the scale period, whose header contains the year (``2025``, ``Effective rate 2025``,
    ...). Other columns (level, regular-budget rate) are ignored. A row named ``Total`` is
    checked against the sum, not read as a member; a trailing footnote mark such as ``a/``
    after a name is dropped. Rates keep the decimals printed (``precision`` ``4dp``). Each
    year must be a full table: every member once, summing to 100 within rounding. Name the
    file after the document symbol (``A_79_318_Add.1.csv``) and the symbol becomes the
    ``source_document``.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "A_0_0_Add.1.csv"
    >>> _ = f.write_text("Member State,2025\\nChina,60.0000\\nFrance,40.0000\\nTotal,100.0000\\n")
    >>> read_ga_effective_rates(f)[["year", "member_iso3", "rate_printed", "source_document"]].values.tolist()
    [[2025, 'CHN', '60.0000', 'A/0/0/Add.1'], [2025, 'FRA', '40.0000', 'A/0/0/Add.1']]
    """
    path = Path(path)
    header, rows = _read_rows(path, unique=False)
    member_col, year_cols = _ga_columns(header, path)
    out, totals = _ga_member_rows(rows, member_col, year_cols, path)
    if not out:
        raise ParseError(str(path), "no member rows under the header")
    frame = pd.DataFrame(out, columns=list(RATE_COLUMNS))
    check_full_table(frame, path)
    for year, (total, line) in totals.items():
        got = float(frame.loc[frame["year"] == year, "rate_percent"].sum())
        tolerance = int((frame["year"] == year).sum()) * 0.5 * 10.0 ** -int(frame["decimals"].max())
        if abs(got - total) > tolerance + 1e-9:
            raise ParseError(
                str(path), f"the Total row prints {total} for {year}, the member rates sum to {got:.6f}", row=line
            )
    return frame


def _ga_columns(header: list[str], path: Path) -> tuple[int, dict[int, int]]:
    """The member-state column and the year columns (column -> year) of an effective-rates header, checked."""
    member_cols = [i for i, h in enumerate(header) if _MEMBER_HEADER.match(h)]
    if len(member_cols) != 1:
        raise ParseError(
            str(path),
            f"expected one member-state column ('Member State'), found {len(member_cols)} in the header {header}",
            row=1,
        )
    year_cols: dict[int, int] = {}
    seen: dict[int, str] = {}
    for i, h in enumerate(header):
        found = _YEAR_HEADER.findall(h) if i != member_cols[0] else []
        if len(found) == 1 and not re.search(r"regular|level|scale", h, re.IGNORECASE):
            year = int(found[0])
            if year in seen:
                raise ParseError(
                    str(path),
                    f"year {year} has two columns ({seen[year]!r} and {h!r}); expected one column per year",
                    row=1,
                )
            seen[year] = h
            year_cols[i] = year
    if not year_cols:
        raise ParseError(str(path), f"no year columns (a header with a year such as '2025') in {header}", row=1)
    years = sorted(year_cols.values())
    if years != list(range(years[0], years[-1] + 1)):
        raise ParseError(str(path), f"year columns {years} are not consecutive years of one scale period", row=1)
    return member_cols[0], year_cols


def _ga_member_rows(
    rows: list[tuple[int, list[str]]], member_col: int, year_cols: dict[int, int], path: Path
) -> tuple[list[tuple], dict[int, tuple[float, int]]]:
    """One :data:`RATE_COLUMNS` tuple per member and printed year, and the Total row's values (year -> value, row)."""
    years = sorted(year_cols.values())
    out = []
    totals: dict[int, tuple[float, int]] = {}
    names: dict[str, int] = {}
    for line, values in rows:
        name = _FOOTNOTE.sub("", values[member_col])
        if name.casefold() == "total":
            for i, year in year_cols.items():
                if values[i]:
                    totals[year] = (_rate(values[i], f"total {year}", path, line)[0], line)
            continue
        code = countries.lookup(name)
        if code is None:
            raise ParseError(
                str(path),
                f"unknown member state {name!r}: not in pkdata.core.countries; add the spelling "
                "to pkdata/data/country_names.csv (read by countries.py) with this file named",
                row=line,
            )
        if code in names:
            raise ParseError(
                str(path),
                f"{name!r} ({code}) appears in rows {names[code]} and {line}; expected each member once",
                row=line,
            )
        names[code] = line
        for i, year in year_cols.items():
            cell = values[i]
            if not cell or cell in {"-", "\u2013", "\u2014"}:
                continue
            value, printed, dec = _rate(cell, f"rate for {year}", path, line)
            out.append(
                (year, years[0], years[-1], True, code, name, value, printed, dec, f"{dec}dp", "rounded")
                + (symbol_from_name(path.name), "", _GA_RATES_NOTE, line)
            )
    return out, totals


LEVEL_COLUMNS: tuple[str, ...] = (
    "period_start_year",
    "period_end_year",
    "iso3",
    "member_state",
    "level",
    "source_document",
    "source_url",
    "note",
)
LEVELS = tuple("ABCDEFGHIJ")


def read_levels_csv(path: str | Path) -> pd.DataFrame:
    """The curated peacekeeping levels table: member x scale period -> level (A-J), one row per year.

    Returns ``year``, ``period_start``, ``period_end``, ``member_iso3``, ``level``,
    ``source_document``, ``source_url``, ``row``.

    >>> from pkdata.core.paths import curated_dir
    >>> df = read_levels_csv(curated_dir() / "peacekeeping_levels.csv")
    >>> df[(df.year == 2014) & (df.member_iso3 == "DEU")]["level"].tolist()
    ['B']
    """
    path = Path(path)
    out = []
    for line, r in _records(path, LEVEL_COLUMNS):
        start = _int(r["period_start_year"], "period_start_year", path, line)
        end = _int(r["period_end_year"], "period_end_year", path, line)
        iso3 = _member(r["member_state"], r["iso3"], path, line)
        if r["level"] not in LEVELS:
            raise ParseError(str(path), f"level {r['level']!r}; expected one of {', '.join(LEVELS)}", row=line)
        if not r["source_document"]:
            raise ParseError(str(path), "source_document is empty; every level names its source", row=line)
        for year in range(start, end + 1):
            out.append((year, start, end, iso3, r["level"], r["source_document"], r["source_url"], line))
    frame = pd.DataFrame(
        out,
        columns=["year", "period_start", "period_end", "member_iso3", "level", "source_document", "source_url", "row"],
    )
    _check_duplicates(frame, ["year", "member_iso3"], path, "member-year")
    return frame


#: The secondary extraction's per-mission tables (USD thousands): file -> (amount column, fiscal year, scope).
SECONDARY_BUDGET_FILES: dict[str, tuple[str, str, str]] = {
    "ga_approved_all_missions.csv": (
        "approved_maintenance_usd_thousands",
        "2026/27",
        "mission maintenance as approved (gross; excl. prorated support account, UNLB and RSCE shares)",
    ),
    "mission_budget_register.csv": (
        "apportioned_2025_26_gross",
        "2025/26",
        "mission apportionment as approved (gross), as restated in the next year's budget report",
    ),
}


def read_secondary_budgets(path: str | Path) -> pd.DataFrame:
    """Approved per-mission budgets from a secondary CSV extraction of UN documents (USD thousands).

    Reads one of :data:`SECONDARY_BUDGET_FILES` (``ga_approved_all_missions.csv``: 2026/27 from
    A/C.5/80/20; ``mission_budget_register.csv``: the 2025/26 apportionment restated in the
    Secretary-General's 2026/27 budget reports). Returns the columns of :func:`read_budget_csv`
    plus ``scope``; ``usd`` is in dollars, ``rounding_usd`` 100 (the tables print thousands to
    one decimal), ``source_document`` the UN symbol the figure was read from.

    >>> df = read_secondary_budgets(FIXTURES / "budget/secondary_lystadjs_2026/ga_approved_all_missions.csv")
    >>> int(df.set_index("mission").loc["MINUSCA", "usd"]), df["fiscal_year"].unique().tolist()
    (1018006100, ['2026/27'])
    """
    path = Path(path)
    if path.name not in SECONDARY_BUDGET_FILES:
        raise ParseError(
            str(path), f"not a known secondary budget table; expected one of {list(SECONDARY_BUDGET_FILES)}"
        )
    column, fiscal, scope = SECONDARY_BUDGET_FILES[path.name]
    symbol_col = "source_symbol" if "source_symbol" in _read_rows(path, ("mission_id",))[0] else "symbol"
    rows = []
    for line, r in _records(path, ("mission_id", column, symbol_col, "official_url")):
        try:
            thousands = Decimal(r[column])
        except InvalidOperation:
            raise ParseError(str(path), f"{column} {r[column]!r} is not a number (USD thousands)", row=line) from None
        if not thousands.is_finite() or thousands < 0:
            raise ParseError(str(path), f"{column} {r[column]} must be a number >= 0 (USD thousands)", row=line)
        if not r["mission_id"] or not r[symbol_col]:
            raise ParseError(str(path), "mission_id and the document symbol must not be empty", row=line)
        note = f"secondary: read from a researcher's extraction of {r[symbol_col]} ({path.name}, {column})"
        usd = float(thousands * 1000)
        rows.append((fiscal, int(fiscal[:4]), r["mission_id"], usd, 100, r[symbol_col], r["official_url"], note, line))
    frame = pd.DataFrame(rows, columns=[*_BUDGET_FRAME_COLUMNS])
    frame["scope"] = scope
    dup = frame[frame.duplicated("mission", keep=False)]
    if not dup.empty:
        raise ParseError(str(path), f"mission {dup.iloc[0]['mission']} twice", row=int(dup["row"].iloc[-1]))
    return frame
