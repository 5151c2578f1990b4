"""Uniformed personnel contributions: the canonical table and the queries built on it.

>>> import pkdata
>>> snap = pkdata.snapshot("2019-06")
>>> int(snap["total"].sum())
87324
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pkdata.core import countries, paths, schema, store
from pkdata.core.errors import PkdataError
from pkdata.core.store import manifest as manifest  # the tables layer hands out the manifest too (charts read no store)


def contributions() -> pd.DataFrame:
    """The canonical long table: one row per month x contributor x mission x personnel type.

    Columns: date, contributor_iso3, contributor, mission (missing where the source gives
    country totals only), personnel_type, male, female, total, source (the file the row
    came from; see :func:`pkdata.manifest`).

    >>> df = contributions()
    >>> list(df.columns) == list(schema.COLUMNS)
    True
    """
    return store.table("contributions")


def _month(date: str | pd.Timestamp) -> pd.Timestamp:
    """The month end of ``date``: a string 'YYYY-MM' or 'YYYY-MM-DD', or a date; anything else is an error.

    >>> _month("2018-09").date(), _month(pd.Timestamp("2018-09-12")).date()
    (datetime.date(2018, 9, 30), datetime.date(2018, 9, 30))
    >>> _month("2018")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: '2018' is a year, not a month; pass 'YYYY-MM' (e.g. '2018-12')
    """
    if isinstance(date, (int, float)) or (isinstance(date, str) and re.fullmatch(r"\s*\d{1,6}\s*", date)):
        text = str(date).strip()
        hint = f"'{text[:4]}-{text[4:6]}'" if len(text) == 6 else f"'{text[:4]}-12'"
        kind = "a year" if len(text) == 4 else "a number"
        raise PkdataError(f"{date!r} is {kind}, not a month; pass 'YYYY-MM' (e.g. {hint})")
    bad = PkdataError(f"{date!r} is not a month; use 'YYYY-MM' (e.g. '2018-09') or a date 'YYYY-MM-DD'")
    if isinstance(date, str) and not re.fullmatch(r"\s*\d{4}-\d{1,2}(-\d{1,2})?\s*", date):
        raise bad
    if not isinstance(date, (str, datetime.date, pd.Timestamp)):
        raise bad
    try:
        month = pd.Timestamp(date)
    except (ValueError, TypeError) as exc:
        raise bad from exc
    if pd.isna(month):
        raise bad
    return month.to_period("M").to_timestamp("M").normalize()


def _month_rows(df: pd.DataFrame, date: str | pd.Timestamp) -> pd.DataFrame:
    month = _month(date)
    rows = df[df["date"] == month]
    if rows.empty:
        have = df["date"].drop_duplicates().sort_values()
        before = have[have < month].tail(1).dt.strftime("%Y-%m").tolist()
        after = have[have > month].head(1).dt.strftime("%Y-%m").tolist()
        raise PkdataError(
            f"no contributions data for {month:%Y-%m}; nearest months with data: {before + after}. "
            "`pkdata info` lists the months without a report."
        )
    return rows


def snapshot(date: str | pd.Timestamp) -> pd.DataFrame:
    """One row per contributor for a month: totals by personnel type, ranked by total.

    Columns: rank, contributor_iso3, contributor, one column per personnel type, total,
    male, female (missing where the report gives no gender split), source.

    >>> int(snapshot("2018-09").set_index("contributor_iso3").loc["CHN", "total"])
    2506
    """
    rows = _month_rows(contributions(), date)
    rows = rows.assign(contributor_iso3=rows["contributor_iso3"].astype("string"))  # only this month's members
    wide = rows.pivot_table(
        index="contributor_iso3", columns="personnel_type", values="total", aggfunc="sum", observed=True, fill_value=0
    )
    wide = wide.reindex(columns=list(schema.PERSONNEL_TYPES), fill_value=0).astype("int64")
    wide.columns = list(wide.columns)
    g = rows.groupby("contributor_iso3")
    wide["total"] = g["total"].sum().astype("int64")
    wide["male"] = g["male"].sum(min_count=1).astype("Int64")
    wide["female"] = g["female"].sum(min_count=1).astype("Int64")
    wide["source"] = g["source"].first()
    wide = wide.reset_index()
    wide.insert(1, "contributor", wide["contributor_iso3"].map(countries.display_name))
    wide = wide.sort_values(["total", "contributor_iso3"], ascending=[False, True], kind="mergesort")
    wide.insert(0, "rank", wide["total"].rank(method="min", ascending=False).astype("int64"))
    return wide.reset_index(drop=True)


def series(iso3: str, by: Literal["mission", "personnel_type"] | None = None) -> pd.DataFrame:
    """Monthly series for one contributor: total, or one column per mission or type.

    Every month the data covers is a row; months with no report are NaN (not zero). With
    ``by="mission"``, months whose source has country totals only put their whole total in
    the column ``"(no mission detail)"``.

    >>> s = series("CHN")
    >>> int(s.loc["2019-06-30", "total"])
    2519
    """
    if not isinstance(iso3, str):
        raise PkdataError(
            f"series() takes one ISO3 code, got {type(iso3).__name__} {str(iso3)[:80]}; "
            "for several, call it once per code: {code: series(code) for code in codes}"
        )
    if by not in (None, "mission", "personnel_type"):
        raise PkdataError(f"by={by!r}: expected None, 'mission' or 'personnel_type'")
    df = contributions()
    iso3 = iso3.upper()
    if iso3 not in set(df["contributor_iso3"]):
        raise PkdataError(f"no contributions for {iso3!r}; pass an ISO3 code such as 'CHN'")
    all_months = pd.date_range(df["date"].min(), df["date"].max(), freq="ME", name="date")
    mine = df[df["contributor_iso3"] == iso3].copy()
    if by is None:
        out = mine.groupby("date")["total"].sum().to_frame("total")
    else:
        if by == "mission":
            mine["mission"] = mine["mission"].astype("string").fillna("(no mission detail)")
        out = mine.pivot_table(index="date", columns=by, values="total", aggfunc="sum", observed=True, fill_value=0)
        out.columns = [str(c) for c in out.columns]
    covered = set(df["date"].unique())
    out = out.reindex(all_months)
    if by is not None:
        out.loc[out.index.isin(covered)] = out.loc[out.index.isin(covered)].fillna(0)
    else:
        out.loc[out.index.isin(covered), "total"] = out.loc[out.index.isin(covered), "total"].fillna(0)
    return out


def p5(date: str | pd.Timestamp) -> pd.DataFrame:
    """The five permanent members of the Security Council side by side for a month.

    >>> p5("2018-09").index.tolist()[0]
    'CHN'
    """
    snap = snapshot(date).set_index("contributor_iso3")
    out = snap.reindex(list(countries.P5))
    out["contributor"] = [countries.display_name(c) for c in out.index]
    num = [*schema.PERSONNEL_TYPES, "total"]
    out[num] = out[num].fillna(0).astype("int64")
    out["rank"] = out["rank"].astype("Int64")
    return out.sort_values("total", ascending=False, kind="mergesort")


def listed_contributors(date: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Every contributor each UN monthly PDF report lists, **with those printed with 0 personnel**.

    :func:`contributions` keeps rows with personnel only (total > 0), so counting contributors there
    counts those with someone deployed; this table reproduces the report's own list of contributing
    countries. Columns: date, contributor_iso3, contributor, total, source. Months from the IPI and
    CSV sources (no PDF) are not in it.

    >>> lc = listed_contributors("2022-01")
    >>> len(lc), int((lc["total"] == 0).sum())
    (122, 1)
    """
    df = store.table("listed_contributors")
    if date is None:
        return df
    return _month_rows(df, date).reset_index(drop=True)


# --------------------------------------------------------------------------- any processed folder
# The queries above read the folder PKDATA_DATA names; the analysis layer (claims) also checks copies of it,
# so these take the folder as an argument.


def processed_folder(data_dir: str | os.PathLike[str] | None) -> Path:
    """The processed folder ``data_dir`` names (None or '': the default one), or a clear error.

    >>> processed_folder(None) == paths.processed_dir()
    True
    >>> processed_folder(3)
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: data_dir=3: expected a folder path (str or Path) or None
    """
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise PkdataError(f"data_dir={data_dir!r}: expected a folder path (str or Path) or None")
    return Path(data_dir) if data_dir else paths.processed_dir()


def contributions_table(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The contributions table (as :func:`contributions`) of the processed folder ``data_dir``.

    >>> df = contributions_table()
    >>> int(df.loc[(df["date"] == "2018-09-30") & (df["contributor_iso3"] == "CHN"), "total"].sum())
    2506
    """
    return store.table("contributions", processed_folder(data_dir))


def source_files(data_dir: str | os.PathLike[str] | None = None) -> dict[str, dict[str, Any]]:
    """The manifest's source files of the processed folder ``data_dir``, by file name (do not modify).

    >>> files = source_files()
    >>> all(entry["name"] == name for name, entry in files.items()), len(files) > 100
    (True, True)
    """
    return {e["name"]: e for e in store.manifest(processed_folder(data_dir)).get("sources", [])}
