"""The funding claims: calendar years, the year of ``as_of`` or an earlier year of the same scale period.

>>> from pkdata.analysis.claims.data import Data
>>> r = second_largest_funder(Data(), pd.Timestamp("2018-09-30"))
>>> r.verdict, r.value, r.data_date
('supported', 10.24, '2018 (scale)')
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from pkdata.analysis.claims.data import Data
from pkdata.analysis.claims.model import Result, insufficient, percent
from pkdata.analysis.claims.rules.personnel import CHN
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
    d: Data, kind: str, as_of: pd.Timestamp, bases: tuple[str, ...], need: str = CHN
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


def _funding_year(d: Data, as_of: pd.Timestamp, measure: str) -> tuple[int, list[Row]] | Result:
    """The latest year (on or before ``as_of``'s, in its scale period) with China's ``measure`` figure, and its
    rows (largest share first), or why there is none."""
    by_year = d.measure_rows(measure)
    years = [y for y, rows in by_year.items() if any(r["member_iso3"] == CHN for r in rows)]
    earlier = [y for y in years if y <= as_of.year]
    if not earlier:
        return insufficient(f"no peacekeeping figure ({measure}) for China in {as_of.year} or before")
    year = earlier[-1]
    rows = by_year[year]
    end = [r["period_end"] for r in rows if r["member_iso3"] == CHN and pd.notna(r["period_end"])]
    if year != as_of.year and not (end and int(max(end)) >= as_of.year):
        return insufficient(
            f"the latest peacekeeping figure ({measure}) on or before {as_of.year} is for {year}, "
            f"whose scale period ends {int(max(end)) if end else year}; close enough is the "
            "year of as_of or an earlier year of the same scale period",
            str(year),
        )
    return year, rows


def _other_measure(d: Data, year: int, measure: str, china: Row) -> tuple[str, list[Row]]:
    """The evidence's sentence on China in the measure that does not decide, and its rows."""
    other = OTHER_MEASURE[measure]
    alt = [r for r in d.measure_rows(other).get(year, []) if r["member_iso3"] == CHN]
    if not alt:
        return f" Other measure ({other}): no figure for {year}.", alt
    a = alt[0]
    first_year = (
        f"; {year} is the first year of the {int(a['period_start'])}-{int(a['period_end'])} scale, "
        "so the year's billed amounts still include assessments at the old rates"
        if a["measure_rank_min"] != china["measure_rank_min"] and a["period_start"] == year
        else ""
    )
    return f" Other measure ({other}: {MEASURE_TEXT[other]}): China {_share(a)}, {_rank_text(a)}{first_year}.", alt


def second_largest_funder(d: Data, as_of: pd.Timestamp, measure: str = FUNDING_MEASURE) -> Result:
    """China has the second-largest share of assessed peacekeeping funding (``measure``), after the United States.

    >>> from pkdata.analysis.claims.data import Data
    >>> second_largest_funder(Data(), pd.Timestamp("2014-12-31")).verdict
    'refuted'
    """
    got = _funding_year(d, as_of, measure)
    if isinstance(got, Result):
        return got
    year, rows = got
    members = [r["member_iso3"] for r in rows]
    by = {m: r for m, r in reversed(list(zip(members, rows, strict=True)))}  # a member's first row
    if "USA" not in by:
        return insufficient(
            f"the {year} peacekeeping figures ({measure}) do not list the United States",
            str(year),
            d.files(r["source"] for r in rows),
        )
    china, usa = by[CHN], by["USA"]
    certain = china["measure_rank_min"] == china["measure_rank_max"] == 2 and usa["measure_rank_max"] == 1
    refuted = (
        china["measure_rank_min"] > 2
        or (pd.notna(china["measure_rank_max"]) and china["measure_rank_max"] < 2)
        or usa["measure_rank_min"] > 1
    )
    verdict = "supported" if certain else "refuted" if refuted else "insufficient_data"
    pos = members.index(CHN)
    comparison = f"United States {_share(usa)} ({_rank_text(usa)})"
    for label, at in (("next above China", pos - 1), ("next below China", pos + 1)):
        if 0 <= at < len(rows) and members[at] != "USA":
            comparison += f"; {label}: {_who(members[at], by[members[at]])}"
    top = "; ".join(_who(i, by[i]) for i in members[:4])
    evidence = (
        f"Peacekeeping assessments {year}, measure {measure}: {MEASURE_TEXT[measure]}. Largest: {top}. "
        f"China: {_rank_text(china)}."
    )
    if verdict == "insufficient_data":
        evidence += " The precision of the figures leaves China's rank open."
    other, alt = _other_measure(d, year, measure, china)
    sources = d.files(r["source"] for r in rows)
    if alt:
        sources = sorted(set(sources) | set(d.files(r["source"] for r in alt)))
    value = float(china["share_percent"]) if pd.notna(china["share_percent"]) else math.nan
    return Result(verdict, value, comparison, f"{year} ({measure})", sources, evidence + other)


def _rate_text(r: Row, basis: str) -> str:
    bounds = (
        "" if r["share_low"] == r["share_high"] else f", i.e. {percent(r['share_low'])}..{percent(r['share_high'])}"
    )
    return f"{percent(r['share_percent'])} ({basis}, {r['precision']}{bounds})"


def rising_budget_share(d: Data, as_of: pd.Timestamp) -> Result:
    """China's regular-budget scale rate is higher than in the previous scale period.

    >>> from pkdata.analysis.claims.data import Data
    >>> r = rising_budget_share(Data(), pd.Timestamp("2018-09-30")); r.verdict, r.value
    ('supported', 7.921)
    """
    got = _year_rows(d, "regular", as_of, BUDGET_BASES)
    if isinstance(got, Result):
        return got
    cur, year, basis = got
    if pd.isna(cur["period_start"]):
        return insufficient(f"the {year} regular-budget rate has no scale period", str(year), d.files([cur["source"]]))
    start, end = int(cur["period_start"]), int(cur["period_end"])
    prev_got = _year_rows(d, "regular", pd.Timestamp(f"{start - 1}-12-31"), BUDGET_BASES)
    if isinstance(prev_got, Result) or prev_got[1] != start - 1:
        return insufficient(
            f"no regular-budget rate for China in {start - 1}, the last year of the scale period before {start}-{end}",
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
        f"China's share of the UN regular budget: {_rate_text(cur, basis)} in the {period} scale "
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
