"""The peacekeeping scale where no official table is at hand: bounds derived from the regular-budget scale.

The General Assembly sets the peacekeeping scale from the regular-budget scale by *levels*
(resolution 55/235, reaffirmed each period): level A, the permanent members of the Security
Council, pay their regular-budget rate times one common premium factor (the premium pays the
others' discounts); level B pays its regular-budget rate; levels C-J get discounts of 7.5% up
to 90%. So, from the exact regular-budget scale (the Committee on Contributions workbook):

- a permanent member's rate is ``rb x f``, the same ``f`` for all five; ``f`` is bounded by
  every secondary rate printed for a permanent member that year (its precision interval), and
  without one only by ``1 <= f <= f_max`` (the premium cannot exceed what the others could give up);
- a level-B member's rate is its regular-budget rate (levels: the curated ``peacekeeping_levels.csv``);
- any other member's rate lies between 10% of its regular-budget rate and that rate.

Each member-year becomes a ``scale_rate_derived`` row with that interval (``share_percent``
missing where only bounds are known). :func:`scale_rank_bounds` ranks intervals knowing that
the permanent members keep their regular-budget order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pkdata.core import countries

#: The largest discount of the scale (level J, 90%): no member pays less than 10% of its regular-budget rate.
MAX_DISCOUNT = 0.9
BASIS = "scale_rate_derived"


def _half_unit(decimals: pd.Series) -> pd.Series:
    return 0.5 * 10.0 ** -decimals.astype("float64")


#: How :func:`premium_factor` begins its account when no permanent member's rate bounds the factor.
_UNANCHORED = "no permanent member"


def premium_factor(year: int, rb: pd.DataFrame, anchors: pd.DataFrame) -> tuple[float, float, str]:
    """Bounds of the level-A premium factor ``f`` in one year, and how they were found.

    ``rb``: that year's regular-budget scale (``member_iso3``, ``low``, ``high``); ``anchors``:
    secondary peacekeeping rates of permanent members printed for that year (``member_iso3``,
    ``low``, ``high``, ``source_document``).

    >>> rb = pd.DataFrame({"member_iso3": ["USA", "CHN", "AFG"], "low": [21.9995, 7.9205, 10.0],
    ...                    "high": [22.0005, 7.9215, 10.0]})
    >>> anchors = pd.DataFrame({"member_iso3": ["USA"], "low": [28.565], "high": [28.575], "source_document": ["K"]})
    >>> lo, hi, how = premium_factor(2016, rb, anchors)
    >>> round(float(lo), 4), round(float(hi), 4), how
    (1.2984, 1.2989, 'from USA 2016 (K)')
    """
    low = dict(zip(rb["member_iso3"], rb["low"], strict=True))
    high = dict(zip(rb["member_iso3"], rb["high"], strict=True))
    found = [
        (a_low / high[iso3], a_high / low[iso3], f"{iso3} {year} ({document})")
        for iso3, a_low, a_high, document in zip(
            anchors["member_iso3"], anchors["low"], anchors["high"], anchors["source_document"], strict=True
        )
        if iso3 in low
    ]
    if not found:
        base = rb.set_index("member_iso3")
        p5 = base[base.index.isin(countries.P5)]
        others = base[~base.index.isin(countries.P5)]
        f_max = (100.0 - (1 - MAX_DISCOUNT) * float(others["low"].sum())) / float(p5["low"].sum())
        return 1.0, f_max, f"{_UNANCHORED}'s rate printed for the year: 1 <= f <= f_max"
    lo, hi = max(f[0] for f in found), min(f[1] for f in found)
    how = "from " + "; ".join(f[2] for f in found)
    if lo > hi:  # the printed rates disagree beyond their precision: keep the hull and say so
        lo, hi = min(f[0] for f in found), max(f[1] for f in found)
        how += " (these disagree beyond their printed precision: the hull of their bounds is used)"
    return lo, hi, how


def derive(workbook: pd.DataFrame, secondary: pd.DataFrame, levels: pd.DataFrame, source: str) -> pd.DataFrame:
    """``scale_rate_derived`` rows (the columns of the build's rate rows plus ``_low``/``_high``) per member-year,
    in year order.

    ``workbook``: the regular-budget scale (:func:`pkdata.builder.readers.assessments.read_scale_csv`);
    ``secondary``: secondary peacekeeping rates with ``low``/``high``; ``levels``:
    :func:`pkdata.builder.readers.assessments.read_levels_csv`; ``source``: the workbook's file name.
    """
    rb = workbook.assign(
        low=workbook["rate_percent"] - _half_unit(workbook["decimals"]),
        high=workbook["rate_percent"] + _half_unit(workbook["decimals"]),
    )
    anchors = ["year", "member_iso3", "low", "high", "source_document"]  # only what premium_factor reads
    stated_p5 = secondary.loc[
        secondary["year_stated"].astype(bool) & secondary["member_iso3"].isin(countries.P5), anchors
    ]
    factors = {
        int(year): premium_factor(int(year), g, stated_p5[stated_p5["year"] == year])
        for year, g in rb[["year", "member_iso3", "low", "high"]].groupby("year", sort=True)
    }
    rb = rb.sort_values("year", kind="stable").reset_index(drop=True)  # as the years' rows one after the other
    rows = zip(levels["year"], levels["member_iso3"], levels["level"], strict=True)
    level_b_years = {(int(year), member) for year, member, level in rows if level == "B"}
    years = rb["year"].astype("int64").tolist()
    level_b = np.array([(y, m) in level_b_years for y, m in zip(years, rb["member_iso3"], strict=True)], dtype=bool)
    return _derived_rows(rb, [factors[y] for y in years], level_b, source)


def _anchored(how: str) -> bool:
    """Whether a permanent member's printed rate bounds the year's premium factor (see :func:`premium_factor`)."""
    return not how.startswith(_UNANCHORED)


def _level_a_note(f_lo: float, f_hi: float, how: str) -> str:
    anchored = _anchored(how)
    return (
        f"level A: regular-budget rate {'' if anchored else 'times an unknown '}premium factor f"
        + (f" = {f_lo:.5f}..{f_hi:.5f}" if anchored else f" (1..{f_hi:.3f})")
        + f", {how}"
    )


def _derived_rows(
    g: pd.DataFrame, factors: list[tuple[float, float, str]], level_b: np.ndarray, source: str
) -> pd.DataFrame:
    """The derived rows of the regular-budget rows ``g``, each with its year's premium factor bounds and how they
    were found (:func:`premium_factor`): level A from those bounds, level B its rate, others bounds."""
    f_lo = np.array([f[0] for f in factors], dtype="float64")
    f_hi = np.array([f[1] for f in factors], dtype="float64")
    anchored = np.array([_anchored(f[2]) for f in factors], dtype=bool)
    notes = {f: _level_a_note(*f) for f in set(factors)}
    p5 = g["member_iso3"].isin(countries.P5).to_numpy()
    low = np.where(p5, g["low"] * f_lo, np.where(level_b, g["low"], (1 - MAX_DISCOUNT) * g["low"]))
    high = np.where(p5, g["high"] * f_hi, g["high"])
    share = np.where(
        p5,
        np.where(anchored, g["rate_percent"] * (f_lo + f_hi) / 2, np.nan),
        np.where(level_b, g["rate_percent"], np.nan),
    )
    other = (
        f"level not known: between {100 - 100 * MAX_DISCOUNT:.0f}% of its regular-budget rate (largest "
        "discount, level J) and that rate"
    )
    level_b_note = "level B (peacekeeping_levels.csv): the regular-budget rate"
    note = [notes[f] if a else level_b_note if b else other for f, a, b in zip(factors, p5, level_b, strict=True)]
    return pd.DataFrame(
        {
            "kind": "peacekeeping",
            "year": g["year"].astype("int64"),
            "member_iso3": g["member_iso3"],
            "share_percent": share.astype("float64"),
            "basis": BASIS,
            "precision": np.where(p5 | level_b, "interval", "bounds"),
            "coverage": "full",
            "period_start": g["period_start"],
            "period_end": g["period_end"],
            "year_stated": True,
            "rate_printed": None,
            "assessed_usd": np.nan,
            "source": source,
            "source_key": "rb " + g["rate_printed"].astype(str),
            "source_document": "derived from the regular-budget scale (" + g["source_document"] + ") by the "
            "levels of A/RES/55/235",
            "source_url": g["source_url"],
            "note": note,
            "_decimals": 99,
            "_mode": "derived",
            "_low": low,
            "_high": high,
            "_base": g["rate_percent"].astype("float64"),
        }
    )


def scale_rank_bounds(
    low: np.ndarray, high: np.ndarray, base: np.ndarray, common: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst rank of each member from its interval, where members marked ``common`` (level A: one
    premium factor) are ordered by ``base`` (their regular-budget rate) whatever their intervals.

    >>> low, high = np.array([28.0, 6.6, 7.1, 1.0]), np.array([28.5, 6.7, 7.2, 7.5])
    >>> scale_rank_bounds(low, high, np.array([22.0, 5.148, 5.593, 9.0]), np.array([True, True, True, False]))
    (array([1, 3, 2, 2]), array([1, 4, 3, 4]))
    """
    exact = low == high
    certain = np.where(exact[:, None], low[None, :] > high[:, None], low[None, :] >= high[:, None])
    possible = certain | (high[None, :] > low[:, None])
    both = common[:, None] & common[None, :]
    certain |= both & (base[None, :] > base[:, None])
    possible = (possible & ~(both & (base[None, :] < base[:, None]))) | certain
    np.fill_diagonal(certain, False)
    np.fill_diagonal(possible, False)
    return (1 + certain.sum(axis=1)).astype("int64"), (1 + possible.sum(axis=1)).astype("int64")


def crosscheck(derived: pd.DataFrame, secondary: pd.DataFrame) -> dict[str, Any]:
    """Do the secondary rates printed for a year fall inside the interval derived for it? (manifest entry)"""
    m = secondary[secondary["year_stated"].astype(bool)].merge(
        derived[["year", "member_iso3", "_low", "_high"]], on=["year", "member_iso3"]
    )
    bad = m[(m["high"] <= m["_low"] - 1e-9) | (m["low"] >= m["_high"] + 1e-9)]
    return {
        "check": "secondary peacekeeping rates vs the bounds derived from the regular-budget scale",
        "compared": int(len(m)),
        "mismatches": int(len(bad)),
        "examples": [
            f"{r.member_iso3} {r.year}: printed {r.rate_printed} ({r.source_document[:60]}) vs derived "
            f"{r._low:.4f}..{r._high:.4f}"
            for r in bad.head(5).itertuples()
        ],
    }
