"""What a claim is and what checking it gives: :class:`Claim`, :class:`Result`, the report, the output's columns.

>>> Result("supported", 2518.5).latest
nan
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from pkdata.core import paths

if TYPE_CHECKING:
    from pkdata.analysis.claims.data import Data

#: The seed report's claim file, shipped with the package.
SEED = paths.PACKAGE_DIR / "data" / "claims" / "lanteigne_2018.toml"
_SEED_REPORT = tomllib.loads(SEED.read_text(encoding="utf-8"))["report"]
#: The seed report: author, title, series, publisher, date (from its claim file); :data:`REPORT` cites it in full,
#: :data:`REPORT_SHORT` in a chart's source line. Reuse these wherever the report is named.
REPORT_AUTHOR: str = _SEED_REPORT["author"]
REPORT_TITLE: str = _SEED_REPORT["title"]
REPORT_SERIES: str = _SEED_REPORT["series"]
REPORT_PUBLISHER: str = _SEED_REPORT["publisher"]
REPORT_DATE_TEXT: str = _SEED_REPORT["date_text"]
REPORT = f"{REPORT_AUTHOR}, {REPORT_TITLE}, {REPORT_SERIES}, {REPORT_PUBLISHER}, {REPORT_DATE_TEXT}"
REPORT_SHORT = f"{REPORT_AUTHOR}, {REPORT_TITLE} (USIP {REPORT_SERIES}, {REPORT_DATE_TEXT})"
#: The report's month (the default ``as_of``).
REPORT_MONTH: str = _SEED_REPORT["date"]

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

#: A claim's parameters, as its claim file gives them (defaults filled in).
Params = Mapping[str, Any]

Unit = Literal["personnel", "ratio", "missions", "percent", "deaths", "rank", "count", "usd", "rate"]
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
    """A claim: its id, our paraphrase, what is measured, and the function that checks it (a metric with the
    claim's parameters); ``quote``, ``as_of``, ``address``, ``metric_name`` and ``params`` as its claim file gives them.

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
    quote: str = ""
    as_of: str = ""
    address: str = ""
    metric_name: str = ""
    params: Params = field(default_factory=dict)


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
