"""Month-by-month wide tables of the contributions table: by personnel type, mission or contributor.

Every month between the table's first and last is a row. A month with no report at all is NaN (a gap,
never a zero); a month with a report that does not list a column's contributor, type or mission is 0.
Each query takes ``data``: rows of the contributions table (a small or doctored table) instead of the
embedded one.

>>> wide = country_by_type("CHN")
>>> int(wide.loc["2018-09-30"].sum())
2506
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from pkdata.core import schema
from pkdata.core.errors import PkdataError
from pkdata.tables import personnel

#: The column of :func:`country_by_mission` for months whose report gives country totals only.
NO_DETAIL = "(no mission detail)"


def contributions_or(data: pd.DataFrame | None = None) -> pd.DataFrame:
    """``data`` when given, else the embedded contributions table.

    >>> small = personnel.contributions().head(3)
    >>> contributions_or(small) is small, len(contributions_or()) > 100_000
    (True, True)
    """
    return personnel.contributions() if data is None else data


def country_rows(iso3: str, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The contributions rows of one contributor, or a clear error naming the code.

    >>> rows = country_rows("chn")
    >>> int(rows.loc[rows["date"] == "2018-09-30", "total"].sum())
    2506
    >>> country_rows("XXX")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: no contributions for 'XXX' in the contributions table; pass the ISO 3166 ...
    """
    df = contributions_or(data)
    iso3 = str(iso3).upper()
    rows = df[df["contributor_iso3"] == iso3]
    if rows.empty:
        raise PkdataError(
            f"no contributions for {iso3!r} in the contributions table; pass the ISO 3166 alpha-3 "
            "code of a contributor, such as 'CHN', 'IND' or 'FRA'"
        )
    return rows


def months_of(df: pd.DataFrame) -> pd.DatetimeIndex:
    """Every month end from the table's first month to its last.

    >>> m = months_of(personnel.contributions())
    >>> f"{m[0]:%Y-%m}", m.freqstr
    ('1990-11', 'ME')
    """
    return pd.date_range(df["date"].min(), df["date"].max(), freq="ME")


def by_column(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Monthly totals by ``column`` with every month in range; months with no report are NaN.

    >>> wide = by_column(personnel.contributions(), "personnel_type")
    >>> int(wide.loc["2018-09-30", "troops"])
    75912
    """
    wide = df.pivot_table(index="date", columns=column, values="total", aggfunc="sum", observed=True, fill_value=0)
    return wide.reindex(months_of(df)).astype("float64")


def by_type(df: pd.DataFrame) -> pd.DataFrame:
    """Monthly totals by personnel type, in the canonical order of the types.

    >>> list(by_type(personnel.contributions()).columns) == list(schema.PERSONNEL_TYPES)
    True
    """
    wide = by_column(df, "personnel_type")
    return wide.reindex(columns=[t for t in schema.PERSONNEL_TYPES if t in wide.columns])


def fill_covered(wide: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """Months that have a report in ``df`` but no rows for these columns are zero; months with no report stay NaN.

    >>> df = pd.DataFrame({"date": pd.to_datetime(["2016-01-31", "2016-03-31"])})
    >>> wide = pd.DataFrame({"A": [5.0, np.nan, np.nan]}, index=pd.date_range("2016-01-31", periods=3, freq="ME"))
    >>> fill_covered(wide, df)["A"].tolist()
    [5.0, nan, 0.0]
    """
    covered = wide.index.isin(pd.DatetimeIndex(df["date"].unique()))
    values = wide.to_numpy(dtype="float64", copy=True)
    fill = covered[:, None] & np.isnan(values)
    if not fill.any():
        return wide
    values[fill] = 0.0
    return pd.DataFrame(values, index=wide.index, columns=wide.columns)


def country_by_type(iso3: str, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """One contributor's monthly totals by type over the whole table's months (0 where a report omits it).

    >>> country_by_type("CHN").loc["2018-09-30"].astype(int).tolist()
    [2408, 50, 30, 18, 0]
    """
    df = contributions_or(data)
    wide = by_type(country_rows(iso3, df))
    return fill_covered(wide.reindex(months_of(df)), df)


def members_by_month(codes: tuple[str, ...] | list[str], data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Month x contributor totals of the contributors ``codes`` (0 where a report omits one of them).

    >>> int(members_by_month(("CHN", "FRA")).loc["2018-09-30", "CHN"])
    2506
    """
    df = contributions_or(data)
    return fill_covered(by_column(df[df["contributor_iso3"].isin(codes)], "contributor_iso3"), df)


class MissionSeries(NamedTuple):
    """One contributor's monthly totals by mission from the first month any report names missions."""

    #: month x mission, every mission (the no-detail months apart)
    wide: pd.DataFrame
    #: the ``top`` largest missions, and the rest summed as ``"Other missions"``
    shown: pd.DataFrame
    #: the people in months whose report gives country totals only (None when there is no such month)
    no_detail: pd.Series | None
    #: the ``top`` largest missions, largest first, then any of the 3 largest of the last 12 months not among them
    keep: list[str]


#: A mission among a contributor's 3 largest of the last 12 months with at least this share of its people then
#: is named in :func:`country_by_mission` even when it is not among the largest over the years.
RECENT_SHARE = 0.05


def country_by_mission(iso3: str, data: pd.DataFrame | None = None, top: int = 7) -> MissionSeries:
    """One contributor's monthly totals by mission: the ``top`` largest over the years and the largest of the
    last 12 months (:data:`RECENT_SHARE`), the rest summed, no-detail months apart.

    >>> s = country_by_mission("CHN", top=3)
    >>> s.keep, list(s.shown.columns)[-1]
    (['UNMISS', 'UNIFIL', 'UNMIL', 'UNISFA'], 'Other missions')
    """
    df = contributions_or(data)
    mine = country_rows(iso3, df).copy()
    start = df.loc[df["mission"].notna(), "date"].min()
    mine = mine[mine["date"] >= start]
    mine["mission"] = mine["mission"].astype("string").fillna(NO_DETAIL)
    months = pd.date_range(start, df["date"].max(), freq="ME")
    wide = by_column(mine, "mission") if len(mine) else pd.DataFrame(index=months)
    wide = fill_covered(wide.reindex(months), df)
    no_detail = wide.pop(NO_DETAIL) if NO_DETAIL in wide.columns else None
    biggest = wide.sum().sort_values(ascending=False, kind="mergesort").index.tolist()
    keep = biggest[:top]
    # and the country's largest missions now (China's UNISFA in 2024-25), not lumped into "Other missions"
    recent = wide.iloc[-12:].mean().sort_values(ascending=False, kind="mergesort")
    now = recent.sum()
    keep += [m for m in recent.index[:3] if m not in keep and now > 0 and recent[m] >= RECENT_SHARE * now]
    rest = [m for m in biggest if m not in keep]
    shown = wide[keep].copy()
    if rest:
        shown["Other missions"] = wide[rest].sum(axis=1, min_count=1)
    return MissionSeries(wide, shown, no_detail, keep)


def month_totals(month: str | pd.Timestamp, data: pd.DataFrame | None = None) -> pd.Series:
    """Uniformed personnel per contributor in one month, largest first; ``attrs``: ``date``, ``sources``.

    ``month`` is checked as :func:`pkdata.tables.personnel.snapshot` checks it.

    >>> t = month_totals("2018-09")
    >>> t.index[0], int(t["CHN"]), t.attrs["sources"]
    ('ETH', 2506, ['UN_country_contributions_2018_09.pdf'])
    >>> month_totals("2018")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: '2018' is a year, not a month; pass 'YYYY-MM' (e.g. '2018-12')
    """
    rows = personnel._month_rows(contributions_or(data), month)
    totals = rows.groupby(rows["contributor_iso3"].astype("string"))["total"].sum().astype("int64")
    totals = totals.sort_values(ascending=False, kind="mergesort")
    totals.attrs.update({"date": rows["date"].iloc[0], "sources": sorted(set(rows["source"].astype(str)))})
    return totals


def detail_month(month: str | pd.Timestamp | None, data: pd.DataFrame | None = None) -> pd.Timestamp:
    """The latest month with mission detail on or before ``month`` (default: the data's last such month).

    ``month`` is checked as :func:`pkdata.tables.personnel.snapshot` checks it.

    >>> f"{detail_month('2018-02'):%Y-%m}", f"{detail_month(None):%Y-%m}"
    ('2018-02', '2025-07')
    >>> detail_month("2018")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: '2018' is a year, not a month; pass 'YYYY-MM' (e.g. '2018-12')
    """
    df = contributions_or(data)
    detail = pd.DatetimeIndex(sorted(df.loc[df["mission"].notna(), "date"].unique()))
    when = detail.max() if month is None else personnel._month(month)
    upto = detail[detail <= when]
    if len(upto) == 0:
        raise PkdataError(f"no report with mission detail on or before {when:%Y-%m}; the first is {detail.min():%Y-%m}")
    return upto[-1]


def missions_in_month(iso3: str, when: pd.Timestamp, data: pd.DataFrame | None = None) -> pd.Series:
    """One contributor's people by mission in month ``when`` (rows with mission detail; unsorted);
    ``attrs["sources"]``: the report files of those rows.

    >>> int(missions_in_month("CHN", pd.Timestamp("2018-02-28"))["UNMISS"])
    1052
    """
    rows = country_rows(iso3, data)
    here = rows[(rows["date"] == when) & rows["mission"].notna()]
    per = here.groupby(here["mission"].astype("string"))["total"].sum()
    per.attrs["sources"] = sorted(set(here["source"].astype(str)))
    return per


_TOTALS: list[tuple[pd.DataFrame, pd.DataFrame]] = []  # the last table and its totals (a brief asks 7 times)


def totals_wide(data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Month x contributor uniformed personnel over the table's months; 0 where a report omits a contributor.

    >>> int(totals_wide().loc["2018-09-30", "CHN"])
    2506
    """
    df = contributions_or(data)
    if _TOTALS and _TOTALS[0][0] is df:
        return _TOTALS[0][1]
    wide = df.groupby(["date", df["contributor_iso3"].astype("string")], observed=True)["total"].sum()
    wide = fill_covered(wide.unstack(fill_value=0).astype("float64").reindex(months_of(df)), df)
    _TOTALS[:] = [(df, wide)]
    return wide
