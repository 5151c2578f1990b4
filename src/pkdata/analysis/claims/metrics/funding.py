"""The funding metrics: calendar years, the year of ``as_of`` or an earlier year of the same scale period.

>>> from pkdata.analysis.claims.data import Data
>>> r = assessment_rank(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "expect": 2})
>>> r.verdict, r.value, r.data_date
('supported', 10.24, '2018 (scale)')
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from pkdata.analysis.claims.data import Data
from pkdata.analysis.claims.model import Params, Result, insufficient, percent
from pkdata.core import countries

#: Funding claim: preferred bases, best first (exact assessed amounts, then scale rates).
FUNDING_BASES: tuple[str, ...] = ("assessed_usd", "scale_rate", "scale_rate_rounded")
#: Budget-share claim: the scale rate is the share; amounts only where no rate exists.
BUDGET_BASES: tuple[str, ...] = ("scale_rate", "scale_rate_rounded", "assessed_usd")
BASIS_TEXT = {
    "assessed_usd": "exact assessed amounts (calendar-year USD / all members' USD)",
    "scale_rate": "exact scale rates",
    "scale_rate_rounded": "scale rates rounded as printed by secondary sources",
}
#: Funding claim: the measure that decides (the rate each member was assessed for the period) and the other one,
#: shown in the evidence.
FUNDING_MEASURE = "scale"
OTHER_MEASURE = {"scale": "billed", "billed": "scale"}
MEASURE_TEXT = {
    "scale": "the rate each member was assessed for the scale period (GA table, else the secondary rate printed "
    "for the year, else bounds derived from the regular-budget scale)",
    "billed": "calendar-year assessed USD / all members' (amounts billed in the year; the first year of a scale "
    "period still contains amounts at the old rates)",
}

Row = dict[str, Any]


def _year_rows(
    d: Data, kind: str, as_of: pd.Timestamp, bases: tuple[str, ...], need: str
) -> tuple[Row, int, str] | Result:
    """The row of the year used for ``as_of`` (of one basis, the best the year has) or why there is none."""
    by_year = d.assessment_rows(kind, bases, need)
    years = list(by_year)
    earlier = [y for y in years if y <= as_of.year]
    if not earlier:
        return insufficient(
            f"no {kind} assessment figure for {countries.display_name(need)} in {as_of.year} "
            f"or before (years with figures: {years[0]}..{years[-1]})"
            if years
            else f"the assessments table has no {kind} figure for {countries.display_name(need)}"
        )
    year = earlier[-1]
    mine = by_year[year]
    end = [r["period_end"] for r in mine if pd.notna(r["period_end"])]
    covered = year == as_of.year or (end and int(max(end)) >= as_of.year)
    if not covered:
        return insufficient(
            f"the latest {kind} figure on or before {as_of.year} is for {year}, whose scale period "
            f"ends {int(max(end)) if end else year}; close enough is the year of as_of or an "
            "earlier year of the same scale period",
            str(year),
        )
    basis = next(b for b in bases if any(r["basis"] == b for r in mine))
    return next(r for r in mine if r["basis"] == basis), year, basis


def _rank_text(r: Row) -> str:
    lo, hi = r["measure_rank_min"], r["measure_rank_max"]
    return f"rank {lo}" if lo == hi else f"rank {lo}..{hi if pd.notna(hi) else '?'}"


def _share(r: Row) -> str:
    if pd.notna(r["share_percent"]):
        return percent(r["share_percent"])
    return f"{r['share_low']:.3f}..{r['share_high']:.3f}%"


def _who(iso: str, r: Row) -> str:
    usd = f", ${r['assessed_usd'] / 1e6:,.1f}m" if pd.notna(r["assessed_usd"]) else ""
    return f"{countries.display_name(iso)} {_share(r)}{usd} ({_rank_text(r)}, {r['basis']})"


def _funding_year(d: Data, as_of: pd.Timestamp, measure: str, who: str) -> tuple[int, list[Row]] | Result:
    """The latest year (on or before ``as_of``'s, in its scale period) with ``who``'s ``measure`` figure, and its
    rows (largest share first), or why there is none."""
    by_year = d.measure_rows(measure)
    years = [y for y, rows in by_year.items() if any(r["member_iso3"] == who for r in rows)]
    earlier = [y for y in years if y <= as_of.year]
    if not earlier:
        return insufficient(
            f"no peacekeeping figure ({measure}) for {countries.display_name(who)} in {as_of.year} or before"
        )
    year = earlier[-1]
    rows = by_year[year]
    end = [r["period_end"] for r in rows if r["member_iso3"] == who and pd.notna(r["period_end"])]
    if year != as_of.year and not (end and int(max(end)) >= as_of.year):
        return insufficient(
            f"the latest peacekeeping figure ({measure}) on or before {as_of.year} is for {year}, "
            f"whose scale period ends {int(max(end)) if end else year}; close enough is the "
            "year of as_of or an earlier year of the same scale period",
            str(year),
        )
    return year, rows


def _other_measure(d: Data, year: int, measure: str, who: str, mine: Row) -> tuple[str, list[Row]]:
    """The evidence's sentence on ``who`` in the measure that does not decide, and its rows."""
    other = OTHER_MEASURE[measure]
    alt = [r for r in d.measure_rows(other).get(year, []) if r["member_iso3"] == who]
    if not alt:
        return f" Other measure ({other}): no figure for {year}.", alt
    a = alt[0]
    first_year = (
        f"; {year} is the first year of the {int(a['period_start'])}-{int(a['period_end'])} scale, "
        "so the year's billed amounts still include assessments at the old rates"
        if a["measure_rank_min"] != mine["measure_rank_min"] and a["period_start"] == year
        else ""
    )
    name = countries.display_name(who)
    return f" Other measure ({other}: {MEASURE_TEXT[other]}): {name} {_share(a)}, {_rank_text(a)}{first_year}.", alt


def assessment_rank(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A member's rank on the peacekeeping scale (``measure`` ``scale``) or billed (``billed``) is ``expect``;
    the value is its share (%). A rank the figures' precision leaves open is ``insufficient_data``.

    >>> from pkdata.analysis.claims.data import Data
    >>> assessment_rank(Data(), pd.Timestamp("2014-12-31"), {"subject": "CHN", "expect": 2}).verdict
    'refuted'
    """
    who, want, measure = p["subject"], int(p["expect"]), p.get("measure", FUNDING_MEASURE)
    got = _funding_year(d, as_of, measure, who)
    if isinstance(got, Result):
        return got
    year, rows = got
    members = [r["member_iso3"] for r in rows]
    by = {m: r for m, r in reversed(list(zip(members, rows, strict=True)))}  # a member's first row
    name = countries.display_name(who)
    above = [m for m in dict.fromkeys(members) if m != who][: want - 1]  # who the claim puts above
    mine = by[who]
    certain = mine["measure_rank_min"] == mine["measure_rank_max"] == want and all(
        pd.notna(by[m]["measure_rank_max"]) and by[m]["measure_rank_max"] < want for m in above
    )
    refuted = (
        mine["measure_rank_min"] > want
        or (pd.notna(mine["measure_rank_max"]) and mine["measure_rank_max"] < want)
        or any(by[m]["measure_rank_min"] >= want for m in above)
    )
    verdict = "supported" if certain else "refuted" if refuted else "insufficient_data"
    pos = members.index(who)
    comparison = "; ".join(f"{countries.display_name(m)} {_share(by[m])} ({_rank_text(by[m])})" for m in above)
    comparison = comparison or f"rank {want}"
    for label, at in ((f"next above {name}", pos - 1), (f"next below {name}", pos + 1)):
        if 0 <= at < len(rows) and members[at] not in above:
            comparison += f"; {label}: {_who(members[at], by[members[at]])}"
    top = "; ".join(_who(i, by[i]) for i in members[:4])
    evidence = (
        f"Peacekeeping assessments {year}, measure {measure}: {MEASURE_TEXT[measure]}. Largest: {top}. "
        f"{name}: {_rank_text(mine)}."
    )
    if verdict == "insufficient_data":
        evidence += f" The precision of the figures leaves {name}'s rank open."
    other, alt = _other_measure(d, year, measure, who, mine)
    sources = d.files(r["source"] for r in rows)
    if alt:
        sources = sorted(set(sources) | set(d.files(r["source"] for r in alt)))
    value = float(mine["share_percent"]) if pd.notna(mine["share_percent"]) else math.nan
    return Result(verdict, value, comparison, f"{year} ({measure})", sources, evidence + other)


def _rate_text(r: Row, basis: str) -> str:
    bounds = (
        "" if r["share_low"] == r["share_high"] else f", i.e. {percent(r['share_low'])}..{percent(r['share_high'])}"
    )
    return f"{percent(r['share_percent'])} ({basis}, {r['precision']}{bounds})"


def regular_share_rising(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A member's regular-budget scale rate is higher than in the previous scale period.

    >>> from pkdata.analysis.claims.data import Data
    >>> r = regular_share_rising(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN"}); r.verdict, r.value
    ('supported', 7.921)
    """
    who = p["subject"]
    name = countries.display_name(who)
    got = _year_rows(d, "regular", as_of, BUDGET_BASES, who)
    if isinstance(got, Result):
        return got
    cur, year, basis = got
    if pd.isna(cur["period_start"]):
        return insufficient(f"the {year} regular-budget rate has no scale period", str(year), d.files([cur["source"]]))
    start, end = int(cur["period_start"]), int(cur["period_end"])
    prev_got = _year_rows(d, "regular", pd.Timestamp(f"{start - 1}-12-31"), BUDGET_BASES, who)
    if isinstance(prev_got, Result) or prev_got[1] != start - 1:
        return insufficient(
            f"no regular-budget rate for {name} in {start - 1}, the last year of the scale period before {start}-{end}",
            f"{start}-{end}",
            d.files([cur["source"]]),
        )
    prev, prev_year, prev_basis = prev_got
    period = f"{start}-{end}"
    prev_period = (
        f"{int(prev['period_start'])}-{int(prev['period_end'])}" if pd.notna(prev["period_start"]) else str(prev_year)
    )
    up = cur["share_low"] > prev["share_high"]
    down = cur["share_high"] <= prev["share_low"]
    verdict = "supported" if up else "refuted" if down else "insufficient_data"
    evidence = (
        f"{name}'s share of the UN regular budget: {_rate_text(cur, basis)} in the {period} scale "
        f"(year {year}) against {_rate_text(prev, prev_basis)} in the {prev_period} scale: "
        f"{cur['share_percent'] - prev['share_percent']:+.3f} points."
    )
    if verdict == "insufficient_data":
        evidence += " The precision of the figures cannot tell which is larger."
    return Result(
        verdict,
        float(cur["share_percent"]),
        f"{percent(prev['share_percent'])} in the {prev_period} scale",
        f"{year} ({period} scale; previous {prev_period})",
        d.files([cur["source"], prev["source"]]),
        evidence,
    )
