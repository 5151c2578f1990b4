"""Women in UN peacekeeping: the share of women by personnel category, world or one contributor.

Categories follow the UN's Uniformed Gender Parity Strategy 2018-2028, which sets its targets for
troops (military contingents), staff officers and military observers together (pkdata's
``staff_officers`` and ``experts_on_mission``), individual police and formed police units.

The share is the women printed in the monthly reports over all personnel of the category, month
by month from November 2009 (the first month the sources split personnel by gender). A month is a
gap (NaN), never a zero, where the report gives no gender split (2023-09), where less than
:data:`MIN_GENDERED` of the category's personnel have one, or where pkdata's quality flags mark the
gender split as wrong (:func:`pkdata.tables.quality.gender_excluded_months`; August 2020 prints every soldier
of 51 troop rows as female).

DPO gave 17.6 per cent women among individual military officers in April 2021:

>>> s = women_share()
>>> round(float(s.loc["2021-04-30", "staff_officers_and_experts"]), 1)
17.6
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pkdata.core import store
from pkdata.core.errors import PkdataError

#: Target category -> the personnel types it adds up.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "troops": ("troops",),
    "staff_officers_and_experts": ("staff_officers", "experts_on_mission"),
    "individual_police": ("individual_police",),
    "formed_police_units": ("formed_police_units",),
}
CATEGORY_NAMES: dict[str, str] = {
    "troops": "Troops",
    "staff_officers_and_experts": "Staff officers and military observers",
    "individual_police": "Individual police",
    "formed_police_units": "Formed police units",
    "all": "All uniformed personnel",
}
#: The first month whose sources split personnel by gender.
FIRST_MONTH = pd.Timestamp("2009-11-30")
#: A month's share needs at least this fraction of the category's personnel with a gender split.
MIN_GENDERED = 0.99


def excluded_months(data_dir: str | Path | None = None) -> list[str]:
    """Months ('YYYY-MM') whose gender split the quality flags mark as wrong.

    >>> "2020-08" in excluded_months()
    True
    """
    from pkdata.tables.quality import gender_excluded_months

    return list(gender_excluded_months(data_dir))


def women_share(iso3: str | None = None, *, min_people: int = 0, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Per cent of women by category (and ``all``), month by month from Nov 2009; gaps are NaN.

    ``iso3=None``: all contributors; else one contributor (months in which it has no personnel of a
    category are NaN for that category). ``min_people``: a month whose category has fewer people is NaN
    (a share of 3 people swings by a third with one person). ``attrs``: ``excluded`` (months left out by the quality
    flags), ``no_split`` (months with no gender split), ``sources`` (the report files used).

    >>> women_share("XXX")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: no contributions for 'XXX'; pass an ISO3 code such as 'CHN'
    """
    df = store.table("contributions", data_dir)
    df = df[df["date"] >= FIRST_MONTH]
    if iso3 is not None:
        iso3 = str(iso3).upper()
        df = df[df["contributor_iso3"] == iso3]
        if df.empty:
            raise PkdataError(f"no contributions for {iso3!r}; pass an ISO3 code such as 'CHN'")
    months = pd.date_range(FIRST_MONTH, store.table("contributions", data_dir)["date"].max(), freq="ME")
    category = pd.Series(pd.NA, index=df.index, dtype="string")
    types = df["personnel_type"].astype("string")
    for cat, members in CATEGORIES.items():
        category[types.isin(members)] = cat
    frame = pd.DataFrame(
        {
            "date": df["date"],
            "category": category,
            "total": df["total"].astype("float64"),
            "female": df["female"].astype("Float64").astype("float64"),
        }
    )
    frame = pd.concat([frame, frame.assign(category="all")])
    split = frame.dropna(subset=["female"])
    total = frame.groupby(["date", "category"])["total"].sum().unstack()
    women = split.groupby(["date", "category"])["female"].sum().unstack()
    covered = split.groupby(["date", "category"])["total"].sum().unstack()
    cols = [*CATEGORIES, "all"]
    total, women, covered = (x.reindex(index=months, columns=cols) for x in (total, women, covered))
    share = (100.0 * women / covered).where(covered >= MIN_GENDERED * total).where(total > max(0, min_people - 1))
    excluded = sorted(excluded_months(data_dir))
    bad = share.index.strftime("%Y-%m").isin(excluded)
    share.loc[bad] = float("nan")
    no_split = [
        f"{m:%Y-%m}" for m in months[total.notna().any(axis=1).to_numpy() & covered.isna().all(axis=1).to_numpy()]
    ]
    share.index.name = "date"
    share.attrs.update(
        {
            "excluded": excluded,
            "no_split": no_split,
            "sources": sorted(set(df.loc[df["female"].notna(), "source"].astype(str))),
        }
    )
    return share


def targets(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The UN's gender-parity targets (per cent women) by category and year, each with its document.

    Columns: category, year, target_percent, document_symbol, document_title, document_year, url,
    seen_in, note (the curated table ``data/raw/curated/gender_targets.csv``, copied by the build).

    >>> t = targets().set_index(["category", "year"])
    >>> float(t.loc[("troops", 2028), "target_percent"])
    15.0
    """
    return store.table("gender_targets", data_dir)
