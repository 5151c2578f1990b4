"""The fatality counts, the deadliest mission, assessment shares and budget totals (general metrics).

>>> from pkdata.analysis.claims.data import Data
>>> fatalities(Data(), pd.Timestamp("2018-12-31"), {"year": 2017, "cause": "malicious_act", "expect": 1,
...     "compare": "at_least"}).verdict
'supported'
"""

from __future__ import annotations

import math

import pandas as pd

from pkdata.analysis.claims import groups
from pkdata.analysis.claims.compare import compare
from pkdata.analysis.claims.data import Data, Missing
from pkdata.analysis.claims.metrics.funding import BUDGET_BASES, FUNDING_MEASURE, _funding_year, _share, _year_rows
from pkdata.analysis.claims.metrics.general import FATALITY_TYPES
from pkdata.analysis.claims.model import Params, Result, insufficient
from pkdata.core import countries


def _deaths(d: Data, as_of: pd.Timestamp, p: Params) -> tuple[pd.DataFrame, str, pd.Timestamp] | Result:
    """The fatalities the claim selects in its calendar ``year`` (or the ``years`` up to ``as_of``), or why none."""
    first, last, how = d.fatality_coverage()
    if "year" in p:
        year = int(p["year"])
        start, end = pd.Timestamp(f"{year}-01-01"), pd.Timestamp(f"{year}-12-31")
        if end > as_of:
            return insufficient(f"the year {year} ends after as_of {as_of:%Y-%m}")
    else:
        end = as_of
        start = as_of - pd.DateOffset(years=int(p.get("years", 1))) + pd.Timedelta(days=1)
    if end > last or start < first:
        return insufficient(
            f"the fatalities data cover {first:%Y-%m-%d}..{last:%Y-%m-%d} ({how}), not {start:%Y-%m-%d}.."
        )
    df = d.fatalities()
    keep = (df["date"] >= start) & (df["date"] <= end)
    types = FATALITY_TYPES.get(p.get("personnel_type", "all"), (p.get("personnel_type"),))
    if types is not None:
        keep &= df["personnel_type"].isin(types)
    if p.get("cause"):
        keep &= df["incident_type"] == p["cause"]
    who = p.get("subject", "all")
    if who != "all":
        keep &= df["nationality_iso3"].isin(groups.members(who, df["nationality_iso3"].dropna().unique()))
    if p.get("mission"):
        keep &= df["mission"] == p["mission"]
    if p.get("scope", "all") == "pko":
        pko = {m for m, _, _ in d.operations("pko")}
        keep &= df["mission"].isin(pko)
    span = f"{start:%Y-%m-%d}..{end:%Y-%m-%d} (data to {last:%Y-%m-%d})"
    return df[keep.fillna(False).astype(bool)], span, end


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _what(p: Params) -> str:
    cause = f" by {p['cause'].replace('_', ' ')}" if p.get("cause") else ""
    who = "" if p.get("subject", "all") == "all" else f" of {groups.name(p['subject'])}"
    where = f" in {p['mission']}" if p.get("mission") else ""
    scope = " (peacekeeping operations only)" if p.get("scope") == "pko" else ""
    return f"{p.get('personnel_type', 'all')} personnel{who} dead{cause}{where}{scope}"


def fatalities(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """How many died (``cause``, ``subject`` = nationality, ``mission``, ``personnel_type``, ``scope``) in a year.

    >>> from pkdata.analysis.claims.data import Data
    >>> fatalities(Data(), pd.Timestamp("2016-12-31"), {"year": 2017, "expect": 1}).verdict
    'insufficient_data'
    """
    got = _deaths(d, as_of, p)
    if isinstance(got, Result):
        return got
    rows, span, _ = got
    n = float(len(rows))
    ok, comparison, inside = compare(n, p)
    top = rows["mission"].value_counts().head(5)
    listing = ", ".join(f"{m} {c}" for m, c in top.items()) or "none"
    return Result(
        "supported" if ok else "refuted",
        n,
        comparison,
        span,
        d.files(rows["source"].unique()) if len(rows) else d.files(d.fatalities()["source"].iloc[:1]),
        f"{_cap(_what(p))}: {int(n)} ({inside}); by mission: {listing}.",
    )


def deadliest_mission(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """The mission with the most deaths (of the selection) is ``expect``; the value is its deaths.

    >>> from pkdata.analysis.claims.data import Data
    >>> deadliest_mission(Data(), pd.Timestamp("2018-12-31"), {"year": 2018, "expect": "MINUSMA",
    ...     "cause": "malicious_act"}).verdict
    'supported'
    """
    got = _deaths(d, as_of, p)
    if isinstance(got, Result):
        return got
    rows, span, _ = got
    counts = rows["mission"].value_counts()
    if counts.empty:
        return insufficient(f"no deaths of the selection in {span}")
    most = counts.iloc[0]
    leaders = sorted(str(m) for m, c in counts.items() if c == most)
    listing = ", ".join(f"{m} {c}" for m, c in counts.head(5).items())
    return Result(
        "supported" if p["expect"] in leaders else "refuted",
        float(most),
        f"{p['expect']} has the most",
        span,
        d.files(rows["source"].unique()),
        f"{_cap(_what(p))} by mission: {listing}. The most: {', '.join(leaders)} ({most}).",
    )


def assessment_share(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A member's share (%) of the peacekeeping scale (``measure`` ``scale``) or billed (``billed``), or of the
    regular budget (``kind = "regular"``), in the year of ``as_of`` (or an earlier year of its scale period).

    >>> from pkdata.analysis.claims.data import Data
    >>> assessment_share(Data(), pd.Timestamp("2016-12-31"), {"subject": "CHN", "kind": "regular", "expect": 7.92,
    ...     "tolerance": 0.01}).verdict
    'supported'
    """
    who, kind = p["subject"], p.get("kind", "peacekeeping")
    name = countries.display_name(who)
    if kind == "regular":
        got = _year_rows(d, "regular", as_of, BUDGET_BASES, who)
        if isinstance(got, Result):
            return got
        row, year, basis = got
        label = f"{year} (regular budget, {basis})"
    else:
        measure = p.get("measure", FUNDING_MEASURE)
        got = _funding_year(d, as_of, measure, who)
        if isinstance(got, Result):
            return got
        year, rows = got
        row = next(r for r in rows if r["member_iso3"] == who)
        label = f"{year} ({measure})"
    value = float(row["share_percent"]) if pd.notna(row["share_percent"]) else math.nan
    if math.isnan(value):
        return insufficient(f"{name}'s {kind} share in {year} is known only as {_share(row)}", label)
    ok, comparison, inside = compare(value, p)
    return Result(
        "supported" if ok else "refuted",
        value,
        comparison + " (%)",
        label,
        d.files([row["source"]]),
        f"{name}'s {kind} assessment share {year}: {_share(row)} ({row['basis']}, {row['precision']}; {inside}).",
    )


def budget_total(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """The peacekeeping budget (USD) of ``fiscal_year`` ('2017/18'), all operations (``TOTAL``) or a ``mission``.

    >>> from pkdata.analysis.claims.data import Data
    >>> budget_total(Data(), pd.Timestamp("2023-06-30"), {"fiscal_year": "2022/23", "basis": "expenditure",
    ...     "mission": "MINUSMA", "expect": 1.19e9, "tolerance": 0.01}).verdict
    'supported'
    """
    fy, mission, basis = p["fiscal_year"], p.get("mission", "TOTAL"), p.get("basis", "approved")
    if int(fy[:4]) > as_of.year:
        return insufficient(f"the fiscal year {fy} begins after as_of {as_of:%Y-%m}")
    try:
        df = d.budgets()
    except Missing as exc:
        return insufficient(str(exc))
    rows = df[(df["fiscal_year"] == fy) & (df["mission"].str.upper() == mission.upper()) & (df["basis"] == basis)]
    if rows.empty:
        return insufficient(f"the budgets table has no {basis} figure for {mission} in {fy}", fy)
    usd = float(rows["usd"].iloc[0])
    ok, comparison, inside = compare(usd, p)
    return Result(
        "supported" if ok else "refuted",
        usd,
        comparison + " (USD)",
        f"{fy} ({basis})",
        d.files(rows["source"]),
        f"{mission} {fy} ({basis}): ${usd / 1e6:,.1f}m, {rows['precision'].iloc[0]} ({inside}).",
    )
