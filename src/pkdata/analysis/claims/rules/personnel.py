"""The personnel claims: decided by the median of the last monthly reports (see :mod:`..windows`).

>>> from pkdata.analysis.claims.data import Data
>>> r = top_contributor_rank(Data(), pd.Timestamp("2018-09-30"))
>>> r.verdict, r.value
('supported', 11.0)
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import pandas as pd

from pkdata.analysis.claims.data import Data
from pkdata.analysis.claims.model import Result, insufficient, number
from pkdata.analysis.claims.windows import (
    MAX_DETAIL_LAG_MONTHS,
    MAX_LAG_MONTHS,
    runs,
    span,
    window,
    window_text,
    ym,
)
from pkdata.core import countries

CHN = "CHN"
#: Personnel claim thresholds (the claims' own words).
ABOUT = 2500
ABOUT_TOLERANCE = 0.10
FAR_MORE = 2.0
TOP_N = 20
MISSIONS = {"MINUSMA": "Mali", "UNMISS": "South Sudan"}


def _personnel_window(d: Data, as_of: pd.Timestamp) -> tuple[np.ndarray, list[pd.Timestamp]] | Result:
    """The window's rows of the month x contributor personnel and its months, or why there is none."""
    p = d.personnel()
    months, why = window(p.months, as_of, MAX_LAG_MONTHS, "")
    if why:
        return insufficient(why)
    end = p.row[months[-1]] + 1
    return p.values[end - len(months) : end], months


def _series_text(months: list[pd.Timestamp], values: np.ndarray) -> str:
    return ", ".join(f"{ym(m)} {number(v)}" for m, v in zip(months, values.tolist(), strict=True))


def _descending(items: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """``(name, value)`` pairs, largest value first; equal values keep their order."""
    return sorted(items, key=lambda kv: -kv[1])


def personnel_about_2500(d: Data, as_of: pd.Timestamp) -> Result:
    """China's uniformed personnel is roughly :data:`ABOUT` (within :data:`ABOUT_TOLERANCE`).

    >>> from pkdata.analysis.claims.data import Data
    >>> r = personnel_about_2500(Data(), pd.Timestamp("2018-09-30")); r.verdict, r.value, r.latest
    ('supported', 2518.5, 2506.0)
    """
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, months = got
    china = d.personnel().series(rows, CHN)
    median, latest = float(np.median(china)), float(china[-1])
    low, high = ABOUT * (1 - ABOUT_TOLERANCE), ABOUT * (1 + ABOUT_TOLERANCE)
    ok = low <= median <= high
    return Result(
        "supported" if ok else "refuted",
        median,
        f"{ABOUT:,} ± {ABOUT_TOLERANCE:.0%} ({low:,.0f}..{high:,.0f})",
        window_text(months),
        d.month_sources(months),
        f"China's uniformed personnel by month: {_series_text(months, china)}. Median {number(median)} "
        f"({'within' if ok else 'outside'} {low:,.0f}..{high:,.0f}); latest month {ym(months[-1])}: "
        f"{number(latest)}.",
        latest,
    )


def more_than_other_p5(d: Data, as_of: pd.Timestamp) -> Result:
    """China deploys more uniformed personnel than each other permanent member (the median decides).

    >>> from pkdata.analysis.claims.data import Data
    >>> round(more_than_other_p5(Data(), pd.Timestamp("2018-09-30")).value, 2)
    3.09
    """
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, months = got
    p = d.personnel()
    p5 = np.column_stack([p.series(rows, c) for c in countries.P5])
    medians = dict(zip(countries.P5, np.median(p5, axis=0).tolist(), strict=True))
    last = dict(zip(countries.P5, p5[-1].tolist(), strict=True))
    others = _descending([(c, v) for c, v in medians.items() if c != CHN])
    rival, rival_median = others[0]
    ratio = medians[CHN] / rival_median if rival_median > 0 else math.inf
    latest_rival = max(v for c, v in last.items() if c != CHN)
    latest_ratio = last[CHN] / latest_rival if latest_rival > 0 else math.inf
    ok = all(medians[CHN] > v for _, v in others)
    far = "yes" if ratio >= FAR_MORE else "no"
    listed = ", ".join(f"{countries.display_name(c)} {number(v)}" for c, v in _descending(list(medians.items())))
    latest_listed = ", ".join(f"{countries.display_name(c)} {number(v)}" for c, v in _descending(list(last.items())))
    name = countries.display_name(rival)
    return Result(
        "supported" if ok else "refuted",
        float(ratio),
        f"next permanent member: {name}, median {number(rival_median)} "
        f"(China/{name} = {ratio:.2f}; 'far more' means >= {FAR_MORE:g}: {far})",
        window_text(months),
        d.month_sources(months),
        f"Median uniformed personnel {span(months)}: {listed}. China {'is' if ok else 'is not'} above each of "
        f"the other four. Latest month {ym(months[-1])}: {latest_listed} (ratio {latest_ratio:.2f}).",
        float(latest_ratio),
    )


def _rank_of(values: np.ndarray, mine: float) -> tuple[int, int]:
    """Rank of ``mine`` among ``values`` (1 = largest; ties share the better rank) and how many have personnel."""
    return int((values > mine).sum()) + 1, int((values > 0).sum())


def top_contributor_rank(d: Data, as_of: pd.Timestamp) -> Result:
    """China ranks among the top :data:`TOP_N` contributors by median uniformed personnel.

    >>> from pkdata.analysis.claims.data import Data
    >>> top_contributor_rank(Data(), pd.Timestamp("1985-01-31")).evidence
    'no monthly report on or before 1985-01 (the first is 1990-11)'
    """
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, months = got
    p = d.personnel()
    medians = np.median(rows, axis=0)
    rank, n = _rank_of(medians, float(np.median(p.series(rows, CHN))))
    latest = float(p.series(rows[-1:], CHN)[0])
    latest_rank, latest_n = _rank_of(rows[-1], latest)
    listed_at = np.flatnonzero(medians > 0)
    at = listed_at[np.argsort(-medians[listed_at], kind="stable")]  # largest first, ties in ISO3 order
    order = medians[at]
    show = sorted({0, rank - 2, rank - 1, rank, TOP_N - 1} & set(range(len(order))))
    listed = "; ".join(
        f"#{int((order > order[i]).sum()) + 1} {countries.display_name(p.contributors[at[i]])} {number(order[i])}"
        for i in show
    )
    ok = rank <= TOP_N
    return Result(
        "supported" if ok else "refuted",
        float(rank),
        f"top {TOP_N} of {n} contributors",
        window_text(months),
        d.month_sources(months),
        f"Contributors ranked by median uniformed personnel {span(months)}: {listed}. China ranks {rank} of {n}; "
        f"latest month {ym(months[-1])}: rank {latest_rank} of {latest_n} ({number(latest)}).",
        float(latest_rank),
    )


def _detail_dates(months: list[pd.Timestamp], used: list[pd.Timestamp], as_of: pd.Timestamp) -> tuple[str, list]:
    """``data_date`` of a window of reports with mission detail (naming the months skipped) and the later
    reports, on or before ``as_of``, that give country totals only."""
    text = window_text(used, detail=True)
    inside = months[bisect.bisect_right(months, used[0]) : bisect.bisect_left(months, used[-1])]
    kept = set(used)
    skipped = [m for m in inside if m not in kept]
    if skipped:
        text += f"; skipped, country totals only: {runs(skipped)}"
    reports = months[bisect.bisect_right(months, used[-1]) : bisect.bisect_right(months, as_of)]
    if reports:
        text += f"; the report(s) {runs(reports)} give country totals only"
    return text, reports


def in_mali_and_south_sudan(d: Data, as_of: pd.Timestamp) -> Result:
    """China has personnel in each of :data:`MISSIONS` (median over the last reports with mission detail > 0).

    >>> from pkdata.analysis.claims.data import Data
    >>> in_mali_and_south_sudan(Data(), pd.Timestamp("2018-09-30")).data_date[:7]
    '2017-02'
    """
    p = d.personnel()
    detail = p.detail_months
    used, why = window(detail, as_of, MAX_DETAIL_LAG_MONTHS, "with mission detail ", span_months=None)
    if why:
        return insufficient(why + " (the claim needs mission detail)")
    end = bisect.bisect_right(detail, used[-1])
    china = d.contributor_missions(CHN, tuple(MISSIONS))[end - len(used) : end]
    medians = dict(zip(MISSIONS, np.median(china, axis=0).tolist(), strict=True))
    last = dict(zip(MISSIONS, china[-1].tolist(), strict=True))
    present = [m for m in MISSIONS if medians[m] > 0]
    date, reports = _detail_dates(p.months, used, as_of)
    listed = "; ".join(
        f"{m} ({country}): median {number(medians[m])}, {ym(used[-1])} {number(last[m])}"
        for m, country in MISSIONS.items()
    )
    evidence = f"China's uniformed personnel in {span(used)}: {listed}."
    if reports:
        evidence += (
            f" China's country total in {ym(reports[-1])} (no mission detail): "
            f"{number(p.value(p.row[reports[-1]], CHN))}, against {number(p.value(p.row[used[-1]], CHN))} in "
            f"{ym(used[-1])}."
        )
    return Result(
        "supported" if len(present) == len(MISSIONS) else "refuted",
        float(len(present)),
        "personnel in both "
        + " and ".join(f"{m} ({c})" for m, c in MISSIONS.items())
        + " (median over the window > 0)",
        date,
        d.month_sources(used),
        evidence,
        float(sum(last[m] > 0 for m in MISSIONS)),
    )
