"""The fatality claims: deaths in the :data:`~pkdata.analysis.claims.windows.FATALITY_YEARS` years up to the date.

The data must reach the window's end (the fatalities file's ``last_update``) to refute.

>>> from pkdata.analysis.claims.data import Data
>>> r = fatalities_recent(Data(), pd.Timestamp("2018-09-30"), {"subject": "CHN", "people": "Chinese"})
>>> r.verdict, r.value
('supported', 3.0)
"""

from __future__ import annotations

import math

import pandas as pd

from pkdata.analysis.claims import combat
from pkdata.analysis.claims.combat import KILLED, UNIFORMED
from pkdata.analysis.claims.compare import compare
from pkdata.analysis.claims.data import Data, Deaths
from pkdata.analysis.claims.model import Params, Result, insufficient
from pkdata.analysis.claims.windows import FATALITY_YEARS, fatality_start, runs, ym
from pkdata.core import countries

#: Incident types that leave a death's cause open.
UNDETERMINED = ("to_be_determined", "unknown")
#: active_combat_zones: the missions the report calls active combat zones.
COMBAT_ZONES = {"MINUSMA": "Mali", "UNMISS": "South Sudan"}


def _hosted(mission: str, hosts: dict[str, str]) -> str:
    return f"{mission}{' (' + hosts[mission] + ')' if mission in hosts else ''}"


def _listing(china: Deaths, rows: list[int], cause: bool, hosts: dict[str, str]) -> str:
    """Deaths by day, mission (and cause), as a groupby would count them (a missing mission left out)."""
    counts: dict[tuple[str, str, str], int] = {}
    for i in rows:
        if china.mission[i] is not None:
            key = (china.day[i], china.mission[i], str(china.incident[i]))
            counts[key] = counts.get(key, 0) + 1
    return "; ".join(
        f"{day} {_hosted(m, hosts)}{', ' + t.replace('_', ' ') if cause else ''}{' x' + str(n) if n > 1 else ''}"
        for (day, m, t), n in sorted(counts.items())
    )


def fatalities_recent(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """At least ``expect`` (default 1) uniformed peacekeepers of ``subject`` were killed by malicious acts in the
    :data:`FATALITY_YEARS` years up to ``as_of`` (``people``: how the evidence calls them, e.g. "Chinese").

    Before the first personnel report the data cannot tell whether the country had peacekeepers at all,
    so the claim is ``insufficient_data`` there, never refuted.

    >>> from pkdata.analysis.claims.data import Data
    >>> p = {"subject": "CHN"}
    >>> fatalities_recent(Data(), pd.Timestamp("2018-09-30"), p).comparison.split("; ")[-1]
    'where: MINUSMA (Mali), UNMISS (South Sudan)'
    >>> fatalities_recent(Data(), pd.Timestamp("1980-01-31"), p).verdict
    'insufficient_data'
    """
    who, at_least = p["subject"], int(p.get("expect", 1))
    people = p.get("people") or f"{countries.display_name(who)}'s"
    months = d.personnel().months
    if not len(months) or as_of < months[0]:
        first_report = f" (the first is {ym(months[0])})" if len(months) else ""
        return insufficient(
            f"no personnel report on or before {ym(as_of)}{first_report}: the data cannot tell whether "
            f"{countries.display_name(who)} had peacekeepers then"
        )
    first, last, how = d.fatality_coverage()
    hosts = d.mission_hosts()
    china = d.deaths(UNIFORMED, nationality=who)
    start = fatality_start(as_of)
    span = f"{start:%Y-%m-%d}..{as_of:%Y-%m-%d}"
    mine = china.span(start, as_of)
    killed = [i for i in mine if china.incident[i] == KILLED]
    other = [i for i in mine if china.incident[i] is not None and china.incident[i] != KILLED]
    complete = start >= first and as_of <= last
    if len(killed) >= at_least:
        verdict = "supported"
    elif not complete or any(china.incident[i] in UNDETERMINED for i in other):
        verdict = "insufficient_data"
    else:
        verdict = "refuted"
    evidence = (
        f"{people} uniformed peacekeepers killed (incident type malicious act) {span}: {len(killed)}"
        + (f": {_listing(china, killed, False, hosts)}" if killed else "")
        + ". Other deaths in the window "
        f"(not counted as killed): {_listing(china, other, True, hosts) if other else 'none'}."
    )
    if not complete:
        evidence += (
            f" The fatalities data covers {first:%Y-%m-%d}..{last:%Y-%m-%d} ({how}), not the whole window; "
            "close enough to refute means covering it."
        )
    elif verdict == "insufficient_data":
        evidence += " Some deaths in the window have no determined cause."
    where = sorted({china.mission[i] for i in killed if china.mission[i] is not None})
    comparison = f"at least {at_least} in the {FATALITY_YEARS} years {span}" + (
        f"; where: {', '.join(_hosted(m, hosts) for m in where)}" if where else ""
    )
    sources = [china.source[i] for i in mine] if len(mine) else d.fatalities()["source"].iloc[:1].tolist()
    return Result(
        verdict,
        float(len(killed)) if complete or killed else math.nan,
        comparison,
        f"{span} (data to {last:%Y-%m-%d})",
        d.files(sources),
        evidence,
    )


def _zones_evidence(rates: combat.Rates, as_of: pd.Timestamp, zones: list[str], named: dict[str, str]) -> str:
    """The rates of every active operation, and where each of the ``named`` missions stands."""
    a, by = rates.attrs, {r.mission: r for r in rates.rows}
    listing = "; ".join(
        f"#{r.rank} {r.mission}{' (' + r.host + ')' if r.host else ''} {r.rate:.2f} "
        f"({r.deaths} deaths / {r.personnel_years:,.0f} personnel-years)"
        for r in rates.rows
    )
    evidence = (
        f"Uniformed peacekeepers killed by malicious acts per 1,000 personnel-years, {a['window']}, in "
        f"the {len(rates.rows)} peacekeeping operations active on {as_of:%Y-%m-%d} with personnel in the "
        f"window: {listing}. All of them together: {a['pooled']:.2f}."
    )
    for m in named:
        if m in by:
            r = by[m]
            side = "at or above" if m in zones else "below"
            evidence += f" {m} ({named[m]}): {r.rate:.2f}, rank {r.rank} of {len(rates.rows)}, {side} the pooled rate."
    inactive = [m for m in named if m not in by]
    if inactive:
        evidence += f" Not an active operation with personnel on {as_of:%Y-%m-%d}: {', '.join(inactive)}."
    return evidence


def fatality_rate_high(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """Each of ``missions`` has a rate of uniformed peacekeepers killed by malicious acts per 1,000
    personnel-years at or above the pooled rate of all active operations
    (:func:`~pkdata.analysis.claims.combat.combat_rates`), with at least one death.

    >>> from pkdata.analysis.claims.data import Data
    >>> r = fatality_rate_high(Data(), pd.Timestamp("2018-09-30"), {"missions": ["MINUSMA", "UNMISS"]})
    >>> r.verdict, r.value
    ('refuted', 1.0)
    """
    rates = combat.rates(d, as_of)
    if isinstance(rates, Result):
        return rates
    hosts = d.mission_hosts()
    named = {m: hosts.get(m, "?") for m in p["missions"]}
    a = rates.attrs
    pooled = a["pooled"]
    by = {r.mission: r for r in rates.rows}
    zones = [m for m in named if m in by and by[m].deaths > 0 and by[m].rate >= pooled]
    data_date = (
        f"{a['window']} (fatalities data to {a['data_to']}; personnel: {len(a['months'])} reports with "
        f"mission detail, {runs(rates.months)})"
    )
    evidence = _zones_evidence(rates, as_of, zones, named)
    if len(zones) == len(named):
        verdict = "supported"
    elif not a["complete"]:
        verdict = "insufficient_data"
        evidence += (
            f" The fatalities data ({a['data_to_how']}) ends {a['data_to']}, before the window's end; "
            "close enough to refute means covering it."
        )
    else:
        verdict = "refuted"
    listed = " and ".join(f"{m} ({c})" for m, c in named.items())
    comparison = (
        f"{'both' if len(named) == 2 else 'each of'} {listed} at or above the pooled rate "
        f"of all active operations ({pooled:.2f} per 1,000 personnel-years), with at least one death"
    )
    return Result(verdict, float(len(zones)), comparison, data_date, rates.used, evidence)


def fatality_rate(d: Data, as_of: pd.Timestamp, p: Params) -> Result:
    """Uniformed peacekeepers killed by malicious acts per 1,000 personnel-years in the
    :data:`FATALITY_YEARS` years up to ``as_of``: of one ``mission``, or pooled over all active operations
    (``mission = "all"``), compared with ``expect``.

    >>> from pkdata.analysis.claims.data import Data
    >>> r = fatality_rate(Data(), pd.Timestamp("2018-09-30"), {"mission": "MINUSMA", "expect": 1.6})
    >>> r.verdict, round(r.value, 2)
    ('supported', 1.62)
    """
    rates = combat.rates(d, as_of)
    if isinstance(rates, Result):
        return rates
    a, mission = rates.attrs, p.get("mission", "all")
    by = {r.mission: r for r in rates.rows}
    if mission == "all":
        value, what = float(a["pooled"]), f"all {len(rates.rows)} active peacekeeping operations (pooled)"
    elif mission in by:
        r = by[mission]
        value = r.rate
        what = f"{mission}: {r.deaths} deaths / {r.personnel_years:,.0f} personnel-years, rank {r.rank} of {len(by)}"
    else:
        return insufficient(f"{mission} is not an active peacekeeping operation with personnel on {as_of:%Y-%m-%d}")
    ok, comparison, inside = compare(value, p)
    if not ok and not a["complete"]:
        return insufficient(f"the fatalities data end {a['data_to']}, before the window {a['window']} ends")
    return Result(
        "supported" if ok else "refuted",
        value,
        comparison + " per 1,000 personnel-years",
        f"{a['window']} (fatalities data to {a['data_to']})",
        rates.used,
        f"Uniformed peacekeepers killed by malicious acts per 1,000 personnel-years, {a['window']}: {what}: "
        f"{value:.2f} ({inside}); all active operations pooled: {a['pooled']:.2f}.",
    )
