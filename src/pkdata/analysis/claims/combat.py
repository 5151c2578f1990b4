"""Deaths from malicious acts per 1,000 personnel-years in every active peacekeeping operation.

The measure behind the claim ``active_combat_zones``; :func:`combat_rates` is its public table.

>>> r = rates(Data(), pd.Timestamp("2018-09-30"))
>>> r.rows[0].mission, r.attrs["window"]
('MINUSMA', '2015-10-01..2018-09-30')
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pkdata.analysis.claims.data import Data, Deaths
from pkdata.analysis.claims.model import REPORT_MONTH, Result, insufficient
from pkdata.analysis.claims.windows import FATALITY_YEARS, as_of_month, fatality_start, ym
from pkdata.core import schema
from pkdata.core.errors import PkdataError

#: ... at least this many months with mission detail in the window are needed for the exposure.
MIN_DETAIL_MONTHS = 12
#: Fatality personnel types that are uniformed peacekeepers.
UNIFORMED: tuple[str, ...] = schema.UNIFORMED_FATALITY_TYPES
KILLED = "malicious_act"
#: The kind of mission that counts as a peacekeeping operation.
PKO = "pko"


@dataclass(frozen=True)
class Rate:
    """One row of :func:`combat_rates`."""

    mission: str
    host: str
    deaths: int
    personnel_years: float
    rate: float
    rank: int


@dataclass(frozen=True)
class Rates:
    """The table of :func:`combat_rates` as rows (highest rate first), its ``attrs`` and the source files used."""

    rows: list[Rate]
    attrs: dict[str, Any]
    used: list[str]
    months: list[pd.Timestamp]  # the reports with mission detail in the window


def combat_rates(
    as_of: str | pd.Timestamp | None = REPORT_MONTH, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Deaths from malicious acts per 1,000 personnel-years in every active peacekeeping operation.

    The measure of the claim ``active_combat_zones``: for each peacekeeping operation (kind ``pko``)
    whose mandate covers ``as_of``'s month end, the uniformed personnel (military, experts on mission,
    police) killed by a malicious act in the :data:`~pkdata.analysis.claims.windows.FATALITY_YEARS` years
    up to that day, per 1,000 personnel-years (mean monthly uniformed strength over the window's reports
    with mission detail, times the window's years). ``rank`` 1 is the highest rate; ``pooled`` (in
    ``attrs``) is all these operations' deaths over all their personnel-years. ``attrs`` also names the
    window, the months used and the fatalities data's last day.

    >>> r = combat_rates("2018-09")
    >>> r.attrs["window"], r.loc[0, "mission"], int(r.loc[0, "rank"])
    ('2015-10-01..2018-09-30', 'MINUSMA', 1)
    """
    got = rates(Data(data_dir), as_of_month(as_of))
    if isinstance(got, Result):
        raise PkdataError(got.evidence)
    out = pd.DataFrame({"mission": pd.array([r.mission for r in got.rows], dtype="string")})
    out["host"] = [r.host for r in got.rows]
    out["deaths"] = [r.deaths for r in got.rows]
    out["personnel_years"] = [r.personnel_years for r in got.rows]
    out["rate"] = 1000.0 * out["deaths"] / out["personnel_years"]
    out["rank"] = out["rate"].rank(method="min", ascending=False).astype("int64")
    out.attrs.update(got.attrs)
    return out


def _deaths_by_mission(dead: Deaths, window: range) -> dict[str, int]:
    deaths: dict[str, int] = {}
    for i in window:
        if dead.mission[i] is not None:
            deaths[dead.mission[i]] = deaths.get(dead.mission[i], 0) + 1
    return deaths


def rates(d: Data, as_of: pd.Timestamp) -> Rates | Result:
    """The rates of :func:`combat_rates` at the month end ``as_of`` (or why there are none).

    >>> rates(Data(), pd.Timestamp("1990-01-31")).verdict
    'insufficient_data'
    """
    first, last, how = d.fatality_coverage()
    hosts = d.mission_hosts()
    start = fatality_start(as_of)
    span = f"{start:%Y-%m-%d}..{as_of:%Y-%m-%d}"
    active = [a for a, begin, end in d.operations(PKO) if begin <= as_of and (pd.isna(end) or end >= as_of)]
    p = d.personnel()
    lo, hi = bisect.bisect_left(p.detail_months, start), bisect.bisect_right(p.detail_months, as_of)
    months = p.detail_months[lo:hi]
    if len(months) < MIN_DETAIL_MONTHS:
        return insufficient(
            f"only {len(months)} report(s) with mission detail in {span}; the exposure needs at "
            f"least {MIN_DETAIL_MONTHS}",
            span,
        )
    strength = (p.mission_totals[lo:hi].sum(axis=0) / len(months)).tolist()
    names = [a for a in active if a in p.mission and strength[p.mission[a]] > 0]
    dead = d.deaths(UNIFORMED, incident=KILLED)
    window = dead.span(start, as_of)
    deaths = _deaths_by_mission(dead, window)
    rows = []
    for m in names:
        personnel_years = strength[p.mission[m]] * FATALITY_YEARS
        rows.append(
            (m, hosts.get(m, ""), deaths.get(m, 0), personnel_years, 1000.0 * deaths.get(m, 0) / personnel_years)
        )
    rows.sort(key=lambda r: (-r[4], -r[2], r[0]))
    found = [Rate(*r, rank=1 + sum(o[4] > r[4] for o in rows)) for r in rows]
    # a numpy sum, as pandas' (pairwise summation: the same last bit)
    pooled = (
        1000.0 * sum(r.deaths for r in found) / np.array([r.personnel_years for r in found]).sum()
        if found
        else math.nan
    )
    attrs = {
        "as_of": ym(as_of),
        "window": span,
        "months": [ym(m) for m in months],
        "pooled": pooled,
        "data_to": f"{last:%Y-%m-%d}",
        "data_to_how": how,
        "complete": bool(start >= first and as_of <= last),
    }
    sources = [p.source_names[c] for c in frozenset().union(*p.mission_sources[lo:hi])]
    return Rates(found, attrs, d.files(sources + [dead.source[i] for i in window]), months)
