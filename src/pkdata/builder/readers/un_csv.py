"""Reader for the UN's CSV exports of uniformed personnel contributions.

Two shapes, recognised by their header (column names are matched case-insensitively):

- **Monthly contributions** (contributor x mission x personnel type x gender), published as
  ``DPO-UCHISTORICAL.csv`` by the UN Peace and Security Data Hub (lower-case columns:
  ``contribution_id, last_reporting_date, isocode3, contributing_country, mission_acronym,
  personnel_type, male_personnel, female_personnel``) and as ``odp_contributionsbygender.csv`` by
  the UN Peacekeeping Open Data Portal (the same names capitalised: ``Contribution_ID,
  Last_Reporting_Date, ISOCode3, Contributing_Country, Mission_Acronym, Personnel_Type,
  Male_Personnel, Female_Personnel``). :func:`read_contributions` turns either into canonical rows.
- **Contribution ranks** (``odp_contributionranks.csv``: one month, one row per contributor with
  rank, female, male and total uniformed personnel, no personnel type). Without a personnel type
  these cannot be canonical rows; :func:`read_ranks` returns country totals that pkdata uses to
  cross-check the month they report.

Dates are read as day-month-year with a month name (``31-Jan-22``), ISO (``2022-01-31``) or
day/month/year (``31/01/2022``); every date is moved to its month end.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pkdata.core import countries, schema
from pkdata.core.errors import ParseError

#: Columns a monthly contributions file must have (folded: lower case, underscores).
CONTRIBUTION_COLUMNS: tuple[str, ...] = (
    "last_reporting_date",
    "isocode3",
    "contributing_country",
    "mission_acronym",
    "personnel_type",
    "male_personnel",
    "female_personnel",
)

#: Columns a contribution-ranks file must have.
RANK_COLUMNS: tuple[str, ...] = (
    "isocode3",
    "contributing_country",
    "personnel_contribution_rank",
    "female_personnel",
    "male_personnel",
    "total_uniformed_personnel",
    "last_reporting_date",
)

_DATE_FORMATS = ("%d-%b-%y", "%d-%b-%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y")


def _fold(col: str) -> str:
    return re.sub(r"[\s\-]+", "_", col.strip().lstrip("\ufeff")).casefold()


def _read(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, encoding="utf-8-sig", dtype="string", keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ParseError(path.name, f"not a readable CSV file: {exc}") from exc
    raw.columns = [_fold(c) for c in raw.columns]
    return raw


def sniff(path: str | Path) -> str | None:
    """Which UN CSV shape a file has: ``"contributions"``, ``"ranks"`` or ``None``.

    >>> sniff(FIXTURES / "personnel/odp_contributionranks_gouliev/odp_contributionranks.csv")
    'ranks'
    """
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            header = {_fold(c.strip().strip('"')) for c in fh.readline().split(",")}
    except OSError:
        return None
    if set(CONTRIBUTION_COLUMNS) <= header:
        return "contributions"
    if set(RANK_COLUMNS) <= header:
        return "ranks"
    return None


def _require(raw: pd.DataFrame, cols: tuple[str, ...], file: str, what: str) -> None:
    missing = [c for c in cols if c not in raw.columns]
    if missing:
        raise ParseError(file, f"missing columns {missing} of a {what} file; found {list(raw.columns)}", row=1)


def _dates(values: pd.Series, file: str) -> pd.Series:
    text = values.str.strip()
    for fmt in _DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if parsed.notna().all():
            return parsed.dt.to_period("M").dt.to_timestamp("M").astype("datetime64[ns]")
    bad = text.head(3).tolist()
    raise ParseError(file, f"last_reporting_date {bad} is in none of the formats {list(_DATE_FORMATS)}", row=2)


def _counts(values: pd.Series, file: str, col: str) -> pd.Series:
    num = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
    bad = (values.notna() & num.isna()) | (num % 1 != 0).fillna(False) | (num < 0).fillna(False)
    if bad.any():
        row = int(bad.to_numpy().argmax()) + 2
        raise ParseError(file, f"{col} must be a non-negative whole number, found {values[bad].iloc[0]!r}", row=row)
    return num.fillna(0).astype("int64")


def _iso3(raw: pd.DataFrame, file: str) -> pd.Series:
    """ISO3 from the file's code, checked against the country name where the name is known."""
    codes = raw["isocode3"].str.strip().str.upper()
    names = raw["contributing_country"].str.strip()
    unknown_codes = sorted({c for c in codes.dropna() if c not in countries.DISPLAY})
    missing = codes.isna()
    if missing.any():
        # No code printed: the name must be in pkdata's table.
        iso = countries.to_iso3(sorted(names[missing].dropna().unique()), file=file)
        codes = codes.mask(missing, names.map(iso))
    if unknown_codes:
        raise ParseError(file, f"unknown ISO3 codes {unknown_codes}; expected codes from pkdata.core.countries")
    mapped = names.map(countries.lookup)
    clash = mapped.notna() & (mapped != codes)
    if clash.any():
        i = int(clash.to_numpy().argmax())
        raise ParseError(
            file,
            f"country {names.iloc[i]!r} is {mapped.iloc[i]} in pkdata's table but the file says {codes.iloc[i]}",
            row=i + 2,
        )
    return codes


def read_contributions(path: str | Path) -> pd.DataFrame:
    """A UN monthly contributions CSV (``DPO-UCHISTORICAL.csv`` / ``odp_contributionsbygender.csv``).

    One canonical row per month x contributor x mission x personnel type (rows repeating a key are
    added up; exact copies of a row, same ``contribution_id`` included, are counted once);
    ``total`` = male + female; zero rows dropped; ``source`` = the file name.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "DPO-UCHISTORICAL.csv"
    >>> _ = p.write_text("contribution_id,last_reporting_date,isocode3,contributing_country,"
    ...     "mission_acronym,personnel_type,male_personnel,female_personnel\\n"
    ...     "1,2022-07-31,CHN,China,UNMISS,Troops,1000,31\\n")
    >>> row = read_contributions(p).iloc[0]
    >>> f"{row.date:%Y-%m-%d}", row.contributor_iso3, row.mission, row.personnel_type, int(row.total)
    ('2022-07-31', 'CHN', 'UNMISS', 'troops', 1031)
    """
    path = Path(path)
    file = path.name
    raw = _read(path)
    _require(raw, CONTRIBUTION_COLUMNS, file, "UN monthly contributions")
    if raw.empty:
        raise ParseError(file, "no data rows under the header")
    copies = raw.duplicated()
    line = pd.Series(range(2, len(raw) + 2), index=raw.index)[~copies].to_numpy()  # CSV line of each row
    raw = raw[~copies].reset_index(drop=True)
    labels = raw["personnel_type"].str.strip()
    types = schema.map_types(sorted(labels.dropna().unique()), file=file)
    missions = raw["mission_acronym"].str.strip()
    if missions.isna().any():
        raise ParseError(file, "row without a mission_acronym", row=int(missions.isna().to_numpy().argmax()) + 2)
    df = pd.DataFrame(
        {
            "date": _dates(raw["last_reporting_date"], file),
            "contributor_iso3": _iso3(raw, file),
            "mission": missions,
            "personnel_type": labels.map(types),
            "male": _counts(raw["male_personnel"], file, "male_personnel"),
            "female": _counts(raw["female_personnel"], file, "female_personnel"),
            "source_row": line,
        }
    )
    if "total_personnel" in raw.columns:  # some exports add it: it must agree
        _check_total(raw, df, file)
    out = canonical_rows(df, file)
    out.attrs["cleaning"] = {"rows_read": int(len(raw) + copies.sum()), "exact_copies_dropped": int(copies.sum())}
    return out


def _check_total(raw: pd.DataFrame, df: pd.DataFrame, file: str) -> None:
    """The export's own ``total_personnel`` equals male + female on every row."""
    printed = _counts(raw["total_personnel"], file, "total_personnel")
    bad = printed != df["male"] + df["female"]
    if bad.any():
        raise ParseError(
            file,
            "total_personnel differs from male_personnel + female_personnel",
            row=int(bad.to_numpy().argmax()) + 2,
        )


def read_ranks(path: str | Path) -> pd.DataFrame:
    """A UN "contribution ranks" CSV: one month's totals per contributor (no personnel type, no mission).

    Columns returned: date, contributor_iso3, contributor, rank, male, female, total, source. Not
    canonical rows (no personnel type): pkdata uses them to cross-check the month they report.

    >>> r = read_ranks(FIXTURES / "personnel/odp_contributionranks_gouliev/odp_contributionranks.csv")
    >>> r["date"].iloc[0].strftime("%Y-%m"), int(r["total"].sum()), r.iloc[0]["contributor_iso3"]
    ('2022-01', 75252, 'BGD')
    """
    path = Path(path)
    file = path.name
    raw = _read(path)
    _require(raw, RANK_COLUMNS, file, "UN contribution ranks")
    df = pd.DataFrame(
        {
            "date": _dates(raw["last_reporting_date"], file),
            "contributor_iso3": _iso3(raw, file),
            "rank": _counts(raw["personnel_contribution_rank"], file, "personnel_contribution_rank"),
            "male": _counts(raw["male_personnel"], file, "male_personnel"),
            "female": _counts(raw["female_personnel"], file, "female_personnel"),
            "total": _counts(raw["total_uniformed_personnel"], file, "total_uniformed_personnel"),
        }
    )
    bad = df["male"] + df["female"] != df["total"]
    if bad.any():
        raise ParseError(
            file,
            "Total_Uniformed_Personnel differs from Male_Personnel + Female_Personnel",
            row=int(bad.to_numpy().argmax()) + 2,
        )
    if df.duplicated(["date", "contributor_iso3"]).any():
        dup = df[df.duplicated(["date", "contributor_iso3"])].iloc[0]
        raise ParseError(file, f"{dup['contributor_iso3']} appears twice for {dup['date']:%Y-%m}")
    df.insert(2, "contributor", df["contributor_iso3"].map(countries.display_name))
    df["source"] = file
    return df.sort_values(["date", "rank", "contributor_iso3"], kind="mergesort").reset_index(drop=True)


def canonical_rows(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Rows of one file (date, contributor_iso3, mission, personnel_type, male, female, source_row) summed to one
    canonical contributions row per key, rows with no one dropped, ``source`` = ``file``.

    >>> rows = pd.DataFrame({"date": pd.to_datetime(["2022-07-31"] * 2), "contributor_iso3": ["FJI", "FJI"],
    ...     "mission": ["UNMISS", "UNMISS"], "personnel_type": ["troops", "troops"], "male": [3, 4], "female": [1, 0],
    ...     "source_row": [3, 2]})
    >>> canonical_rows(rows, "x.csv")[["contributor", "total", "source_row", "source"]].values.tolist()
    [['Fiji', 8, 2, 'x.csv']]
    """
    df = df.groupby(list(schema.KEY), sort=True, observed=True).agg(
        male=("male", "sum"), female=("female", "sum"), source_row=("source_row", "min")
    )
    df = df.reset_index()
    df["total"] = df["male"] + df["female"]
    df = df[df["total"] > 0]
    df["contributor"] = df["contributor_iso3"].map(countries.display_name)
    df["source"] = file
    return schema.coerce(df).reset_index(drop=True)
