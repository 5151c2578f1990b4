"""The claims of Marc Lanteigne, *The Role of UN Peacekeeping in China's Expanding Strategic Interests*
(Special Report, United States Institute of Peace, September 2018), checked against the data.

Each claim is a small function that reads the processed tables (``PKDATA_DATA``) and returns a
value, what it is compared with, a verdict (``supported``, ``refuted`` or ``insufficient_data``),
the date of the data used, the source files (as named in the manifest) of the rows used, and an
evidence string. Nothing about a claim's outcome is written here: only the claim's definition
(its threshold or rival) and how close the data must be to the date asked for.

Rules shared by the claims:

* **Latest data on or before** ``as_of``; a month or year after it is never used.
* **Personnel** (``personnel_about_2500``, ``more_than_other_p5``, ``top_contributor_rank``,
  ``in_mali_and_south_sudan``): the verdict is decided by the **median of the last 12 monthly
  reports** (:data:`WINDOW`) so that one month's rotation dip (contingents swap in and out) is
  visible but does not decide it; ``latest`` shows the latest month's value. Close enough: the
  latest report is at most :data:`MAX_LAG_MONTHS` months before ``as_of``, the window's reports
  lie within the :data:`SPAN_MONTHS` months ending at the latest one (missing reports shorten the
  window) and there are at least :data:`MIN_REPORTS` of them.
* **Mission detail** (``in_mali_and_south_sudan``): months whose report gives country totals only
  (in the committed data 2018-03 .. 2019-08, 2023-09 and the IPI country files before Nov 2009)
  cannot show a mission; the last 12 reports with mission detail on or before ``as_of`` are used
  and ``data_date`` names them and the months skipped. Close enough: the latest of them is at
  most :data:`MAX_DETAIL_LAG_MONTHS` months before ``as_of`` (a contingent is a multi-year
  deployment) and there are at least :data:`MIN_REPORTS`.
* **Funding and budget share** (calendar years): the year of ``as_of``, or the latest earlier year
  whose scale period (``period_start`` .. ``period_end``, three years) still covers it.
* **Fatalities**: deaths with an incident date in the :data:`FATALITY_YEARS` years up to the end
  of ``as_of``'s month; the data must reach that date (the file's ``last_update``) to refute.

A table missing from the processed folder gives ``insufficient_data`` with the reason in the
evidence, never an invented value.

>>> c = check("2018-09").set_index("claim_id")
>>> c.loc["personnel_about_2500", "verdict"], float(c.loc["personnel_about_2500", "value"])
('supported', 2518.5)
>>> float(c.loc["personnel_about_2500", "latest"])
2506.0
"""

from __future__ import annotations

import argparse
import bisect
import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pkdata.core import countries, paths, schema, store
from pkdata.core.errors import DataNotFoundError, PkdataError

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

#: Columns of :func:`check`, in order.
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

#: Personnel claim thresholds (the claims' own words).
ABOUT = 2500
ABOUT_TOLERANCE = 0.10
FAR_MORE = 2.0
TOP_N = 20
MISSIONS = {"MINUSMA": "Mali", "UNMISS": "South Sudan"}
#: Funding claim: preferred bases, best first (exact assessed amounts, then scale rates).
FUNDING_BASES: tuple[str, ...] = ("assessed_usd", "scale_rate", "scale_rate_rounded")
#: Budget-share claim: the scale rate is the share; amounts only where no rate exists.
BUDGET_BASES: tuple[str, ...] = ("scale_rate", "scale_rate_rounded", "assessed_usd")
BASIS_TEXT = {
    "assessed_usd": "exact assessed amounts (calendar-year USD / all members' USD)",
    "scale_rate": "exact scale rates",
    "scale_rate_rounded": "scale rates rounded as printed by secondary sources",
}
#: Fatality personnel types that are uniformed peacekeepers.
UNIFORMED: tuple[str, ...] = schema.UNIFORMED_FATALITY_TYPES
KILLED = "malicious_act"
UNDETERMINED = ("to_be_determined", "unknown")

CHN = "CHN"


# --------------------------------------------------------------------------- data access


class _Missing(Exception):
    """A table (or column) a claim needs is not in the processed folder."""


class _Data:
    """The processed tables, each read once per :func:`check` or :func:`timeline` call."""

    def __init__(self, data_dir: str | Path | None = None):
        self.dir = Path(data_dir) if data_dir else paths.processed_dir()
        self._tables: dict[str, pd.DataFrame] = {}
        self._cache: dict[str, Any] = {}

    def table(self, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        if name not in self._tables:
            try:
                self._tables[name] = store.table(name, self.dir)
            except DataNotFoundError:
                raise _Missing(
                    f"table {name!r} is not in the processed folder {self.dir} "
                    f"(no {name}.parquet); build it with `pkdata build`"
                ) from None
        df = self._tables[name]
        lacking = [c for c in columns if c not in df.columns]
        if lacking:
            raise _Missing(f"table {name!r} in {self.dir} lacks the column(s) {lacking}")
        return df

    def manifest_sources(self) -> dict[str, dict[str, Any]]:
        if "sources" not in self._cache:
            path = self.dir / "manifest.json"
            entries = json.loads(path.read_text()).get("sources", []) if path.exists() else []
            self._cache["sources"] = {e["name"]: e for e in entries}
        return self._cache["sources"]

    def files(self, names: Any) -> list[str]:
        """Source file names, sorted; a name the manifest does not list is marked so."""
        known = self.manifest_sources()
        out = sorted({n if isinstance(n, str) else str(n) for n in names if isinstance(n, str) or pd.notna(n)})
        return [n if n in known else f"{n} (not in manifest)" for n in out]

    # personnel -------------------------------------------------------------------------

    def personnel(self) -> _Personnel:
        """The contributions table as the arrays the monthly claims slice (built once)."""
        if "personnel" not in self._cache:
            df = self.table("contributions", ("date", "contributor_iso3", "mission", "total", "source"))
            self._cache["personnel"] = _Personnel.build(df)
        return self._cache["personnel"]

    def month_sources(self, months: list[pd.Timestamp]) -> list[str]:
        """The source files of the reports of ``months``."""
        p = self.personnel()
        return self.files(p.source_names[c] for c in frozenset().union(*(p.sources.get(m, ()) for m in months)))


def _sum_by(rows: np.ndarray, a: np.ndarray, na: int, b: np.ndarray, nb: int, weights: np.ndarray) -> np.ndarray:
    """``weights`` of ``rows`` summed by (code ``a``, code ``b``): an ``na`` x ``nb`` array, 0 where none."""
    flat = np.bincount(a[rows] * nb + b[rows], weights=weights[rows], minlength=na * nb)
    return flat.reshape(na, nb)


def _codes_by(rows: np.ndarray, codes: np.ndarray, n: int, values: np.ndarray) -> list[frozenset[int]]:
    """For each code 0..n-1, the set of (non-negative) ``values`` of the ``rows`` with that code."""
    keep = rows & (values >= 0)
    k = max(int(values.max()) + 1, 1) if len(values) else 1
    seen = np.zeros(n * k, dtype=bool)
    seen[codes[keep].astype("int64") * k + values[keep]] = True
    pairs = np.flatnonzero(seen)  # the distinct (code, value) pairs, sorted by code, then value
    at = np.searchsorted(pairs // k, np.arange(n + 1)).tolist()
    found = (pairs % k).tolist()
    return [frozenset(found[at[i] : at[i + 1]]) for i in range(n)]


@dataclass(frozen=True)
class _Personnel:
    """Uniformed personnel by month, as arrays: built once per :class:`_Data`, so that a timeline's months
    are slices (positions found by bisection), not filters of the contributions table."""

    #: Report months (sorted) and month x contributor uniformed personnel (0 where a report does not list
    #: a contributor); ``column`` maps ISO3 to a column (sorted ISO3; CHN always present), ``row`` a month to a row.
    months: list[pd.Timestamp]
    values: np.ndarray
    contributors: list[str]
    column: dict[str, int]
    row: dict[pd.Timestamp, int]
    #: Each report month's source files (codes: positions in ``source_names``).
    sources: dict[pd.Timestamp, frozenset[int]]
    source_names: list[str]
    #: Months whose report has mission detail (sorted); China's personnel in each of :data:`MISSIONS` by
    #: those months; all contributors' personnel by detail month x mission (``mission`` maps an acronym to a
    #: column) and each detail month's source files of the rows with a mission.
    detail_months: list[pd.Timestamp]
    china_missions: np.ndarray
    mission_totals: np.ndarray
    mission: dict[str, int]
    mission_sources: list[frozenset[int]]

    @classmethod
    def build(cls, df: pd.DataFrame) -> _Personnel:
        total = df["total"].astype("float64").to_numpy()
        total = np.where(np.isnan(total), 0.0, total)  # a missing count adds nothing (as in a groupby sum)
        dcode, dates = pd.factorize(df["date"], sort=True)  # NaT: -1
        nd = len(dates)
        dated = dcode >= 0
        # month x contributor
        ccode, isos = pd.factorize(df["contributor_iso3"])
        names = [str(x) for x in isos]
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype="int64")
        rank[order] = np.arange(len(names))
        listed = dated & (ccode >= 0)
        contributors = [names[i] for i in order]
        column_of = np.append(rank, 0)[ccode]  # a row without a contributor (-1) gets a dummy 0; not `listed`
        grid = _sum_by(listed, dcode, nd, column_of, len(names), total)
        reported = np.bincount(dcode[listed], minlength=nd) > 0
        values = grid[reported]
        if CHN not in contributors:
            contributors.append(CHN)
            values = np.column_stack([values, np.zeros(len(values))])
        months = list(dates[reported])
        scode, source_names = pd.factorize(df["source"])
        sources = _codes_by(dated, dcode, nd, scode)
        # detail month x mission
        mcode, acronyms = pd.factorize(df["mission"])
        detail = dated & (mcode >= 0)
        at = np.flatnonzero(np.bincount(dcode[detail], minlength=nd) > 0)
        mission = {str(a): i for i, a in enumerate(acronyms)}
        chn = (df["contributor_iso3"] == CHN).to_numpy(dtype=bool, na_value=False)
        china = _sum_by(detail & chn, dcode, nd, mcode, len(acronyms), total)[at]
        china_missions = np.column_stack(
            [china[:, mission[m]] if m in mission else np.zeros(len(at)) for m in MISSIONS]
        ).reshape(len(at), len(MISSIONS))
        mission_sources = _codes_by(detail, dcode, nd, scode)
        return cls(
            months=months,
            values=values,
            contributors=contributors,
            column={c: i for i, c in enumerate(contributors)},
            row={m: i for i, m in enumerate(months)},
            sources={m: sources[i] for i, m in enumerate(dates)},
            source_names=[str(x) for x in source_names],
            detail_months=list(dates[at]),
            china_missions=china_missions,
            mission_totals=_sum_by(detail, dcode, nd, mcode, len(acronyms), total)[at],
            mission=mission,
            mission_sources=[mission_sources[i] for i in at],
        )


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
    """A claim of the report: its id, our paraphrase, what is measured, and the function that checks it."""

    claim_id: str
    statement: str
    metric: str
    unit: Literal["personnel", "ratio", "missions", "percent", "deaths", "rank"]
    frequency: Literal["month", "year"]
    func: Callable[[_Data, pd.Timestamp], Result]


def _insufficient(reason: str, data_date: str = "", sources: list[str] | None = None) -> Result:
    return Result("insufficient_data", evidence=reason, data_date=data_date, sources=sources or [])


# --------------------------------------------------------------------------- helpers


def _as_of(as_of: str | pd.Timestamp | None) -> pd.Timestamp:
    """The month end of ``as_of`` ('YYYY-MM', a date, or None for the report's month)."""
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


def _lag(earlier: pd.Timestamp, later: pd.Timestamp) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _ym(t: pd.Timestamp) -> str:
    return f"{t.year:04d}-{t.month:02d}"  # f"{t:%Y-%m}", without strftime (called for every month of a timeline)


def _n(x: float) -> str:
    """A count for people: thousands separators, one decimal only where a median falls between two."""
    if pd.isna(x):
        return "-"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def _span(months: list[pd.Timestamp]) -> str:
    return _ym(months[0]) if len(months) == 1 else f"{_ym(months[0])}..{_ym(months[-1])}"


def _window(
    months: list[pd.Timestamp], as_of: pd.Timestamp, max_lag: int, what: str, span: int | None = SPAN_MONTHS
) -> tuple[list[pd.Timestamp], str | None]:
    """The last :data:`WINDOW` months of ``months`` on or before ``as_of`` (within ``span`` months ending at
    the latest of them, if given), or why there are not enough."""
    end = bisect.bisect_right(months, as_of)  # months is sorted: positions, not masks (timelines)
    if end == 0:
        first = f" (the first is {_ym(months[0])})" if len(months) else ""
        return [], f"no monthly report {what}on or before {_ym(as_of)}{first}"
    latest = months[end - 1]
    lag = _lag(latest, as_of)
    if lag > max_lag:
        return [], (
            f"the latest report {what}on or before {_ym(as_of)} is {_ym(latest)}, {lag} months earlier; "
            f"close enough is at most {max_lag} months"
        )
    start = bisect.bisect_left(months, latest - pd.offsets.MonthEnd(span - 1)) if span is not None else 0
    window = months[max(start, end - WINDOW) : end]
    if len(window) < MIN_REPORTS:
        within = f"in the {span} months up to {_ym(latest)}" if span is not None else f"up to {_ym(latest)}"
        return [], (f"only {len(window)} report(s) {what}{within}; the median needs at least {MIN_REPORTS}")
    return window, None


def _runs(months: list[pd.Timestamp]) -> str:
    """Months as consecutive stretches: '2018-03..2019-08, 2023-09'."""
    out: list[list[pd.Timestamp]] = []
    for m in months:
        if out and _lag(out[-1][-1], m) == 1:
            out[-1].append(m)
        else:
            out.append([m])
    return ", ".join(_span(r) for r in out)


def _window_text(window: list[pd.Timestamp], detail: bool = False) -> str:
    kind = "reports with mission detail" if detail else "monthly reports"
    return f"{_span(window)} (median of {len(window)} {kind}; latest {_ym(window[-1])})"


def _personnel_window(d: _Data, as_of: pd.Timestamp) -> tuple[np.ndarray, list[pd.Timestamp]] | Result:
    """The window's rows of :attr:`_Personnel.values` (month x contributor) and its months, or why there is none."""
    p = d.personnel()
    window, why = _window(p.months, as_of, MAX_LAG_MONTHS, "")
    if why:
        return _insufficient(why)
    end = p.row[window[-1]] + 1
    return p.values[end - len(window) : end], window


def _series_text(months: list[pd.Timestamp], values: np.ndarray) -> str:
    return ", ".join(f"{_ym(m)} {_n(v)}" for m, v in zip(months, values.tolist(), strict=True))


def _descending(items: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """``(name, value)`` pairs, largest value first; equal values keep their order."""
    return sorted(items, key=lambda kv: -kv[1])


# --------------------------------------------------------------------------- the claims


def _personnel_about_2500(d: _Data, as_of: pd.Timestamp) -> Result:
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, window = got
    china = rows[:, d.personnel().column[CHN]]
    median, latest = float(np.median(china)), float(china[-1])
    low, high = ABOUT * (1 - ABOUT_TOLERANCE), ABOUT * (1 + ABOUT_TOLERANCE)
    ok = low <= median <= high
    return Result(
        "supported" if ok else "refuted",
        median,
        f"{ABOUT:,} ± {ABOUT_TOLERANCE:.0%} ({low:,.0f}..{high:,.0f})",
        _window_text(window),
        d.month_sources(window),
        f"China's uniformed personnel by month: {_series_text(window, china)}. Median {_n(median)} "
        f"({'within' if ok else 'outside'} {low:,.0f}..{high:,.0f}); latest month {_ym(window[-1])}: {_n(latest)}.",
        latest,
    )


def _more_than_other_p5(d: _Data, as_of: pd.Timestamp) -> Result:
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, window = got
    column = d.personnel().column
    p5 = np.column_stack([rows[:, column[c]] if c in column else np.zeros(len(rows)) for c in countries.P5])
    medians = dict(zip(countries.P5, np.median(p5, axis=0).tolist(), strict=True))
    last = dict(zip(countries.P5, p5[-1].tolist(), strict=True))
    others = _descending([(c, v) for c, v in medians.items() if c != CHN])
    rival, rival_median = others[0]
    ratio = medians[CHN] / rival_median if rival_median > 0 else math.inf
    latest_rival = max(v for c, v in last.items() if c != CHN)
    latest_ratio = last[CHN] / latest_rival if latest_rival > 0 else math.inf
    ok = all(medians[CHN] > v for _, v in others)
    far = "yes" if ratio >= FAR_MORE else "no"
    listed = ", ".join(f"{countries.display_name(c)} {_n(v)}" for c, v in _descending(list(medians.items())))
    latest_listed = ", ".join(f"{countries.display_name(c)} {_n(v)}" for c, v in _descending(list(last.items())))
    return Result(
        "supported" if ok else "refuted",
        float(ratio),
        f"next permanent member: {countries.display_name(rival)}, median {_n(rival_median)} "
        f"(China/{countries.display_name(rival)} = {ratio:.2f}; 'far more' means >= {FAR_MORE:g}: {far})",
        _window_text(window),
        d.month_sources(window),
        f"Median uniformed personnel {_span(window)}: {listed}. China {'is' if ok else 'is not'} above each of "
        f"the other four. Latest month {_ym(window[-1])}: {latest_listed} (ratio {latest_ratio:.2f}).",
        float(latest_ratio),
    )


def _rank_of(values: np.ndarray, i: int) -> tuple[int, int]:
    """Rank of ``values[i]`` (1 = largest; ties share the better rank) and how many contributors have personnel."""
    return int((values > values[i]).sum()) + 1, int((values > 0).sum())


def _top_contributor_rank(d: _Data, as_of: pd.Timestamp) -> Result:
    got = _personnel_window(d, as_of)
    if isinstance(got, Result):
        return got
    rows, window = got
    p = d.personnel()
    chn = p.column[CHN]
    medians = np.median(rows, axis=0)
    rank, n = _rank_of(medians, chn)
    latest_rank, latest_n = _rank_of(rows[-1], chn)
    listed_at = np.flatnonzero(medians > 0)
    at = listed_at[np.argsort(-medians[listed_at], kind="stable")]  # largest first, ties in ISO3 order
    order = medians[at]
    show = sorted({0, rank - 2, rank - 1, rank, TOP_N - 1} & set(range(len(order))))
    listed = "; ".join(
        f"#{int((order > order[i]).sum()) + 1} {countries.display_name(p.contributors[at[i]])} {_n(order[i])}"
        for i in show
    )
    ok = rank <= TOP_N
    return Result(
        "supported" if ok else "refuted",
        float(rank),
        f"top {TOP_N} of {n} contributors",
        _window_text(window),
        d.month_sources(window),
        f"Contributors ranked by median uniformed personnel {_span(window)}: {listed}. China ranks {rank} of {n}; "
        f"latest month {_ym(window[-1])}: rank {latest_rank} of {latest_n} ({_n(rows[-1, chn])}).",
        float(latest_rank),
    )


def _in_mali_and_south_sudan(d: _Data, as_of: pd.Timestamp) -> Result:
    p = d.personnel()
    months, detail = p.months, p.detail_months
    window, why = _window(detail, as_of, MAX_DETAIL_LAG_MONTHS, "with mission detail ", span=None)
    if why:
        return _insufficient(why + " (the claim needs mission detail)")
    end = bisect.bisect_right(detail, window[-1])
    china = p.china_missions[end - len(window) : end]
    medians = dict(zip(MISSIONS, np.median(china, axis=0).tolist(), strict=True))
    last = dict(zip(MISSIONS, china[-1].tolist(), strict=True))
    present = [m for m in MISSIONS if medians[m] > 0]
    date = _window_text(window, detail=True)
    inside = months[bisect.bisect_right(months, window[0]) : bisect.bisect_left(months, window[-1])]
    used = set(window)
    skipped = [m for m in inside if m not in used]
    if skipped:
        date += f"; skipped, country totals only: {_runs(skipped)}"
    reports = months[bisect.bisect_right(months, window[-1]) : bisect.bisect_right(months, as_of)]
    if reports:
        date += f"; the report(s) {_runs(reports)} give country totals only"
    listed = "; ".join(
        f"{m} ({country}): median {_n(medians[m])}, {_ym(window[-1])} {_n(last[m])}" for m, country in MISSIONS.items()
    )
    ok = len(present) == len(MISSIONS)
    evidence = f"China's uniformed personnel in {_span(window)}: {listed}."
    if reports:
        chn = p.column[CHN]
        evidence += (
            f" China's country total in {_ym(reports[-1])} (no mission detail): "
            f"{_n(p.values[p.row[reports[-1]], chn])}, against {_n(p.values[p.row[window[-1]], chn])} in "
            f"{_ym(window[-1])}."
        )
    return Result(
        "supported" if ok else "refuted",
        float(len(present)),
        "personnel in both "
        + " and ".join(f"{m} ({c})" for m, c in MISSIONS.items())
        + " (median over the window > 0)",
        date,
        d.month_sources(window),
        evidence,
        float(sum(last[m] > 0 for m in MISSIONS)),
    )


# finance ---------------------------------------------------------------------------------

_ASSESSMENT_COLUMNS = (
    "kind",
    "year",
    "member_iso3",
    "share_percent",
    "share_low",
    "share_high",
    "basis",
    "precision",
    "coverage",
    "chosen",
    "period_start",
    "period_end",
    "assessed_usd",
    "source",
)


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of ``columns`` (missing values stay ``pd.NA``/NaN, as in a row of ``loc``)."""
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*(frame[c].tolist() for c in columns), strict=True)
    ]


def _by_year(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[int, list[dict[str, Any]]]:
    """The rows of ``frame`` (in its order) by year, rows without a year left out."""
    out: dict[int, list[dict[str, Any]]] = {}
    for r in _records(frame, columns):
        if pd.notna(r["year"]):
            out.setdefault(int(r["year"]), []).append(r)
    return dict(sorted(out.items()))


def _year_rows(
    d: _Data, kind: str, as_of: pd.Timestamp, bases: tuple[str, ...], need: str = CHN
) -> tuple[dict[str, Any], int, str] | Result:
    """The row of the year used for ``as_of`` (of one basis, the best the year has) or why there is none."""
    df = d.table("assessments", _ASSESSMENT_COLUMNS)
    key = ("year_rows", kind, bases, need)
    if key not in d._cache:
        pick = (df["kind"] == kind) & df["chosen"] & df["basis"].isin(bases) & (df["member_iso3"] == need)
        df = df.loc[pick, list(_ASSESSMENT_COLUMNS)]
        d._cache[key] = _by_year(df, _ASSESSMENT_COLUMNS)
    by_year = d._cache[key]
    years = list(by_year)
    earlier = [y for y in years if y <= as_of.year]
    if not earlier:
        return _insufficient(
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
        return _insufficient(
            f"the latest {kind} figure on or before {as_of.year} is for {year}, whose scale period "
            f"ends {int(max(end)) if end else year}; close enough is the year of as_of or an "
            "earlier year of the same scale period",
            str(year),
        )
    basis = next(b for b in bases if any(r["basis"] == b for r in mine))
    return next(r for r in mine if r["basis"] == basis), year, basis


def _pct(x: float) -> str:
    return f"{x:.3f}%"


_MEASURE_COLUMNS = (
    "kind",
    "year",
    "member_iso3",
    "share_percent",
    "share_low",
    "share_high",
    "basis",
    "precision",
    "period_start",
    "period_end",
    "assessed_usd",
    "source",
    "measure",
    "measure_pick",
    "measure_rank",
    "measure_rank_min",
    "measure_rank_max",
)
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


def _measure_rows(d: _Data, measure: str) -> dict[int, list[dict[str, Any]]]:
    """The picked peacekeeping rows of ``measure`` by year, each year's largest share first."""
    df = d.table("assessments", _MEASURE_COLUMNS)
    key = ("measure_rows", measure)
    if key not in d._cache:
        df = df.loc[
            (df["kind"] == "peacekeeping") & (df["measure"] == measure) & df["measure_pick"], list(_MEASURE_COLUMNS)
        ]
        df = df.sort_values(
            ["share_high", "share_percent", "member_iso3"], ascending=[False, False, True], kind="mergesort"
        )
        d._cache[key] = _by_year(df, _MEASURE_COLUMNS)
    return d._cache[key]


def _second_largest_funder(d: _Data, as_of: pd.Timestamp, measure: str = FUNDING_MEASURE) -> Result:
    by_year = _measure_rows(d, measure)
    years = [y for y, rows in by_year.items() if any(r["member_iso3"] == CHN for r in rows)]
    earlier = [y for y in years if y <= as_of.year]
    if not earlier:
        return _insufficient(f"no peacekeeping figure ({measure}) for China in {as_of.year} or before")
    year = earlier[-1]
    rows = by_year[year]
    members = [r["member_iso3"] for r in rows]
    end = [r["period_end"] for r in rows if r["member_iso3"] == CHN and pd.notna(r["period_end"])]
    if year != as_of.year and not (end and int(max(end)) >= as_of.year):
        return _insufficient(
            f"the latest peacekeeping figure ({measure}) on or before {as_of.year} is for {year}, "
            f"whose scale period ends {int(max(end)) if end else year}; close enough is the "
            "year of as_of or an earlier year of the same scale period",
            str(year),
        )
    by = {m: r for m, r in reversed(list(zip(members, rows, strict=True)))}  # a member's first row
    if "USA" not in by:
        return _insufficient(
            f"the {year} peacekeeping figures ({measure}) do not list the United States",
            str(year),
            d.files(r["source"] for r in rows),
        )
    china, usa = by[CHN], by["USA"]

    def rank_text(r: dict[str, Any]) -> str:
        lo, hi = r["measure_rank_min"], r["measure_rank_max"]
        return f"rank {lo}" if lo == hi else f"rank {lo}..{hi if pd.notna(hi) else '?'}"

    def share(r: dict[str, Any]) -> str:
        if pd.notna(r["share_percent"]):
            return _pct(r["share_percent"])
        return f"{r['share_low']:.3f}..{r['share_high']:.3f}%"

    def who(iso: str) -> str:
        r = by[iso]
        usd = f", ${r['assessed_usd'] / 1e6:,.1f}m" if pd.notna(r["assessed_usd"]) else ""
        return f"{countries.display_name(iso)} {share(r)}{usd} ({rank_text(r)}, {r['basis']})"

    certain = china["measure_rank_min"] == china["measure_rank_max"] == 2 and usa["measure_rank_max"] == 1
    refuted = (
        china["measure_rank_min"] > 2
        or (pd.notna(china["measure_rank_max"]) and china["measure_rank_max"] < 2)
        or usa["measure_rank_min"] > 1
    )
    verdict = "supported" if certain else "refuted" if refuted else "insufficient_data"
    pos = members.index(CHN)
    comparison = f"United States {share(usa)} ({rank_text(usa)})"
    for label, at in (("next above China", pos - 1), ("next below China", pos + 1)):
        if 0 <= at < len(rows) and members[at] != "USA":
            comparison += f"; {label}: {who(members[at])}"
    top = "; ".join(who(i) for i in members[:4])
    evidence = (
        f"Peacekeeping assessments {year}, measure {measure}: {MEASURE_TEXT[measure]}. Largest: {top}. "
        f"China: {rank_text(china)}."
    )
    if verdict == "insufficient_data":
        evidence += " The precision of the figures leaves China's rank open."
    other = OTHER_MEASURE[measure]
    alt = [r for r in _measure_rows(d, other).get(year, []) if r["member_iso3"] == CHN]
    sources = d.files(r["source"] for r in rows)
    if alt:
        a = alt[0]
        evidence += (
            f" Other measure ({other}: {MEASURE_TEXT[other]}): China {share(a)}, {rank_text(a)}"
            + (
                f"; {year} is the first year of the {int(a['period_start'])}-{int(a['period_end'])} scale, "
                "so the year's billed amounts still include assessments at the old rates"
                if a["measure_rank_min"] != china["measure_rank_min"] and a["period_start"] == year
                else ""
            )
            + "."
        )
        sources = sorted(set(sources) | set(d.files(r["source"] for r in alt)))
    else:
        evidence += f" Other measure ({other}): no figure for {year}."
    value = float(china["share_percent"]) if pd.notna(china["share_percent"]) else math.nan
    return Result(verdict, value, comparison, f"{year} ({measure})", sources, evidence)


def _rising_budget_share(d: _Data, as_of: pd.Timestamp) -> Result:
    got = _year_rows(d, "regular", as_of, BUDGET_BASES)
    if isinstance(got, Result):
        return got
    cur, year, basis = got
    if pd.isna(cur["period_start"]):
        return _insufficient(f"the {year} regular-budget rate has no scale period", str(year), d.files([cur["source"]]))
    start, end = int(cur["period_start"]), int(cur["period_end"])
    prev_got = _year_rows(d, "regular", pd.Timestamp(f"{start - 1}-12-31"), BUDGET_BASES)
    if isinstance(prev_got, Result) or prev_got[1] != start - 1:
        return _insufficient(
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
    diff = cur["share_percent"] - prev["share_percent"]

    def rate(r: dict[str, Any], b: str) -> str:
        bounds = "" if r["share_low"] == r["share_high"] else f", i.e. {_pct(r['share_low'])}..{_pct(r['share_high'])}"
        return f"{_pct(r['share_percent'])} ({b}, {r['precision']}{bounds})"

    evidence = (
        f"China's share of the UN regular budget: {rate(cur, basis)} in the {period} scale "
        f"(year {year}) against {rate(prev, prev_basis)} in the {prev_period} scale: "
        f"{diff:+.3f} points."
    )
    if verdict == "insufficient_data":
        evidence += " The precision of the figures cannot tell which is larger."
    return Result(
        verdict,
        float(cur["share_percent"]),
        f"{_pct(prev['share_percent'])} in the {prev_period} scale",
        f"{year} ({period} scale; previous {prev_period})",
        d.files([cur["source"], prev["source"]]),
        evidence,
    )


# fatalities ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _fatality_start(as_of: pd.Timestamp) -> pd.Timestamp:
    """The first day of the :data:`FATALITY_YEARS` years ending ``as_of`` (cached: a timeline asks for every month)."""
    return as_of - pd.DateOffset(years=FATALITY_YEARS) + pd.Timedelta(days=1)


def _fatality_coverage(d: _Data, table: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """First and last day the fatalities data covers, and where the last day comes from."""
    first = table["date"].min().normalize()
    updates = []
    for name in set(table["source"].dropna().astype(str)):
        entry = d.manifest_sources().get(name, {})
        for part in str(entry.get("last_update", "")).split(","):
            try:
                day = pd.Timestamp(part.strip())
            except ValueError:
                continue
            if not pd.isna(day):  # an empty or broken last_update is no date (pd.Timestamp("") is NaT)
                updates.append(day)
    if updates:
        return first, max(updates).normalize(), "the file's last_update in the manifest"
    return first, table["date"].max().normalize(), "the latest incident date in the table"


def _fatalities(d: _Data) -> tuple[pd.DataFrame, pd.DataFrame, tuple[pd.Timestamp, pd.Timestamp, str], dict[str, str]]:
    """The fatalities table, China's uniformed dead, the coverage, and mission -> host country name."""
    if "fatalities" not in d._cache:
        df = d.table("fatalities", ("date", "mission", "nationality_iso3", "personnel_type", "incident_type", "source"))
        mine = df[(df["nationality_iso3"] == CHN) & df["personnel_type"].isin(UNIFORMED)]
        hosts: dict[str, str] = {}
        try:
            missions = d.table("missions", ("acronym", "host_iso3"))
            hosts = {
                str(a): countries.display_name(str(h))
                for a, h in missions[["acronym", "host_iso3"]].itertuples(index=False)
                if pd.notna(h)
            }
        except _Missing:
            pass
        d._cache["fatalities"] = (
            df,
            mine.sort_values(["date", "mission"], kind="mergesort"),
            _fatality_coverage(d, df),
            hosts,
        )
    return d._cache["fatalities"]


@dataclass(frozen=True)
class _Deaths:
    """Fatality rows as sorted dates and plain values, so a window is a slice (bisection), not a filter."""

    dates: list[pd.Timestamp]  # sorted; rows without a date are left out (no window holds them)
    mission: list[str | None]
    incident: list[str | None]
    day: list[str]  # 'YYYY-MM-DD'
    source: list[Any]

    @classmethod
    def of(cls, rows: pd.DataFrame) -> _Deaths:
        rows = rows[rows["date"].notna()]
        rows = rows.iloc[np.argsort(rows["date"].to_numpy(), kind="stable")]

        def values(col: str) -> list[str | None]:
            return [None if pd.isna(x) else str(x) for x in rows[col]]

        dates = pd.DatetimeIndex(rows["date"])
        return cls(
            list(dates),
            values("mission"),
            values("incident_type"),
            list(dates.strftime("%Y-%m-%d")),
            list(rows["source"]),
        )

    def span(self, start: pd.Timestamp, end: pd.Timestamp) -> range:
        """Positions of the rows dated ``start`` .. ``end`` (both included)."""
        return range(bisect.bisect_left(self.dates, start), bisect.bisect_right(self.dates, end))


def _china_deaths(d: _Data) -> _Deaths:
    """China's uniformed dead (:func:`_fatalities`), in the fatalities table's date, mission order."""
    if "china_deaths" not in d._cache:
        d._cache["china_deaths"] = _Deaths.of(_fatalities(d)[1])
    return d._cache["china_deaths"]


def _killed_uniformed(d: _Data) -> _Deaths:
    """Uniformed peacekeepers (all nationalities) killed by a malicious act."""
    if "killed_uniformed" not in d._cache:
        df = _fatalities(d)[0]
        killed = (df["incident_type"] == KILLED).to_numpy(dtype=bool, na_value=False)
        d._cache["killed_uniformed"] = _Deaths.of(df[killed & df["personnel_type"].isin(UNIFORMED).to_numpy()])
    return d._cache["killed_uniformed"]


def _recent_fatalities(d: _Data, as_of: pd.Timestamp) -> Result:
    df, _, (first, last, how), hosts = _fatalities(d)
    china = _china_deaths(d)
    start = _fatality_start(as_of)
    span = f"{start:%Y-%m-%d}..{as_of:%Y-%m-%d}"
    mine = china.span(start, as_of)
    killed = [i for i in mine if china.incident[i] == KILLED]
    other = [i for i in mine if china.incident[i] is not None and china.incident[i] != KILLED]

    def listing(rows: list[int], cause: bool) -> str:
        counts: dict[tuple[str, str, str], int] = {}
        for i in rows:
            if china.mission[i] is not None:  # as a groupby, which leaves out a missing key
                key = (china.day[i], china.mission[i], str(china.incident[i]))
                counts[key] = counts.get(key, 0) + 1
        return "; ".join(
            f"{day} {m}{' (' + hosts[m] + ')' if m in hosts else ''}"
            f"{', ' + t.replace('_', ' ') if cause else ''}{' x' + str(n) if n > 1 else ''}"
            for (day, m, t), n in sorted(counts.items())
        )

    complete = start >= first and as_of <= last
    if killed:
        verdict = "supported"
    elif not complete:
        verdict = "insufficient_data"
    elif any(china.incident[i] in UNDETERMINED for i in other):
        verdict = "insufficient_data"
    else:
        verdict = "refuted"
    evidence = (
        f"Chinese uniformed peacekeepers killed (incident type malicious act) {span}: {len(killed)}"
        + (f": {listing(killed, False)}" if killed else "")
        + ". Other deaths in the window "
        f"(not counted as killed): {listing(other, True) if other else 'none'}."
    )
    if not complete:
        evidence += (
            f" The fatalities data covers {first:%Y-%m-%d}..{last:%Y-%m-%d} ({how}), not the whole window; "
            "close enough to refute means covering it."
        )
    elif verdict == "insufficient_data":
        evidence += " Some deaths in the window have no determined cause."
    where = sorted({china.mission[i] for i in killed if china.mission[i] is not None})
    comparison = f"at least 1 in the {FATALITY_YEARS} years {span}" + (
        f"; where: {', '.join(m + (' (' + hosts[m] + ')' if m in hosts else '') for m in where)}" if where else ""
    )
    return Result(
        verdict,
        float(len(killed)) if complete or killed else math.nan,
        comparison,
        f"{span} (data to {last:%Y-%m-%d})",
        d.files([china.source[i] for i in mine] if len(mine) else df["source"].iloc[:1].tolist()),
        evidence,
    )


# danger ----------------------------------------------------------------------------------

#: active_combat_zones: the missions the report calls active combat zones.
COMBAT_ZONES = {"MINUSMA": "Mali", "UNMISS": "South Sudan"}
#: ... at least this many months with mission detail in the window are needed for the exposure.
MIN_DETAIL_MONTHS = 12


def combat_rates(
    as_of: str | pd.Timestamp | None = REPORT_MONTH, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """Deaths from malicious acts per 1,000 personnel-years in every active peacekeeping operation.

    The measure of the claim ``active_combat_zones``: for each peacekeeping operation (kind ``pko``)
    whose mandate covers ``as_of``'s month end, the uniformed personnel (military, experts on mission,
    police) killed by a malicious act in the :data:`FATALITY_YEARS` years up to that day, per 1,000
    personnel-years (mean monthly uniformed strength over the window's reports with mission detail,
    times the window's years). ``rank`` 1 is the highest rate; ``pooled`` (in ``attrs``) is all these
    operations' deaths over all their personnel-years. ``attrs`` also names the window, the months
    used and the fatalities data's last day.

    >>> r = combat_rates("2018-09")
    >>> r.attrs["window"], r.loc[0, "mission"], int(r.loc[0, "rank"])
    ('2015-10-01..2018-09-30', 'MINUSMA', 1)
    """
    d = _Data(data_dir)
    rates = _combat_rates(d, _as_of(as_of))
    if isinstance(rates, Result):
        raise PkdataError(rates.evidence)
    out = pd.DataFrame({"mission": pd.array([r.mission for r in rates.rows], dtype="string")})
    out["host"] = [r.host for r in rates.rows]
    out["deaths"] = [r.deaths for r in rates.rows]
    out["personnel_years"] = [r.personnel_years for r in rates.rows]
    out["rate"] = 1000.0 * out["deaths"] / out["personnel_years"]
    out["rank"] = out["rate"].rank(method="min", ascending=False).astype("int64")
    out.attrs.update(rates.attrs)
    return out


@dataclass(frozen=True)
class _Rate:
    """One row of :func:`combat_rates`."""

    mission: str
    host: str
    deaths: int
    personnel_years: float
    rate: float
    rank: int


@dataclass(frozen=True)
class _Rates:
    """The table of :func:`combat_rates` as rows (highest rate first), its ``attrs`` and the source files used."""

    rows: list[_Rate]
    attrs: dict[str, Any]
    used: list[str]
    months: list[pd.Timestamp]  # the reports with mission detail in the window


def _peacekeeping_operations(d: _Data) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Acronym, start and end (NaT: still open) of each peacekeeping operation (kind ``pko``)."""
    missions = d.table("missions", ("acronym", "kind", "start", "end"))
    if "pko" not in d._cache:
        pko = missions[missions["kind"] == "pko"]
        d._cache["pko"] = list(zip(pko["acronym"].astype(str), pko["start"], pko["end"], strict=True))
    return d._cache["pko"]


def _combat_rates(d: _Data, as_of: pd.Timestamp) -> _Rates | Result:
    """The rates of :func:`combat_rates` (or why there are none)."""
    _, _, (first, last, how), hosts = _fatalities(d)
    start = _fatality_start(as_of)
    span = f"{start:%Y-%m-%d}..{as_of:%Y-%m-%d}"
    active = [a for a, begin, end in _peacekeeping_operations(d) if begin <= as_of and (pd.isna(end) or end >= as_of)]
    p = d.personnel()
    lo, hi = bisect.bisect_left(p.detail_months, start), bisect.bisect_right(p.detail_months, as_of)
    months = p.detail_months[lo:hi]
    if len(months) < MIN_DETAIL_MONTHS:
        return _insufficient(
            f"only {len(months)} report(s) with mission detail in {span}; the exposure needs at "
            f"least {MIN_DETAIL_MONTHS}",
            span,
        )
    strength = (p.mission_totals[lo:hi].sum(axis=0) / len(months)).tolist()
    names = [a for a in active if a in p.mission and strength[p.mission[a]] > 0]
    dead = _killed_uniformed(d)
    window = dead.span(start, as_of)
    deaths: dict[str, int] = {}
    for i in window:
        if dead.mission[i] is not None:
            deaths[dead.mission[i]] = deaths.get(dead.mission[i], 0) + 1
    rows = []
    for m in names:
        personnel_years = strength[p.mission[m]] * FATALITY_YEARS
        rows.append(
            (m, hosts.get(m, ""), deaths.get(m, 0), personnel_years, 1000.0 * deaths.get(m, 0) / personnel_years)
        )
    rows.sort(key=lambda r: (-r[4], -r[2], r[0]))
    rates = [_Rate(*r, rank=1 + sum(o[4] > r[4] for o in rows)) for r in rows]
    # a numpy sum, as pandas' (pairwise summation: the same last bit)
    pooled = (
        1000.0 * sum(r.deaths for r in rates) / np.array([r.personnel_years for r in rates]).sum()
        if rates
        else math.nan
    )
    attrs = {
        "as_of": _ym(as_of),
        "window": span,
        "months": [_ym(m) for m in months],
        "pooled": pooled,
        "data_to": f"{last:%Y-%m-%d}",
        "data_to_how": how,
        "complete": bool(start >= first and as_of <= last),
    }
    sources = [p.source_names[c] for c in frozenset().union(*p.mission_sources[lo:hi])]
    return _Rates(rates, attrs, d.files(sources + [dead.source[i] for i in window]), months)


def _active_combat_zones(d: _Data, as_of: pd.Timestamp) -> Result:
    rates = _combat_rates(d, as_of)
    if isinstance(rates, Result):
        return rates
    a, used = rates.attrs, rates.used
    pooled = a["pooled"]
    by = {r.mission: r for r in rates.rows}
    zones = [m for m in COMBAT_ZONES if m in by and by[m].deaths > 0 and by[m].rate >= pooled]
    data_date = (
        f"{a['window']} (fatalities data to {a['data_to']}; personnel: {len(a['months'])} reports with "
        f"mission detail, {_runs(rates.months)})"
    )
    listing = "; ".join(
        f"#{r.rank} {r.mission}{' (' + r.host + ')' if r.host else ''} {r.rate:.2f} "
        f"({r.deaths} deaths / {r.personnel_years:,.0f} personnel-years)"
        for r in rates.rows
    )
    inactive = [m for m in COMBAT_ZONES if m not in by]
    evidence = (
        f"Uniformed peacekeepers killed by malicious acts per 1,000 personnel-years, {a['window']}, in "
        f"the {len(rates.rows)} peacekeeping operations active on {as_of:%Y-%m-%d} with personnel in the "
        f"window: {listing}. All of them together: {pooled:.2f}."
    )
    for m in COMBAT_ZONES:
        if m in by:
            r = by[m]
            side = "at or above" if m in zones else "below"
            evidence += (
                f" {m} ({COMBAT_ZONES[m]}): {r.rate:.2f}, rank {r.rank} of {len(rates.rows)}, {side} the pooled rate."
            )
    if inactive:
        evidence += f" Not an active operation with personnel on {as_of:%Y-%m-%d}: {', '.join(inactive)}."
    if len(zones) == len(COMBAT_ZONES):
        verdict = "supported"
    elif not a["complete"]:
        verdict = "insufficient_data"
        evidence += (
            f" The fatalities data ({a['data_to_how']}) ends {a['data_to']}, before the window's end; "
            "close enough to refute means covering it."
        )
    else:
        verdict = "refuted"
    comparison = (
        f"both {' and '.join(f'{m} ({c})' for m, c in COMBAT_ZONES.items())} at or above the pooled rate "
        f"of all active operations ({pooled:.2f} per 1,000 personnel-years), with at least one death"
    )
    return Result(verdict, float(len(zones)), comparison, data_date, used, evidence)


#: The claims, in the report's order.
CLAIMS: dict[str, Claim] = {
    c.claim_id: c
    for c in (
        Claim(
            "personnel_about_2500",
            "China's uniformed personnel is roughly 2,500 (within 10%).",
            "China's uniformed personnel: median of the last 12 monthly reports",
            "personnel",
            "month",
            _personnel_about_2500,
        ),
        Claim(
            "more_than_other_p5",
            "China deploys more uniformed personnel than each other permanent member.",
            "ratio of China's median uniformed personnel to the next permanent member's",
            "ratio",
            "month",
            _more_than_other_p5,
        ),
        Claim(
            "in_mali_and_south_sudan",
            "China has personnel in MINUSMA (Mali) and UNMISS (South Sudan).",
            "how many of MINUSMA and UNMISS have Chinese personnel (median over the last 12 reports with mission "
            "detail)",
            "missions",
            "month",
            _in_mali_and_south_sudan,
        ),
        Claim(
            "second_largest_funder",
            "China has the second-largest share of assessed peacekeeping funding, after the United States.",
            "China's rate on the peacekeeping scale (%) in the calendar year (billed share in the evidence)",
            "percent",
            "year",
            _second_largest_funder,
        ),
        Claim(
            "recent_fatalities",
            "Chinese peacekeepers were killed in the three years before the date.",
            "Chinese uniformed peacekeepers killed by malicious acts in the three years up to the date",
            "deaths",
            "month",
            _recent_fatalities,
        ),
        Claim(
            "rising_budget_share",
            "China's share of the UN regular budget is higher than in the previous scale period.",
            "China's regular-budget scale rate (%) in the scale period of the date",
            "percent",
            "year",
            _rising_budget_share,
        ),
        Claim(
            "top_contributor_rank",
            "China ranks among the top 20 contributors of uniformed personnel.",
            "China's rank among all contributors by median uniformed personnel over the last 12 reports",
            "rank",
            "month",
            _top_contributor_rank,
        ),
        Claim(
            "active_combat_zones",
            "Mali (MINUSMA) and South Sudan (UNMISS) are active combat zones: peacekeepers "
            "there are killed by hostile acts at least as often as in UN peacekeeping as a whole.",
            "how many of MINUSMA and UNMISS have a rate of uniformed peacekeepers killed by malicious acts (per 1,000 "
            "personnel-years, 3 years up to the date) at or above the pooled rate of all active operations",
            "missions",
            "month",
            _active_combat_zones,
        ),
    )
}


def _run(claim: Claim, d: _Data, as_of: pd.Timestamp) -> Result:
    try:
        return claim.func(d, as_of)
    except _Missing as exc:
        return _insufficient(str(exc))


def _row(claim: Claim, r: Result) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "statement": claim.statement,
        "metric": claim.metric,
        "value": r.value,
        "latest": r.latest,
        "comparison": r.comparison,
        "verdict": r.verdict,
        "data_date": r.data_date,
        "source": "; ".join(r.sources),
        "evidence": r.evidence,
    }


# --------------------------------------------------------------------------- public API


def check(as_of: str | pd.Timestamp | None = REPORT_MONTH, *, data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per claim, checked against the data on or before ``as_of`` (a month, 'YYYY-MM').

    Columns: claim_id, statement (our paraphrase), metric, value (the metric's value; NaN where
    none could be computed), latest (personnel claims: the latest month's value, which may
    show a rotation dip the median smooths out), comparison (threshold or rival), verdict
    (``supported``, ``refuted``, ``insufficient_data``), data_date (the months or year used),
    source (the manifest's file names of the rows used, ``;``-separated), evidence.
    ``as_of='latest'`` checks the last month of the contributions table.

    >>> c = check("2018-09").set_index("claim_id")
    >>> c.loc["in_mali_and_south_sudan", "data_date"][:7], c.loc["in_mali_and_south_sudan", "verdict"]
    ('2017-02', 'supported')
    >>> check("1985-01")["verdict"].tolist().count("insufficient_data")
    7
    """
    d = _Data(data_dir)
    if isinstance(as_of, str) and as_of.strip().lower() == "latest":
        try:
            as_of = pd.DatetimeIndex(d.personnel().months).max()
        except _Missing as exc:
            raise PkdataError(f"as_of='latest' needs the contributions table: {exc}") from None
    month = _as_of(as_of)
    out = pd.DataFrame([_row(c, _run(c, d, month)) for c in CLAIMS.values()], columns=list(COLUMNS))
    out.attrs.update({"as_of": _ym(month), "report": REPORT, "data_dir": str(d.dir)})
    return out


def _periods(claim: Claim, d: _Data) -> list[pd.Timestamp]:
    """Every month or year the claim's data covers, as month ends (years: December)."""
    if claim.frequency == "year":
        kind = "regular" if claim.claim_id == "rising_budget_share" else "peacekeeping"
        df = d.table("assessments", _ASSESSMENT_COLUMNS)
        years = df.loc[df["kind"] == kind, "year"].dropna().astype(int)
        if years.empty:
            return []
        return [pd.Timestamp(f"{y}-12-31") for y in range(years.min(), years.max() + 1)]
    if claim.claim_id == "recent_fatalities":
        first, last, _ = _fatalities(d)[2]
    else:
        months = pd.DatetimeIndex(d.personnel().months)
        first, last = months.min(), months.max()
    return list(pd.date_range(first + pd.offsets.MonthEnd(0), last + pd.offsets.MonthEnd(0), freq="ME"))


def timeline(claim_id: str, *, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The claim's verdict and value for every month (or year) the data covers, oldest first.

    Columns: period ('YYYY-MM', or 'YYYY' for the yearly funding claims), date (month end; a
    year is dated 31 December), value, latest, verdict, comparison, data_date. Plot ``value``
    against ``date`` and colour by ``verdict``. ``attrs`` holds the claim (``claim_id``,
    ``statement``, ``metric``, ``unit``, ``frequency``) and ``runs``: the stretches of equal
    verdict, so "since when" is the start of the last ``supported`` run.

    >>> t = timeline("second_largest_funder")
    >>> [r for r in t.attrs["runs"] if r["verdict"] == "supported"][0]["first"]
    '2016'
    """
    claim = CLAIMS.get(claim_id)
    if claim is None:
        raise PkdataError(f"unknown claim {claim_id!r}; the claims are {list(CLAIMS)}")
    d = _Data(data_dir)
    try:
        periods = _periods(claim, d)
    except _Missing as exc:
        raise PkdataError(f"no timeline for {claim_id}: {exc}") from None
    rows = []
    for when in periods:
        r = _run(claim, d, when)
        rows.append(
            {
                "period": str(when.year) if claim.frequency == "year" else _ym(when),
                "date": when,
                "value": r.value,
                "latest": r.latest,
                "verdict": r.verdict,
                "comparison": r.comparison,
                "data_date": r.data_date,
            }
        )
    out = pd.DataFrame(rows, columns=["period", "date", "value", "latest", "verdict", "comparison", "data_date"])
    out["date"] = pd.to_datetime(out["date"])
    runs = []
    for _, g in out.groupby((out["verdict"] != out["verdict"].shift()).cumsum(), sort=True):
        runs.append(
            {
                "verdict": g["verdict"].iloc[0],
                "first": g["period"].iloc[0],
                "last": g["period"].iloc[-1],
                "periods": len(g),
            }
        )
    out.attrs.update(
        {
            "claim_id": claim.claim_id,
            "statement": claim.statement,
            "metric": claim.metric,
            "unit": claim.unit,
            "frequency": claim.frequency,
            "runs": runs,
            "data_dir": str(d.dir),
        }
    )
    return out


# --------------------------------------------------------------------------- rendering


def _value_text(unit: str, value: float, latest: float) -> str:
    if pd.isna(value):
        return "-"
    if unit == "personnel":
        text = _n(value)
    elif unit == "ratio":
        text = "more than any (none deployed)" if math.isinf(value) else f"{value:.2f}x"
    elif unit == "missions":
        text = f"{int(value)} of {len(MISSIONS)}"
    elif unit == "percent":
        text = _pct(value)
    elif unit == "rank":
        text = f"#{int(value)}"
    else:
        text = f"{int(value)}"
    if not pd.isna(latest):
        if unit == "ratio":
            text += f" (latest {latest:.2f}x)" if not math.isinf(latest) else " (latest: none deployed)"
        elif unit == "missions":
            text += f" (latest {int(latest)})"
        elif unit == "rank":
            text += f" (latest #{int(latest)})"
        else:
            text += f" (latest {_n(latest)})"
    return text


def _short_sources(source: str) -> str:
    files = [s for s in source.split("; ") if s]
    if len(files) > 3:
        return f"{files[0]} .. {files[-1]} ({len(files)} files)"
    return "; ".join(files) or "-"


def render(frame: pd.DataFrame, fmt: Literal["table", "csv", "json"] = "table") -> str:
    """The output of :func:`check` as text: an aligned table with the evidence below it, CSV or JSON.

    >>> print(render(check("2018-09"), "csv").splitlines()[0])
    claim_id,statement,metric,value,latest,comparison,verdict,data_date,source,evidence
    """
    if fmt == "csv":
        return frame.to_csv(index=False).rstrip("\n")
    if fmt == "json":
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        return json.dumps(
            {"as_of": frame.attrs.get("as_of"), "report": frame.attrs.get("report"), "claims": records},
            indent=1,
            ensure_ascii=False,
        )
    if fmt != "table":
        raise PkdataError(f"format {fmt!r}: expected table, csv or json")
    units = {c.claim_id: c.unit for c in CLAIMS.values()}
    cells = [
        (r.claim_id, r.verdict, _value_text(units.get(r.claim_id, ""), r.value, r.latest), r.data_date)
        for r in frame.itertuples()
    ]
    heads = ("claim", "verdict", "value", "data")
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads[:-1])]
    folder = Path(frame.attrs.get("data_dir", "?"))
    if folder.is_relative_to(paths.REPO_DIR):
        folder = folder.relative_to(paths.REPO_DIR)
    lines = [
        f"Claims of {frame.attrs.get('report', REPORT)}, checked as of "
        f"{frame.attrs.get('as_of', '?')} (data: {folder})",
        "",
    ]
    lines.append("  ".join(h.ljust(w) for h, w in zip(heads, [*widths, 0], strict=True)).rstrip())
    for c in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, [*widths, 0], strict=True)).rstrip())
    for r in frame.itertuples():
        lines += [
            "",
            f"{r.claim_id}: {r.verdict.upper()}",
            f"  claim:      {r.statement}",
            f"  metric:     {r.metric}",
            f"  value:      {_value_text(units.get(r.claim_id, ''), r.value, r.latest)}",
            f"  comparison: {r.comparison or '-'}",
            f"  data:       {r.data_date or '-'}",
            f"  evidence:   {r.evidence}",
            f"  source:     {_short_sources(r.source)}",
        ]
    return "\n".join(lines)


def cli_args(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``pkdata claims`` to a parser.

    >>> parser = argparse.ArgumentParser()
    >>> cli_args(parser)
    >>> parser.parse_args(["--as-of", "2020-01", "--format", "json"]).format
    'json'
    """
    p.add_argument(
        "--as-of",
        default=REPORT_MONTH,
        help=f"month 'YYYY-MM' the claims are checked at (default {REPORT_MONTH}, the report's month; "
        "'latest' for the last month of the data)",
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format (default table)")
    p.add_argument("--data", help="processed folder (default data/processed or PKDATA_DATA)")


def cli_claims(args: argparse.Namespace) -> int:
    """Run ``pkdata claims``: print every claim's verdict with its evidence.

    >>> cli_claims(argparse.Namespace(as_of="2018-09", format="csv", data=None))  # doctest: +ELLIPSIS
    claim_id,statement,...
    0
    """
    print(render(check(args.as_of, data_dir=args.data), args.format))
    return 0


__all__ = ["CLAIMS", "Claim", "Result", "check", "render", "timeline"]
