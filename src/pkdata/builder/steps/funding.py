"""Build step for the finance tables ``assessments`` and ``budgets`` (see :mod:`pkdata.tables.finance`).

Reads the UN financial JSON files, the official regular-budget scale tables, the curated
compiled-fact tables and, where the user has it, the General Assembly's effective rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.builder.readers import assessments as rd
from pkdata.builder.readers import un_open
from pkdata.builder.steps import peacekeeping_scale as pks
from pkdata.core import countries, sources
from pkdata.core.errors import PkdataError
from pkdata.core.funding import (
    ASSESSMENT_COLUMNS,
    BASES,
    BUDGET_TABLE_COLUMNS,
    MEASURE_COLUMNS,
    MEASURES,
    rank_bounds,
)
from pkdata.core.hashes import sha256_file

#: The curated compiled-fact tables (``data/raw/curated/``; reference copies in ``budget/``).
CURATED_PK_RATES = "peacekeeping_assessment_rates.csv"
CURATED_RB_RATES = "regular_budget_scale.csv"
CURATED_BUDGETS = "peacekeeping_budgets.csv"
CURATED_PK_LEVELS = "peacekeeping_levels.csv"
#: Approved per-mission budgets printed in the General Assembly's adoption press releases (one row per figure).
CURATED_BUDGETS_GA = "peacekeeping_budgets_ga_press.csv"
#: Cited peacekeeping rates not in the reference copy of the curated rates (one row per figure, its document).
CURATED_PK_RATES_CITED = "peacekeeping_rates_cited.csv"
#: One name per entity: the names sources print for the same account -> the name the budgets table uses.
ENTITY_NAMES: dict[str, str] = {
    "RSCE Entebbe": "RSCE",
    "UNLB Brindisi": "UNLB",
    "UNGSC": "UNLB",
}
#: The official regular-budget tables (``budget/official/``).
RB_WORKBOOK = "regular_budget_scale_2010_2027_UN_CoC_workbook.csv"
RB_RESOLUTION = "regular_budget_scale_2025_2027_A_RES_79_249.csv"
RB_CIRCULARS = "regular_budget_rates_2019_2026_ST_ADM_SER_B_circulars.csv"
PK_SECONDARY_4DP = "peacekeeping_effective_rates_secondary_4dp.csv"
#: Where a user drops the GA's effective-rates table for peacekeeping (CSV), under the raw folder.
GA_EFFECTIVE_RATES: str = sources.section("user_inputs")["ga_effective_rates"]["raw_sub"]

#: What a curated table's manifest entry gives as its address: each row names its own document.
PER_ROW = "see source_url per row"


# --------------------------------------------------------------------------- build step


@dataclass
class _File:
    path: Path
    publisher: str
    url: str
    table: str
    role: str

    def entry(self, rows: int, **extra: Any) -> dict[str, Any]:
        return {
            "name": self.path.name,
            "sha256": sha256_file(self.path),
            "bytes": self.path.stat().st_size,
            "publisher": self.publisher,
            "url_pattern": self.url,
            "table": self.table,
            "rows": int(rows),
            "role": self.role,
            **extra,
        }


def _required(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise PkdataError(f"{path} not found: the finance build needs it (put it in data/raw or the reference folder)")
    return path


def _urls(frame: pd.DataFrame) -> str:
    urls = sorted({u for u in frame["source_url"].dropna().astype(str) if u})
    return urls[0] if len(urls) == 1 else "see source_url per row"


def _periods(workbook: pd.DataFrame) -> dict[int, tuple[int, int]]:
    return {
        int(y): (int(s), int(e))
        for y, s, e in workbook[["year", "period_start", "period_end"]].drop_duplicates().itertuples(index=False)
    }


def _rate_rows(frame: pd.DataFrame, *, kind: str, basis: str, coverage: str, source: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "kind": kind,
            "year": frame["year"].astype("int64"),
            "member_iso3": frame["member_iso3"],
            "share_percent": frame["rate_percent"].astype("float64"),
            "basis": basis,
            "precision": frame["precision"],
            "coverage": coverage,
            "period_start": frame["period_start"],
            "period_end": frame["period_end"],
            "year_stated": frame["year_stated"],
            "rate_printed": frame["rate_printed"],
            "assessed_usd": np.nan,
            "source": source,
            "source_key": "row " + frame["row"].astype(str),
            "source_document": frame["source_document"],
            "source_url": frame["source_url"],
            "note": frame["note"],
            "_decimals": frame["decimals"].astype("int64"),
            "_mode": frame["precision_mode"],
        }
    )
    return out


def _usd_rows(
    frame: pd.DataFrame,
    *,
    kind: str,
    precision: str,
    source: str,
    document: str,
    url: str,
    periods: dict[int, tuple[int, int]],
    note: str,
) -> pd.DataFrame:
    years = frame["year"].astype("int64")
    return pd.DataFrame(
        {
            "kind": kind,
            "year": years,
            "member_iso3": frame["member_iso3"],
            "share_percent": frame["share_percent"].astype("float64"),
            "basis": "assessed_usd",
            "precision": precision,
            "coverage": "full",
            "period_start": [periods.get(int(y), (pd.NA, pd.NA))[0] for y in years],
            "period_end": [periods.get(int(y), (pd.NA, pd.NA))[1] for y in years],
            "year_stated": True,
            "rate_printed": None,
            "assessed_usd": frame["assessed_usd"].astype("float64"),
            "source": source,
            "source_key": frame["key"],
            "source_document": document if "source_document" not in frame else frame["source_document"],
            "source_url": url,
            "note": note,
            "_decimals": 99,
            "_mode": "exact",
        }
    )


def _interval(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    unit = pd.Series(10.0, index=df.index) ** -df["_decimals"].clip(upper=15).astype("float64")
    exact = df["basis"] != "scale_rate_rounded"
    truncated = df["_mode"] == "truncated"
    low = np.where(exact, df["share_percent"], np.where(truncated, df["share_percent"], df["share_percent"] - unit / 2))
    high = np.where(
        exact, df["share_percent"], np.where(truncated, df["share_percent"] + unit, df["share_percent"] + unit / 2)
    )
    if "_low" in df:  # derived rows carry their own bounds
        own = df["_low"].notna().to_numpy()
        low = np.where(own, df["_low"], low)
        high = np.where(own, df["_high"], high)
    return pd.Series(low, index=df.index), pd.Series(high, index=df.index)


def _first_names(mask: np.ndarray, names: list[str], k: int) -> list[str]:
    """Per row of a mask (rows x ``names``), the names of its set columns: the first ``k`` in sorted order, joined
    by commas, with `` ...`` when there are more; ``""`` for a row with none.

    >>> _first_names(np.array([[False, True, True], [False, False, False], [True, True, False]]), ["c", "a", "b"], 1)
    ['a ...', '', 'a ...']
    >>> _first_names(np.zeros((0, 2), dtype=bool), ["a", "b"], 1)
    []
    """
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    by_name = mask[:, order]  # columns in name order, so a row's set columns come out sorted
    sorted_names = [names[j] for j in order]
    counts = by_name.sum(axis=1)
    rows, cols = np.nonzero(by_name)
    starts = np.searchsorted(rows, np.arange(len(mask))).tolist()
    cols_ = cols.tolist()
    out = [""] * len(mask)
    for i, count in enumerate(counts.tolist()):
        if count:
            first = cols_[starts[i] : starts[i] + min(count, k)]
            out[i] = ", ".join([sorted_names[j] for j in first]) + (" ..." if count > k else "")
    return out


def _rank_notes(iso: list[str], low: np.ndarray, high: np.ndarray, partial: bool) -> list[str]:
    notes = []
    exact = low == high
    rest = max(0.0, 100.0 - float(low.sum()))
    # member i (row) against member j (column), every pair at once
    others = ~np.eye(len(iso), dtype=bool)
    both_exact = exact[:, None] & exact[None, :]
    tied = others & both_exact & (low[None, :] == low[:, None])
    swappable = others & ~both_exact & (high[None, :] > low[:, None]) & (high[:, None] > low[None, :])
    ties, swaps = _first_names(tied, iso, 5), _first_names(swappable, iso, 5)
    listed = f"partial table ({len(iso)} members listed, at most {rest:.2f}% left to the others)"
    for i, lo in enumerate(low.tolist()):
        parts = []
        if ties[i]:
            parts.append("tied with " + ties[i])
        if swaps[i]:
            parts.append("rounding could swap with " + swaps[i])
        if partial:
            k = max(0, math.ceil(rest / lo - 1e-9) - 1) if lo > 0 else None
            parts.append(listed + (f": up to {k} unlisted member(s) could rank above" if k else ""))
        notes.append("; ".join(parts))
    return notes


def finish_assessments(rows: pd.DataFrame) -> pd.DataFrame:
    """Choose one row per member-year and basis, rank each kind-year-basis, mark the preferred basis.

    ``rows`` has the columns of the ``assessments`` table except the derived ones
    (``share_low``/``high``, ranks, ``chosen``, ``preferred``, ``member``, ``year_type``) plus
    ``_decimals`` and ``_mode`` (rounding of rounded rates). Of several rounded figures for the
    same member-year, the one printed for that year wins over one printed for the whole period,
    then the one with more decimals.

    >>> df = finish_assessments(pd.DataFrame({"kind": "regular", "year": 2020, "member_iso3": ["USA", "CHN"],
    ...     "share_percent": [22.0, 12.005], "basis": "scale_rate", "precision": "3dp", "coverage": "full",
    ...     "period_start": 2019, "period_end": 2021, "year_stated": False, "rate_printed": ["22.000", "12.005"],
    ...     "assessed_usd": np.nan, "source": "x.csv", "source_key": ["row 2", "row 3"], "source_document": "d",
    ...     "source_url": "", "note": "", "_decimals": 3, "_mode": "rounded"}))
    >>> df[["member_iso3", "rank", "rank_certain", "preferred"]].values.tolist()
    [['CHN', 2, True, True], ['USA', 1, True, True]]
    """
    df = rows.copy()
    df["year_type"] = "calendar"
    df["member"] = df["member_iso3"].map({m: countries.display_name(m) for m in df["member_iso3"].unique()})
    df["share_low"], df["share_high"] = _interval(df)
    _refuse_exact_duplicates(df)
    df["_stated"] = df["year_stated"].astype(bool)
    # Of several rounded figures for one member-year: one printed for that year beats one printed for the
    # whole period; then the most decimals; then the source document's name (a stable tie-break).
    df = df.sort_values(
        ["kind", "year", "basis", "member_iso3", "_stated", "_decimals", "source_document", "source"],
        ascending=[True, True, True, True, False, False, True, True],
        kind="mergesort",
    )
    df["chosen"] = ~df.duplicated(["kind", "year", "basis", "member_iso3"])
    _rank_chosen(df)
    order = {b: i for i, b in enumerate(BASES)}
    best = df.assign(_o=df["basis"].map(order)).groupby(["kind", "year"])["_o"].transform("min")
    df["preferred"] = df["chosen"] & (df["basis"].map(order) == best)
    df = df.sort_values(["kind", "year", "basis", "member_iso3", "source", "source_key"], kind="mergesort")
    return _typed(df.loc[:, [c for c in ASSESSMENT_COLUMNS if c not in MEASURE_COLUMNS]].reset_index(drop=True))


def _refuse_exact_duplicates(df: pd.DataFrame) -> None:
    """One exact figure per kind, year, basis and member: two files giving one is an error naming them."""
    exact_dups = df[
        (df["basis"] != "scale_rate_rounded") & df.duplicated(["kind", "year", "basis", "member_iso3"], keep=False)
    ]
    if exact_dups.empty:
        return
    first = exact_dups.iloc[0]
    same = (
        (exact_dups["kind"] == first["kind"])
        & (exact_dups["year"] == first["year"])
        & (exact_dups["member_iso3"] == first["member_iso3"])
    )
    files = sorted(set(exact_dups[same]["source"]))
    raise PkdataError(
        f"{first['kind']} {first['basis']} for {first['member_iso3']} {first['year']} comes from "
        f"more than one file ({', '.join(files)}); expected one exact figure per member-year. "
        "Remove the file that should not count."
    )


def _rank_chosen(df: pd.DataFrame) -> None:
    """Rank the chosen rows within each kind, year and basis (bounds where the intervals overlap), in place."""
    df["rank"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["rank_min"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["rank_max"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["rank_note"] = ""
    chosen = df.loc[df["chosen"], ["kind", "year", "basis", "member_iso3", "coverage", "share_low", "share_high"]]
    # the columns once as arrays, each group by its positions (a frame per group costs more than its ranks)
    lows, highs = chosen["share_low"].to_numpy(float), chosen["share_high"].to_numpy(float)
    partial_rows = (chosen["coverage"] != "full").to_numpy()
    iso = np.array(chosen["member_iso3"].tolist(), dtype=object)
    parts = []
    groups = chosen.groupby(["kind", "year", "basis"]).indices
    for key in sorted(groups):
        at = groups[key]
        partial = bool(partial_rows[at].any())
        low, high = lows[at], highs[at]
        rmin, rmax = rank_bounds(low, high, partial=partial)
        parts.append((chosen.index[at], rmin, rmax, _rank_notes(iso[at].tolist(), low, high, partial)))
    _assign_ranks(df, parts, "")
    df["rank_certain"] = df["rank"].notna() & df["chosen"]


_STRINGS = (
    "kind",
    "year_type",
    "member_iso3",
    "member",
    "rank_note",
    "basis",
    "precision",
    "coverage",
    "rate_printed",
    "source",
    "source_key",
    "source_document",
    "source_url",
    "note",
)


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    for col in ("year", "period_start", "period_end"):
        out[col] = out[col].astype("Int64")
    for col in ("share_percent", "share_low", "share_high", "assessed_usd"):
        out[col] = out[col].astype("float64")
    for col in ("year_stated", "rank_certain", "chosen", "preferred"):
        out[col] = out[col].astype(bool)
    for col in _STRINGS:
        out[col] = out[col].astype("string")
    return out


#: Order in which a member-year's figure is picked for the ``scale`` measure (lower first).
_SCALE_PICK = {"scale_rate": 0, "scale_rate_rounded/stated": 1, pks.BASIS: 2, "scale_rate_rounded": 3}


def _open_note(names: str, rmin: int, rmax: int) -> str:
    return f"the bounds leave rank {rmin}..{rmax} open (could rank above: {names})"


def add_measures(df: pd.DataFrame, base_rates: dict[tuple[int, str], float]) -> pd.DataFrame:
    """Name each row's measure and pick one row per kind x year x member and measure, ranked within it.

    ``billed``: the calendar-year assessed USD (``assessed_usd``), ranks as per basis. ``scale``:
    the rate set for the period: the GA's exact table (``scale_rate``), else a secondary rate
    printed for that year, else the bounds derived from the regular-budget scale, else a
    secondary rate printed for the whole period. Peacekeeping years with derived rows cover every
    member; their ranks use :func:`pkdata.builder.steps.peacekeeping_scale.scale_rank_bounds` with
    ``base_rates`` (year, member) -> regular-budget rate, so the permanent members keep their order.
    """
    df = df.copy()
    df["measure"] = df["basis"].map(MEASURES).astype("string")
    df["measure_pick"] = False
    for col in ("measure_rank", "measure_rank_min", "measure_rank_max"):
        df[col] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["measure_rank_note"] = ""
    billed = df["chosen"] & (df["basis"] == "assessed_usd")
    df.loc[billed, "measure_pick"] = True
    for col in ("rank", "rank_min", "rank_max"):
        df.loc[billed, f"measure_{col}"] = df.loc[billed, col]
    df.loc[billed, "measure_rank_note"] = df.loc[billed, "rank_note"]
    needed = ["kind", "year", "member_iso3", "basis", "year_stated", "share_low", "share_high", "coverage", "rank_note"]
    cand = df.loc[df["chosen"] & (df["measure"] == "scale"), needed]  # filtering every string column costs
    label = cand["basis"].where(
        ~((cand["basis"] == "scale_rate_rounded") & cand["year_stated"]), "scale_rate_rounded/stated"
    )
    cand = cand.assign(_pick=label.map(_SCALE_PICK)).sort_values(
        ["kind", "year", "member_iso3", "_pick"], kind="mergesort"
    )
    picks = cand[~cand.duplicated(["kind", "year", "member_iso3"])]
    # A year with the official (complete) table takes it alone: no derived or secondary figure beside it.
    official = (picks["basis"] == "scale_rate").groupby([picks["kind"], picks["year"]]).transform("any")
    picks = picks[~official | (picks["basis"] == "scale_rate")]
    df.loc[picks.index, "measure_pick"] = True
    columns = {c: picks[c].to_numpy() for c in ("share_low", "share_high", "basis", "coverage", "member_iso3")}
    columns["rank_note"] = np.array(picks["rank_note"].tolist(), dtype=object)
    groups = picks.groupby(["kind", "year"]).indices  # positions: a frame per group costs more than its ranks
    parts = [
        _measure_ranks(kind, int(year), picks.index[at], {c: a[at] for c, a in columns.items()}, base_rates)
        for (kind, year), at in sorted(groups.items())
    ]
    _assign_ranks(df, parts, "measure_")
    df["measure_pick"] = df["measure_pick"].astype(bool)
    df["measure_rank_note"] = df["measure_rank_note"].astype("string")
    return df.loc[:, list(ASSESSMENT_COLUMNS)]


def _assign_ranks(
    df: pd.DataFrame, parts: list[tuple[pd.Index, np.ndarray, np.ndarray, list[str]]], prefix: str
) -> None:
    """Write each group's (rows, best ranks, worst ranks, notes) into ``<prefix>rank``, ``rank_min``, ``rank_max``
    and ``rank_note`` at once (a worst rank of 10**6 or more: unbounded, missing)."""
    if not parts:
        return
    index = parts[0][0].append([p[0] for p in parts[1:]])
    rmin, rmax = np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])
    df.loc[index, f"{prefix}rank_min"] = rmin
    df.loc[index, f"{prefix}rank_max"] = np.where(rmax >= 10**6, pd.NA, rmax)
    df.loc[index, f"{prefix}rank"] = np.where(rmin == rmax, rmin, pd.NA)
    df.loc[index, f"{prefix}rank_note"] = [note for p in parts for note in p[3]]


def _measure_ranks(
    kind: str, year: int, index: pd.Index, g: dict[str, np.ndarray], base_rates: dict[tuple[int, str], float]
) -> tuple[pd.Index, np.ndarray, np.ndarray, list[str]]:
    """One kind-year's ranks of the picked ``scale`` figures (rows ``index``, their columns ``g``), with a note
    where the bounds leave a rank open."""
    low, high = g["share_low"].astype(float), g["share_high"].astype(float)
    iso = g["member_iso3"].tolist()
    derived = bool((g["basis"] == pks.BASIS).any())
    full = derived or bool((g["coverage"] == "full").all())
    if kind == "peacekeeping" and derived:
        base = np.array([base_rates.get((year, m), np.nan) for m in iso])
        common = np.array([m in countries.P5 for m in iso], dtype=bool)
        rmin, rmax = pks.scale_rank_bounds(low, high, base, common)
    else:
        rmin, rmax = rank_bounds(low, high, partial=not full)
    if not full:
        return index, rmin, rmax, [note or "" for note in g["rank_note"].tolist()]
    # j may rank above i: its upper bound is above i's lower bound and its lower bound not above i's upper
    may_be_above = ~np.eye(len(iso), dtype=bool) & (high[None, :] > low[:, None]) & ~(low[None, :] >= high[:, None])
    open_rows = rmin != rmax
    above = iter(_first_names(may_be_above[open_rows], iso, 6))
    notes = [_open_note(next(above), int(lo), int(hi)) if lo != hi else "" for lo, hi in zip(rmin, rmax, strict=True)]
    return index, rmin, rmax, notes


def _crosscheck(name: str, exact: pd.DataFrame, other: pd.DataFrame, *, on: str = "rate_percent") -> dict[str, Any]:
    """Compare ``on`` of the member-years both tables have (an inner join, in ``exact``'s order).

    >>> a = pd.DataFrame({"year": [2020, 2020, 2021], "member_iso3": ["CHN", "USA", "CHN"], "rate_percent": [1, 2, 3]})
    >>> b = pd.DataFrame({"year": [2020, 2020], "member_iso3": ["USA", "CHN"], "rate_percent": [2.5, 1.0]})
    >>> _crosscheck("a vs b", a, b)
    {'check': 'a vs b', 'compared': 2, 'mismatches': 1, 'examples': ['USA 2020: 2 vs 2.5']}
    """
    keys = ["year", "member_iso3"]
    if exact.duplicated(keys).any() or other.duplicated(keys).any():  # the join repeats rows: pandas' order
        merged = exact.merge(other, on=keys, suffixes=("", "_other"))
        pairs = list(zip(merged["member_iso3"], merged["year"], merged[on], merged[f"{on}_other"], strict=True))
    else:  # one row per member-year on each side: a lookup, not a merge
        rows = zip(other["year"].tolist(), other["member_iso3"].tolist(), other[on], strict=True)
        theirs = {(y, m): v for y, m, v in rows}
        ours = zip(exact["year"].tolist(), exact["member_iso3"].tolist(), exact[on], strict=True)
        pairs = [(m, y, v, theirs[(y, m)]) for y, m, v in ours if (y, m) in theirs]
    diff = [f"{m} {y}: {v} vs {w}" for m, y, v, w in pairs if abs(v - w) > 1e-9]
    return {"check": name, "compared": len(pairs), "mismatches": len(diff), "examples": diff[:5]}


def step_finance(ctx: BuildContext) -> StepResult:
    """Build step: read every finance source, validate, cross-check; tables ``assessments`` and ``budgets``.

    Inputs (the user's ``data/raw/<sub>`` if present, else the reference copy): ``budget/un_open`` (UN JSON
    files), ``budget/official`` (regular-budget scale tables), the curated tables (``ctx.curated``:
    ``<raw>/curated/<name>.csv``, else the package's) and, if the user has it,
    ``data/raw/budget/ga_effective_rates/*.csv`` (the GA's peacekeeping effective rates, preferred over every
    other peacekeeping figure for the years it covers).

    Every input is required; a missing one stops the build before anything is written (the
    committed test fixtures lack the 573 kB CoC workbook; with the reference folder the step
    writes the ``assessments`` and ``budgets`` tables):

    >>> from pkdata.builder import build
    >>> import tempfile
    >>> build(out=tempfile.mkdtemp(), reference=FIXTURES, steps=["pkdata.builder.steps.funding:step_finance"])
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: ...CoC_workbook.csv not found: the finance build needs it ...
    """
    un_dir = ctx.source_dir("un_open")
    official = ctx.source_dir("un_official_scales")
    ga_dir = ctx.raw_path(GA_EFFECTIVE_RATES)
    got = _Collected()
    workbook, workbook_path = _regular_budget_scale(official, got)
    periods = _periods(workbook)
    _regular_budget_usd(un_dir, workbook, periods, got)
    _peacekeeping_usd(un_dir, periods, got)
    for path in sorted(ga_dir.glob("*.csv")) if ga_dir.is_dir() else []:
        _ga_rates(path, got)
    _rounded_rates(
        official, {n: ctx.curated(n) for n in (CURATED_PK_RATES, CURATED_PK_RATES_CITED, CURATED_RB_RATES)}, got
    )
    levels_path = ctx.curated(CURATED_PK_LEVELS)
    _derived_scale(workbook, workbook_path.name, levels_path, got)
    base_rates = {
        (int(y), m): float(r) for y, m, r in workbook[["year", "member_iso3", "rate_percent"]].itertuples(index=False)
    }
    assessments = add_measures(finish_assessments(pd.concat(got.rates, ignore_index=True)), base_rates)
    curated = [ctx.curated(n) for n in (CURATED_BUDGETS, CURATED_BUDGETS_GA)]
    budgets = _budgets(un_dir, curated, ctx.source_dir("budget_secondary_2026"), got)
    entries = []
    rows = {"assessments": assessments["source"].value_counts(), "budgets": budgets["source"].value_counts()}
    for f, extra in got.files:
        if f.path == levels_path:
            used = int(((assessments["basis"] == pks.BASIS) & assessments["note"].str.startswith("level B")).sum())
            entries.append(f.entry(0, used_by_rows=used, **extra))
            continue
        counts = rows["assessments" if f.table == "assessments" else "budgets"]  # rows per source file
        entries.append(f.entry(int(counts.get(f.path.name, 0)), **extra))
    return StepResult(
        {"assessments": assessments, "budgets": budgets}, entries, {"finance": _summary(got, assessments)}
    )


@dataclass
class _Collected:
    """What the finance readers gathered: (file, extra manifest keys), rate rows, budget rows, cross-checks."""

    files: list[tuple[_File, dict[str, Any]]] = field(default_factory=list)
    rates: list[pd.DataFrame] = field(default_factory=list)
    budgets: list[pd.DataFrame] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)


def _publisher(part: str) -> str:
    source = "budget_curated" if part == "curated" else "un_open"
    return sources.publisher(source) if part == "curated" else sources.publisher(source, part)


def _regular_budget_scale(official: Path, got: _Collected) -> tuple[pd.DataFrame, Path]:
    """The Committee on Contributions workbook (the exact regular-budget scale 2010-2027), cross-checked with the
    resolution's and the circulars' tables."""
    workbook_path = _required(official, RB_WORKBOOK)
    workbook = rd.read_scale_csv(workbook_path, full=True)
    got.rates.append(
        _rate_rows(workbook, kind="regular", basis="scale_rate", coverage="full", source=workbook_path.name)
    )
    publisher = sources.publisher("un_official_scales", "workbook")
    got.files.append(
        (_File(workbook_path, publisher, _urls(workbook), "assessments", "regular-budget scale (exact)"), {})
    )
    for name, label, part in (
        (RB_RESOLUTION, "A/RES/79/249", "resolution"),
        (RB_CIRCULARS, "ST/ADM/SER.B circulars", "circulars"),
    ):
        path = _required(official, name)
        other = rd.read_scale_csv(path, full=True)
        got.checks.append(_crosscheck(f"{label} ({name}) vs the CoC workbook", workbook, other))
        publisher = sources.publisher("un_official_scales", part)
        got.files.append(
            (
                _File(path, publisher, _urls(other), "assessments", "cross-check of the workbook"),
                {"note": "read and compared with the workbook; not a separate row source"},
            )
        )
    return workbook, workbook_path


def _regular_budget_usd(un_dir: Path, workbook: pd.DataFrame, periods: dict, got: _Collected) -> None:
    """Regular budget per year from the UN's JSON (amounts: assessed_usd; rates cross-checked)."""
    for path in sorted(un_dir.glob("regular-budget-contributors-*.json")):
        frame = un_open.read_regular_budget(path)
        got.checks.append(_crosscheck(f"{path.name} rates vs the CoC workbook", workbook, frame))
        got.rates.append(
            _usd_rows(
                frame,
                kind="regular",
                precision="exact_usd",
                source=path.name,
                document=frame["source_document"].iloc[0],
                url=frame["source_url"].iloc[0],
                periods=periods,
                note="circular amount column / total; calendar year",
            )
        )
        url = _un_open_url(path.name)
        role = "regular-budget assessments (exact USD)"
        got.files.append((_File(path, _publisher("regular-budget-contributors"), url, "assessments", role), {}))


def _un_open_url(name: str) -> str:
    return sources.field("un_open", "url_pattern").format(name=name)


def _peacekeeping_usd(un_dir: Path, periods: dict, got: _Collected) -> None:
    """Peacekeeping: assessed contributions per calendar year (exact USD)."""
    donors = sorted(un_dir.glob("donors-*.json"))
    if not donors:
        raise PkdataError(f"no donors-YYYY.json files in {un_dir}")
    for path in donors:
        frame = un_open.read_donors(path)
        got.rates.append(
            _usd_rows(
                frame,
                kind="peacekeeping",
                precision="exact_usd",
                source=path.name,
                document=f"CEB financial statistics {frame['year'].iloc[0]}, entity UN-DPO, Assessed",
                url=_un_open_url(path.name),
                periods=periods,
                note="amount recognised in the calendar year / all members' amounts; a "
                "calendar year straddles two July-June fiscal years",
            )
        )
        role = "peacekeeping assessed contributions (exact USD)"
        file = _File(path, _publisher("donors"), _un_open_url("donors-<YYYY>.json"), "assessments", role)
        got.files.append((file, {"ignored_un_dpo_entries": frame.attrs["ignored"]} if frame.attrs["ignored"] else {}))


def _ga_rates(path: Path, got: _Collected) -> None:
    """Peacekeeping: the GA's effective rates, when the user has them (exact, preferred)."""
    frame = rd.read_ga_effective_rates(path)
    got.rates.append(_rate_rows(frame, kind="peacekeeping", basis="scale_rate", coverage="full", source=path.name))
    ga = sources.section("user_inputs")["ga_effective_rates"]
    role = "peacekeeping effective rates (exact, user-supplied)"
    got.files.append((_File(path, ga["publisher"], ga["url_pattern"], "assessments", role), {}))


def _rounded_rates(official: Path, curated: dict[str, Path], got: _Collected) -> None:
    """Rounded / secondary rates: only where they are all there is; their precision stays visible."""
    secondary = _required(official, PK_SECONDARY_4DP)
    frame = rd.read_scale_csv(secondary, full=False)
    got.rates.append(
        _rate_rows(frame, kind="peacekeeping", basis="scale_rate_rounded", coverage="partial", source=secondary.name)
    )
    publisher = "; ".join(sorted(set(frame["source_document"])))[:200] + " (secondary)"
    got.files.append((_File(secondary, publisher, _urls(frame), "assessments", "peacekeeping rates, secondary"), {}))
    named = (
        (CURATED_PK_RATES, "peacekeeping"),
        (CURATED_PK_RATES_CITED, "peacekeeping"),
        (CURATED_RB_RATES, "regular"),
    )
    for name, kind in named:
        path = curated[name]
        frame = rd.read_scale_csv(path, full=False, curated=True)
        got.rates.append(_rate_rows(frame, kind=kind, basis="scale_rate_rounded", coverage="partial", source=path.name))
        role = f"{kind} rates, rounded (compiled facts)"
        got.files.append((_File(path, _publisher("curated"), PER_ROW, "assessments", role), {}))


def _derived_scale(workbook: pd.DataFrame, workbook_name: str, levels_path: Path, got: _Collected) -> None:
    """Peacekeeping scale, every member-year 2010-2027: bounds derived from the exact regular-budget scale by
    the levels of A/RES/55/235, the premium factor pinned by the secondary rates printed for the year."""
    levels = rd.read_levels_csv(levels_path)
    rounded = pd.concat(
        [f for f in got.rates if (f["kind"] == "peacekeeping").all() and (f["basis"] == "scale_rate_rounded").all()],
        ignore_index=True,
    )
    low, high = _interval(rounded)
    secondary = rounded.assign(low=low, high=high)
    derived = pks.derive(workbook, secondary, levels, workbook_name)
    got.checks.append(pks.crosscheck(derived, secondary))
    got.rates.append(derived)
    role = "peacekeeping scale levels (level B: pays the regular-budget rate), for the derived rows"
    note = "produces no row itself; used_by_rows: derived peacekeeping rows that use a level from it"
    got.files.append((_File(levels_path, _publisher("curated"), PER_ROW, "assessments", role), {"note": note}))


def _budgets(un_dir: Path, curated: list[Path], secondary: Path, got: _Collected) -> pd.DataFrame:
    """The ``budgets`` table: the UN's mission budgets (fiscal years), the curated headline figures and the
    secondary extraction of 2025/26-2026/27; one row per fiscal year, basis and mission (one name per entity)."""
    for path in sorted(un_dir.glob("budget-pko-*.json")) + sorted(un_dir.glob("budget-audited-pko-*.json")):
        frame = un_open.read_pko_budget(path)
        frame["precision"] = "exact"
        frame["rounding_usd"] = 100 if (frame["usd"] % 100 == 0).all() else 1
        frame["source"] = path.name
        frame["source_key"] = frame.pop("key")
        frame["note"] = ("sum of the file's mission rows (" + frame["scope"] + ")").where(
            frame["level"] == "total", "printed row: " + frame.pop("row_label")
        )
        got.budgets.append(frame)
        prefix = "budget-audited-pko" if path.name.startswith("budget-audited-") else "budget-pko"
        role = f"mission {frame['basis'].iloc[0].replace('_', ' ')} (exact)"
        url = _un_open_url(f"{prefix}-<YYYY>.json")
        got.files.append((_File(path, _publisher(prefix), url, "budgets", role), {}))
    for path in curated:
        got.budgets.append(_curated_budgets(path))
        role = "approved budgets, headline figures (compiled facts)"
        got.files.append((_File(path, _publisher("curated"), PER_ROW, "budgets", role), {}))
    for path in sorted(secondary.glob("*.csv")) if secondary.is_dir() else []:
        if path.name in rd.SECONDARY_BUDGET_FILES:
            got.budgets.append(_secondary_budgets(path))
            role = "approved per-mission budgets 2025/26 and 2026/27 (secondary extraction of UN documents)"
            got.files.append((_File(path, sources.publisher("budget_secondary_2026"), PER_ROW, "budgets", role), {}))
    budgets = pd.concat([f.loc[:, list(BUDGET_TABLE_COLUMNS)] for f in got.budgets], ignore_index=True)
    budgets["mission"] = budgets["mission"].replace(ENTITY_NAMES)
    dup = budgets[budgets.duplicated(["fiscal_year", "basis", "mission"], keep=False)]
    if not dup.empty:
        r = dup.iloc[0]
        raise PkdataError(
            f"budgets: {r['fiscal_year']} {r['basis']} {r['mission']} comes from more than one row "
            f"({sorted(set(dup['source']))}); keep one figure per fiscal year, basis and mission"
        )
    budgets = budgets.sort_values(["fiscal_year", "level", "mission", "basis", "source"], kind="mergesort")
    budgets = budgets.reset_index(drop=True)
    for col in ("fiscal_year_start", "rounding_usd"):
        budgets[col] = budgets[col].astype("int64")
    budgets["usd"] = budgets["usd"].astype("float64")
    for col in set(BUDGET_TABLE_COLUMNS) - {"fiscal_year_start", "rounding_usd", "usd"}:
        budgets[col] = budgets[col].astype("string")
    return budgets


def _secondary_budgets(path: Path) -> pd.DataFrame:
    frame = rd.read_secondary_budgets(path)
    frame["level"] = "mission"
    frame["mission_name"] = frame["mission"]
    frame["basis"] = "approved"
    frame["precision"] = "secondary_thousands"
    frame["source"] = path.name
    frame["source_key"] = "row " + frame.pop("row").astype(str)
    return frame


def _curated_budgets(path: Path) -> pd.DataFrame:
    frame = rd.read_budget_csv(path)
    frame["level"] = np.where(frame["mission"] == "TOTAL", "total", "mission")
    frame["mission_name"] = frame["mission"]
    frame["basis"] = "approved"
    frame["precision"] = "headline_rounded"
    frame["scope"] = np.where(
        frame["level"] == "total",
        "all operations as reported (incl. support account, UNLB/UNGSC, RSCE unless the note says otherwise)",
        "mission as reported",
    )
    frame["source"] = path.name
    frame["source_key"] = "row " + frame.pop("row").astype(str)
    return frame


def _summary(got: _Collected, assessments: pd.DataFrame) -> dict[str, Any]:
    """The manifest's ``finance`` entry: the cross-checks, the preferred basis of each kind-year, the year types."""
    preferred = assessments[assessments["preferred"]].drop_duplicates(["kind", "year"])
    return {
        "crosschecks": got.checks,
        "preferred_basis": {
            k: {str(y): b for y, b in g[["year", "basis"]].itertuples(index=False)}
            for k, g in preferred.groupby("kind")
        },
        "year_type": {"assessments": "calendar year", "budgets": "July-June fiscal year ('YYYY/YY')"},
    }


STEP = Step(
    "finance",
    "pkdata.builder.steps.funding:step_finance",
    "assessments (scale rates, assessed USD, derived peacekeeping scale) and budgets",
    sources=("un_open", "un_official_scales", "heritage_pk_rates_secondary", "budget_curated", "budget_secondary_2026"),
    curated=(
        CURATED_PK_RATES,
        CURATED_RB_RATES,
        CURATED_BUDGETS,
        CURATED_PK_LEVELS,
        CURATED_BUDGETS_GA,
        CURATED_PK_RATES_CITED,
    ),
    raw=(GA_EFFECTIVE_RATES,),
    writes=("assessments", "budgets"),
    keys=("finance",),
)
