"""The canonical contributions table: columns, dtypes, personnel types, validation.

One row per month x contributor x mission x personnel type. ``source`` names the file a row came
from and ``source_row`` where in it: the page of a PDF report, the line of a CSV file (the first one
where a row adds up several). ``mission`` is missing where a
source gives country totals only. Counts are non-negative integers; ``total`` equals
``male + female`` wherever both are given.
"""

from __future__ import annotations

import re

import pandas as pd

from pkdata.errors import PkdataError, strict_map

#: The five canonical personnel types, in display order.
PERSONNEL_TYPES: tuple[str, ...] = (
    "troops",
    "staff_officers",
    "experts_on_mission",
    "individual_police",
    "formed_police_units",
)

#: Column order of the canonical table.
COLUMNS: tuple[str, ...] = (
    "date",
    "contributor_iso3",
    "contributor",
    "mission",
    "personnel_type",
    "male",
    "female",
    "total",
    "source",
    "source_row",
)

KEY: tuple[str, ...] = ("date", "contributor_iso3", "mission", "personnel_type")

#: UN personnel labels, as printed over the years, -> canonical type.
#: Documented in the README ("Personnel types").
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


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Cast a frame with the canonical columns to the canonical dtypes and column order.

    >>> coerce(pd.DataFrame({c: [] for c in COLUMNS})).dtypes["total"]
    Int64Dtype()
    """
    if "source_row" not in df.columns:  # a source that cannot say where a row came from
        df = df.assign(source_row=pd.NA)
    out = df.loc[:, list(COLUMNS)].copy()
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    # Few distinct values, many rows: categories read ~3x faster from parquet than strings.
    for col in ("contributor_iso3", "contributor", "mission", "source"):
        values = out[col].astype("string")
        out[col] = pd.Categorical(values, categories=sorted(values.dropna().unique()))
    out["personnel_type"] = pd.Categorical(out["personnel_type"], categories=list(PERSONNEL_TYPES))
    for col in ("male", "female", "total", "source_row"):
        out[col] = out[col].astype("Int64")
    return out


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
