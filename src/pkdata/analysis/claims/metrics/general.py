"""The general metrics: personnel counts, ranks, top N, contributors, missions, women's share, fatality counts,
the deadliest mission, assessment shares and budget totals, each in a window of the data (:mod:`..windows`).

Each is ``(Data, as_of month end, params) -> Result``; ``params`` come from a claim file (see docs/claims.md).

>>> from pkdata.analysis.claims.data import Data
>>> r = personnel(Data(), pd.Timestamp("2010-10-31"), {"subject": "BGD", "window": "latest", "expect": 10748})
>>> r.verdict, r.value, r.data_date
('supported', 10748.0, '2010-10 (latest report)')
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import pandas as pd

from pkdata.analysis.claims import groups
from pkdata.analysis.claims.combat import UNIFORMED
from pkdata.analysis.claims.compare import compare
from pkdata.analysis.claims.data import Data
from pkdata.analysis.claims.model import Params, Result, insufficient, number
from pkdata.analysis.claims.windows import MAX_LAG_MONTHS, MIN_REPORTS, lag, window, window_text, ym
from pkdata.core import countries

#: Personnel types a claim may name, as the contributions table's types.
PERSONNEL_TYPES = {
    "uniformed": None,
    "military": ("troops", "staff_officers", "experts_on_mission"),
    "troops": ("troops",),
    "staff_officers": ("staff_officers",),
    "experts_on_mission": ("experts_on_mission",),
    "police": ("individual_police", "formed_police_units"),
    "individual_police": ("individual_police",),
    "formed_police_units": ("formed_police_units",),
}
#: Fatality personnel types a claim may name.
FATALITY_TYPES = {"uniformed": UNIFORMED, "all": None}
#: Measures the data do not hold: a claim on them is insufficient_data with this reason.
NOT_HELD = {
    "civilian": "the data hold uniformed personnel (troops, staff officers, experts, police) only, not civilian staff",
}
WINDOWS = ("latest", "month", "year_mean", "median_12")


def _types(p: Params) -> tuple[str, ...] | None:
    return PERSONNEL_TYPES[p.get("personnel_type", "uniformed")]


def _selection(d: Data, p: Params, by_contributor: bool = False) -> pd.DataFrame:
    """Rows of the contributions table the claim selects (type, mission, gender known), with a ``value`` column."""
    df = d.contributions()
    types, mission, gender = _types(p), p.get("mission"), p.get("gender", "total")
    keep = np.ones(len(df), dtype=bool)
    if types is not None:
        keep &= df["personnel_type"].isin(types).to_numpy()
    if mission is not None:
        keep &= (df["mission"] == mission).to_numpy(dtype=bool, na_value=False)
    if gender != "total":
        keep &= df[gender].notna().to_numpy()
    who = p.get("subject", "all")
    if not by_contributor and who != "all":
        keep &= df["contributor_iso3"].isin(groups.members(who, df["contributor_iso3"].cat.categories)).to_numpy()
    out = df.loc[keep, ["date", "contributor_iso3", "source"]].copy()
    out["value"] = df.loc[keep, gender].astype(float).to_numpy()
    return out


def _monthly(d: Data, p: Params) -> pd.Series:
    """The selected personnel summed by month (months the selection has no row for are absent)."""
    key = ("monthly", p.get("subject", "all"), p.get("personnel_type"), p.get("mission"), p.get("gender"))
    return d.memo(key, lambda: _selection(d, p).groupby("date")["value"].sum().sort_index())


def _pick(months: list[pd.Timestamp], as_of: pd.Timestamp, p: Params, what: str) -> tuple[list, str] | Result:
    """The months of the window the claim names (see :data:`WINDOWS`) and its ``data_date``, or why none."""
    how = p.get("window", "latest")
    end = bisect.bisect_right(months, as_of)
    if how == "median_12":
        used, why = window(months, as_of, MAX_LAG_MONTHS, what)
        return insufficient(why) if why else (used, window_text(used))
    if how == "month":
        month = pd.Timestamp(p["month"]) + pd.offsets.MonthEnd(0)
        if month > as_of:
            return insufficient(f"the month {ym(month)} is after as_of {ym(as_of)}")
        if month not in set(months[:end]):
            return insufficient(f"the data have no report {what}for {ym(month)}")
        return [month], ym(month)
    if how == "year_mean":
        year = int(p.get("year", as_of.year))
        used = [m for m in months[:end] if m.year == year]
        if len(used) < MIN_REPORTS:
            return insufficient(f"only {len(used)} report(s) {what}in {year} on or before {ym(as_of)}")
        return used, f"{year} (mean of {len(used)} monthly reports)"
    if end == 0:
        return insufficient(f"no report {what}on or before {ym(as_of)}")
    if lag(months[end - 1], as_of) > MAX_LAG_MONTHS:
        return insufficient(
            f"the latest report {what}on or before {ym(as_of)} is {ym(months[end - 1])}; "
            f"close enough is at most {MAX_LAG_MONTHS} months"
        )
    return [months[end - 1]], f"{ym(months[end - 1])} (latest report)"


def _reduce(values: np.ndarray, how: str) -> float:
    return float(np.median(values)) if how == "median_12" else float(np.mean(values))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _what(p: Params) -> str:
    kind = p.get("personnel_type", "uniformed").replace("_", " ")
    gender = {"female": "women ", "male": "men "}.get(p.get("gender", "total"), "")
    where = f" in {p['mission']}" if p.get("mission") else ""
    return f"{gender}{kind} personnel{where}"


def _not_held(p: Params) -> Result | None:
    kind = p.get("personnel_type", "uniformed")
    return insufficient(NOT_HELD[kind]) if kind in NOT_HELD else None


def personnel(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """The personnel of a contributor, group or ``all`` (by ``personnel_type``, ``gender``, ``mission``).

    >>> from pkdata.analysis.claims.data import Data
    >>> p = {"subject": "all", "window": "month", "month": "2010-10", "expect": 90000, "compare": "at_least"}
    >>> personnel(Data(), pd.Timestamp("2010-12-31"), p).verdict
    'supported'
    """
    if (held := _not_held(p)) is not None:
        return held
    series = _monthly(d, p)
    months = list(series.index)
    got = _pick(months, as_of, p, "with these personnel " if p.get("gender") or p.get("mission") else "")
    if isinstance(got, Result):
        return got
    used, date = got
    values = series.loc[used].to_numpy()
    value = _reduce(values, p.get("window", "latest"))
    ok, comparison, inside = compare(value, p)
    listing = ", ".join(f"{ym(m)} {number(v)}" for m, v in zip(used[-12:], values[-12:], strict=True))
    return Result(
        "supported" if ok else "refuted",
        value,
        comparison,
        date,
        d.month_sources(used),
        f"{groups.name(p.get('subject', 'all'))}: {_what(p)} by month: {listing}. Value {number(value)} ({inside}).",
        float(values[-1]) if len(used) > 1 else math.nan,
    )


def _by_contributor(d: Data, as_of: pd.Timestamp, p: Params) -> tuple[pd.Series, str, list] | Result:
    """The selected personnel of every contributor in the claim's window (largest first)."""
    key = ("by_contributor", p.get("personnel_type"), p.get("mission"), p.get("gender"))

    def build() -> pd.DataFrame:  # month x contributor, built once per selection (timelines slice it)
        sel = _selection(d, p, True)
        table = sel.groupby(["date", "contributor_iso3"], observed=True)["value"].sum().unstack(fill_value=0.0)
        return table.sort_index()

    table = d.memo(key, build)
    months = d.memo((*key, "months"), lambda: list(table.index))
    got = _pick(months, as_of, p, "")
    if isinstance(got, Result):
        return got
    used, date = got
    at = [bisect.bisect_left(months, m) for m in used]
    rows = table.to_numpy()[at]
    agg = np.median(rows, axis=0) if p.get("window", "latest") == "median_12" else rows.mean(axis=0)
    keep = np.flatnonzero(agg > 0)
    order = keep[np.lexsort((table.columns.to_numpy()[keep].astype(str), -agg[keep]))]
    return pd.Series(agg[order], index=table.columns[order], dtype=float), date, used


def _ranked(values: pd.Series, show: int) -> str:
    arr, names = values.to_numpy(), list(values.index[:show])
    return "; ".join(
        f"#{int((arr > arr[i]).sum()) + 1} {countries.display_name(c)} {number(arr[i])}" for i, c in enumerate(names)
    )


def personnel_rank(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A contributor's rank among all by personnel (1 = largest; equal values share a rank, shown as ties).
    ``compare = "equal"`` holds when ``expect`` is any rank the ties allow; ``at_most`` for a top N.

    >>> from pkdata.analysis.claims.data import Data
    >>> personnel_rank(Data(), pd.Timestamp("2010-10-31"), {"subject": "BGD", "expect": 1, "compare": "equal"}).value
    1.0
    """
    got = _by_contributor(d, as_of, p)
    if isinstance(got, Result):
        return got
    values, date, used = got
    who = p["subject"]
    mine = float(values.get(who, 0.0))
    rank, ties = int((values > mine).sum()) + 1, int((values == mine).sum()) - 1
    want, how = int(p["expect"]), p.get("compare", "equal")
    ok = rank <= want <= rank + max(ties, 0) if how == "equal" else rank <= want
    tie_text = f" (tied with {ties} other(s))" if ties > 0 and mine > 0 else ""
    return Result(
        "supported" if ok else "refuted",
        float(rank),
        f"rank {want}" if how == "equal" else f"top {want}",
        date,
        d.month_sources(used),
        f"{_cap(_what(p))} by contributor: {_ranked(values, max(want, rank, 3))}. "
        f"{countries.display_name(who)}: {number(mine)}, rank {rank} of {len(values)}{tie_text}.",
    )


def top_contributors(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """The largest contributors in order are ``expect`` (a list); the value is how many lead positions match.

    >>> from pkdata.analysis.claims.data import Data
    >>> top_contributors(Data(), pd.Timestamp("2010-10-31"), {"expect": ["BGD", "PAK", "IND"]}).verdict
    'supported'
    """
    got = _by_contributor(d, as_of, p)
    if isinstance(got, Result):
        return got
    values, date, used = got
    want = [groups.subject(x) for x in p["expect"]]
    have = list(values.index[: len(want)])
    match = next((i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b), len(want))
    return Result(
        "supported" if match == len(want) else "refuted",
        float(match),
        "in order: " + ", ".join(countries.display_name(w) for w in want),
        date,
        d.month_sources(used),
        f"{_cap(_what(p))} by contributor: {_ranked(values, len(want) + 2)}.",
    )


def contributors(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """How many contributors have personnel (of ``personnel_type``, in ``mission``) in the window.

    >>> from pkdata.analysis.claims.data import Data
    >>> contributors(Data(), pd.Timestamp("2010-10-31"), {"expect": 100, "compare": "at_least"}).verdict
    'supported'
    """
    got = _by_contributor(d, as_of, p)
    if isinstance(got, Result):
        return got
    values, date, used = got
    ok, comparison, inside = compare(float(len(values)), p)
    return Result(
        "supported" if ok else "refuted",
        float(len(values)),
        comparison,
        date,
        d.month_sources(used),
        f"{len(values)} contributors with {_what(p)} ({inside}); the largest: {_ranked(values, 5)}.",
    )


def missions_of(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """In how many missions a contributor has personnel, in the latest report with mission detail (or ``month``).

    >>> from pkdata.analysis.claims.data import Data
    >>> missions_of(Data(), pd.Timestamp("2024-03-31"), {"subject": "CHN", "expect": 8}).value
    8.0
    """
    df = d.contributions()
    who = p["subject"]
    mine = d.memo(("missions_of", who), lambda: df[(df["contributor_iso3"] == who) & df["mission"].notna()])
    detail = d.personnel().detail_months
    got = _pick(detail, as_of, {**p, "window": p.get("window", "latest")}, "with mission detail ")
    if isinstance(got, Result):
        return got
    used, date = got
    rows = mine[mine["date"] == used[-1]]
    by = rows.groupby("mission", observed=True)["total"].sum()
    present = sorted(str(m) for m, v in by.items() if v > 0)
    ok, comparison, inside = compare(float(len(present)), p)
    return Result(
        "supported" if ok else "refuted",
        float(len(present)),
        comparison,
        date,
        d.month_sources(used),
        f"{countries.display_name(who)} has personnel in {len(present)} missions in {ym(used[-1])} ({inside}): "
        f"{', '.join(present) or 'none'}.",
    )


def women_share(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """Women's share (%) of the personnel (``personnel_type``) of a contributor, group or ``all``, where the
    reports give gender.

    >>> from pkdata.analysis.claims.data import Data
    >>> r = women_share(Data(), pd.Timestamp("2010-10-31"), {"subject": "BGD", "window": "latest", "expect": 1.6})
    >>> round(r.value, 2)
    1.55
    """
    women = _monthly(d, {**p, "gender": "female"})
    men = _monthly(d, {**p, "gender": "male"})
    got = _pick(list(women.index), as_of, p, "with gender ")
    if isinstance(got, Result):
        return got
    used, date = got
    w, m = women.loc[used].to_numpy(), men.reindex(used).fillna(0).to_numpy()
    share = 100 * float(w.sum() / (w + m).sum()) if (w + m).sum() else math.nan
    ok, comparison, inside = compare(share, p)
    return Result(
        "supported" if ok else "refuted",
        share,
        comparison + " (%)",
        date,
        d.month_sources(used),
        f"{groups.name(p.get('subject', 'all'))}, {_what(p)}: {number(w.sum())} women of {number((w + m).sum())} "
        f"({share:.2f}%, {inside}).",
    )


def civilian_staff(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """Civilian staff: a measure the data do not hold.

    >>> civilian_staff(None, pd.Timestamp("2018-09-30"), {}).verdict  # type: ignore[arg-type]
    'insufficient_data'
    """
    return insufficient(NOT_HELD["civilian"])


def personnel_lead(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """A contributor has more personnel than each other member of ``group`` in a window of one month or a
    year's mean (the median of 12 reports reads the monthly arrays); the value is its ratio to the next.

    >>> from pkdata.analysis.claims.data import Data
    >>> r = personnel_lead(Data(), pd.Timestamp("2024-03-31"), {"subject": "CHN", "group": "P5", "window": "latest"})
    >>> r.verdict, round(r.value, 2)
    ('supported', 3.24)
    """
    got = _by_contributor(d, as_of, p)
    if isinstance(got, Result):
        return got
    values, date, used = got
    who, group = p["subject"], p.get("group", "P5")
    members = [m for m in groups.members(group, values.index) if m != who]
    mine = float(values.get(who, 0.0))
    others = sorted(((m, float(values.get(m, 0.0))) for m in members), key=lambda kv: (-kv[1], kv[0]))
    rival, theirs = others[0]
    ratio = mine / theirs if theirs > 0 else math.inf
    ok = all(mine > v for _, v in others)
    listed = ", ".join(f"{countries.display_name(m)} {number(v)}" for m, v in [(who, mine), *others])
    return Result(
        "supported" if ok else "refuted",
        ratio,
        f"next {groups.member_label(group)}: {countries.display_name(rival)} {number(theirs)}",
        date,
        d.month_sources(used),
        f"{_cap(_what(p))}: {listed}. {countries.display_name(who)} {'is' if ok else 'is not'} above each of the "
        f"other {groups.count_word(len(others))}.",
    )
