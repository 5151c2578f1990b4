"""Reader for the Peace and Security Data Hub's ``DPO-UHISTORICALPOL``: UN police contributions by contributor,
mission, personnel type and gender, monthly since 2010.

The same columns as ``DPO-UCHISTORICAL`` (the hub catalogue, ``metadata/all``), read the same way
(:func:`.psdata_uchistorical.read_hub_frame`); a row of another personnel type than police is refused, since the
police rows of ``DPO-UCHISTORICAL`` are what this dataset must agree with.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pkdata.builder.readers.psdata_uchistorical import read_hub_frame
from pkdata.core.errors import ParseError

#: pkdata's personnel types that are police.
POLICE_TYPES: tuple[str, ...] = ("individual_police", "formed_police_units")


def read(path: str | Path) -> pd.DataFrame:
    """``DPO-UHISTORICALPOL.csv`` as canonical contributions rows (police types only).

    >>> df = read(FIXTURES / "psdata/DPO-UHISTORICALPOL.csv")
    >>> df.groupby("contributor_iso3")["total"].sum().to_dict()
    {'FJI': 27, 'IRL': 13}
    """
    df = read_hub_frame(path, "DPO-UHISTORICALPOL")
    other = sorted(set(df["personnel_type"].astype(str)) - set(POLICE_TYPES))
    if other:
        raise ParseError(Path(path).name, f"personnel types {other} in a police dataset; expected {POLICE_TYPES}")
    return df


def police_rows(contributions: pd.DataFrame) -> pd.DataFrame:
    """The police rows of a contributions table (what ``DPO-UHISTORICALPOL`` covers), for comparing the two.

    >>> from pkdata.builder.readers import psdata_uchistorical
    >>> all_ = psdata_uchistorical.read(FIXTURES / "psdata/DPO-UCHISTORICAL.csv")
    >>> int(police_rows(all_)["total"].sum())
    40
    """
    return contributions[contributions["personnel_type"].astype(str).isin(POLICE_TYPES)].reset_index(drop=True)
