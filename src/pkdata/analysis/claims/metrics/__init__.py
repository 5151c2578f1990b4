"""The metrics a claim file may name: what each measures, its parameters, its unit and its data.

A claim names one metric (``metric = "personnel"``) and its parameters; :data:`METRICS` says which
parameters each takes (any other key is refused, naming the claim and the key), which it needs, the
unit of its value and which data's months or years a timeline runs over. docs/claims.md has an example of each.

>>> sorted(METRICS)[:3]
['assessment_rank', 'assessment_share', 'budget_total']
>>> METRICS["personnel"].unit
'personnel'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from pkdata.analysis.claims.data import Data
from pkdata.analysis.claims.metrics import general, money
from pkdata.analysis.claims.metrics.fatalities import (
    COMBAT_ZONES,
    UNDETERMINED,
    fatalities_recent,
    fatality_rate,
    fatality_rate_high,
)
from pkdata.analysis.claims.metrics.funding import (
    BASIS_TEXT,
    BUDGET_BASES,
    FUNDING_BASES,
    FUNDING_MEASURE,
    MEASURE_TEXT,
    OTHER_MEASURE,
    assessment_rank,
    regular_share_rising,
)
from pkdata.analysis.claims.metrics.personnel import (
    ABOUT,
    ABOUT_TOLERANCE,
    CHN,
    FAR_MORE,
    MISSIONS,
    TOP_N,
    missions_present,
    personnel_lead,
    personnel_median,
    top_contributor_rank,
)
from pkdata.analysis.claims.model import Params, Periods, Result, Unit

WINDOW_KEYS = ("window", "month", "year")
COMPARE_KEYS = ("expect", "compare", "tolerance")
SELECT_KEYS = ("personnel_type", "gender", "mission")
FATALITY_KEYS = ("year", "years", "cause", "mission", "personnel_type", "scope")


@dataclass(frozen=True)
class Metric:
    """One metric: its function, the keys it takes and needs, its unit, frequency and data for timelines."""

    func: Callable[[Data, pd.Timestamp, Params], Result]
    keys: tuple[str, ...]
    needs: tuple[str, ...]
    unit: Unit
    frequency: str = "month"
    periods: Periods = "personnel"
    describe: str = ""


def _plain(p: Params) -> bool:
    return not any(p.get(k) for k in SELECT_KEYS) and p.get("subject") not in (None, "all") and len(p["subject"]) == 3


def personnel(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """Personnel count: the median of 12 reports of one contributor's uniformed personnel reads the monthly arrays;
    any other window or selection reads the table (:func:`.general.personnel`).

    >>> personnel(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "window": "median_12", "expect": 2500,
    ...     "tolerance": 0.1}).value
    2518.5
    """
    if p.get("window") == "median_12" and _plain(p):
        return personnel_median(d, as_of, p)
    return general.personnel(d, as_of, p)


def personnel_rank(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """Rank among contributors: a top N by the median of 12 reports reads the monthly arrays.

    >>> personnel_rank(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "window": "median_12",
    ...     "expect": 20, "compare": "at_most"}).value
    11.0
    """
    if p.get("window") == "median_12" and p.get("compare") == "at_most" and _plain(p):
        return top_contributor_rank(d, as_of, p)
    return general.personnel_rank(d, as_of, p)


def lead(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """More than each other member of a group: by the median of 12 reports (the monthly arrays) or in any
    other window or selection (:func:`.general.personnel_lead`).

    >>> lead(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "group": "P5", "window": "median_12"}).verdict
    'supported'
    """
    if p.get("window", "median_12") == "median_12" and _plain(p):
        return personnel_lead(d, as_of, p)
    return general.personnel_lead(d, as_of, p)


_P = ("subject", *WINDOW_KEYS, *SELECT_KEYS)
#: Every metric, by the name a claim file gives it.
METRICS: dict[str, Metric] = {
    "personnel": Metric(personnel, (*_P, *COMPARE_KEYS), ("subject", "expect"), "personnel"),
    "personnel_lead": Metric(lead, (*_P, "group", "far_more"), ("subject",), "ratio"),
    "personnel_rank": Metric(personnel_rank, (*_P, "expect", "compare"), ("subject", "expect"), "rank"),
    "top_contributors": Metric(general.top_contributors, (*WINDOW_KEYS, *SELECT_KEYS, "expect"), ("expect",), "count"),
    "contributors": Metric(general.contributors, (*WINDOW_KEYS, *SELECT_KEYS, *COMPARE_KEYS), ("expect",), "count"),
    "missions_present": Metric(missions_present, ("subject", "missions"), ("subject", "missions"), "missions"),
    "missions_of": Metric(
        general.missions_of, ("subject", "window", "month", *COMPARE_KEYS), ("subject", "expect"), "count"
    ),
    "women_share": Metric(
        general.women_share,
        ("subject", *WINDOW_KEYS, "personnel_type", "mission", *COMPARE_KEYS),
        ("expect",),
        "percent",
    ),
    "civilian_staff": Metric(general.civilian_staff, ("subject", *COMPARE_KEYS), (), "count"),
    "fatalities": Metric(
        money.fatalities, ("subject", *FATALITY_KEYS, *COMPARE_KEYS), ("expect",), "deaths", periods="fatalities"
    ),
    "fatalities_recent": Metric(
        fatalities_recent, ("subject", "people", "expect"), ("subject",), "deaths", periods="fatalities"
    ),
    "deadliest_mission": Metric(
        money.deadliest_mission, ("subject", *FATALITY_KEYS, "expect"), ("expect",), "deaths", periods="fatalities"
    ),
    "fatality_rate": Metric(fatality_rate, ("mission", *COMPARE_KEYS), ("expect",), "rate"),
    "fatality_rate_high": Metric(fatality_rate_high, ("missions",), ("missions",), "missions"),
    "assessment_rank": Metric(
        assessment_rank, ("subject", "expect", "measure"), ("subject", "expect"), "percent", "year", "peacekeeping"
    ),
    "assessment_share": Metric(
        money.assessment_share,
        ("subject", "kind", "measure", *COMPARE_KEYS),
        ("subject", "expect"),
        "percent",
        "year",
        "peacekeeping",
    ),
    "regular_share_rising": Metric(regular_share_rising, ("subject",), ("subject",), "percent", "year", "regular"),
    "budget_total": Metric(
        money.budget_total,
        ("fiscal_year", "mission", "basis", *COMPARE_KEYS),
        ("fiscal_year", "expect"),
        "usd",
        "year",
        "peacekeeping",
    ),
}

__all__ = [
    "ABOUT",
    "ABOUT_TOLERANCE",
    "BASIS_TEXT",
    "BUDGET_BASES",
    "CHN",
    "COMBAT_ZONES",
    "FAR_MORE",
    "FUNDING_BASES",
    "FUNDING_MEASURE",
    "MEASURE_TEXT",
    "METRICS",
    "MISSIONS",
    "OTHER_MEASURE",
    "TOP_N",
    "UNDETERMINED",
    "Metric",
]
