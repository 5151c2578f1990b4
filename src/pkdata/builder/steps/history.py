"""Contributions before and between the UN PDF reports: IPI files and the UN's CSV exports.

The canonical contributions table runs from Nov 1990 to the latest report. Several sources cover
parts of it; **for each month, one source supplies every row of that month**, the first of
:data:`PRECEDENCE` that has the month (sources are never mixed within a month, so a month's
contributors add up to that source's own total):

1. ``un_pdf``: the UN's monthly reports (document of record; each month is checked against every
   total it prints). Jan 2015 on.
2. ``un_csv``: the UN's own CSV export (Peace and Security Data Hub ``DPO-UCHISTORICAL.csv`` /
   Open Data Portal ``odp_contributionsbygender.csv``) when a user has it in ``data/raw/un_csv``:
   same publisher, contributor x mission x type x gender; fills months without a PDF.
3. ``ipi_gender_full``: IPI ``Gender.Full.csv``, contributor x mission x type x gender, Nov 2009 -
   Feb 2014, no defects found.
4. ``ipi_full_gender_data``: IPI ``full_gender_data.csv`` after clean-up (subtotal rows, duplicate
   rows and stray apostrophes removed), same detail; used for Mar - Aug 2014. Its Nov 2009 - Feb
   2014 months differ from ``Gender.Full.csv`` for a few contributors (docs/history_crosscheck.md),
   so it ranks below it.
5. ``ipi_current_month``: IPI ``current_month.csv`` snapshots, contributor x mission x type without
   gender (Mar, Apr, Aug 2014; all three equal ``full_gender_data.csv``, which wins).
6. ``ipi_countries``: IPI ``countries/*.csv``, contributor totals by type, no mission, no gender,
   police not split (Nov 1990 - Oct 2009 in practice).

The order puts the publisher's own documents first and, among IPI's compilations, the more
detailed and cleaner file first. To prefer the UN CSV's mission detail over the country-only PDFs
of Mar 2018 - Aug 2019, move ``"un_csv"`` before ``"un_pdf"`` in :data:`PRECEDENCE`.

The manifest records, month by month, the source, the dataset and the granularity
(``mission+gender``, ``mission``, ``country+gender`` or ``country``), with a ``note`` where the
police figures are not split.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.builder.readers import ipi, psdata_uchistorical, un_csv
from pkdata.builder.readers.ipi import UNSPLIT_POLICE_NOTE, read_world_totals
from pkdata.core import schema, sources
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file

#: Sources in the order that decides a month (see the module docstring for the reasons).
PRECEDENCE: list[str] = [
    "un_pdf",
    "un_csv",
    "ipi_gender_full",
    "ipi_full_gender_data",
    "ipi_current_month",
    "ipi_countries",
]

#: Dataset key -> label, the source of the registry (``pkdata/data/sources.toml``: publisher, address) and why it
#: has its place in PRECEDENCE.
DATASETS: dict[str, dict[str, str]] = {
    "un_pdf": {
        "label": "UN monthly PDF reports",
        "source": "un_dpo_monthly_pdfs",
        "why": "the publisher's document of record; every month checked against every total it prints",
    },
    "un_csv": {
        "label": "UN CSV export (DPO-UCHISTORICAL.csv / odp_contributionsbygender.csv)",
        "source": "un_contributions_csv",
        "why": "the publisher's own machine-readable data, mission and gender detail; fills months without a PDF",
    },
    "ipi_gender_full": {
        "label": "IPI Gender.Full.csv",
        "source": "ipi_tcc_datascraper",
        "why": "contributor x mission x type x gender, Nov 2009 - Feb 2014, no defects found",
    },
    "ipi_full_gender_data": {
        "label": "IPI full_gender_data.csv",
        "source": "ipi_ppp_loader",
        "why": "same detail to Aug 2014 after removing subtotal and duplicate rows; earlier months disagree "
        "slightly with Gender.Full.csv, so it ranks below it",
    },
    "ipi_current_month": {
        "label": "IPI current_month.csv snapshots",
        "source": "ipi_ppp_loader",
        "why": "contributor x mission x type without gender, single months",
    },
    "ipi_countries": {
        "label": "IPI countries/*.csv",
        "source": "ipi_tcc_datascraper",
        "why": "the only contributor-level source before Nov 2009: totals by type, no mission, no gender, "
        "police not split",
    },
}


def publisher_and_address(dataset: str) -> tuple[str, str]:
    """A dataset's publisher and address for the manifest, from the source registry (a source holding several
    datasets names each one's address in its ``url_patterns``).

    >>> publisher, address = publisher_and_address("ipi_gender_full")
    >>> publisher.startswith("International Peace Institute"), address.endswith("(tcc_files/Gender.Full.csv)")
    (True, True)
    """
    sid = DATASETS[dataset]["source"]
    patterns = sources.field(sid, "url_patterns", {})
    return sources.publisher(sid), patterns.get(dataset) or sources.field(sid, "url_pattern")


#: IPI datasets whose months must agree with IPI's own world totals (``data_monthly.csv``) within
#: :data:`WORLD_TOLERANCE`; a month that does not is skipped (recorded in the exclusions) and falls
#: to the next source in :data:`PRECEDENCE`. ``Gender.Full.csv`` lacks rows in three months this way
#: (Egypt's ~1,500 troops in UNMISS in Aug and Sep 2011, France's 1,011 in UNIFIL in Jun 2012).
WORLD_CHECKED: tuple[str, ...] = ("ipi_gender_full", "ipi_full_gender_data", "ipi_current_month")
WORLD_TOLERANCE = 0.005

# What step_history passes to the merge (fold_history): never written to the manifest as such.
HISTORY_MONTHS = "history_months"
HISTORY_SOURCES = "history_sources"
HISTORY_EXCLUSIONS = "history_exclusions"
_DATASET_MONTHS = "history_dataset_months"
_RANKS = "history_rank_exports"

#: The sources step_history reads (ids of the source registry), by the name of their folder here.
FOLDER_SOURCES: dict[str, str] = {
    "tcc": "ipi_tcc_datascraper",
    "ppp": "ipi_ppp_loader",
    "current_month_history": "ipi_ppp_loader_current_month_history",
    "un_csv": "un_contributions_csv",
}
#: Where step_history looks: dataset folder in data/raw -> reference copy (under ../shared/reference).
RAW_FOLDERS: dict[str, tuple[str, str]] = {
    k: (sources.source(sid)["raw_sub"], sources.source(sid)["reference_sub"]) for k, sid in FOLDER_SOURCES.items()
}


# --------------------------------------------------------------------------- merging


def granularity(rows: pd.DataFrame) -> str:
    """What one month of rows can tell: ``mission`` or ``country``, plus ``+gender`` if every row has it.

    >>> df = pd.DataFrame({"mission": ["UNMIL", None], "male": [1, None], "female": [0, None]})
    >>> granularity(df)
    'mission+gender (1 of 2 rows without)'
    >>> granularity(df.iloc[:1])
    'mission+gender'
    """
    has = rows["male"].notna() & rows["female"].notna()
    return _granularity(bool(rows["mission"].notna().any()), int(has.sum()), len(rows))


def _granularity(missions: bool, with_gender: int, rows: int) -> str:
    """:func:`granularity` of a month from its counts: any row with a mission, rows with a gender split, rows."""
    level = "mission" if missions else "country"
    if with_gender == rows and rows:
        return f"{level}+gender"
    if with_gender:
        return f"{level}+gender ({rows - with_gender} of {rows} rows without)"
    return level


def _source_label(files: list[str]) -> str:
    files = sorted(set(files))
    if len(files) == 1:
        return files[0]
    dirs, exts = (set(parts) for parts in zip(*map(_folder_and_ext, files), strict=True))
    if len(dirs) == 1 and len(exts) == 1 and dirs != {""}:
        return f"{dirs.pop()}/*{exts.pop()} ({len(files)} files)"
    return f"{files[0]} and {len(files) - 1} more"


@lru_cache(maxsize=4096)
def _folder_and_ext(file: str) -> tuple[str, str]:
    """A file name's folder and extension (one IPI country file is named in each of ~230 months)."""
    return os.path.dirname(file), os.path.splitext(file)[1]


def _month_ends(dates: pd.Series) -> pd.Series:
    """Each date's month end (as ``to_period("M").to_timestamp("M")``), computed once per distinct date."""
    distinct = pd.DatetimeIndex(dates.unique())
    ends = distinct.to_period("M").to_timestamp("M")
    return pd.Series(ends[distinct.get_indexer(dates)], index=dates.index)


def merge_sources(
    frames_by_source: dict[str, pd.DataFrame], precedence: list[str]
) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """Merge canonical frames month by month: each month from the first source in ``precedence`` having it.

    Returns the merged canonical table (sorted by key) and, per month ``YYYY-MM``, the ``source``
    (file name, or a pattern when the month's rows come from several files of one dataset), the
    ``dataset`` (key in ``frames_by_source``) and the ``granularity``.

    >>> from pkdata.core.schema import COLUMNS
    >>> def rows(month, src, total):
    ...     return pd.DataFrame([{"date": month, "contributor_iso3": "CHN", "contributor": "China",
    ...         "mission": None, "personnel_type": "troops", "male": None, "female": None,
    ...         "total": total, "source": src}], columns=list(COLUMNS))
    >>> a = pd.concat([rows("2014-08-31", "a.csv", 10), rows("2014-09-30", "a.csv", 11)])
    >>> b = pd.concat([rows("2014-09-30", "b.pdf", 12), rows("2014-10-31", "b.pdf", 13)])
    >>> df, months = merge_sources({"ipi": a, "un": b}, ["un", "ipi"])
    >>> df["total"].tolist(), months["2014-09"]["source"], months["2014-08"]["dataset"]
    ([10, 12, 13], 'b.pdf', 'ipi')
    """
    unknown = [k for k in frames_by_source if k not in precedence]
    if unknown:
        raise PkdataError(f"sources {unknown} are not in the precedence order {precedence}; add them to it")
    taken: dict[pd.Timestamp, str] = {}
    chosen = []
    for key in precedence:
        frame = frames_by_source.get(key)
        if frame is None or frame.empty:
            continue
        frame = schema.coerce(frame)
        month = _month_ends(frame["date"])
        new = sorted(set(pd.DatetimeIndex(month.unique())) - set(taken))  # distinct month ends, not one per row
        for m in new:
            taken[m] = key
        chosen.append(frame[month.isin(new)])
    merged = schema.concat(chosen)
    merged = merged.sort_values(list(schema.KEY), na_position="first", kind="mergesort").reset_index(drop=True)
    return merged, _month_entries(merged, taken)


def _month_entries(merged: pd.DataFrame, taken: dict[pd.Timestamp, str]) -> dict[str, dict[str, str]]:
    """Per month of ``merged``: its source label, dataset and granularity (one pass over the rows, not a pass
    per month; a later date of a month replaces an earlier one)."""
    date = merged["date"]
    counts = pd.DataFrame(
        {
            "missions": merged["mission"].notna().groupby(date).any(),
            "gendered": (merged["male"].notna() & merged["female"].notna()).groupby(date).sum(),
            "rows": date.groupby(date).size(),
        }
    ).sort_index()
    files = merged[["date", "source"]].drop_duplicates().sort_values("date", kind="stable")
    names, dates = files["source"].astype(str).tolist(), files["date"].to_numpy()
    firsts = np.searchsorted(dates, counts.index.to_numpy(), side="left").tolist()
    ends = np.searchsorted(dates, counts.index.to_numpy(), side="right").tolist()
    months: dict[str, dict[str, str]] = {}
    for (d, missions, gendered, rows), first, end in zip(counts.itertuples(), firsts, ends, strict=True):
        m = pd.Timestamp(d).to_period("M").to_timestamp("M")
        months[f"{m:%Y-%m}"] = {
            "source": _source_label(names[first:end]),
            "dataset": taken[m],
            "granularity": _granularity(bool(missions), int(gendered), int(rows)),
        }
    return months


def fold_history(
    contributions: pd.DataFrame | None,
    months: dict[str, dict[str, Any]] | None,
    history: StepResult,
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], StepResult]:
    """Add the history step's rows of months no UN PDF covers to the PDF rows; finish its manifest entries.

    ``history`` is what :func:`step_history` returned (it does not look at the PDF rows, so adding a
    report leaves it cached). The UN PDFs come first in :data:`PRECEDENCE`, so a month they cover is
    dropped from the history rows here. Returns the table (PDF and history rows, sorted by key), the
    months and the history's manifest part with what depends on the PDF months filled in: each file's
    ``rows`` (its ``sources``), the months every dataset lost to a higher source
    (``contributions_history_exclusions``) and the cross-check of the UN rank exports against the
    merged table (``contributions_crosschecks``). :func:`step_merge` is the build step around it.

    >>> from pkdata.core.schema import empty_contributions
    >>> hist = StepResult({"contributions_history": empty_contributions()}, [],
    ...     {HISTORY_MONTHS: {"1990-11": {}, "2015-01": {}}})
    >>> df, m, rest = fold_history(empty_contributions(), {"2015-01": {"source": "a.pdf"}}, hist)
    >>> m
    {'1990-11': {}, '2015-01': {'source': 'a.pdf'}}
    """
    months = dict(months or {})
    extra = history.extra
    contributions, filled = _fill_mission_detail(contributions, months, history)
    months = {m: v for m, v in months.items() if m not in filled}  # those months come from the history rows
    kept = {m: v for m, v in extra.get(HISTORY_MONTHS, {}).items() if m not in months}
    rows = history.tables["contributions_history"]
    if months and not rows.empty:
        covered = [d for d in rows["date"].unique() if f"{d:%Y-%m}" in months]  # per distinct date, not per row
        rows = rows[~rows["date"].isin(covered)]
    months.update(kept)
    months.update(filled)
    months = {k: months[k] for k in sorted(months)}
    table = schema.concat([f for f in (contributions, rows) if f is not None])
    table = table.sort_values(list(schema.KEY), na_position="first", kind="mergesort").reset_index(drop=True)

    rows_by_source = rows["source"].value_counts().to_dict()
    sources = [{**e, "rows": int(rows_by_source.get(e["name"], 0))} for e in extra.get(HISTORY_SOURCES, [])]
    exclusions = list(extra.get(HISTORY_EXCLUSIONS, []))
    exclusions += _superseded(extra.get(_DATASET_MONTHS, {}), kept)
    out = {"contributions_history_exclusions": exclusions}
    checks = [c for r in extra.get(_RANKS, []) for c in _ranks_check(r["file"], pd.DataFrame(r["rows"]), table, months)]
    if checks:
        out["contributions_crosschecks"] = checks
    return table, months, StepResult({}, sources, out)


#: Datasets whose months, with mission detail, replace a report month that prints country totals only (the
#: reports of Mar 2018 - Aug 2019): the UN's own machine-readable data (DPO-UCHISTORICAL) of the same month.
MISSION_FILL: tuple[str, ...] = ("un_csv",)


def _fill_mission_detail(
    contributions: pd.DataFrame | None, months: dict[str, dict[str, Any]], history: StepResult
) -> tuple[pd.DataFrame | None, dict[str, dict[str, Any]]]:
    """Report months with country totals only that a :data:`MISSION_FILL` dataset has with mission detail: the
    report rows without those months, and each month's entry (the dataset's, with a note naming the report and
    counting the contributors whose totals differ). Without such a dataset (no hub file in the raw folder)
    nothing changes.

    >>> from pkdata.core.schema import empty_contributions
    >>> hist = StepResult({"contributions_history": empty_contributions()}, [], {HISTORY_MONTHS: {}})
    >>> _fill_mission_detail(None, {"2018-05": {"granularity": "country"}}, hist)[1]
    {}
    """
    hist_months = history.extra.get(HISTORY_MONTHS, {})
    better = sorted(
        m
        for m, v in hist_months.items()
        if m in months
        and v.get("dataset") in MISSION_FILL
        and str(months[m].get("granularity", "")).startswith("country")
        and str(v.get("granularity", "")).startswith("mission")
    )
    if not better or contributions is None:
        return contributions, {}
    rows = history.tables["contributions_history"]
    filled = {}
    for m in better:
        in_month = contributions["date"].dt.strftime("%Y-%m") == m
        report = contributions[in_month].groupby("contributor_iso3", observed=True)["total"].sum()
        hub = rows[rows["date"].dt.strftime("%Y-%m") == m].groupby("contributor_iso3", observed=True)["total"].sum()
        both = report.index.union(hub.index)
        differ = int((report.reindex(both, fill_value=0) != hub.reindex(both, fill_value=0)).sum())
        contributions = contributions[~in_month]
        filled[m] = {
            **hist_months[m],
            "note": f"mission detail from {hist_months[m]['source']}; the report ({months[m].get('source', '')}) "
            f"prints country totals only; contributors whose totals differ: {differ}",
        }
    return contributions, filled


def _superseded(dataset_months: dict[str, list[str]], kept: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One exclusion per dataset that lost months to a higher-precedence source."""
    out = []
    for key in sorted(dataset_months):
        lost = sorted(set(dataset_months[key]) - {m for m, v in kept.items() if v.get("dataset") == key})
        if lost:
            out.append(
                {
                    "file": DATASETS[key]["label"],
                    "action": "months superseded by a higher-precedence source",
                    "months": len(lost),
                    "first": lost[0],
                    "last": lost[-1],
                    "reason": f"precedence order {PRECEDENCE}",
                }
            )
    return out


def finalise_contributions(table: pd.DataFrame) -> pd.DataFrame:
    """The canonical contributions table: coerced to the schema, sorted by key, validated.

    >>> finalise_contributions(schema.empty_contributions()).columns.tolist() == list(schema.COLUMNS)
    True
    """
    table = schema.coerce(table)
    table = table.sort_values(list(schema.KEY), na_position="first", kind="mergesort").reset_index(drop=True)
    return schema.validate(table)


def step_merge(ctx: BuildContext) -> StepResult:
    """Build step: the PDF rows and the history rows as one table (``contributions_merged``), month by month
    under :data:`PRECEDENCE` (:func:`fold_history`), with the history's manifest entries.

    >>> from pkdata.core.schema import empty_contributions
    >>> ctx = BuildContext(raw=Path("."), reference=Path("."), cache=Path("."))
    >>> ctx.tables["contributions_pdf"] = empty_contributions()
    >>> ctx.extra["contributions_pdf_months"] = {"2015-01": {"source": "a.pdf"}}
    >>> step_merge(ctx).extra
    {'contributions_merged_months': {'2015-01': {'source': 'a.pdf'}}}
    """
    pdf = ctx.tables.get("contributions_pdf")
    months = ctx.extra.get("contributions_pdf_months")
    if pdf is not None:
        pdf = finalise_contributions(pdf)
    history = ctx.tables.get("contributions_history")
    if history is None:
        return StepResult({"contributions_merged": pdf}, [], {"contributions_merged_months": months or {}})
    passed = {k: ctx.extra[k] for k in (HISTORY_MONTHS, HISTORY_SOURCES, HISTORY_EXCLUSIONS, _DATASET_MONTHS, _RANKS)}
    table, months, rest = fold_history(pdf, months, StepResult({"contributions_history": history}, [], passed))
    extra = {"contributions_merged_months": months, **rest.extra}
    return StepResult({"contributions_merged": finalise_contributions(table)}, rest.sources, extra)


def compare(left: pd.DataFrame, right: pd.DataFrame, by: list[str], value: str = "total") -> pd.DataFrame:
    """Outer-join two frames summed by ``by``: columns ``left``, ``right``, ``diff`` (= right - left).

    A key missing on one side counts as 0 there.

    >>> a = pd.DataFrame({"k": ["x", "y"], "total": [5, 7]})
    >>> b = pd.DataFrame({"k": ["x", "z"], "total": [6, 1]})
    >>> compare(a, b, ["k"])["diff"].tolist()
    [1, -7, 1]
    """
    lhs = left.groupby(by, observed=True, dropna=False)[value].sum().astype("int64").rename("left")
    rhs = right.groupby(by, observed=True, dropna=False)[value].sum().astype("int64").rename("right")
    out = pd.concat([lhs, rhs], axis=1).fillna(0).astype("int64")
    out["diff"] = out["right"] - out["left"]
    return out.sort_index()


# --------------------------------------------------------------------------- reading the sources


def read_history_sources(ctx: BuildContext) -> tuple[dict[str, pd.DataFrame], list[tuple[str, Path, str]], list[dict]]:
    """Read every non-PDF source the build context can find.

    Returns frames by dataset key, the files read as ``(dataset, path, source name)`` and the
    clean-up actions (exclusions) the readers took. Raises :class:`PkdataError` when no history
    source is found at all.

    >>> from pkdata.builder import BuildContext
    >>> from pkdata.core import paths
    >>> ctx = BuildContext(raw=paths.raw_dir(), reference=FIXTURES, cache=paths.cache_dir())  # IPI extracts
    >>> frames, files, exclusions = read_history_sources(ctx)
    >>> sorted(frames)
    ['ipi_countries', 'ipi_current_month', 'ipi_full_gender_data', 'ipi_gender_full']
    """

    folders = {k: ctx.find(raw, ref) for k, (raw, ref) in RAW_FOLDERS.items()}
    got = _Read()
    tcc, ppp, cmh = folders["tcc"], folders["ppp"], folders["current_month_history"]
    if (tcc / "countries").is_dir():
        _read_countries(tcc, got)
    for key, path in (
        ("ipi_gender_full", tcc / "Gender.Full.csv"),
        ("ipi_full_gender_data", ppp / "full_gender_data.csv"),
    ):
        if path.is_file():
            _read_gender(key, path, got)
    snapshots = [(ppp / "current_month.csv", "current_month.csv")]
    if cmh.is_dir():
        snapshots += [(p, f"{p.parent.name}/{p.name}") for p in sorted(cmh.glob("*/current_month.csv"))]
    for path, name in snapshots:
        if path.is_file():
            got.add("ipi_current_month", ipi.read_current_month(path, name=name), path, name)
    for path in (ppp / "data_monthly.csv", tcc / "Data.Monthly.csv"):
        if path.is_file():
            got.files.append(("ipi_world_totals", path, path.name))
            break
    if folders["un_csv"].is_dir():
        _read_un_csv(folders["un_csv"], got)
    if not got.frames:
        where = ", ".join(str(p) for p in folders.values())
        raise PkdataError(
            f"no contribution history sources (IPI files or UN CSV exports) found in {where}; "
            "run `pkdata fetch` or put the shared reference folder beside the repository"
        )
    return (
        {key: _one_file_per_month(parts, got.exclusions) for key, parts in got.frames.items()},
        got.files,
        got.exclusions,
    )


@dataclass
class _Read:
    """What the history readers gathered: frames by dataset, files read, clean-up actions."""

    frames: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    files: list[tuple[str, Path, str]] = field(default_factory=list)
    exclusions: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, frame: pd.DataFrame, path: Path, name: str) -> None:
        self.frames.setdefault(key, []).append(frame)
        self.files.append((key, path, name))


def _read_countries(tcc: Path, got: _Read) -> None:
    """IPI ``countries/*.csv``: contributor totals by type; a same-country copy is counted once."""
    countries = ipi.read_country_totals(tcc)
    for path in sorted((tcc / "countries").glob("*.csv")):
        got.files.append(("ipi_countries", path, f"countries/{path.name}"))
    copies = countries.attrs["cleaning"]["same_country_copies"]
    countries.attrs = {}  # recorded below; pandas would deep-copy them on every later operation
    got.frames.setdefault("ipi_countries", []).append(countries)
    if copies:
        got.exclusions.append(
            {
                "file": "countries/*.csv",
                "action": "same-country copy counted once",
                "months": len(copies),
                "detail": sorted({f"{c['contributor_iso3']}: {', '.join(c['dropped'])} = {c['kept']}" for c in copies}),
                "reason": "two IPI files name one country with identical numbers (one contingent)",
            }
        )


#: What the gender files' clean-up counts mean: (action, counter, reason).
_CLEANING = (
    (
        "subtotal rows dropped",
        "subtotal_rows_dropped",
        "contributor 'all' / mission 'all' rows repeat the detail rows (they tripled the monthly sums)",
    ),
    ("exact duplicate rows dropped", "duplicate_rows_dropped", "rows repeated two or three times"),
    ("trailing apostrophes stripped", "rows_with_trailing_apostrophe", 'names like "China\'"'),
    (
        "gender split dropped",
        "rows_gender_dropped_male_plus_female_not_total",
        "male + female differ from the printed total; the total is kept",
    ),
)


def _read_gender(key: str, path: Path, got: _Read) -> None:
    """An IPI gender file (``Gender.Full.csv``, ``full_gender_data.csv``) and what its clean-up did."""
    frame = ipi.read_gender_file(path)
    c = frame.attrs["cleaning"]
    frame.attrs = {}  # recorded below; pandas would deep-copy them on every later operation
    got.add(key, frame, path, path.name)
    for what, counter, reason in _CLEANING:
        if c[counter]:
            got.exclusions.append({"file": path.name, "action": what, "rows": c[counter], "reason": reason})
    if c["inflated_months"]:
        got.exclusions.append(
            {
                "file": path.name,
                "action": "inflated months detected and cleaned",
                "months": len(c["inflated_months"]),
                "ratio_raw_to_clean": sorted(set(c["inflated_months"].values())),
                "reason": "raw monthly sums were 2-3 times the clean sums",
            }
        )


def _read_un_csv(folder: Path, got: _Read) -> None:
    """The UN's CSV exports: contribution rows, or country totals (rank exports) for the cross-check."""
    for path in sorted(folder.glob("*.csv")):
        kind = un_csv.sniff(path)
        if set(psdata_uchistorical.COLUMNS) <= _header(path):  # the hub's DPO-UCHISTORICAL (its type codes)
            got.add("un_csv", psdata_uchistorical.read(path), path, path.name)
        elif kind == "contributions":
            got.add("un_csv", un_csv.read_contributions(path), path, path.name)
        elif kind == "ranks":
            got.files.append(("un_csv_ranks", path, path.name))


def _header(path: Path) -> set[str]:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        return {c.strip().strip('"').casefold() for c in fh.readline().split(",")}


def _one_file_per_month(parts: list[pd.DataFrame], exclusions: list[dict[str, Any]]) -> pd.DataFrame:
    """Within one dataset a month comes from one file: the first (in the order read) that has it."""
    taken: set[pd.Timestamp] = set()
    kept = []
    for part in parts:
        months = set(part["date"].unique())
        dup = months & taken
        if dup:
            exclusions.append(
                {
                    "file": str(part["source"].iloc[0]),
                    "action": "months already read from another file of the same dataset",
                    "months": sorted(f"{d:%Y-%m}" for d in dup),
                    "reason": "one file per month within a dataset",
                }
            )
        kept.append(part[~part["date"].isin(dup)])
        taken |= months
    return pd.concat(kept, ignore_index=True)


def world_check(
    frames: dict[str, pd.DataFrame],
    world: pd.DataFrame,
    tolerance: float = WORLD_TOLERANCE,
    datasets: tuple[str, ...] = WORLD_CHECKED,
) -> tuple[dict[str, pd.DataFrame], list[dict[str, Any]]]:
    """Drop months of ``datasets`` whose total differs from the world total by more than ``tolerance``.

    ``world`` has columns ``date`` and ``total`` (:func:`pkdata.builder.readers.ipi.read_world_totals`).
    Returns the filtered frames and one exclusion entry per dataset that lost months.

    >>> rows = pd.DataFrame({"date": pd.to_datetime(["2011-07-31", "2011-08-31"]), "total": [100, 90]})
    >>> world = pd.DataFrame({"date": pd.to_datetime(["2011-07-31", "2011-08-31"]), "total": [100, 100]})
    >>> kept, excl = world_check({"ipi_gender_full": rows}, world)
    >>> len(kept["ipi_gender_full"]), excl[0]["months"]
    (1, {'2011-08': {'rows': 90, 'world': 100}})
    """
    w = world.set_index("date")["total"]
    out = dict(frames)
    exclusions = []
    for key in datasets:
        frame = frames.get(key)
        if frame is None or frame.empty:
            continue
        sums = frame.groupby("date")["total"].sum()
        ref = w.reindex(sums.index)
        bad = sums[ref.notna() & ((sums - ref).abs() > tolerance * ref)]
        if bad.empty:
            continue
        out[key] = frame[~frame["date"].isin(bad.index)]
        exclusions.append(
            {
                "file": DATASETS[key]["label"],
                "action": "months failing the world-total check skipped",
                "months": {f"{d:%Y-%m}": {"rows": int(v), "world": int(w[d])} for d, v in bad.items()},
                "reason": f"the month's rows differ from IPI's world total by more than {tolerance:.1%} "
                "(rows missing); the month falls to the next source in the precedence order",
            }
        )
    return out, exclusions


def _ranks_check(
    file: str, ranks: pd.DataFrame, merged: pd.DataFrame, months: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each month of a UN rank export (country totals) against the merged contributions of that month."""
    out = []
    ranks = ranks.assign(date=pd.to_datetime(ranks["date"]))
    for date, r in ranks.groupby("date"):
        m = f"{pd.Timestamp(date):%Y-%m}"
        rows = merged[merged["date"] == date]
        entry: dict[str, Any] = {"file": file, "month": m, "file_total": int(r["total"].sum())}
        if rows.empty:
            entry["against"] = None
            entry["note"] = "no contributions for this month to compare with"
        else:
            diff = compare(rows, r[r["total"] > 0], ["contributor_iso3"])
            bad = diff[diff["diff"] != 0]
            entry.update(
                {
                    "against": months[m]["source"],
                    "table_total": int(rows["total"].sum()),
                    "contributors_compared": int(len(diff)),
                    "contributors_differing": int(len(bad)),
                    "largest_differences": {
                        k: int(v) for k, v in bad["diff"].abs().sort_values(ascending=False).head(5).items()
                    },
                }
            )
        out.append(entry)
    return out


def _read_checked_sources(
    ctx: BuildContext,
) -> tuple[dict[str, pd.DataFrame], list[tuple[str, Path, str]], list[dict[str, Any]]]:
    """:func:`read_history_sources` and the world-total check."""
    frames, files, exclusions = read_history_sources(ctx)
    world = [p for key, p, _ in files if key == "ipi_world_totals"]
    if world:
        frames, gated = world_check(frames, read_world_totals(world[0]))
        exclusions.extend(gated)
    return frames, files, exclusions


def step_history(ctx: BuildContext) -> StepResult:
    """Build step: the rows the non-PDF sources contribute, as table ``contributions_history``.

    Reads the IPI files and any UN CSV export and merges them under :data:`PRECEDENCE`, every month
    any of them covers. It never looks at the UN-PDF rows, so adding a report does not re-run it:
    :func:`fold_history` drops the months the PDFs cover (they come first) and fills in what depends
    on them. Returns, in ``extra``, the manifest key ``contributions_precedence`` and what the merge needs:
    ``history_sources`` (an entry for every file read; the merge counts their rows), ``history_months``
    (month -> source, dataset, granularity, note), ``history_exclusions`` (what the readers cleaned), each
    dataset's months and the UN rank exports' rows.

    >>> from pkdata.builder import BuildContext
    >>> from pkdata.core import paths
    >>> ctx = BuildContext(raw=paths.raw_dir(), reference=FIXTURES, cache=paths.cache_dir())  # IPI extracts
    >>> r = step_history(ctx)
    >>> months = r.extra["history_months"]
    >>> min(months), months["1990-11"]["granularity"], months["2014-08"]["source"]
    ('1990-11', 'country', 'full_gender_data.csv')
    """

    frames, files, exclusions = _read_checked_sources(ctx)
    history, months = merge_sources(frames, PRECEDENCE)
    for v in months.values():
        if v["dataset"] == "ipi_countries":
            v["note"] = UNSPLIT_POLICE_NOTE
    rows_by_source = history["source"].value_counts().to_dict()
    entries = [_entry(key, path, name, int(rows_by_source.get(name, 0))) for key, path, name in files]
    ranks = [_rank_rows(path) for key, path, _ in files if key == "un_csv_ranks"]
    entries.sort(key=lambda e: e["name"])
    extra = {
        "contributions_precedence": [
            {"dataset": k, "label": DATASETS[k]["label"], "why": DATASETS[k]["why"]} for k in PRECEDENCE
        ],
        HISTORY_SOURCES: entries,
        HISTORY_MONTHS: months,
        HISTORY_EXCLUSIONS: exclusions,
        _DATASET_MONTHS: {k: sorted({f"{d:%Y-%m}" for d in f["date"].unique()}) for k, f in sorted(frames.items())},
        _RANKS: ranks,
    }
    return StepResult({"contributions_history": history}, [], extra)


def _entry(key: str, path: Path, name: str, rows: int) -> dict[str, Any]:
    """The manifest entry of one history file (world totals and rank exports serve the cross-checks)."""
    dataset = key if key in DATASETS else "un_csv" if key.startswith("un_") else "ipi_countries"
    publisher, address = publisher_and_address(dataset)
    entry = {
        "name": name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "publisher": publisher,
        "url_pattern": address,
        "table": "contributions",
        "dataset": key,
        "rows": rows,
    }
    if key == "ipi_world_totals":
        entry["table"] = "contributions_crosschecks"
        entry["note"] = (
            f"IPI world totals: months of {', '.join(WORLD_CHECKED)} off by more than {WORLD_TOLERANCE:.1%} are skipped"
        )
    if key == "un_csv_ranks":
        entry["table"] = "contributions_crosschecks"
        entry["note"] = "country totals without personnel type: used to cross-check the month it reports"
    return entry


def _rank_rows(path: Path) -> dict[str, Any]:
    """A UN rank export's rows (date, contributor, total) for the cross-check in :func:`fold_history`."""
    r = un_csv.read_ranks(path)
    return {
        "file": path.name,
        "rows": {
            "date": r["date"].dt.strftime("%Y-%m-%d").tolist(),
            "contributor_iso3": r["contributor_iso3"].astype(str).tolist(),
            "total": r["total"].astype(int).tolist(),
        },
    }


STEP = Step(
    "history",
    "pkdata.builder.steps.history:step_history",
    "IPI files and UN CSV exports: the months before and between the PDF reports",
    sources=tuple(FOLDER_SOURCES.values()),
    keys=("contributions_precedence",),
    passes=("contributions_history", HISTORY_SOURCES, HISTORY_MONTHS, HISTORY_EXCLUSIONS, _DATASET_MONTHS, _RANKS),
)

MERGE = Step(
    "merge",
    "pkdata.builder.steps.history:step_merge",
    "PDF rows and history rows as one table, each month from the first source in the precedence order",
    optional=(
        "contributions_pdf",
        "contributions_pdf_months",
        "contributions_history",
        HISTORY_SOURCES,
        HISTORY_MONTHS,
        HISTORY_EXCLUSIONS,
        _DATASET_MONTHS,
        _RANKS,
    ),
    keys=("contributions_history_exclusions", "contributions_crosschecks"),
    passes=("contributions_merged", "contributions_merged_months"),
    joins=("un_pdfs", "history"),
    cache=False,
)
