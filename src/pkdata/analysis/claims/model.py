"""What a claim is and what checking it gives: :class:`Claim`, :class:`Result`, the report, the output's columns.

>>> Result("supported", 2518.5).latest
nan
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    from pkdata.analysis.claims.data import Data

#: The report the claims come from: author, title, series, publisher, date; :data:`REPORT` cites it in full,
#: :data:`REPORT_SHORT` in a chart's source line. Reuse these wherever the report is named.
REPORT_AUTHOR = "Marc Lanteigne"
REPORT_TITLE = "The Role of UN Peacekeeping in China's Expanding Strategic Interests"
REPORT_SERIES = "Special Report"
REPORT_PUBLISHER = "United States Institute of Peace"
REPORT_DATE_TEXT = "September 2018"
REPORT = f"{REPORT_AUTHOR}, {REPORT_TITLE}, {REPORT_SERIES}, {REPORT_PUBLISHER}, {REPORT_DATE_TEXT}"
REPORT_SHORT = f"{REPORT_AUTHOR}, {REPORT_TITLE} (USIP {REPORT_SERIES}, {REPORT_DATE_TEXT})"
#: The report's month (the default ``as_of``).
REPORT_MONTH = "2018-09"

#: Columns of :func:`~pkdata.analysis.claims.check`, in order.
COLUMNS: tuple[str, ...] = (
    "claim_id",
    "statement",
    "metric",
    "value",
    "latest",
    "comparison",
    "verdict",
    "data_date",
    "source",
    "evidence",
)
VERDICTS: tuple[str, ...] = ("supported", "refuted", "insufficient_data")

Unit = Literal["personnel", "ratio", "missions", "percent", "deaths", "rank"]
#: Which data's coverage gives a claim's timeline its periods: the personnel reports' months, the
#: fatalities data's months, or the years of the peacekeeping or regular-budget assessments.
Periods = Literal["personnel", "fatalities", "peacekeeping", "regular"]


@dataclass
class Result:
    """What one claim function returns for one date."""

    verdict: str
    value: float = math.nan
    comparison: str = ""
    data_date: str = ""
    sources: list[str] = field(default_factory=list)
    evidence: str = ""
    latest: float = math.nan


@dataclass(frozen=True)
class Claim:
    """A claim of the report: its id, our paraphrase, what is measured, and the function that checks it.

    ``periods`` names the data whose coverage a :func:`~pkdata.analysis.claims.timeline` runs over;
    ``out_of`` is what a count of ``unit`` ``missions`` is out of (rendered "2 of 2").
    """

    claim_id: str
    statement: str
    metric: str
    unit: Unit
    frequency: Literal["month", "year"]
    func: Callable[[Data, pd.Timestamp], Result]
    periods: Periods = "personnel"
    out_of: int = 0


def insufficient(reason: str, data_date: str = "", sources: list[str] | None = None) -> Result:
    """The result of a claim the data cannot decide, and why.

    >>> r = insufficient("no report before 1990-11", "1985")
    >>> r.verdict, r.data_date, r.value
    ('insufficient_data', '1985', nan)
    """
    return Result("insufficient_data", evidence=reason, data_date=data_date, sources=sources or [])


def number(x: float) -> str:
    """A count for people: thousands separators, one decimal only where a median falls between two.

    >>> number(2518.5), number(2506.0), number(float("nan"))
    ('2,518.5', '2,506', '-')
    """
    if pd.isna(x):
        return "-"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def percent(x: float) -> str:
    """A share in per cent, three decimals.

    >>> percent(10.2375)
    '10.238%'
    """
    return f"{x:.3f}%"
