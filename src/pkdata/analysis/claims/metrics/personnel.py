"""The personnel metrics decided by the median of the last monthly reports (see :mod:`..windows`).

Each takes the claim's parameters ``p`` (from its claim file, defaults filled in by :mod:`..claimfile`).

>>> from pkdata.analysis.claims.data import Data
>>> r = top_contributor_rank(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "expect": 20})
>>> r.verdict, r.value
('supported', 11.0)
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import pandas as pd

from pkdata.analysis.claims import groups
from pkdata.analysis.claims.compare import compare
from pkdata.analysis.claims.data import Data
from pkdata.analysis.claims.model import Params, Result, insufficient, number
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
#: The seed report's personnel thresholds (its claim file holds them; kept here as public names).
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


def personnel_median(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A contributor's uniformed personnel, median of the last 12 monthly reports, compared with ``expect``.

    >>> from pkdata.analysis.claims.data import Data
    >>> r = personnel_median(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "expect": 2500, "tolerance": 0.1})
    >>> r.verdict, r.value, r.latest
    ('supported', 2518.5, 2506.0)
    """
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, months = got
    who = p["subject"]
    series = d.personnel().series(rows, who)
    median, latest = float(np.median(series)), float(series[-1])
    ok, comparison, inside = compare(median, p)
    return Result(
        "supported" if ok else "refuted",
        median,
        comparison,
        window_text(months),
        d.month_sources(months),
        f"{countries.display_name(who)}'s uniformed personnel by month: {_series_text(months, series)}. "
        f"Median {number(median)} ({inside}); latest month {ym(months[-1])}: {number(latest)}.",
        latest,
    )


def personnel_lead(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A contributor deploys more uniformed personnel than each other member of ``group`` (the median decides);
    the value is its ratio to the next one (``far_more``: the ratio the claim's words ask for, shown).

    >>> from pkdata.analysis.claims.data import Data
    >>> round(personnel_lead(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "group": "P5"}).value, 2)
    3.09
    """
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, months = got
    per, who = d.personnel(), p["subject"]
    group = list(groups.members(p.get("group", "P5")))
    if who not in group:
        group.append(who)
    cols = np.column_stack([per.series(rows, c) for c in group])
    medians = dict(zip(group, np.median(cols, axis=0).tolist(), strict=True))
    last = dict(zip(group, cols[-1].tolist(), strict=True))
    others = _descending([(c, v) for c, v in medians.items() if c != who])
    rival, rival_median = others[0]
    ratio = medians[who] / rival_median if rival_median > 0 else math.inf
    latest_rival = max(v for c, v in last.items() if c != who)
    latest_ratio = last[who] / latest_rival if latest_rival > 0 else math.inf
    ok = all(medians[who] > v for _, v in others)
    far_more = p.get("far_more")
    far = "" if far_more is None else f"; 'far more' means >= {far_more:g}: {'yes' if ratio >= far_more else 'no'}"
    listed = ", ".join(f"{countries.display_name(c)} {number(v)}" for c, v in _descending(list(medians.items())))
    latest_listed = ", ".join(f"{countries.display_name(c)} {number(v)}" for c, v in _descending(list(last.items())))
    name, mine = countries.display_name(rival), countries.display_name(who)
    return Result(
        "supported" if ok else "refuted",
        float(ratio),
        f"next {groups.member_label(p.get('group', 'P5'))}: {name}, median {number(rival_median)} "
        f"({mine}/{name} = {ratio:.2f}{far})",
        window_text(months),
        d.month_sources(months),
        f"Median uniformed personnel {span(months)}: {listed}. {mine} {'is' if ok else 'is not'} above each of "
        f"the other {groups.count_word(len(others))}. Latest month {ym(months[-1])}: {latest_listed} "
        f"(ratio {latest_ratio:.2f}).",
        float(latest_ratio),
    )


def _rank_of(values: np.ndarray, mine: float) -> tuple[int, int]:
    """Rank of ``mine`` among ``values`` (1 = largest; ties share the better rank) and how many have personnel."""
    return int((values > mine).sum()) + 1, int((values > 0).sum())


def top_contributor_rank(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A contributor's rank by median uniformed personnel is at most ``expect`` (top N; ties share a rank).

    >>> from pkdata.analysis.claims.data import Data
    >>> top_contributor_rank(Data(), pd.Timestamp("1985-01-31"), {"subject": "CHN", "expect": 20}).evidence
    'no monthly report on or before 1985-01 (the first is 1990-11)'
    """
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, months = got
    per, who, top_n = d.personnel(), p["subject"], int(p["expect"])
    medians = np.median(rows, axis=0)
    rank, n = _rank_of(medians, float(np.median(per.series(rows, who))))
    latest = float(per.series(rows[-1:], who)[0])
    latest_rank, latest_n = _rank_of(rows[-1], latest)
    listed_at = np.flatnonzero(medians > 0)
    at = listed_at[np.argsort(-medians[listed_at], kind="stable")]  # largest first, ties in ISO3 order
    order = medians[at]
    show = sorted({0, rank - 2, rank - 1, rank, top_n - 1} & set(range(len(order))))
    listed = "; ".join(
        f"#{int((order > order[i]).sum()) + 1} {countries.display_name(per.contributors[at[i]])} {number(order[i])}"
        for i in show
    )
    ok = rank <= top_n
    return Result(
        "supported" if ok else "refuted",
        float(rank),
        f"top {top_n} of {n} contributors",
        window_text(months),
        d.month_sources(months),
        f"Contributors ranked by median uniformed personnel {span(months)}: {listed}. "
        f"{countries.display_name(who)} ranks {rank} of {n}; "
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


def missions_present(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A contributor has personnel in each of ``missions`` (median over the last reports with mission detail > 0).

    >>> from pkdata.analysis.claims.data import Data
    >>> p = {"subject": "CHN", "missions": ["MINUSMA", "UNMISS"]}
    >>> missions_present(Data(), pd.Timestamp("2018-09-30"), p).data_date[:7]
    '2017-02'
    """
    per, who = d.personnel(), p["subject"]
    hosts = d.mission_hosts()
    missions = {m: hosts.get(m, "?") for m in p["missions"]}
    detail = per.detail_months
    used, why = window(detail, as_of, MAX_DETAIL_LAG_MONTHS, "with mission detail ", span_months=None)
    if why:
        return insufficient(why + " (the claim needs mission detail)")
    end = bisect.bisect_right(detail, used[-1])
    mine = d.contributor_missions(who, tuple(missions))[end - len(used) : end]
    medians = dict(zip(missions, np.median(mine, axis=0).tolist(), strict=True))
    last = dict(zip(missions, mine[-1].tolist(), strict=True))
    present = [m for m in missions if medians[m] > 0]
    date, reports = _detail_dates(per.months, used, as_of)
    listed = "; ".join(
        f"{m} ({country}): median {number(medians[m])}, {ym(used[-1])} {number(last[m])}"
        for m, country in missions.items()
    )
    name = countries.display_name(who)
    evidence = f"{name}'s uniformed personnel in {span(used)}: {listed}."
    if reports:
        evidence += (
            f" {name}'s country total in {ym(reports[-1])} (no mission detail): "
            f"{number(per.value(per.row[reports[-1]], who))}, against {number(per.value(per.row[used[-1]], who))} "
            f"in {ym(used[-1])}."
        )
    every = "both" if len(missions) == 2 else "each of"
    return Result(
        "supported" if len(present) == len(missions) else "refuted",
        float(len(present)),
        f"personnel in {every} "
        + " and ".join(f"{m} ({c})" for m, c in missions.items())
        + " (median over the window > 0)",
        date,
        d.month_sources(used),
        evidence,
        float(sum(last[m] > 0 for m in missions)),
    )
