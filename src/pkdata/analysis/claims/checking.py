"""Every claim checked at one month (:func:`check`), or one claim at every month or year (:func:`timeline`).

>>> [(r["verdict"], r["first"]) for r in timeline("rising_budget_share").attrs["runs"]][-1]
('supported', '2004')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.analysis.claims.claimfile import ClaimFile, load
from pkdata.analysis.claims.data import Data, Missing
from pkdata.analysis.claims.model import COLUMNS, REPORT_MONTH, SEED, Claim, Result, insufficient
from pkdata.analysis.claims.registry import CLAIMS
from pkdata.analysis.claims.windows import as_of_month, ym
from pkdata.core.errors import PkdataError

#: Columns of :func:`timeline`, in order.
TIMELINE_COLUMNS = ["period", "date", "value", "latest", "verdict", "comparison", "data_date"]


def _run(claim: Claim, d: Data, as_of: pd.Timestamp) -> Result:
    try:
        return claim.func(d, as_of)
    except Missing as exc:
        return insufficient(str(exc))


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


def _month(as_of: str | pd.Timestamp | None, d: Data, year_ok: bool = False) -> pd.Timestamp:
    if isinstance(as_of, str) and as_of.strip().lower() == "latest":
        try:
            as_of = pd.DatetimeIndex(d.personnel().months).max()
        except Missing as exc:
            raise PkdataError(f"as_of='latest' needs the contributions table: {exc}") from None
    if year_ok and isinstance(as_of, str) and len(as_of.strip()) == 4 and as_of.strip().isdigit():
        as_of = f"{as_of.strip()}-12"  # a claim dated by a year: its last month
    return as_of_month(as_of)


def check_file(
    path: str | Path | ClaimFile, as_of: str | pd.Timestamp | None = None, *, data_dir: str | Path | None = None
) -> pd.DataFrame:
    """One row per claim of a claim file, each checked at its own ``as_of`` (its claim's, else the report's
    date; a claim dated by a year is checked at its December) or at ``as_of`` if given (a month 'YYYY-MM' or
    'latest'). Columns as :func:`check`, plus
    ``as_of``, ``quote`` and ``address``.

    >>> c = check_file(SEED).set_index("claim_id")
    >>> c.loc["top_contributor_rank", ["verdict", "as_of"]].tolist()
    ['supported', '2018-09']
    """
    f = path if isinstance(path, ClaimFile) else load(path)
    d = Data(data_dir)
    rows = []
    for c in f.claims:
        month = _month(as_of, d) if as_of is not None else _month(c.as_of, d, year_ok=True)
        rows.append({**_row(c, _run(c, d, month)), "as_of": ym(month), "quote": c.quote, "address": c.address})
    out = pd.DataFrame(rows, columns=[*COLUMNS, "as_of", "quote", "address"])
    months = sorted(set(out["as_of"]))
    out.attrs.update(
        {
            "as_of": months[0] if len(months) == 1 else f"each claim's date ({months[0]}..{months[-1]})",
            "report": f.cite,
            "data_dir": str(d.dir),
            "units": {c.claim_id: (c.unit, c.out_of) for c in f.claims},
        }
    )
    return out


def check(as_of: str | pd.Timestamp | None = REPORT_MONTH, *, data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per claim of the seed report, checked against the data on or before ``as_of`` (a month, 'YYYY-MM').

    Columns: claim_id, statement (our paraphrase), metric, value (the metric's value; NaN where
    none could be computed), latest (personnel claims: the latest month's value, which may
    show a rotation dip the median smooths out), comparison (threshold or rival), verdict
    (``supported``, ``refuted``, ``insufficient_data``), data_date (the months or year used),
    source (the manifest's file names of the rows used, ``;``-separated), evidence.
    ``as_of='latest'`` checks the last month of the contributions table.

    >>> c = check("2018-09").set_index("claim_id")
    >>> c.loc["in_mali_and_south_sudan", "data_date"][:7], c.loc["in_mali_and_south_sudan", "verdict"]
    ('2017-02', 'supported')
    >>> check("1980-01")["verdict"].tolist().count("insufficient_data")
    8
    """
    out = check_file(SEED, REPORT_MONTH if as_of is None else as_of, data_dir=data_dir)
    return out[list(COLUMNS)].copy().__finalize__(out)


def _periods(claim: Claim, d: Data) -> list[pd.Timestamp]:
    """Every month or year the claim's data covers, as month ends (years: December)."""
    if claim.periods in ("peacekeeping", "regular"):
        years = d.assessment_years(claim.periods)
        return [pd.Timestamp(f"{y}-12-31") for y in range(years[0], years[-1] + 1)] if years else []
    if claim.periods == "fatalities":
        first, last, _ = d.fatality_coverage()
    else:
        months = pd.DatetimeIndex(d.personnel().months)
        first, last = months.min(), months.max()
    return list(pd.date_range(first + pd.offsets.MonthEnd(0), last + pd.offsets.MonthEnd(0), freq="ME"))


def _runs(out: pd.DataFrame) -> list[dict[str, Any]]:
    """The stretches of equal verdict of a timeline."""
    return [
        {"verdict": g["verdict"].iloc[0], "first": g["period"].iloc[0], "last": g["period"].iloc[-1], "periods": len(g)}
        for _, g in out.groupby((out["verdict"] != out["verdict"].shift()).cumsum(), sort=True)
    ]


def timeline(claim_id: str, *, data_dir: str | Path | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """The claim's verdict and value for every month (or year) the data covers, oldest first.

    Columns: period ('YYYY-MM', or 'YYYY' for the yearly funding claims), date (month end; a
    year is dated 31 December), value, latest, verdict, comparison, data_date. Plot ``value``
    against ``date`` and colour by ``verdict``. ``attrs`` holds the claim (``claim_id``,
    ``statement``, ``metric``, ``unit``, ``frequency``) and ``runs``; ``path`` reads the claim from a claim file
    (default: the seed report's): the stretches of equal
    verdict, so "since when" is the start of the last ``supported`` run.

    >>> t = timeline("second_largest_funder")
    >>> [r for r in t.attrs["runs"] if r["verdict"] == "supported"][0]["first"]
    '2016'
    """
    known = CLAIMS if path is None else {c.claim_id: c for c in load(path).claims}
    claim = known.get(claim_id)
    if claim is None:
        raise PkdataError(f"unknown claim {claim_id!r}; the claims are {list(known)}")
    d = Data(data_dir)
    try:
        periods = _periods(claim, d)
    except Missing as exc:
        raise PkdataError(f"no timeline for {claim_id}: {exc}") from None
    rows = []
    for when in periods:
        r = _run(claim, d, when)
        period = str(when.year) if claim.frequency == "year" else ym(when)
        rows.append((period, when, r.value, r.latest, r.verdict, r.comparison, r.data_date))
    out = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    out["date"] = pd.to_datetime(out["date"])
    out.attrs.update(
        {
            "claim_id": claim.claim_id,
            "statement": claim.statement,
            "metric": claim.metric,
            "unit": claim.unit,
            "frequency": claim.frequency,
            "runs": _runs(out),
            "data_dir": str(d.dir),
        }
    )
    return out
