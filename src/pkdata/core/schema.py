"""The canonical contributions table (columns, dtypes, personnel types, validation); the other tables' column
lists (declared in the table registry) and value sets.

One row per month x contributor x mission x personnel type. ``source`` names the file a row came
from and ``source_row`` where in it: the page of a PDF report, the line of a CSV file (the first one
where a row adds up several). ``mission`` is missing where a
source gives country totals only. Counts are non-negative integers; ``total`` equals
``male + female`` wherever both are given.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pkdata.core import registry
from pkdata.core.errors import PkdataError, strict_map

#: The five canonical personnel types, in display order.
PERSONNEL_TYPES: tuple[str, ...] = (
    "troops",
    "staff_officers",
    "experts_on_mission",
    "individual_police",
    "formed_police_units",
)

#: Column order of the canonical table (declared in the table registry).
COLUMNS: tuple[str, ...] = registry.columns("contributions")

KEY: tuple[str, ...] = registry.keys("contributions")
#: Columns the registry types as integers, held as nullable ``Int64``.
INTEGER_COLUMNS: tuple[str, ...] = tuple(c for c, t in registry.types("contributions").items() if t == "integer")

#: UN personnel labels, as printed over the years, -> canonical type.
#: Documented in docs/data.md ("Personnel types").
TYPE_LABELS: dict[str, str] = {
    # troops
    "contingent troop": "troops",
    "contingent troops": "troops",
    "troops": "troops",
    "troop": "troops",
    # staff officers (a separate category from May 2017; before that counted within troops/experts)
    "staff officer": "staff_officers",
    "staff officers": "staff_officers",
    "mso": "staff_officers",
    # military experts on mission (military observers, liaison officers, UNMEM)
    "experts on mission": "experts_on_mission",
    "expert on mission": "experts_on_mission",
    "un military experts on mission": "experts_on_mission",
    "military experts on mission": "experts_on_mission",
    "unmem": "experts_on_mission",
    "military observers": "experts_on_mission",
    "observers": "experts_on_mission",
    # individual police (UNPOL)
    "individual police": "individual_police",
    "ind police": "individual_police",
    "unpol": "individual_police",
    # formed police units
    "formed police units": "formed_police_units",
    "formed police unit": "formed_police_units",
    "fpu": "formed_police_units",
    # mission_2019 layout (2019-12 .. 2020-12) prints one lower-case word per type; the five
    # words are contingent, staff, experts, police and fpu, so "police" is individual police.
    "contingent": "troops",
    "staff": "staff_officers",
    "experts": "experts_on_mission",
    "police": "individual_police",
}


def personnel_type(label: str) -> str | None:
    """Canonical type for a printed label, or ``None`` if unknown.

    >>> personnel_type("Contingent Troop")
    'troops'
    >>> personnel_type("UNPOL")
    'individual_police'
    """
    key = re.sub(r"\s+", " ", label).strip().casefold()
    return TYPE_LABELS.get(key)


def map_types(labels: list[str], *, file: str | None = None) -> dict[str, str]:
    """Map printed labels to canonical types, raising one error listing unknown labels.

    >>> map_types(["Troops", "FPU"])
    {'Troops': 'troops', 'FPU': 'formed_police_units'}
    """
    return strict_map(labels, personnel_type, "personnel type", file=file)


def empty_contributions() -> pd.DataFrame:
    """An empty canonical table with the right dtypes.

    >>> list(empty_contributions().columns) == list(COLUMNS)
    True
    """
    return coerce(pd.DataFrame({c: [] for c in COLUMNS}))


#: Columns held as categoricals (few distinct values, many rows: ~3x faster to read from parquet than strings).
CATEGORY_COLUMNS: tuple[str, ...] = ("contributor_iso3", "contributor", "mission", "source")
_CATEGORY_DTYPES: dict[str, object] = {}


def _category_dtype(col: str) -> object:
    """The dtype of the categories :func:`coerce` gives ``col`` (computed once on a one-row frame)."""
    if col not in _CATEGORY_DTYPES:
        if col == "personnel_type":
            sample = pd.Categorical(["troops"], categories=list(PERSONNEL_TYPES))
        else:
            sample = pd.Categorical(pd.Series(["a"]).astype("string"), categories=["a"])
        _CATEGORY_DTYPES[col] = sample.categories.dtype
    return _CATEGORY_DTYPES[col]


def _as_canonical_category(col: str, s: pd.Series) -> pd.Series | None:
    """``s`` as :func:`coerce` would make it, without re-reading its strings, when it already is an unordered
    categorical of strings: categories given the canonical dtype, sorted, unused ones dropped. Else None."""
    dtype = s.dtype
    if not isinstance(dtype, pd.CategoricalDtype) or dtype.ordered or s.isna().all():
        return None  # (an all-missing column: the slow path is cheap, and its empty categories have their own dtype)
    cats = dtype.categories
    if cats.dtype != _category_dtype(col):
        if not all(isinstance(c, str) for c in cats):
            return None
        s = s.cat.rename_categories(pd.Index(list(cats), dtype=_category_dtype(col)))
        cats = s.dtype.categories
    if col == "personnel_type":
        return s if list(cats) == list(PERSONNEL_TYPES) else None
    codes = s.cat.codes.to_numpy()
    if not np.bincount(codes[codes >= 0], minlength=len(cats)).all():
        s = s.cat.remove_unused_categories()
        cats = s.dtype.categories
    if not cats.is_monotonic_increasing:
        s = s.cat.reorder_categories(sorted(cats))
    return s


def present_values(s: pd.Series) -> set[str]:
    """The distinct non-missing values of a column, as strings (a categorical's used categories, not every row).

    >>> sorted(present_values(pd.Series(pd.Categorical(["b", None, "a"], categories=["a", "b", "c"]))))
    ['a', 'b']
    """
    present = s.dropna()
    if isinstance(present.dtype, pd.CategoricalDtype):
        present = present.cat.remove_unused_categories().cat.categories
    return {str(v) for v in present.unique()}


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Cast a frame with the canonical columns to the canonical dtypes and column order.

    A column already in its canonical dtype is kept as it is (a frame that went through ``coerce`` costs
    little the second time).

    >>> coerce(pd.DataFrame({c: [] for c in COLUMNS})).dtypes["total"]
    Int64Dtype()
    """
    if "source_row" not in df.columns:  # a source that cannot say where a row came from
        df = df.assign(source_row=pd.NA)
    out = df.loc[:, list(COLUMNS)].copy()
    if out["date"].dtype != "datetime64[ns]":
        out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    for col in CATEGORY_COLUMNS:
        kept = _as_canonical_category(col, out[col])
        if kept is None:
            values = out[col].astype("string")
            kept = pd.Categorical(values, categories=sorted(values.dropna().unique()))
        out[col] = kept
    kept = _as_canonical_category("personnel_type", out["personnel_type"])
    out["personnel_type"] = (
        kept if kept is not None else pd.Categorical(out["personnel_type"], categories=list(PERSONNEL_TYPES))
    )
    for col in INTEGER_COLUMNS:
        if out[col].dtype != "Int64":
            out[col] = out[col].astype("Int64")
    return out


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Canonical frames one after the other, as one canonical frame (categories united, not re-read as strings).

    >>> a = coerce(pd.DataFrame({c: ["x"] if c in CATEGORY_COLUMNS else [None] for c in COLUMNS}).assign(
    ...     date=pd.Timestamp("2020-01-31"), personnel_type="troops", total=1))
    >>> b = a.assign(contributor_iso3=pd.Categorical(["w"]))
    >>> list(concat([a, b])["contributor_iso3"].cat.categories)
    ['w', 'x']
    """
    frames = [coerce(f) for f in frames if len(f)]
    if not frames:
        return empty_contributions()
    if len(frames) > 1:
        for col in CATEGORY_COLUMNS:
            united = pd.Index(sorted(set().union(*(f[col].cat.categories for f in frames))), dtype=_category_dtype(col))
            frames = [f.assign(**{col: f[col].cat.set_categories(united)}) for f in frames]
    return coerce(pd.concat(frames, ignore_index=True))


def validate(df: pd.DataFrame, *, name: str = "contributions") -> pd.DataFrame:
    """Check the canonical rules; return the frame unchanged or raise naming the first bad rows.

    >>> validate(empty_contributions()).shape
    (0, 10)
    """
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise PkdataError(f"{name}: missing columns {missing}; expected {list(COLUMNS)}")
    problems = []
    if df["total"].isna().any():
        problems.append(f"{int(df['total'].isna().sum())} rows without a total")
    for col in ("male", "female", "total"):
        neg = df[col].fillna(0) < 0
        if neg.any():
            problems.append(f"negative {col} in rows {list(df.index[neg][:5])}")
    both = df["male"].notna() & df["female"].notna()
    bad = both & (df["male"] + df["female"] != df["total"])
    if bad.any():
        problems.append(f"male + female != total in rows {list(df.index[bad.fillna(False)][:5])}")
    if df["personnel_type"].isna().any():
        problems.append("rows without a canonical personnel type")
    dup = df.duplicated(list(KEY), keep=False)
    if dup.any():
        example = df.loc[dup, list(KEY)].head(3).to_dict("records")
        problems.append(f"{int(dup.sum())} rows share a key {KEY}, e.g. {example}")
    if problems:
        raise PkdataError(f"{name} fails validation: " + "; ".join(problems))
    return df


#: Kinds of row in the mission table (``missions.kind``).
MISSION_KINDS: dict[str, str] = {
    "pko": "a peacekeeping operation",
    "spm": "a special political mission",
    "aggregate": "a row combining several operations (``covers`` lists them), e.g. UNOSOM = UNOSOM I + II",
    "duplicate": "a second row for an operation listed under another acronym (``covers``)",
    "other": "an office or body that is neither (support office, guards contingent, committee)",
}

#: Fatality personnel types that are uniformed peacekeepers (``fatalities.personnel_type``).
UNIFORMED_FATALITY_TYPES: tuple[str, ...] = ("military", "experts_on_mission", "police")

#: Columns of the mission table, in order (declared in the table registry).
MISSION_COLUMNS: tuple[str, ...] = registry.columns("missions")
#: Mission kinds left out when counting operations active on a date: they would count an operation twice.
NOT_OPERATIONS: tuple[str, ...] = ("aggregate", "duplicate")

#: Columns of the ``quality`` table, in order (declared in the table registry).
QUALITY_COLUMNS: tuple[str, ...] = registry.columns("quality")
#: ``scope`` of a quality flag that covers a whole month.
MONTH_SCOPE = "all"
