"""Reader for the Peace and Security Data Hub's ``DPO-UCHISTORICAL``: uniformed personnel contributions by
contributor, mission, personnel type and gender, monthly since 2010.

The columns are the hub catalogue's (``metadata/all``, the reference folder's ``missions/metadata-all.json``):
:data:`COLUMNS`. A file lacking one (renamed upstream) is refused with one line naming it. ``personnel_type``
holds the catalogue's attribute codes (``troops``, ``staff_officer``, ``experts_on_mission``,
``individual_police``, ``formed_police_units``), read as pkdata's personnel types through
:func:`pkdata.core.schema.map_types` (underscores as spaces). Rows become canonical contributions rows
(:mod:`pkdata.core.schema`): one per month x contributor x mission x type, ``total`` = male + female, zero rows
dropped, ``source`` = the file name. ``DPO-UHISTORICALPOL`` has the same columns (:mod:`.psdata_uhistoricalpol`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pkdata.builder.readers import psdata_hub, un_csv
from pkdata.core import schema
from pkdata.core.errors import ParseError

#: The hub catalogue's columns of DPO-UCHISTORICAL (and of DPO-UHISTORICALPOL), in its order.
COLUMNS: tuple[str, ...] = (
    "contributing_country",
    "contribution_id",
    "female_personnel",
    "isocode3",
    "last_reporting_date",
    "m49_code",
    "male_personnel",
    "mission_acronym",
    "personnel_type",
)


def read_hub_frame(path: str | Path, what: str) -> pd.DataFrame:
    """The rows of a hub contributions CSV as canonical contributions rows (see the module docstring).

    >>> df = read_hub_frame(FIXTURES / "psdata/DPO-UCHISTORICAL.csv", "DPO-UCHISTORICAL")
    >>> len(df), int(df["total"].sum()), sorted(df["personnel_type"].astype(str).unique())[:2]
    (14, 698, ['experts_on_mission', 'individual_police'])
    """
    file = Path(path).name
    raw = psdata_hub.read_hub_csv(path, COLUMNS, what)
    if raw.empty:
        raise ParseError(file, "no data rows under the header")
    labels = raw["personnel_type"].str.strip()
    types = schema.map_types(sorted(labels.dropna().str.replace("_", " ").unique()), file=file)
    missions = raw["mission_acronym"].str.strip()
    if missions.isna().any():
        raise ParseError(file, "row without a mission_acronym", row=int(missions.isna().to_numpy().argmax()) + 2)
    df = pd.DataFrame(
        {
            "date": un_csv._dates(raw["last_reporting_date"], file),
            "contributor_iso3": un_csv._iso3(raw, file),
            "mission": missions,
            "personnel_type": labels.str.replace("_", " ").map(types),
            "male": un_csv._counts(raw["male_personnel"], file, "male_personnel"),
            "female": un_csv._counts(raw["female_personnel"], file, "female_personnel"),
            "source_row": pd.Series(range(2, len(raw) + 2), index=raw.index),
        }
    )
    return un_csv.canonical_rows(df, file)


def read(path: str | Path) -> pd.DataFrame:
    """``DPO-UCHISTORICAL.csv`` as canonical contributions rows.

    >>> df = read(FIXTURES / "psdata/DPO-UCHISTORICAL.csv")
    >>> df[df["contributor_iso3"] == "IRL"].groupby("mission")["total"].sum().to_dict()
    {'UNDOF': 3, 'UNFICYP': 13, 'UNIFIL': 332, 'UNTSO': 13}
    """
    return read_hub_frame(path, "DPO-UCHISTORICAL")


def differences(hub: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Cells where the hub's rows and another source's (e.g. the monthly report of the same month) differ, on the
    months and contributors both hold: key, ``total_hub``, ``total_other`` (0 where one lacks the row).

    >>> hub = read(FIXTURES / "psdata/DPO-UCHISTORICAL.csv")
    >>> len(differences(hub, hub))
    0
    """
    key = list(schema.KEY)
    both = hub.merge(other[["date", "contributor_iso3"]].drop_duplicates(), on=["date", "contributor_iso3"])
    theirs = other.merge(hub[["date", "contributor_iso3"]].drop_duplicates(), on=["date", "contributor_iso3"])
    a = both.assign(mission=both["mission"].astype(str), personnel_type=both["personnel_type"].astype(str))
    b = theirs.assign(mission=theirs["mission"].astype(str), personnel_type=theirs["personnel_type"].astype(str))
    m = a[key + ["total"]].merge(b[key + ["total"]], on=key, how="outer", suffixes=("_hub", "_other"))
    m[["total_hub", "total_other"]] = m[["total_hub", "total_other"]].fillna(0).astype("int64")
    return m[m["total_hub"] != m["total_other"]].reset_index(drop=True)
