"""Research panels: country-month, country-year, mission-month and mission-year frames with standard codes.

:func:`panel` returns one tidy frame per unit, the shape peace-science users know from peacesciencer's
``create_stateyears``: one row per unit and period, ISO3 with COW (``cown``, ``cowc``) and
Gleditsch-Ward (``gwno``) codes as columns, ready to join with other data by COW or GW code.

- **Personnel** (uniformed: troops, staff officers, experts on mission, individual police, formed
  police units) from the contributions table. A month without a UN report
  (``pkdata.manifest()["contributions"]["missing_months"]``, and every month before the first report)
  is *missing*, never zero; a country absent from a month's report contributed zero that month.
  ``male``/``female`` are missing where the month's source gives no split for every row.
- **Annual values** are named for what they are: ``<column>_mean`` is the mean over the months of the
  year that have a report (``months_reported`` says how many), ``<column>_dec`` the December value.
- **Missions served** (``n_missions``): distinct missions in the month; missing where the month's source
  gives country totals only (IPI history before 2009 and some months after).
- **Finance** (calendar years, from :func:`pkdata.assessments`): peacekeeping scale share
  (``pk_scale_percent``, bounds ``pk_scale_low``..``pk_scale_high`` where only bounds are known, with
  ``pk_scale_basis``), billed peacekeeping assessments (``pk_billed_usd``,
  ``pk_billed_percent``), regular-budget share (``rb_scale_percent``). Monthly panels repeat the
  year's value.
- **Fatalities** by nationality (or mission) and month of death: all incidents and malicious acts
  (``fatalities``, ``fatalities_malicious``; every personnel category of the UN file, civilians included).

The codes come from ``src/pkdata/data/country_codes.csv`` (:func:`pkdata.core.codes.country_codes`;
sources in ``country_codes_SOURCES.md``).

>>> import pkdata
>>> cy = pkdata.panel("country-year")
>>> row = cy[(cy.iso3 == "CHN") & (cy.year == 2015)].iloc[0]
>>> int(row.cown), int(row.gwno), int(row.total_dec) > 3000
(710, 710, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from pkdata.core import countries, paths, store
from pkdata.core.codes import CODE_FIELDS, CODES_CSV, country_codes, unresolved_codes  # noqa: F401 - public here too
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file
from pkdata.core.schema import PERSONNEL_TYPES

Unit = Literal["country-month", "country-year", "mission-month", "mission-year"]
UNITS: tuple[str, ...] = ("country-month", "country-year", "mission-month", "mission-year")

#: Personnel count columns of the monthly panels (the five types, their total, and the sex split).
COUNT_COLUMNS: tuple[str, ...] = (*PERSONNEL_TYPES, "total", "male", "female")
FIRST_YEAR = 1990
#: Historical codes folded into their successor's unit in the panels, as the contributions data do (the IPI
#: files list Yugoslavia and Serbia and Montenegro under Serbia, ``Serbia.csv``): fatalities of YUG and SCG
#: nationality count for SRB, whose codes are COW 345 throughout and GW 345 until 2006-06-04, 340 after.
FOLD: dict[str, str] = {"YUG": "SRB", "SCG": "SRB"}


def _months(data_dir: str | Path | None) -> tuple[pd.DatetimeIndex, set[pd.Timestamp], dict[pd.Timestamp, str]]:
    """Every month-end from Jan 1990 to the last report, the months with a report, and their granularity."""
    m = store.manifest(data_dir)["contributions"]
    grid = pd.date_range(
        f"{FIRST_YEAR}-01-31", pd.Period(m["last_month"], "M").to_timestamp(how="end").normalize(), freq="ME"
    )
    gran = {pd.Period(k, "M").to_timestamp(how="end").normalize(): v["granularity"] for k, v in m["months"].items()}
    return grid, set(gran), gran


def _personnel_monthly(key: str, data_dir: str | Path | None) -> pd.DataFrame:
    """Counts by ``key`` (``contributor_iso3`` or ``mission``) and month, wide by personnel type."""
    c = store.table("contributions", data_dir)
    if key == "mission":
        c = c[c["mission"].notna()]
    c = c.assign(unit=c[key].astype(str))
    by = ["unit", "date"]
    wide = (
        c.groupby([*by, "personnel_type"], observed=True)["total"]
        .sum()
        .unstack("personnel_type")
        .reindex(columns=list(PERSONNEL_TYPES))
        .fillna(0)
        .astype("Int64")
    )
    grouped = c.groupby(by, observed=True)
    sums = pd.DataFrame(
        {
            "total": grouped["total"].sum(),
            # a month's sex split only where every row of it has one
            "male": grouped["male"].sum(min_count=1).where(grouped["male"].count() == grouped["total"].count()),
            "female": grouped["female"].sum(min_count=1).where(grouped["female"].count() == grouped["total"].count()),
        }
    )
    if key == "contributor_iso3":
        sums["n_missions"] = grouped["mission"].nunique()
    else:
        sums["n_contributors"] = grouped["contributor_iso3"].nunique()
    return wide.join(sums).reset_index()


def _fatalities_monthly(key: str, data_dir: str | Path | None) -> pd.DataFrame:
    f = store.table("fatalities", data_dir)
    f = f[f[key].notna()]
    f = f.assign(
        unit=f[key].astype(str).replace(FOLD),
        date=f["date"] + pd.offsets.MonthEnd(0),
        malicious=(f["incident_type"] == "malicious_act").astype(int),
    )
    g = f.groupby(["unit", "date"])
    return pd.DataFrame({"fatalities": g.size(), "fatalities_malicious": g["malicious"].sum()}).reset_index()


def _finance(data_dir: str | Path | None) -> pd.DataFrame:
    """Calendar year x member: peacekeeping scale and billed shares, regular-budget scale."""
    from pkdata.tables.finance import assessments

    pk = assessments("peacekeeping", all_rows=True, data_dir=data_dir)
    pk = pk[pk["chosen"]]
    order = {"scale_rate": 0, "scale_rate_rounded": 1, "scale_rate_derived": 2}
    scale = pk[pk["basis"].isin(list(order))]
    # the exact adopted rate where there is one, else the rounded one, else the bounds derived from the
    # regular-budget scale (a value only where the year's printed rates pin it)
    scale = scale.assign(order=scale["basis"].map(order)).sort_values(["year", "member_iso3", "order"])
    scale = scale.drop_duplicates(["year", "member_iso3"])
    scale = scale.assign(
        pk_scale_low=scale["share_low"].fillna(scale["share_percent"]),
        pk_scale_high=scale["share_high"].fillna(scale["share_percent"]),
    )
    scale = scale.rename(columns={"share_percent": "pk_scale_percent", "basis": "pk_scale_basis"})
    billed = pk[pk["basis"] == "assessed_usd"].rename(
        columns={"share_percent": "pk_billed_percent", "assessed_usd": "pk_billed_usd"}
    )
    rb = assessments("regular", data_dir=data_dir).rename(
        columns={"share_percent": "rb_scale_percent", "basis": "rb_scale_basis"}
    )
    key = ["year", "member_iso3"]
    out = (
        scale[[*key, "pk_scale_percent", "pk_scale_low", "pk_scale_high", "pk_scale_basis"]]
        .merge(billed[[*key, "pk_billed_usd", "pk_billed_percent"]], on=key, how="outer")
        .merge(rb[[*key, "rb_scale_percent", "rb_scale_basis"]], on=key, how="outer")
    )
    out = out.rename(columns={"member_iso3": "iso3"})
    if out["iso3"].isin(list(FOLD)).any():
        raise PkdataError(
            f"assessments: rows for {sorted(set(out['iso3']) & set(FOLD))}; pkdata.tables.panels.FOLD "
            "would merge them with their successor's"
        )
    out["year"] = out["year"].astype("int64")
    for col in ("pk_scale_basis", "rb_scale_basis"):
        out[col] = out[col].astype("string")
    return out


def _country_universe(data_dir: str | Path | None) -> list[str]:
    c = store.table("contributions", data_dir)["contributor_iso3"].astype(str)
    f = store.table("fatalities", data_dir)["nationality_iso3"].dropna().astype(str)
    a = store.table("assessments", data_dir)["member_iso3"].dropna().astype(str)
    return sorted({FOLD.get(x, x) for x in set(c) | set(f) | set(a)})


def _monthly(kind: Literal["country", "mission"], data_dir: str | Path | None) -> pd.DataFrame:
    grid, reported, gran = _months(data_dir)
    if kind == "country":
        units = _country_universe(data_dir)
        pers = _personnel_monthly("contributor_iso3", data_dir)
        fat = _fatalities_monthly("nationality_iso3", data_dir)
        # a month has mission detail when its source gives missions (granularity "mission+...")
        detail = {d for d, g in gran.items() if g.startswith("mission")}
        reported_for = reported
    else:
        pers = _personnel_monthly("mission", data_dir)
        fat = _fatalities_monthly("mission", data_dir)
        units = sorted(set(pers["unit"]))
        reported_for = detail = {d for d, g in gran.items() if g.startswith("mission")}
    frame = pd.MultiIndex.from_product([units, grid], names=["unit", "date"]).to_frame(index=False)
    frame = frame.merge(pers, on=["unit", "date"], how="left").merge(fat, on=["unit", "date"], how="left")
    has_report = frame["date"].isin(reported_for)
    count_cols = [*COUNT_COLUMNS, "n_missions" if kind == "country" else "n_contributors"]
    for col in count_cols:
        col_values = frame[col].astype("Int64")
        if col in ("male", "female"):
            # absent from a reported month: zero of each sex only if the month has a sex split at all
            split = frame.groupby("date")[col].transform(lambda s: s.notna().any())
            filled = col_values.where(col_values.notna() | ~split, 0)
        else:
            filled = col_values.fillna(0)
        frame[col] = filled.where(has_report, pd.NA).astype("Int64")
    if kind == "country":
        frame["n_missions"] = frame["n_missions"].where(frame["date"].isin(detail), pd.NA)
    for col in ("fatalities", "fatalities_malicious"):
        frame[col] = frame[col].fillna(0).astype("Int64")
    frame["reported"] = has_report
    frame.insert(1, "year", frame["date"].dt.year.astype("int64"))
    frame.insert(2, "month", frame["date"].dt.month.astype("int64"))
    return frame


def codes_at(iso3: pd.Series, when: pd.Series) -> pd.DataFrame:
    """COW and GW codes of each ISO3 on each date: the state's own code within its membership spell, its
    predecessor's before (``cown_before``/``gwno_before``: Germany and Yemen in 1990, Serbia until 2006),
    missing when the state was not a member on that date (South Sudan before 2011-07-09).

    >>> d = pd.Series(pd.to_datetime(["2005-12-31", "2006-12-31", "2010-12-31", "2012-12-31"]))
    >>> codes_at(pd.Series(["SRB", "SRB", "SSD", "SSD"]), d)[["cown", "gwno"]]
       cown  gwno
    0   345   345
    1   345   340
    2  <NA>  <NA>
    3   626   626
    """
    t = country_codes().set_index("iso3")
    iso3 = iso3.astype(str)
    day = pd.to_datetime(when).dt.strftime("%Y-%m-%d")
    out = pd.DataFrame(index=iso3.index)
    for key, prefix in (("cown", "cow"), ("gwno", "gw")):
        start, end = iso3.map(t[f"{prefix}_start"]), iso3.map(t[f"{prefix}_end"])
        inside = (day >= start) & (day <= end)
        before = day < start
        code = iso3.map(t[key]).where(inside.fillna(False))
        letters = iso3.map(t[f"{prefix}c"]).where(inside.fillna(False))
        prev = iso3.map(t[f"{key}_before"]).where(before.fillna(False))
        prev_letters = iso3.map(t[f"{prefix}c_before"]).where(before.fillna(False))
        out[key] = code.fillna(prev).astype("Int64")
        out[f"{prefix}c"] = letters.fillna(prev_letters).astype("string")
    return out


def _add_country_columns(df: pd.DataFrame) -> pd.DataFrame:
    codes = country_codes().set_index("iso3")
    df = df.rename(columns={"unit": "iso3"})
    when = df["date"] if "date" in df else pd.to_datetime(df["year"].astype(str) + "-12-31")
    at = codes_at(df["iso3"], when)
    df.insert(1, "country", df["iso3"].map(countries.display_name).astype("string"))
    df.insert(2, "cown", at["cown"])
    df.insert(3, "cowc", at["cowc"])
    df.insert(4, "gwno", at["gwno"])
    for i, col in enumerate(("iso_numeric", "m49"), start=5):
        df.insert(i, col, df["iso3"].map(codes[col]).astype("Int64"))
    df["iso3"] = df["iso3"].astype("string")
    return df


def _add_mission_columns(df: pd.DataFrame, data_dir: str | Path | None) -> pd.DataFrame:
    ms = store.table("missions", data_dir).drop_duplicates("acronym").set_index("acronym")
    df = df.rename(columns={"unit": "mission"})
    host = df["mission"].map(ms["host_iso3"]).astype("string")
    when = df["date"] if "date" in df else pd.to_datetime(df["year"].astype(str) + "-12-31")
    at = codes_at(host.fillna("").astype(str), when)
    df.insert(1, "mission_name", df["mission"].map(ms["name"]).astype("string"))
    df.insert(2, "host_iso3", host)
    df.insert(3, "host_cown", at["cown"])
    df.insert(4, "host_gwno", at["gwno"])
    df["mission"] = df["mission"].astype("string")
    return df


def _annual(monthly: pd.DataFrame, key: str, last_year: int) -> pd.DataFrame:
    """Year aggregates: mean over reported months and December values of the counts, sums of fatalities."""
    m = monthly[monthly["year"] <= last_year]
    counts = [c for c in (*COUNT_COLUMNS, "n_missions", "n_contributors") if c in m.columns]
    g = m.groupby([key, "year"], sort=True)
    out = pd.DataFrame({"months_reported": g["reported"].sum().astype("int64")})
    for col in counts:
        values = m[col].astype("Float64")
        out[f"{col}_mean"] = values.groupby([m[key], m["year"]]).mean()
        dec = m[m["month"] == 12].set_index([key, "year"])[col]
        out[f"{col}_dec"] = dec.reindex(out.index).astype("Int64")
    for col in ("fatalities", "fatalities_malicious"):
        out[col] = g[col].sum().astype("Int64")
    return out.reset_index()


def last_complete_year(data_dir: str | Path | None = None) -> int:
    """The last calendar year whose December the contributions data reach.

    >>> last_complete_year() >= 2024
    True
    """
    last = pd.Period(store.manifest(data_dir)["contributions"]["last_month"], "M")
    return last.year if last.month == 12 else last.year - 1


def panel(unit: Unit = "country-year", *, data_dir: str | Path | None = None) -> pd.DataFrame:
    """One tidy frame per ``unit``: personnel by type and sex, missions, assessments, fatalities, codes.

    ``"country-month"`` / ``"mission-month"``: one row per unit and month from January 1990 to the last
    month with data; ``"country-year"`` / ``"mission-year"``: one row per unit and year from 1990 to
    :func:`last_complete_year`. Country panels cover every country in the contributions, fatalities or
    assessments tables; mission panels every mission the contributions name. See the module docstring
    and ``docs/codebook.md`` for every column.

    >>> cm = panel("country-month")
    >>> cm.loc[(cm.iso3 == "CHN") & (cm.date == "2014-09-30"), "total"].isna().item()  # no UN report
    True
    >>> int(panel("mission-year").query("mission == 'UNMISS' and year == 2020").total_dec.item()) > 10000
    True
    """
    if unit not in UNITS:
        raise PkdataError(f"unit={unit!r}: expected one of {list(UNITS)}")
    folder = Path(data_dir) if data_dir else paths.processed_dir()
    # the tables it reads, checked against the manifest (each cached per file version: cheap when unchanged);
    # a panel is computed once per manifest version (which names every table's sha256), then copied
    for name in _PANEL_TABLES:
        store.table(name, folder)
    key = (unit, str(folder.resolve()), sha256_file(folder / store.MANIFEST))
    if key not in _PANELS:
        if len(_PANELS) >= 8:
            _PANELS.pop(next(iter(_PANELS)))
        _PANELS[key] = _compute(unit, folder)
    df = _PANELS[key].copy(deep=False)  # copy-on-write: safe to modify
    df.attrs = dict(_PANELS[key].attrs)
    return df


#: The processed tables a panel is made of.
_PANEL_TABLES = ("contributions", "fatalities", "assessments", "missions")
_PANELS: dict[tuple[str, str, str], pd.DataFrame] = {}


def _compute(unit: Unit, data_dir: Path) -> pd.DataFrame:
    kind = "country" if unit.startswith("country") else "mission"
    monthly = _monthly(kind, data_dir)
    if unit.endswith("year"):
        key = "unit"
        df = _annual(monthly, key, last_complete_year(data_dir))
    else:
        df = monthly
    if kind == "country":
        df = _add_country_columns(df)
        fin = _finance(data_dir)
        df = df.merge(fin, on=["iso3", "year"], how="left")
        df = df.sort_values(["iso3", "year", *(["month"] if "month" in df else [])], kind="mergesort")
    else:
        df = _add_mission_columns(df, data_dir)
        df = df.sort_values(["mission", "year", *(["month"] if "month" in df else [])], kind="mergesort")
    df = df.reset_index(drop=True)
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].astype("string")
    df.attrs["unit"] = unit
    return df


def panel_columns(unit: Unit) -> list[str]:
    """The columns :func:`panel` returns for ``unit``, in order.

    >>> panel_columns("country-year")[:4]
    ['iso3', 'country', 'cown', 'cowc']
    """
    return list(panel(unit).columns)
