"""Build step for the ``quality`` table: known defects of source months, curated and detected.

Two inputs meet here:

- the curated table ``data/raw/curated/quality_flags.csv``: one row per defect a person has
  checked in the source document, with the reason, the evidence and the source;
- automatic detectors run on the finished ``contributions`` table (:func:`detect`):
  a month whose female share of any personnel type jumps by more than :data:`SHARE_JUMP_FACTOR`
  (or :data:`SHARE_JUMP_POINTS`) against both neighbouring months, and rows with 0 men and at
  least :data:`ZERO_MEN_MIN_WOMEN` women in one contingent; and on the build's cross-checks between sources
  (:func:`detect_source_disagreements`): a month whose totals differ between two files.

Every detected flag is matched to a curated row (``detected_by`` names both); a detected flag
without one is kept with the detector's own evidence, so nothing found is dropped. Flags whose
``action`` is ``exclude`` on the field ``gender`` blank the male/female split of the rows they
cover in ``contributions`` (the totals stay), so every gender figure downstream treats it as
missing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.builder.steps.history import finalise_contributions
from pkdata.core import countries, schema, sources
from pkdata.core.errors import PkdataError
from pkdata.core.hashes import sha256_file
from pkdata.core.schema import MONTH_SCOPE
from pkdata.core.schema import QUALITY_COLUMNS as COLUMNS

#: The curated table of checked defects (``data/raw/curated/``).
CURATED = "quality_flags.csv"
CURATED_COLUMNS = ("month", "scope", "field", "issue", "action", "reason", "evidence", "source")
FIELDS = ("gender", "total")
ACTIONS = ("exclude", "note")
#: A month is flagged when the female share of a personnel type is more than this many times (or less than
#: 1/this) the share of both the previous and the next month with a gender split.
SHARE_JUMP_FACTOR = 2.0
#: A contingent row is flagged when it has 0 men and at least this many women.
ZERO_MEN_MIN_WOMEN = 100
#: ... or more than this many percentage points (as a fraction) away from both (a type with a share near 30%,
#: such as individual police, moves little in ratio when one mission's women go missing).
SHARE_JUMP_POINTS = 0.05
#: A jump in this personnel type excludes the month's whole split; a jump in another type is a note.
EXCLUDE_TYPE = "troops"


def read_flags(path: Path) -> pd.DataFrame:
    """Read and check the curated quality flags: the columns, a real month 'YYYY-MM' (month 01-12), a known
    field and action, a scope 'all' or 'ISO3/MISSION/personnel_type' with a known code and type, and each
    month/scope/field once.

    >>> from pkdata.core import paths
    >>> flags = read_flags(paths.curated_dir() / CURATED)
    >>> flags.set_index(["month", "scope"]).loc[("2020-08", "all"), "action"]
    'exclude'
    """
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CURATED_COLUMNS if c not in df.columns]
    if missing:
        raise PkdataError(f"{path}: missing column(s) {missing}; expected {list(CURATED_COLUMNS)}")
    for i, row in df.iterrows():
        line = int(i) + 2  # header is line 1
        if not re.fullmatch(r"(19|20)\d{2}-(0[1-9]|1[0-2])", row["month"]):
            raise PkdataError(f"{path}, line {line}: month {row['month'][:40]!r} is not a month 'YYYY-MM' (01-12)")
        if row["field"] not in FIELDS:
            raise PkdataError(f"{path}, line {line}: field {row['field']!r}; expected one of {list(FIELDS)}")
        if row["action"] not in ACTIONS:
            raise PkdataError(f"{path}, line {line}: action {row['action']!r}; expected one of {list(ACTIONS)}")
        _check_scope(path, line, row["scope"])
        for col in ("reason", "evidence", "source"):
            if not row[col].strip():
                raise PkdataError(f"{path}, line {line}: empty {col}; every flag needs its reason, evidence and source")
    dup = df[df.duplicated(["month", "scope", "field"], keep=False)]
    if not dup.empty:
        raise PkdataError(f"{path}: month/scope/field repeated: {dup[['month', 'scope', 'field']].values.tolist()}")
    return df.loc[:, list(CURATED_COLUMNS)]


def _check_scope(path: Path, line: int, scope: str) -> None:
    """A flag's scope is the whole month or one row 'ISO3/MISSION/personnel_type' of a known code and type."""
    if scope == MONTH_SCOPE:
        return
    parts = scope.split("/")
    if len(parts) != 3:
        raise PkdataError(
            f"{path}, line {line}: scope {scope[:80]!r}; expected {MONTH_SCOPE!r} or 'ISO3/MISSION/personnel_type'"
        )
    if parts[0] not in countries.DISPLAY:
        raise PkdataError(f"{path}, line {line}: scope {scope[:80]!r}: unknown ISO3 code {parts[0][:12]!r}")
    if parts[2] not in schema.PERSONNEL_TYPES:
        raise PkdataError(
            f"{path}, line {line}: scope {scope[:80]!r}: personnel type {parts[2][:20]!r}; expected one of "
            f"{list(schema.PERSONNEL_TYPES)}"
        )


def _scope(rows: pd.DataFrame) -> pd.Series:
    mission = rows["mission"].astype("string").fillna("-")
    return rows["contributor_iso3"].astype("string") + "/" + mission + "/" + rows["personnel_type"].astype("string")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _share_by_type(contributions: pd.DataFrame) -> pd.DataFrame:
    """Month x personnel type: the female share of the rows with a gender split."""
    split = contributions.dropna(subset=["male", "female"])
    by = split.groupby(["personnel_type", "date"], observed=True)[["female", "total"]].sum()
    return (by["female"] / by["total"].where(by["total"] > 0)).unstack("personnel_type")


def _jumps(s: pd.Series, factor: float, points: float) -> pd.Series:
    """Months of ``s`` (a share) more than ``factor`` times or ``points`` away from both neighbours, same side."""
    prev, nxt = s.shift(1), s.shift(-1)
    ratio = ((s > factor * prev) & (s > factor * nxt)) | ((s * factor < prev) & (s * factor < nxt))
    step = ((s - prev > points) & (s - nxt > points)) | ((prev - s > points) & (nxt - s > points))
    return ratio | step


def _largest_change(contributions: pd.DataFrame, ptype: str, date: pd.Timestamp, before: pd.Timestamp) -> str:
    """The mission whose women of ``ptype`` changed most from ``before`` to ``date``, as evidence."""
    rows = contributions[(contributions["personnel_type"] == ptype) & contributions["date"].isin([before, date])]
    rows = rows.dropna(subset=["male", "female"])
    by = rows.groupby([rows["mission"].astype("string").fillna("-"), "date"])[["female", "total"]].sum()
    wide = by.unstack("date").fillna(0)
    if wide.empty or ("female", date) not in wide or ("female", before) not in wide:
        return ""
    change = (wide[("female", date)] - wide[("female", before)]).abs().sort_values(ascending=False, kind="mergesort")
    m = change.index[0]
    src = ", ".join(sorted(set(rows.loc[rows["date"] == date, "source"].astype(str))))
    return (
        f"; largest change: {m} {ptype} {int(wide.loc[m, ('female', before)])} women of "
        f"{int(wide.loc[m, ('total', before)])} in {before:%Y-%m}, {int(wide.loc[m, ('female', date)])} of "
        f"{int(wide.loc[m, ('total', date)])} in {date:%Y-%m} ({src})"
    )


def detect_share_jumps(
    contributions: pd.DataFrame, factor: float = SHARE_JUMP_FACTOR, points: float = SHARE_JUMP_POINTS
) -> pd.DataFrame:
    """Months whose female share of any personnel type is > ``factor`` times (or < 1/``factor``), or more than
    ``points`` away from, both neighbours' (the previous and next months with a split for that type).

    A month where troops jump is excluded as a whole (the split of the largest type is broken, see
    :data:`EXCLUDE_TYPE`); a jump in another type only is a note, whose evidence names the mission whose
    women changed most. The evidence gives the share of every personnel type that month and its neighbours.

    >>> df = pd.DataFrame({"date": pd.to_datetime(["2020-07-31", "2020-08-31", "2020-09-30"]),
    ...     "personnel_type": "troops", "male": [95, 40, 95], "female": [5, 60, 5], "total": 100, "source": "x.pdf"})
    >>> detect_share_jumps(df)[["month", "scope", "field", "action"]].values.tolist()
    [['2020-08', 'all', 'gender', 'exclude']]
    >>> police = df.assign(personnel_type="individual_police", mission="M", male=[70, 78, 71], female=[30, 22, 29])
    >>> detect_share_jumps(police)[["month", "action"]].values.tolist()
    [['2020-08', 'note']]
    """
    share = _share_by_type(contributions)
    hits: dict[pd.Timestamp, list[str]] = {}
    for t in share.columns:
        s = share[t].dropna()
        for date in s.index[_jumps(s, factor, points)]:
            hits.setdefault(date, []).append(str(t))
    rows = [_jump_row(contributions, share, date, types, factor, points) for date, types in sorted(hits.items())]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _jump_row(
    contributions: pd.DataFrame, share: pd.DataFrame, date: pd.Timestamp, types: list[str], factor: float, points: float
) -> dict[str, str]:
    """The flag of one month whose share of ``types`` jumps."""
    parts, causes, around = [], [], []
    for t in share.columns:
        s = share[t].dropna()
        if date not in s.index:
            continue
        i = s.index.get_loc(date)
        if 0 < i < len(s) - 1:
            p, n = s.index[i - 1], s.index[i + 1]
            parts.append(f"{t} {_pct(s[date])} (neighbours {_pct(s[p])}, {_pct(s[n])})")
            if t in types:
                around.append(f"{p:%Y-%m} and {n:%Y-%m}")
                causes.append((t, p))
    whole = EXCLUDE_TYPE in types
    why = "" if whole else "".join(_largest_change(contributions, t, date, p) for t, p in causes)
    return {
        "month": f"{date:%Y-%m}",
        "scope": MONTH_SCOPE,
        "field": "gender",
        "issue": "female share jumps against both neighbouring months",
        "action": "exclude" if whole else "note",
        "detected_by": "female_share_jump",
        "reason": f"female share of {', '.join(types)} moves by more than {factor:g}x or {100 * points:g} points "
        f"against both {around[0]}",
        "evidence": "female share: " + "; ".join(parts) + why,
        "source": ", ".join(sorted(set(contributions.loc[contributions["date"] == date, "source"].astype(str)))),
    }


def detect_zero_men(contributions: pd.DataFrame, min_women: int = ZERO_MEN_MIN_WOMEN) -> pd.DataFrame:
    """Rows with 0 men and at least ``min_women`` women in one contingent (a whole unit printed as women).

    >>> df = pd.DataFrame({"date": pd.to_datetime(["2016-01-31"]), "contributor_iso3": ["MAR"],
    ...     "mission": ["UNOCI"], "personnel_type": ["troops"], "male": [0], "female": [718], "total": [718],
    ...     "source": ["UN_country_contributions_2016_01.pdf"], "source_row": [26]})
    >>> detect_zero_men(df)[["month", "scope"]].values.tolist()
    [['2016-01', 'MAR/UNOCI/troops']]
    """
    hit = contributions[(contributions["male"] == 0) & (contributions["female"] >= min_women)]
    hit = hit.assign(flag_scope=_scope(hit))
    rows = [
        {
            "month": f"{r.date:%Y-%m}",
            "scope": r.flag_scope,
            "field": "gender",
            "issue": "whole contingent printed as women",
            "action": "exclude",
            "detected_by": "zero_men",
            "reason": f"0 men and {int(r.female):,} women in one contingent (threshold {min_women})",
            "evidence": f"{r.source}, row {r.source_row}: {r.contributor_iso3} {r.mission} {r.personnel_type} "
            f"0 male / {int(r.female):,} female",
            "source": str(r.source),
        }
        for r in hit.itertuples()
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def detect_source_disagreements(crosschecks: list[dict]) -> pd.DataFrame:
    """Months where two sources give different totals (the build's ``contributions_crosschecks``): one ``note``
    flag per month naming both files and the largest differences.

    >>> checks = [{"month": "2022-01", "file": "ranks.csv", "against": "report.pdf", "contributors_compared": 121,
    ...            "contributors_differing": 1, "largest_differences": {"FRA": 3}, "file_total": 75255,
    ...            "table_total": 75252}]
    >>> detect_source_disagreements(checks)[["month", "field", "action"]].values.tolist()
    [['2022-01', 'total', 'note']]
    """
    rows = []
    for c in crosschecks:
        if not c.get("contributors_differing"):
            continue
        diffs = ", ".join(f"{k} {v:+,}" for k, v in sorted(c.get("largest_differences", {}).items()))
        rows.append(
            {
                "month": c["month"],
                "scope": MONTH_SCOPE,
                "field": "total",
                "issue": "totals disagree between sources",
                "action": "note",
                "detected_by": "source_disagreement",
                "reason": f"{c['contributors_differing']} of {c['contributors_compared']} contributors differ between "
                f"{c['file']} and {c['against']}",
                "evidence": f"{c['file']} total {c.get('file_total')}, table total {c.get('table_total')}; "
                f"largest differences: {diffs}",
                "source": f"{c['file']}; {c['against']}",
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def detect(contributions: pd.DataFrame) -> pd.DataFrame:
    """Every detector's flags; row flags inside a month flagged as a whole are folded into its evidence.

    >>> df = pd.DataFrame({"date": pd.to_datetime(["2020-07-31", "2020-08-31", "2020-09-30"]),
    ...     "contributor_iso3": "RWA", "mission": "UNMISS", "personnel_type": "troops", "male": [2700, 0, 2700],
    ...     "female": [30, 2729, 30], "total": [2730, 2729, 2730], "source": "x.pdf", "source_row": 42})
    >>> detect(df)[["month", "scope", "detected_by"]].values.tolist()
    [['2020-08', 'all', 'female_share_jump, zero_men']]
    """
    months = detect_share_jumps(contributions)
    rows = detect_zero_men(contributions)
    whole = set(months["month"])
    inside = rows[rows["month"].isin(whole)]
    for i, m in months.iterrows():
        mine = inside[inside["month"] == m["month"]]
        if not mine.empty:
            months.loc[i, "detected_by"] += ", zero_men"
            examples = "; ".join(mine.sort_values("scope")["evidence"].head(3))
            months.loc[i, "evidence"] += (
                f". {len(mine)} rows with 0 men and >= {ZERO_MEN_MIN_WOMEN} women, e.g. " + examples
            )
    out = pd.concat([months, rows[~rows["month"].isin(whole)]], ignore_index=True)
    return out.sort_values(["month", "scope", "field"], kind="mergesort").reset_index(drop=True)


def combine(curated: pd.DataFrame, detected: pd.DataFrame) -> pd.DataFrame:
    """Curated rows and detected flags as one table: a detected flag matching a curated row (same month,
    scope and field) adds its detector to ``detected_by`` and its evidence; an unmatched one is kept as is.

    >>> cur = pd.DataFrame([{"month": "2020-08", "scope": "all", "field": "gender", "issue": "i", "action": "exclude",
    ...     "reason": "r", "evidence": "e", "source": "s"}])
    >>> det = cur.assign(detected_by="female_share_jump", evidence="share 56%")
    >>> combine(cur, det)[["detected_by", "evidence"]].values.tolist()
    [['curated, female_share_jump', 'e | detected: share 56%']]
    """
    cur = curated.assign(detected_by="curated")
    key = ["month", "scope", "field"]
    merged = cur.merge(detected[[*key, "detected_by", "evidence"]], on=key, how="left", suffixes=("", "_det"))
    found = merged["detected_by_det"].notna()
    merged.loc[found, "detected_by"] = "curated, " + merged.loc[found, "detected_by_det"]
    merged.loc[found, "evidence"] = merged.loc[found, "evidence"] + " | detected: " + merged.loc[found, "evidence_det"]
    extra = detected.merge(cur[key], on=key, how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
    out = pd.concat([merged.loc[:, list(COLUMNS)], extra.loc[:, list(COLUMNS)]], ignore_index=True)
    out = out.sort_values(key, kind="mergesort").reset_index(drop=True)
    return out.astype("string")


def apply_exclusions(contributions: pd.DataFrame, flags: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Blank male/female of every row an ``exclude`` gender flag covers; totals stay. Returns the table and
    the number of rows blanked.

    >>> df = pd.DataFrame({"date": pd.to_datetime(["2020-08-31", "2020-09-30"]), "contributor_iso3": "RWA",
    ...     "mission": "UNMISS", "personnel_type": "troops", "male": pd.array([0, 2700], dtype="Int64"),
    ...     "female": pd.array([2729, 30], dtype="Int64"), "total": [2729, 2730]})
    >>> flags = pd.DataFrame([{"month": "2020-08", "scope": "all", "field": "gender", "action": "exclude"}])
    >>> out, n = apply_exclusions(df, flags)
    >>> n, out["female"].tolist(), out["total"].tolist()
    (1, [<NA>, 30], [2729, 2730])
    """
    excl = flags[(flags["field"] == "gender") & (flags["action"] == "exclude")]
    dates = contributions["date"]
    month = (dates.dt.year * 100 + dates.dt.month).to_numpy()
    mask = np.zeros(len(contributions), dtype=bool)
    for f in excl.itertuples():
        hit = month == int(f.month[:4]) * 100 + int(f.month[5:7])
        if f.scope != MONTH_SCOPE:  # ISO3/MISSION/personnel_type, "-" for no mission (as _scope writes it)
            iso3, mission, ptype = f.scope.split("/")
            missions = contributions["mission"]
            for same in (
                contributions["contributor_iso3"] == iso3,
                missions.isna() if mission == "-" else missions == mission,
                contributions["personnel_type"] == ptype,
            ):
                hit &= same.to_numpy(dtype=bool, na_value=False)
        mask |= hit
    out = contributions.copy()
    out.loc[mask, ["male", "female"]] = pd.NA
    return out, int(mask.sum())


def step_quality(ctx: BuildContext) -> StepResult:
    """Build step: the ``quality`` table (curated + detected flags on the merged contributions) and its summary.

    >>> from pkdata.core import paths
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2020-07-31", "2020-08-31", "2020-09-30"]),
    ...     "contributor_iso3": "RWA", "mission": "UNMISS", "personnel_type": "troops", "male": [2700, 0, 2700],
    ...     "female": [30, 2729, 30], "total": [2730, 2729, 2730], "source": "x.pdf", "source_row": 42})
    >>> ctx = BuildContext(raw=Path("/nonexistent"), reference=Path("/nonexistent"), cache=Path("/nonexistent"))
    >>> ctx.tables["contributions_merged"] = df
    >>> r = step_quality(ctx)
    >>> r.extra["quality"]["gender_excluded_months"], r.extra["quality"]["gender_split_blanked_rows"]
    (['2020-08'], 1)
    """
    contributions = ctx.tables.get("contributions_merged")
    if contributions is None:
        raise PkdataError("the quality step needs the merged contributions: run it with the personnel steps")
    path = ctx.curated(CURATED)
    curated = read_flags(path)
    detected = pd.concat(
        [detect(contributions), detect_source_disagreements(ctx.extra.get("contributions_crosschecks", []))],
        ignore_index=True,
    )
    flags = combine(curated, detected)
    _, blanked = apply_exclusions(contributions, flags)
    entry = _curated_entry(path, len(curated))
    return StepResult({"quality": flags}, [entry], {"quality": _summary(flags, blanked)})


def _curated_entry(path: Path, rows: int) -> dict[str, Any]:
    meta = sources.section("curated")["quality_flags"]
    return {
        "name": path.name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "publisher": meta["publisher"],
        "url_pattern": meta["url_pattern"],
        "table": "quality",
        "rows": int(rows),
        "role": meta["role"],
    }


def _summary(flags: pd.DataFrame, blanked: int) -> dict[str, Any]:
    """The manifest's ``quality`` entry: the detectors, the flag counts and the months whose split is excluded."""
    excluded = flags[(flags["field"] == "gender") & (flags["action"] == "exclude") & (flags["scope"] == MONTH_SCOPE)]
    return {
        "detectors": {
            "female_share_jump": f"female share of any personnel type > {SHARE_JUMP_FACTOR:g}x (or < 1/"
            f"{SHARE_JUMP_FACTOR:g}, or {100 * SHARE_JUMP_POINTS:g} points away from) both neighbouring months; "
            f"{EXCLUDE_TYPE}: month excluded, other types: noted",
            "zero_men": f"0 men and >= {ZERO_MEN_MIN_WOMEN} women in one contingent row",
            "source_disagreement": "a month whose totals differ between two sources (contributions_crosschecks)",
        },
        "flags": int(len(flags)),
        "unexplained": int((~flags["detected_by"].str.startswith("curated")).sum()),
        "gender_split_blanked_rows": blanked,
        "gender_excluded_months": sorted(set(excluded["month"].astype(str))),
    }


def note_exclusions(months: dict[str, dict[str, Any]], flags: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The months of the manifest with a ``note`` where a flag excludes the gender split (a copy).

    >>> flags = pd.DataFrame([{"month": "2020-08", "scope": "all", "field": "gender", "action": "exclude",
    ...     "issue": "share jump"}])
    >>> note_exclusions({"2020-08": {"source": "a.pdf"}}, flags)["2020-08"]["note"]
    'male/female split excluded (treated as missing, totals kept): share jump; see pkdata.quality()'
    """
    months = {m: dict(v) for m, v in months.items()}
    for f in flags[(flags["field"] == "gender") & (flags["action"] == "exclude")].itertuples():
        if f.month in months:
            what = "male/female split" if f.scope == MONTH_SCOPE else f"male/female split of {f.scope}"
            note = f"{what} excluded (treated as missing, totals kept): {f.issue}; see pkdata.quality()"
            old = months[f.month].get("note")
            months[f.month]["note"] = f"{old}; {note}" if old else note
    return months


def step_contributions(ctx: BuildContext) -> StepResult:
    """Build step: the published ``contributions`` table and its months: the merged table with the gender split
    blanked where a ``quality`` flag excludes it (when the build has the quality step), a note on those months.

    >>> df = pd.DataFrame({"date": pd.to_datetime(["2020-08-31"]), "contributor_iso3": "RWA", "contributor": "Rwanda",
    ...     "mission": "UNMISS", "personnel_type": "troops", "male": [0], "female": [2729], "total": [2729],
    ...     "source": "x.pdf"})
    >>> ctx = BuildContext(raw=Path("."), reference=Path("."), cache=Path("."))
    >>> ctx.tables["contributions_merged"] = df
    >>> ctx.extra["contributions_merged_months"] = {"2020-08": {"source": "x.pdf"}}
    >>> step_contributions(ctx).tables["contributions"]["female"].tolist()
    [2729]
    >>> ctx.tables["quality"] = pd.DataFrame([{"month": "2020-08", "scope": "all", "field": "gender",
    ...     "action": "exclude", "issue": "share jump"}])
    >>> step_contributions(ctx).tables["contributions"]["female"].tolist()
    [<NA>]
    """
    table = ctx.tables["contributions_merged"]
    months = ctx.extra.get("contributions_merged_months") or {}
    flags = ctx.tables.get("quality")
    if flags is not None:
        table, _ = apply_exclusions(table, flags)
        months = note_exclusions(months, flags) if months else months
    return StepResult({"contributions": finalise_contributions(table)}, [], {"contributions_months": months})


STEP = Step(
    "quality",
    "pkdata.builder.steps.quality_flags:step_quality",
    "known defects of source months: the curated flags and the detectors' findings",
    curated=(CURATED,),
    reads=("contributions_merged",),
    optional=("contributions_crosschecks",),
    writes=("quality",),
    keys=("quality",),
)

PUBLISH = Step(
    "contributions",
    "pkdata.builder.steps.quality_flags:step_contributions",
    "the published contributions table: merged rows, the gender split blanked where a quality flag excludes it",
    reads=("contributions_merged", "contributions_merged_months"),
    optional=("quality",),
    writes=("contributions",),
    keys=("contributions_months",),
    joins=("merge",),
    cache=False,
)
