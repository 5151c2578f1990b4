"""What the Peace and Security Data Hub's CSV readers share: the file read, and its columns checked against the
hub catalogue's (a column the publisher renamed is refused with one line naming it and where to compare)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pkdata.builder.readers import un_csv
from pkdata.core import sources
from pkdata.core.errors import ParseError


def read_hub_csv(path: str | Path, columns: tuple[str, ...], dataset: str) -> pd.DataFrame:
    """The rows of a hub CSV as text, after checking that it has every column of ``columns``.

    >>> read_hub_csv(FIXTURES / "psdata/DPO-UHISTORICALPOL.csv", ("isocode3", "budget"), "DPO-UHISTORICALPOL")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.ParseError: DPO-UHISTORICALPOL.csv, row 1: column(s) ['budget'] of the hub's ...
    >>> len(read_hub_csv(FIXTURES / "psdata/DPO-UHISTORICALPOL.csv", ("isocode3",), "DPO-UHISTORICALPOL"))
    3
    """
    path = Path(path)
    raw = un_csv._read(path)
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        where = sources.load()["hub"]["metadata_url"].format(dataset=dataset)
        raise ParseError(
            path.name,
            f"column(s) {missing} of the hub's {dataset} are missing (found {list(raw.columns)}); the publisher "
            f"may have renamed them: compare with {where}",
            row=1,
        )
    return raw
