"""Who pays: peacekeeping and regular-budget assessments, mission budgets, and who pays vs who serves.

Two processed tables, written by :func:`step_finance`:

``assessments``
    One row per kind (``peacekeeping`` or ``regular``) x calendar year x member x source, with
    ``share_percent`` and its ``basis``:

    * ``assessed_usd``: exact. The member's assessed amount in USD over the sum of all
      members' (peacekeeping: ``donors-YYYY.json``, entity ``UN-DPO``, CEB financial
      statistics; regular budget: ``regular-budget-contributors-YYYY.json``, the ST/ADM/SER.B
      circular's amounts). These are *calendar-year* amounts; a calendar year straddles two
      July-June peacekeeping fiscal years and, in the first year of a scale period, two scales.
    * ``scale_rate``: exact. The adopted rate (regular budget: the Committee on Contributions
      workbook, 3 decimals, every period 2010-2027; peacekeeping: a user-supplied General
      Assembly effective-rates table, see :func:`pkdata.readers.assessments.read_ga_effective_rates`).
    * ``scale_rate_rounded``: a rate compiled from secondary documents with the precision they
      printed (``precision``: ``2dp``, ``integer``, ``1dp_truncated``, ...), from partial tables.

    Ranks are precision-aware: ``rank_min`` / ``rank_max`` bound the rank given the precision of
    every value and, for partial tables, the share the table leaves to members it does not list;
    ``rank`` is set only where the two agree (``rank_certain``). The *preferred* rows of a
    kind-year (``preferred``) come from the best basis that year has: ``scale_rate``, then
    ``assessed_usd``, then ``scale_rate_rounded``; several rounded sources for the same
    member-year are reduced to one (``chosen``: printed for that year rather than for the
    whole period, then the most decimals).

``budgets``
    One row per July-June fiscal year x mission (or ``TOTAL``) x basis x source: ``approved``
    (headline figures compiled from press releases, rounded as printed), ``expenditure``
    (performance reports) and ``audited_expenditure``. Fiscal years are strings ``'2022/23'``;
    they are never joined to calendar years.

>>> import pkdata
>>> int(pkdata.funding_rank(2017).set_index("member_iso3").loc["CHN", "rank"])
2
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pkdata import countries, store
from pkdata.build import BuildContext, StepResult
from pkdata.errors import PkdataError
from pkdata.hashes import sha256_file
from pkdata.readers import assessments as rd
from pkdata.readers import un_open

Kind = Literal["peacekeeping", "regular"]
KINDS: tuple[str, ...] = ("peacekeeping", "regular")
#: Bases, best first: the preferred rows of a kind-year come from the first basis it has.
BASES: tuple[str, ...] = ("scale_rate", "assessed_usd", "scale_rate_rounded")

#: The curated compiled-fact tables (``data/raw/curated/``; reference copies in ``budget/``).
CURATED_PK_RATES = "peacekeeping_assessment_rates.csv"
CURATED_RB_RATES = "regular_budget_scale.csv"
CURATED_BUDGETS = "peacekeeping_budgets.csv"
#: The official regular-budget tables (``budget/official/``).
RB_WORKBOOK = "regular_budget_scale_2010_2027_UN_CoC_workbook.csv"
RB_RESOLUTION = "regular_budget_scale_2025_2027_A_RES_79_249.csv"
RB_CIRCULARS = "regular_budget_rates_2019_2026_ST_ADM_SER_B_circulars.csv"
PK_SECONDARY_4DP = "peacekeeping_effective_rates_secondary_4dp.csv"
#: Where a user drops the GA's effective-rates table for peacekeeping (CSV), under the raw folder.
GA_EFFECTIVE_RATES = "budget/ga_effective_rates"

UN_OPEN_URL = "https://github.com/united-nations/open/blob/main/public/data/{name}"
PUBLISHERS = {
    "donors": "United Nations: CEB financial statistics (revenue by contributor and entity), as published by the "
              "UN in united-nations/open (open.un.org)",
    "regular-budget-contributors": "United Nations Secretariat: ST/ADM/SER.B assessment circulars and honour roll, "
                                   "as machine-read by the UN in united-nations/open",
    "budget-pko": "United Nations Secretariat: peacekeeping budget performance reports (document symbol per "
                  "mission), via united-nations/programme-budget-data, as published in united-nations/open",
    "budget-audited-pko": "United Nations: audited financial statements, peacekeeping mission accounts, as "
                          "published in united-nations/open",
    "curated": "compiled from public documents (pkdata curated table; every row names its source_document and "
               "source_url)",
    "ga": "UN General Assembly: effective rates of assessment for peacekeeping (user-supplied CSV of the annex)",
}

ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "kind", "year", "year_type", "member_iso3", "member", "share_percent", "share_low", "share_high",
    "rank", "rank_min", "rank_max", "rank_certain", "rank_note", "basis", "precision", "coverage",
    "chosen", "preferred", "period_start", "period_end", "year_stated", "rate_printed", "assessed_usd",
    "source", "source_key", "source_document", "source_url", "note",
)
BUDGET_TABLE_COLUMNS: tuple[str, ...] = (
    "fiscal_year", "fiscal_year_start", "level", "mission", "mission_name", "usd", "basis", "precision",
    "rounding_usd", "scope", "source", "source_key", "source_document", "source_url", "note",
)


# --------------------------------------------------------------------------- build step


@dataclass
class _File:
    path: Path
    publisher: str
    url: str
    table: str
    role: str

    def entry(self, rows: int, **extra: Any) -> dict[str, Any]:
        return {"name": self.path.name, "sha256": sha256_file(self.path), "bytes": self.path.stat().st_size,
                "publisher": self.publisher, "url_pattern": self.url, "table": self.table, "rows": int(rows),
                "role": self.role, **extra}


def _required(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise PkdataError(f"{path} not found: the finance build needs it (put it in data/raw or the reference folder)")
    return path


def _urls(frame: pd.DataFrame) -> str:
    urls = sorted({u for u in frame["source_url"].dropna().astype(str) if u})
    return urls[0] if len(urls) == 1 else "see source_url per row"


def _periods(workbook: pd.DataFrame) -> dict[int, tuple[int, int]]:
    return {int(y): (int(s), int(e)) for y, s, e in
            workbook[["year", "period_start", "period_end"]].drop_duplicates().itertuples(index=False)}


def _rate_rows(frame: pd.DataFrame, *, kind: str, basis: str, coverage: str, source: str) -> pd.DataFrame:
    out = pd.DataFrame({
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
    })
    return out


def _usd_rows(frame: pd.DataFrame, *, kind: str, precision: str, source: str, document: str, url: str,
              periods: dict[int, tuple[int, int]], note: str) -> pd.DataFrame:
    years = frame["year"].astype("int64")
    return pd.DataFrame({
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
    })


def _interval(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    unit = pd.Series(10.0, index=df.index) ** -df["_decimals"].clip(upper=15).astype("float64")
    exact = df["basis"] != "scale_rate_rounded"
    truncated = df["_mode"] == "truncated"
    low = np.where(exact, df["share_percent"], np.where(truncated, df["share_percent"],
                                                        df["share_percent"] - unit / 2))
    high = np.where(exact, df["share_percent"], np.where(truncated, df["share_percent"] + unit,
                                                         df["share_percent"] + unit / 2))
    return pd.Series(low, index=df.index), pd.Series(high, index=df.index)


def rank_bounds(low: np.ndarray, high: np.ndarray, *, partial: bool) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst possible rank of each member given its share interval.

    An exact share has ``low == high``; a rounded one is the half-open interval
    ``[low, high)``. *j* is certainly above *i* if its lowest possible share is at or above
    *i*'s highest (strictly above for an exact *i*: equal exact shares tie); *j* may be above
    *i* if its highest possible share exceeds *i*'s lowest. For a partial table, members it
    does not list share at most ``100 - sum(low)``, so at most that / *i*'s low of them can be
    above *i*; ``rank_max`` adds them.

    >>> rank_bounds(np.array([27.0, 2.0, 1.5]), np.array([27.0, 2.0, 2.5]), partial=False)
    (array([1, 2, 2]), array([1, 3, 3]))
    """
    exact = low == high
    certain = np.where(exact[:, None], low[None, :] > high[:, None], low[None, :] >= high[:, None])
    possible = certain | (high[None, :] > low[:, None])
    np.fill_diagonal(certain, False)
    np.fill_diagonal(possible, False)
    rank_min = 1 + certain.sum(axis=1)
    rank_max = 1 + possible.sum(axis=1)
    if partial:
        rest = max(0.0, 100.0 - float(low.sum()))
        extra = np.array([max(0, math.ceil(rest / lo - 1e-9) - 1) if lo > 0 else 10**6 for lo in low])
        rank_max = rank_max + extra
    return rank_min.astype("int64"), rank_max.astype("int64")


def _rank_notes(g: pd.DataFrame, low: np.ndarray, high: np.ndarray, partial: bool) -> list[str]:
    notes = []
    iso = g["member_iso3"].tolist()
    exact = low == high
    rest = max(0.0, 100.0 - float(low.sum()))
    for i in range(len(g)):
        parts = []
        ties = [iso[j] for j in range(len(g)) if j != i and exact[i] and exact[j] and low[j] == low[i]]
        if ties:
            parts.append("tied with " + ", ".join(sorted(ties)[:5]) + (" ..." if len(ties) > 5 else ""))
        swaps = [iso[j] for j in range(len(g)) if j != i and not (exact[i] and exact[j])
                 and high[j] > low[i] and high[i] > low[j]]
        if swaps:
            parts.append("rounding could swap with " + ", ".join(sorted(swaps)[:5])
                         + (" ..." if len(swaps) > 5 else ""))
        if partial:
            k = max(0, math.ceil(rest / low[i] - 1e-9) - 1) if low[i] > 0 else None
            parts.append(f"partial table ({len(g)} members listed, at most {rest:.2f}% left to the others)"
                         + (f": up to {k} unlisted member(s) could rank above" if k else ""))
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
    df["member"] = df["member_iso3"].map(countries.display_name)
    df["share_low"], df["share_high"] = _interval(df)
    exact_dups = df[(df["basis"] != "scale_rate_rounded")
                    & df.duplicated(["kind", "year", "basis", "member_iso3"], keep=False)]
    if not exact_dups.empty:
        first = exact_dups.iloc[0]
        files = sorted(set(exact_dups[(exact_dups["kind"] == first["kind"]) & (exact_dups["year"] == first["year"])
                                      & (exact_dups["member_iso3"] == first["member_iso3"])]["source"]))
        raise PkdataError(f"{first['kind']} {first['basis']} for {first['member_iso3']} {first['year']} comes from "
                          f"more than one file ({', '.join(files)}); expected one exact figure per member-year. "
                          "Remove the file that should not count.")
    df["_stated"] = df["year_stated"].astype(bool)
    # Of several rounded figures for one member-year: one printed for that year beats one printed for the
    # whole period; then the most decimals; then the source document's name (a stable tie-break).
    df = df.sort_values(["kind", "year", "basis", "member_iso3", "_stated", "_decimals", "source_document", "source"],
                        ascending=[True, True, True, True, False, False, True, True], kind="mergesort")
    df["chosen"] = ~df.duplicated(["kind", "year", "basis", "member_iso3"])
    df["rank"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["rank_min"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["rank_max"] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["rank_note"] = ""
    for _, g in df[df["chosen"]].groupby(["kind", "year", "basis"], sort=True):
        partial = bool((g["coverage"] != "full").any())
        low, high = g["share_low"].to_numpy(float), g["share_high"].to_numpy(float)
        rmin, rmax = rank_bounds(low, high, partial=partial)
        df.loc[g.index, "rank_min"] = rmin
        df.loc[g.index, "rank_max"] = np.where(rmax >= 10**6, pd.NA, rmax)
        df.loc[g.index, "rank"] = np.where(rmin == rmax, rmin, pd.NA)
        df.loc[g.index, "rank_note"] = _rank_notes(g, low, high, partial)
    df["rank_certain"] = df["rank"].notna() & df["chosen"]
    order = {b: i for i, b in enumerate(BASES)}
    best = df.assign(_o=df["basis"].map(order)).groupby(["kind", "year"])["_o"].transform("min")
    df["preferred"] = df["chosen"] & (df["basis"].map(order) == best)
    df = df.sort_values(["kind", "year", "basis", "member_iso3", "source", "source_key"], kind="mergesort")
    out = df.loc[:, list(ASSESSMENT_COLUMNS)].reset_index(drop=True)
    for col in ("year", "period_start", "period_end"):
        out[col] = out[col].astype("Int64")
    for col in ("share_percent", "share_low", "share_high", "assessed_usd"):
        out[col] = out[col].astype("float64")
    for col in ("year_stated", "rank_certain", "chosen", "preferred"):
        out[col] = out[col].astype(bool)
    for col in ("kind", "year_type", "member_iso3", "member", "rank_note", "basis", "precision", "coverage",
                "rate_printed", "source", "source_key", "source_document", "source_url", "note"):
        out[col] = out[col].astype("string")
    return out


def _crosscheck(name: str, exact: pd.DataFrame, other: pd.DataFrame, *, on: str = "rate_percent") -> dict[str, Any]:
    merged = exact.merge(other, on=["year", "member_iso3"], suffixes=("", "_other"))
    diff = merged[(merged[on] - merged[f"{on}_other"]).abs() > 1e-9]
    return {"check": name, "compared": int(len(merged)), "mismatches": int(len(diff)),
            "examples": [f"{r.member_iso3} {r.year}: {getattr(r, on)} vs {getattr(r, on + '_other')}"
                         for r in diff.head(5).itertuples()]}


def step_finance(ctx: BuildContext) -> StepResult:
    """Build step: read every finance source, validate, cross-check; tables ``assessments`` and ``budgets``.

    Inputs (``ctx.find``: the user's ``data/raw/<sub>`` if present, else the reference copy):
    ``budget/un_open`` (UN JSON files), ``budget/official`` (regular-budget scale tables),
    ``curated/<name>.csv`` (the compiled facts; reference copies in ``budget/``) and, if the
    user has it, ``data/raw/budget/ga_effective_rates/*.csv`` (the GA's peacekeeping effective
    rates, preferred over every other peacekeeping figure for the years it covers).

    Every input is required; a missing one stops the build before anything is written (the
    committed test fixtures lack the 573 kB CoC workbook; with the reference folder the step
    writes the ``assessments`` and ``budgets`` tables):

    >>> from pkdata.build import build
    >>> import tempfile
    >>> build(out=tempfile.mkdtemp(), reference=FIXTURES, steps=["pkdata.finance:step_finance"])
    Traceback (most recent call last):
    ...
    pkdata.errors.PkdataError: ...CoC_workbook.csv not found: the finance build needs it ...
    """
    un_dir = ctx.find("budget/un_open", "budget/un_open")
    official = ctx.find("budget/official", "budget/official")
    curated = {name: ctx.find(f"curated/{name}", f"budget/{name}")
               for name in (CURATED_PK_RATES, CURATED_RB_RATES, CURATED_BUDGETS)}
    ga_files = sorted((ctx.raw / GA_EFFECTIVE_RATES).glob("*.csv")) if (ctx.raw / GA_EFFECTIVE_RATES).is_dir() else []

    files: list[tuple[_File, dict[str, Any]]] = []  # (file, extra manifest keys)
    rate_frames: list[pd.DataFrame] = []
    budget_frames: list[pd.DataFrame] = []
    checks: list[dict[str, Any]] = []

    # Regular budget: the Committee on Contributions workbook is the exact scale 2010-2027.
    workbook_path = _required(official, RB_WORKBOOK)
    workbook = rd.read_scale_csv(workbook_path, full=True)
    periods = _periods(workbook)
    rate_frames.append(_rate_rows(workbook, kind="regular", basis="scale_rate", coverage="full",
                                  source=workbook_path.name))
    files.append((_File(workbook_path, "UN Committee on Contributions: 'Scale of Assessments for RB 1946-2027' "
                        "workbook", _urls(workbook), "assessments", "regular-budget scale (exact)"), {}))
    for name, label in ((RB_RESOLUTION, "A/RES/79/249"), (RB_CIRCULARS, "ST/ADM/SER.B circulars")):
        path = _required(official, name)
        other = rd.read_scale_csv(path, full=True)
        checks.append(_crosscheck(f"{label} ({name}) vs the CoC workbook", workbook, other))
        publisher = ("UN General Assembly, resolution 79/249" if name == RB_RESOLUTION else
                     "UN Secretariat: ST/ADM/SER.B circulars (rates as machine-read in united-nations/open)")
        files.append((_File(path, publisher, _urls(other), "assessments", "cross-check of the workbook"),
                      {"note": "read and compared with the workbook; not a separate row source"}))

    # Regular budget per year from the UN's JSON (amounts: assessed_usd; rates cross-checked).
    for path in sorted(un_dir.glob("regular-budget-contributors-*.json")):
        frame = un_open.read_regular_budget(path)
        checks.append(_crosscheck(f"{path.name} rates vs the CoC workbook", workbook, frame))
        rate_frames.append(_usd_rows(frame, kind="regular", precision="exact_usd", source=path.name,
                                     document=frame["source_document"].iloc[0], url=frame["source_url"].iloc[0],
                                     periods=periods, note="circular amount column / total; calendar year"))
        files.append((_File(path, PUBLISHERS["regular-budget-contributors"], UN_OPEN_URL.format(name=path.name),
                            "assessments", "regular-budget assessments (exact USD)"), {}))

    # Peacekeeping: assessed contributions per calendar year (exact USD).
    donors = sorted(un_dir.glob("donors-*.json"))
    if not donors:
        raise PkdataError(f"no donors-YYYY.json files in {un_dir}")
    for path in donors:
        frame = un_open.read_donors(path)
        rate_frames.append(_usd_rows(frame, kind="peacekeeping", precision="exact_usd", source=path.name,
                                     document=f"CEB financial statistics {frame['year'].iloc[0]}, entity UN-DPO, "
                                     "Assessed", url=UN_OPEN_URL.format(name=path.name), periods=periods,
                                     note="amount recognised in the calendar year / all members' amounts; a "
                                     "calendar year straddles two July-June fiscal years"))
        files.append((_File(path, PUBLISHERS["donors"], UN_OPEN_URL.format(name="donors-<YYYY>.json"), "assessments",
                            "peacekeeping assessed contributions (exact USD)"),
                      {"ignored_un_dpo_entries": frame.attrs["ignored"]} if frame.attrs["ignored"] else {}))

    # Peacekeeping: the GA's effective rates, if the user has them (exact, preferred).
    for path in ga_files:
        frame = rd.read_ga_effective_rates(path)
        rate_frames.append(_rate_rows(frame, kind="peacekeeping", basis="scale_rate", coverage="full",
                                      source=path.name))
        files.append((_File(path, PUBLISHERS["ga"], "https://undocs.org/<symbol> (annex, exported as CSV)",
                            "assessments", "peacekeeping effective rates (exact, user-supplied)"), {}))

    # Rounded / secondary rates: only where they are all there is; their precision stays visible.
    secondary = _required(official, PK_SECONDARY_4DP)
    frame = rd.read_scale_csv(secondary, full=False)
    rate_frames.append(_rate_rows(frame, kind="peacekeeping", basis="scale_rate_rounded", coverage="partial",
                                  source=secondary.name))
    files.append((_File(secondary, "; ".join(sorted(set(frame["source_document"])))[:200] + " (secondary)",
                        _urls(frame), "assessments", "peacekeeping rates, secondary"), {}))
    for name, kind in ((CURATED_PK_RATES, "peacekeeping"), (CURATED_RB_RATES, "regular")):
        path = curated[name]
        frame = rd.read_scale_csv(path, full=False, curated=True)
        rate_frames.append(_rate_rows(frame, kind=kind, basis="scale_rate_rounded", coverage="partial",
                                      source=path.name))
        files.append((_File(path, PUBLISHERS["curated"], "see source_url per row", "assessments",
                            f"{kind} rates, rounded (compiled facts)"), {}))

    assessments = finish_assessments(pd.concat(rate_frames, ignore_index=True))

    # Budgets: fiscal years only.
    for path in sorted(un_dir.glob("budget-pko-*.json")) + sorted(un_dir.glob("budget-audited-pko-*.json")):
        frame = un_open.read_pko_budget(path)
        frame["precision"] = "exact"
        frame["rounding_usd"] = 100 if (frame["usd"] % 100 == 0).all() else 1
        frame["source"] = path.name
        frame["source_key"] = frame.pop("key")
        frame["note"] = ("sum of the file's mission rows (" + frame["scope"] + ")").where(
            frame["level"] == "total", "printed row: " + frame.pop("row_label"))
        budget_frames.append(frame)
        prefix = "budget-audited-pko" if path.name.startswith("budget-audited-") else "budget-pko"
        files.append((_File(path, PUBLISHERS[prefix], UN_OPEN_URL.format(name=f"{prefix}-<YYYY>.json"), "budgets",
                            f"mission {frame['basis'].iloc[0].replace('_', ' ')} (exact)"), {}))
    path = curated[CURATED_BUDGETS]
    frame = rd.read_budget_csv(path)
    frame["level"] = np.where(frame["mission"] == "TOTAL", "total", "mission")
    frame["mission_name"] = frame["mission"]
    frame["basis"] = "approved"
    frame["precision"] = "headline_rounded"
    frame["scope"] = np.where(frame["level"] == "total", "all operations as reported (incl. support account, "
                              "UNLB/UNGSC, RSCE unless the note says otherwise)", "mission as reported")
    frame["source"] = path.name
    frame["source_key"] = "row " + frame.pop("row").astype(str)
    budget_frames.append(frame)
    files.append((_File(path, PUBLISHERS["curated"], "see source_url per row", "budgets",
                        "approved budgets, headline figures (compiled facts)"), {}))
    budgets = pd.concat([f.loc[:, list(BUDGET_TABLE_COLUMNS)] for f in budget_frames], ignore_index=True)
    budgets = budgets.sort_values(["fiscal_year", "level", "mission", "basis", "source"], kind="mergesort")
    budgets = budgets.reset_index(drop=True)
    for col in ("fiscal_year_start", "rounding_usd"):
        budgets[col] = budgets[col].astype("int64")
    budgets["usd"] = budgets["usd"].astype("float64")
    for col in set(BUDGET_TABLE_COLUMNS) - {"fiscal_year_start", "rounding_usd", "usd"}:
        budgets[col] = budgets[col].astype("string")

    sources = []
    for f, extra in files:
        table = assessments if f.table == "assessments" else budgets
        sources.append(f.entry(int((table["source"] == f.path.name).sum()), **extra))
    preferred = assessments[assessments["preferred"]].drop_duplicates(["kind", "year"])
    summary = {
        "crosschecks": checks,
        "preferred_basis": {k: {str(y): b for y, b in g[["year", "basis"]].itertuples(index=False)}
                            for k, g in preferred.groupby("kind")},
        "year_type": {"assessments": "calendar year", "budgets": "July-June fiscal year ('YYYY/YY')"},
    }
    return StepResult({"assessments": assessments, "budgets": budgets}, sources, {"finance": summary})


# --------------------------------------------------------------------------- loaders and queries


def _calendar_year(year: Any) -> int:
    if isinstance(year, str) and re.fullmatch(r"\d{4}/\d{2}", year.strip()):
        raise PkdataError(f"{year!r} is a July-June fiscal year; assessments and burden are by calendar year "
                          f"(pass {year[:4]} or {int(year[:4]) + 1}); budgets are by fiscal year: "
                          f"pkdata.budgets({year!r})")
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise PkdataError(f"{year!r} is not a calendar year; pass e.g. 2019") from None
    if isinstance(year, float) and year != value:
        raise PkdataError(f"{year!r} is not a calendar year; pass e.g. 2019")
    return value


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise PkdataError(f"kind={kind!r}: expected 'peacekeeping' or 'regular'")
    return kind


_PUBLIC = ["year", "member_iso3", "member", "share_percent", "rank", "rank_min", "rank_max", "rank_certain", "basis",
           "precision", "coverage", "assessed_usd", "rate_printed", "share_low", "share_high", "period_start",
           "period_end", "year_stated", "rank_note", "source", "source_document", "source_url", "note"]


def assessments(kind: Kind = "peacekeeping", *, basis: str | None = None, all_rows: bool = False,
                data_dir: str | Path | None = None) -> pd.DataFrame:
    """Year x member shares of the peacekeeping or regular-budget assessments, with rank and basis.

    By default one row per year and member from the best basis that year has (``scale_rate``,
    then ``assessed_usd``, then ``scale_rate_rounded``; see the module docstring). ``basis=``
    picks one basis instead; ``all_rows=True`` returns every row of every source (including
    less precise duplicates, ``chosen`` False). Years are calendar years. ``rank`` is missing
    where the precision of the figures or a partial table leaves it open: see ``rank_min``,
    ``rank_max`` and ``rank_note``.

    >>> df = assessments("regular")
    >>> china = df[(df.year == 2025) & (df.member_iso3 == "CHN")].iloc[0]
    >>> float(china["share_percent"]), int(china["rank"]), china["basis"]
    (20.004, 2, 'scale_rate')
    """
    df = store.table("assessments", data_dir)
    df = df[df["kind"] == _kind(kind)]
    if all_rows:
        return df.reset_index(drop=True)
    if basis is not None:
        if basis not in BASES:
            raise PkdataError(f"basis={basis!r}: expected one of {list(BASES)}")
        df = df[(df["basis"] == basis) & df["chosen"]]
    else:
        df = df[df["preferred"]]
    df = df.sort_values(["year", "share_percent", "member_iso3"], ascending=[True, False, True], kind="mergesort")
    return df.loc[:, _PUBLIC].reset_index(drop=True)


def funding_rank(year: int, kind: Kind = "peacekeeping", *, basis: str | None = None,
                 data_dir: str | Path | None = None) -> pd.DataFrame:
    """Members ranked by their share of the assessments in one calendar year.

    ``rank`` is set where it is certain; otherwise ``rank_min``..``rank_max`` and
    ``rank_note`` say what the precision of the source allows.

    >>> top = funding_rank(2019).head(2)
    >>> [(r.member_iso3, int(r.rank), r.basis) for r in top.itertuples()]
    [('USA', 1, 'assessed_usd'), ('CHN', 2, 'assessed_usd')]
    """
    y = _calendar_year(year)
    df = assessments(kind, basis=basis, data_dir=data_dir)
    out = df[df["year"] == y]
    if out.empty:
        have = sorted(int(v) for v in df["year"].dropna().unique())
        raise PkdataError(f"no {kind} assessment figures for {y}"
                          + (f" on basis {basis!r}" if basis else "") + f"; years with figures: {have}")
    return out.reset_index(drop=True)


def rank_history(iso3: str = "CHN", kind: Kind = "peacekeeping", *, basis: str | None = None,
                 data_dir: str | Path | None = None) -> pd.DataFrame:
    """One member's share and rank for every year any source of that kind covers (first to last year).

    Years no source gives a figure for the member are rows with ``basis`` missing and a
    ``rank_note`` saying so, rather than being left out.

    >>> int(rank_history("CHN").set_index("year").loc[2017, "rank"])
    2
    """
    iso3 = iso3.upper()
    every = store.table("assessments", data_dir)
    every = every[every["kind"] == _kind(kind)]
    first = int(every[["period_start", "year"]].min().min())
    last = int(every[["period_end", "year"]].max().max())
    df = assessments(kind, basis=basis, data_dir=data_dir)
    mine = df[df["member_iso3"] == iso3].set_index("year")
    rows = []
    for year in range(first, last + 1):
        if year in mine.index:
            rows.append(mine.loc[year].to_dict() | {"year": year})
        else:
            listed = df[df["year"] == year]
            why = (f"no source gives a figure for {iso3} in {year}" if listed.empty else
                   f"the {year} source ({', '.join(sorted(set(listed['source'])))}) lists "
                   f"{len(listed)} members, not {iso3}")
            rows.append({"year": year, "member_iso3": iso3, "member": countries.display_name(iso3), "rank_note": why})
    out = pd.DataFrame(rows).reindex(columns=_PUBLIC)
    out["year"] = out["year"].astype("int64")
    return out


def compare_sources(kind: Kind = "regular", *, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every member-year where an exact figure and a rounded one overlap, side by side.

    Columns: ``year``, ``member_iso3``, ``exact`` (share), ``exact_basis``, ``rounded``
    (the printed rate), ``precision``, ``low``/``high`` (the interval the precision allows),
    ``diff`` (rounded - exact), ``within_precision`` and the rounded row's source. For the
    regular budget both are scale rates; for peacekeeping the exact figure is the calendar-year
    share of assessed USD, a different measure from the scale rate (see docs/finance.md).

    >>> bool(compare_sources("regular")["within_precision"].mean() > 0.9)
    True
    """
    df = store.table("assessments", data_dir)
    df = df[df["kind"] == _kind(kind)]
    exact_basis = "scale_rate" if kind == "regular" else "assessed_usd"
    exact = df[(df["basis"] == exact_basis) & df["chosen"]]
    if kind == "peacekeeping":  # a user-supplied GA table, where present, is the better exact figure
        ga = df[(df["basis"] == "scale_rate") & df["chosen"]]
        exact = pd.concat([ga, exact[~exact["year"].isin(ga["year"])]])
    rounded = df[df["basis"] == "scale_rate_rounded"]
    m = rounded.merge(exact[["year", "member_iso3", "share_percent", "basis"]], on=["year", "member_iso3"],
                      suffixes=("", "_exact"))
    out = pd.DataFrame({
        "year": m["year"].astype("int64"),
        "member_iso3": m["member_iso3"],
        "exact": m["share_percent_exact"],
        "exact_basis": m["basis_exact"],
        "rounded": m["share_percent"],
        "precision": m["precision"],
        "low": m["share_low"],
        "high": m["share_high"],
        "diff": m["share_percent"] - m["share_percent_exact"],
        "within_precision": (m["share_percent_exact"] >= m["share_low"] - 1e-9)
        & ((m["share_percent_exact"] < m["share_high"] - 1e-9) | (m["share_low"] == m["share_high"])),
        "year_stated": m["year_stated"],
        "source_document": m["source_document"],
        "source": m["source"],
    })
    return out.sort_values(["year", "member_iso3", "source_document"], kind="mergesort").reset_index(drop=True)


def budgets(fiscal_year: str | None = None, *, basis: str | None = None, mission: str | None = None,
            data_dir: str | Path | None = None) -> pd.DataFrame:
    """Peacekeeping money per July-June fiscal year: mission or ``TOTAL``, USD, basis and source document.

    ``basis`` is ``approved`` (headline figures, rounded as printed: see ``rounding_usd``),
    ``expenditure`` (performance reports) or ``audited_expenditure``; their totals have
    different scopes (``scope``), so compare like with like. ``fiscal_year`` is ``'2022/23'``
    (1 July 2022 - 30 June 2023); a bare calendar year is refused rather than guessed.

    >>> int(budgets("2022/23", basis="expenditure").set_index("mission").loc["MINUSMA", "usd"])
    1192292200
    """
    df = store.table("budgets", data_dir)
    if fiscal_year is not None:
        if not isinstance(fiscal_year, str) or not re.fullmatch(r"\d{4}/\d{2}", fiscal_year):
            raise PkdataError(f"fiscal_year={fiscal_year!r}: budgets are by July-June fiscal year; pass e.g. "
                              "'2019/20' (1 July 2019 - 30 June 2020). A calendar year would mix two fiscal years.")
        df = df[df["fiscal_year"] == fiscal_year]
    if basis is not None:
        known = sorted(set(store.table("budgets", data_dir)["basis"]))
        if basis not in known:
            raise PkdataError(f"basis={basis!r}: expected one of {known}")
        df = df[df["basis"] == basis]
    if mission is not None:
        df = df[df["mission"].str.upper() == mission.upper()]
    if df.empty:
        raise PkdataError(f"no budget rows for fiscal_year={fiscal_year!r}, basis={basis!r}, mission={mission!r}")
    return df.reset_index(drop=True)


def burden(year: int, *, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Who pays and who serves in one calendar year: funding share next to uniformed-personnel share.

    ``funding_share``: the member's share of assessed peacekeeping funding that year (the
    preferred basis of :func:`funding_rank`, named in ``funding_basis``). ``personnel_share``:
    the mean over the year's monthly reports of the member's uniformed personnel / all
    contributors' (a member missing from a report counts 0 that month); ``personnel_mean``:
    its mean monthly headcount. ``ratio`` = personnel share / funding share. The months used
    are in ``frame.attrs["months"]``.

    >>> b = burden(2019)
    >>> b.attrs["months"][0], int(b.set_index("member_iso3").loc["CHN", "funding_rank"])
    ('2019-01', 2)
    """
    y = _calendar_year(year)
    contributions = store.table("contributions", data_dir)
    rows = contributions[contributions["date"].dt.year == y]
    if rows.empty:
        have = sorted(int(v) for v in contributions["date"].dt.year.unique())
        raise PkdataError(f"no monthly personnel reports for {y} in the contributions table; years: {have}")
    monthly = rows.groupby(["date", "contributor_iso3"], observed=True)["total"].sum().astype("float64")
    counts = monthly.unstack("contributor_iso3", fill_value=0.0)
    shares = counts.div(counts.sum(axis=1), axis=0) * 100
    months = [d.strftime("%Y-%m") for d in counts.index]
    personnel = pd.DataFrame({"personnel_share": shares.mean(axis=0), "personnel_mean": counts.mean(axis=0)})
    fund = funding_rank(y, data_dir=data_dir).set_index("member_iso3")
    keep = ["share_percent", "rank", "rank_min", "rank_max", "rank_certain", "basis", "precision", "source"]
    out = fund[keep].rename(
        columns={"share_percent": "funding_share", "rank": "funding_rank", "rank_min": "funding_rank_min",
                 "rank_max": "funding_rank_max", "rank_certain": "funding_rank_certain", "basis": "funding_basis",
                 "precision": "funding_precision", "source": "funding_source"}).join(personnel, how="outer")
    out.index.name = "member_iso3"
    out[["personnel_share", "personnel_mean"]] = out[["personnel_share", "personnel_mean"]].fillna(0.0)
    served = out["personnel_share"] > 0
    out["personnel_rank"] = out["personnel_share"].where(served).rank(method="min", ascending=False).astype("Int64")
    out["ratio"] = (out["personnel_share"] / out["funding_share"]).where(out["funding_share"] > 0)
    out = out.reset_index()
    out.insert(1, "member", out["member_iso3"].map(countries.display_name))
    out = out.sort_values(["funding_share", "personnel_share", "member_iso3"], ascending=[False, False, True],
                          na_position="last", kind="mergesort").reset_index(drop=True)
    cols = ["member_iso3", "member", "funding_share", "funding_rank", "funding_rank_min", "funding_rank_max",
            "funding_rank_certain", "personnel_share", "personnel_rank", "personnel_mean", "ratio", "funding_basis",
            "funding_precision", "funding_source"]
    out = out.loc[:, cols]
    bases = sorted(set(fund["basis"]))
    out.attrs.update({
        "year": y,
        "months": months,
        "funding_basis": bases[0] if len(bases) == 1 else ", ".join(bases),
        "funding_sources": sorted(set(fund["source"])),
        "note": (f"funding: share of {y} assessed peacekeeping funding (calendar year; basis "
                 f"{', '.join(bases)}); personnel: mean of {len(months)} monthly reports ({', '.join(months)})"),
    })
    return out


def _rank_text(rank: Any, low: Any, high: Any) -> str:
    if pd.notna(rank):
        return str(int(rank))
    if pd.isna(low):
        return "-"
    return f"{int(low)}-{int(high)}" if pd.notna(high) else f">={int(low)}"


def burden_report(year: int, *, data_dir: str | Path | None = None) -> str:
    """Text for ``pkdata burden YEAR``: the P5 and the ten largest personnel contributors, pays vs serves.

    >>> print(burden_report(2019).splitlines()[0])
    Who pays and who serves, 2019
    """
    b = burden(year, data_dir=data_dir)
    months = b.attrs["months"]
    y = b.attrs["year"]
    missing = [m for m in (f"{y}-{i:02d}" for i in range(1, 13)) if m not in months]
    lines = [
        f"Who pays and who serves, {y}",
        f"  pays:   share of assessed peacekeeping funding in calendar year {y} (basis {b.attrs['funding_basis']}; "
        f"{', '.join(b.attrs['funding_sources'])})"
        + ("; calendar-year amounts straddle two July-June fiscal years" if "assessed_usd" in b.attrs["funding_basis"]
           else "; the scale rate of that calendar year"),
        f"  serves: mean monthly share of uniformed personnel over {len(months)} monthly report(s): "
        + (f"{months[0]} .. {months[-1]}" if not missing else ", ".join(months) + f" (no report for "
           f"{', '.join(missing)})"),
    ]
    table = b.set_index("member_iso3")
    p5 = sorted(countries.P5, key=lambda c: -table["funding_share"].get(c, 0.0) if c in table.index else 0.0)
    groups = [("Permanent members of the Security Council", p5),
              ("Ten largest contributors of uniformed personnel",
               b.dropna(subset=["personnel_rank"]).sort_values(["personnel_rank", "member_iso3"])["member_iso3"]
               .head(10).tolist())]
    for title, members in groups:
        lines += ["", title, f"  {'member':<28}{'pays %':>8}{'rank':>8}{'serves %':>10}{'rank':>6}"
                             f"{'personnel':>11}{'serves/pays':>13}"]
        for iso3 in members:
            if iso3 in table.index:
                r = table.loc[iso3]
                share = r["funding_share"]
                pays = "-" if pd.isna(share) else f"{share:.3f}" if share >= 0.01 else f"{share:.4f}"
                ratio = ("-" if pd.isna(r["ratio"]) else f"{r['ratio']:,.0f}" if r["ratio"] >= 100
                         else f"{r['ratio']:.2f}")
                rank = _rank_text(r["funding_rank"], r["funding_rank_min"], r["funding_rank_max"])
                prank = str(int(r["personnel_rank"])) if pd.notna(r["personnel_rank"]) else "-"
                lines.append(f"  {countries.display_name(iso3):<28}{pays:>8}{rank:>8}{r['personnel_share']:>10.3f}"
                             f"{prank:>6}{r['personnel_mean']:>11,.0f}{ratio:>13}")
            else:
                lines.append(f"  {countries.display_name(iso3):<28}{'-':>8}{'-':>8}{0:>10.3f}{'-':>6}{0:>11}{'-':>13}")
    return "\n".join(lines)
