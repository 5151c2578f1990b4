"""A contributor's standing: its rank among all contributors month by month, its peers, and its shares of
uniformed personnel and of assessed peacekeeping funding by year.

Each query takes ``data``: rows of the contributions table (a small or doctored table) instead of the
embedded one.

>>> int(contributor_rank("CHN").loc["2018-09-30", "rank"])
11
"""

from __future__ import annotations

import pandas as pd

from pkdata.core import countries
from pkdata.core.errors import PkdataError
from pkdata.tables import finance, monthly, regions

P5_NAME = "permanent members of the Security Council"

_RANKS: list[tuple[pd.DataFrame, pd.DataFrame]] = []  # the last totals and their ranks (a brief asks twice)


def contributor_rank(iso3: str, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """A country's rank among all contributors of uniformed personnel, month by month.

    Columns: rank (1 = largest; ties share the better rank; missing in months with no report or no
    personnel of the country), contributors (how many had personnel that month), total, tied (how many
    other contributors had the same total that month: China and Senegal both had 2,506 in September 2018).

    >>> r = contributor_rank("CHN")
    >>> int(r.loc["2018-09-30", "rank"]), int(r.loc["2018-09-30", "contributors"]), int(r.loc["2018-09-30", "tied"])
    (11, 124, 1)
    >>> contributor_rank("XXX")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: no contributions for 'XXX' in the contributions table; ...
    """
    iso3 = str(iso3).upper()
    df = monthly.contributions_or(data)
    monthly.country_rows(iso3, df)
    wide = monthly.totals_wide(df)
    if _RANKS and _RANKS[0][0] is wide:
        ranks = _RANKS[0][1]
    else:
        ranks = wide.where(wide > 0).rank(axis=1, method="min", ascending=False)
        _RANKS[:] = [(wide, ranks)]
    out = pd.DataFrame(
        {
            "rank": ranks[iso3],
            "contributors": (wide > 0).sum(axis=1).where(wide.notna().any(axis=1)),
            "total": wide[iso3],
        }
    )
    out["rank"] = out["rank"].astype("Int64")
    out["contributors"] = out["contributors"].astype("Int64")
    same = wide.eq(wide[iso3], axis=0).sum(axis=1) - 1
    out["tied"] = same.where(out["rank"].notna()).astype("Int64")
    return out


def rank_label(row: pd.Series) -> str:
    """A row of :func:`contributor_rank` as text, a tie said as one: '#11 (tied with 1 other) of 124'.

    >>> r = contributor_rank("CHN")
    >>> rank_label(r.loc["2018-09-30"]), rank_label(r.loc["2019-06-30"])
    ('#11 (tied with 1 other) of 124', '#11 of 122')
    """
    tied = int(row["tied"]) if pd.notna(row["tied"]) else 0
    tie = f" (tied with {tied} other{'s' if tied > 1 else ''})" if tied else ""
    return f"#{int(row['rank'])}{tie} of {int(row['contributors'])}"


def peer_group(iso3: str, data: pd.DataFrame | None = None, n: int = 5) -> tuple[str, list[str]]:
    """The peers a country is compared with: the P5 for a permanent member, else its region's largest.

    Region: the country's UN subregion (Natural Earth's ``SUBREGION``) if at least three of its countries
    contributed in the last 12 months, else its UN region; the ``n`` largest by mean personnel over the last
    12 months, the country always among them. Returns (the group's name, ISO3 codes, largest first).

    >>> peer_group("FRA")[0], peer_group("NPL")[0]
    ('permanent members of the Security Council', 'largest contributors of Southern Asia')
    >>> peer_group("NPL")[1][:3]
    ['NPL', 'BGD', 'IND']
    >>> peer_group("XXX")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: no contributions for 'XXX' in the contributions table; ...
    """
    iso3 = str(iso3).upper()
    monthly.country_rows(iso3, data)
    if iso3 in countries.P5:
        return P5_NAME, list(countries.P5)
    recent = monthly.totals_wide(data).iloc[-12:].mean().sort_values(ascending=False, kind="mergesort")
    recent = recent[recent > 0]
    where = regions.region(iso3)
    if where is None:
        group, name = list(recent.index[: n - 1]), "largest contributors"
    else:
        sub = [c for c in recent.index if regions.region(c) and regions.region(c)[1] == where[1]]
        if len(sub) >= 3:
            group, name = sub[:n], f"largest contributors of {where[1]}"
        else:
            group = [c for c in recent.index if regions.region(c) and regions.region(c)[0] == where[0]][:n]
            name = f"largest contributors of {where[0]}"
    if iso3 not in group:
        group = [*group[: n - 1], iso3]
    return name, group


def share_history(iso3: str, data: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None) -> pd.DataFrame:
    """By calendar year: the country's share of the peacekeeping assessments and of uniformed personnel.

    ``funding_share``: share of assessed peacekeeping funding (the best basis the year has, ``basis``);
    ``personnel_share``: the mean over the year's monthly reports of the country's share of all uniformed
    personnel (years with at least one report). Per cent. ``assessments``: rows of
    :func:`pkdata.tables.finance.assessments` (default: the peacekeeping ones).

    >>> h, b = share_history("CHN"), finance.burden(2019).set_index("member_iso3").loc["CHN"]
    >>> same = bool(abs(h.loc[2019, "personnel_share"] - b["personnel_share"]) < 1e-9)
    >>> same, round(float(h.loc[2018, "funding_share"]), 3)
    (True, 10.244)
    >>> share_history("XXX")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: no contributions or peacekeeping assessments for 'XXX'; pass an ISO3 code ...
    """
    iso3 = str(iso3).upper()
    if assessments is None:
        assessments = finance.assessments("peacekeeping")
    wide = monthly.totals_wide(data).dropna(how="all")
    a = assessments[assessments["member_iso3"] == iso3].set_index("year")
    if iso3 not in wide.columns and a.empty:
        raise PkdataError(f"no contributions or peacekeeping assessments for {iso3!r}; pass an ISO3 code such as 'CHN'")
    share = wide.div(wide.sum(axis=1), axis=0) * 100
    mine = share[iso3] if iso3 in share.columns else pd.Series(0.0, index=share.index)
    personnel = mine.groupby(mine.index.year).mean()
    years = sorted(set(personnel.index) | set(a.index.astype(int)))
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    out["funding_share"] = a["share_percent"].astype("float64").reindex(years)
    out["basis"] = a["basis"].astype("string").reindex(years)
    out["personnel_share"] = personnel.reindex(years)
    return out
