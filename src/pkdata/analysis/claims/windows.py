"""Which data is close enough to a date: ``as_of``, the months of a window, and how they are written.

>>> months = list(pd.date_range("2017-01-31", "2018-09-30", freq="ME"))
>>> got, why = window(months, as_of_month("2018-10"), MAX_LAG_MONTHS, "")
>>> window_text(got), why
('2017-10..2018-09 (median of 12 monthly reports; latest 2018-09)', None)
"""

from __future__ import annotations

import bisect
import functools
import re

import pandas as pd

from pkdata.analysis.claims.model import REPORT_MONTH
from pkdata.core.errors import PkdataError

#: Personnel: the median of this many monthly reports decides.
WINDOW = 12
#: ... of those dated within this many months ending at the latest (missing reports shorten the window) ...
SPAN_MONTHS = 18
#: ... of which at least this many are needed.
MIN_REPORTS = 6
#: The latest report may be at most this many months before ``as_of``.
MAX_LAG_MONTHS = 3
#: The latest report with mission detail may be at most this many months before ``as_of``.
MAX_DETAIL_LAG_MONTHS = 24
#: Fatalities: the years before ``as_of`` that count as "recent".
FATALITY_YEARS = 3


def as_of_month(as_of: str | pd.Timestamp | None) -> pd.Timestamp:
    """The month end of ``as_of`` ('YYYY-MM', a date, or None for the report's month).

    >>> as_of_month("2018-09").date()
    datetime.date(2018, 9, 30)
    >>> as_of_month("2018")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: as_of='2018' is a year; pass a month 'YYYY-MM' (e.g. '2018-12')
    """
    if as_of is None:
        as_of = REPORT_MONTH
    if isinstance(as_of, int) or (isinstance(as_of, str) and re.fullmatch(r"\s*\d{4}\s*", as_of)):
        raise PkdataError(f"as_of={as_of!r} is a year; pass a month 'YYYY-MM' (e.g. '{str(as_of).strip()}-12')")
    bad = PkdataError(f"as_of={as_of!r} is not a month; use 'YYYY-MM' or a date")
    if isinstance(as_of, str) and not re.fullmatch(r"\s*\d{4}-\d{1,2}(-\d{1,2})?\s*", as_of):
        raise bad
    try:
        month = pd.Timestamp(as_of).to_period("M").to_timestamp("M").normalize()
    except (ValueError, TypeError) as exc:
        raise bad from exc
    if not 1900 <= month.year <= 2200:
        raise bad
    return month


def lag(earlier: pd.Timestamp, later: pd.Timestamp) -> int:
    """Months from ``earlier`` to ``later``.

    >>> lag(pd.Timestamp("2017-11-30"), pd.Timestamp("2018-02-28"))
    3
    """
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def ym(t: pd.Timestamp) -> str:
    """'YYYY-MM'.

    >>> ym(pd.Timestamp("2018-09-30"))
    '2018-09'
    """
    return f"{t.year:04d}-{t.month:02d}"  # f"{t:%Y-%m}", without strftime (called for every month of a timeline)


def span(months: list[pd.Timestamp]) -> str:
    """The first and last of ``months``: '2017-10..2018-09' (one month: '2018-09').

    >>> span([pd.Timestamp("2018-09-30")])
    '2018-09'
    """
    return ym(months[0]) if len(months) == 1 else f"{ym(months[0])}..{ym(months[-1])}"


def runs(months: list[pd.Timestamp]) -> str:
    """Months as consecutive stretches.

    >>> runs([pd.Timestamp("2018-03-31"), pd.Timestamp("2018-04-30"), pd.Timestamp("2023-09-30")])
    '2018-03..2018-04, 2023-09'
    """
    out: list[list[pd.Timestamp]] = []
    for m in months:
        if out and lag(out[-1][-1], m) == 1:
            out[-1].append(m)
        else:
            out.append([m])
    return ", ".join(span(r) for r in out)


def window(
    months: list[pd.Timestamp], as_of: pd.Timestamp, max_lag: int, what: str, span_months: int | None = SPAN_MONTHS
) -> tuple[list[pd.Timestamp], str | None]:
    """The last :data:`WINDOW` months of ``months`` on or before ``as_of`` (within ``span_months`` months ending
    at the latest of them, if given), or why there are not enough.

    >>> window([pd.Timestamp("2018-01-31")], pd.Timestamp("2018-09-30"), 3, "")[1]
    'the latest report on or before 2018-09 is 2018-01, 8 months earlier; close enough is at most 3 months'
    """
    end = bisect.bisect_right(months, as_of)  # months is sorted: positions, not masks (timelines)
    if end == 0:
        first = f" (the first is {ym(months[0])})" if len(months) else ""
        return [], f"no monthly report {what}on or before {ym(as_of)}{first}"
    latest = months[end - 1]
    behind = lag(latest, as_of)
    if behind > max_lag:
        return [], (
            f"the latest report {what}on or before {ym(as_of)} is {ym(latest)}, {behind} months earlier; "
            f"close enough is at most {max_lag} months"
        )
    start = bisect.bisect_left(months, latest - pd.offsets.MonthEnd(span_months - 1)) if span_months is not None else 0
    found = months[max(start, end - WINDOW) : end]
    if len(found) < MIN_REPORTS:
        within = f"in the {span_months} months up to {ym(latest)}" if span_months is not None else f"up to {ym(latest)}"
        return [], (f"only {len(found)} report(s) {what}{within}; the median needs at least {MIN_REPORTS}")
    return found, None


def window_text(months: list[pd.Timestamp], detail: bool = False) -> str:
    """A window's months for ``data_date``.

    >>> window_text([pd.Timestamp("2019-09-30"), pd.Timestamp("2019-10-31")], detail=True)
    '2019-09..2019-10 (median of 2 reports with mission detail; latest 2019-10)'
    """
    kind = "reports with mission detail" if detail else "monthly reports"
    return f"{span(months)} (median of {len(months)} {kind}; latest {ym(months[-1])})"


@functools.lru_cache(maxsize=4096)
def fatality_start(as_of: pd.Timestamp) -> pd.Timestamp:
    """The first day of the :data:`FATALITY_YEARS` years ending ``as_of`` (cached: a timeline asks for every month).

    >>> fatality_start(pd.Timestamp("2018-09-30")).date()
    datetime.date(2015, 10, 1)
    """
    return as_of - pd.DateOffset(years=FATALITY_YEARS) + pd.Timedelta(days=1)
