"""What a build changed in the contributions table (``pkdata update`` prints it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported only when an update compares two tables
    import pandas as pd


def changes(
    old_table: pd.DataFrame | None,
    new_table: pd.DataFrame | None,
    old_months: dict[str, Any] | None,
    new_months: dict[str, Any] | None,
) -> dict[str, Any]:
    """What changed between two contributions tables: months added/removed, rows added/removed/changed.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"date": ["2025-06-30"], "contributor_iso3": ["CHN"], "mission": ["UNMISS"],
    ...                   "personnel_type": ["troops"], "total": [1000]})
    >>> b = pd.concat([a.assign(total=[1001]), a.assign(date=["2025-07-31"])])
    >>> c = changes(a, b, {"2025-06": {}}, {"2025-06": {}, "2025-07": {}})
    >>> c["months_added"], c["rows_added"], c["rows_changed"]
    (['2025-07'], 1, 1)
    """
    import pandas as pd

    from pkdata.core import schema

    key = list(schema.KEY)
    cols = ["male", "female", "total", "source"]

    def norm(df):
        if df is None or len(df) == 0:
            return pd.DataFrame(columns=key + cols).set_index(key)
        df = df.copy()
        for c in cols:
            if c not in df.columns:
                df[c] = pd.NA
        df["date"] = pd.to_datetime(df["date"])
        df["mission"] = df["mission"].astype("string").fillna("")
        df["personnel_type"] = df["personnel_type"].astype(str)
        return df[key + cols].set_index(key)

    old, new = norm(old_table), norm(new_table)
    both = old.index.intersection(new.index)
    num = ["male", "female", "total"]
    o = old.loc[both, num].astype("Int64").fillna(-1)
    n = new.loc[both, num].astype("Int64").fillna(-1)
    changed = int((o.to_numpy() != n.to_numpy()).any(axis=1).sum()) if len(both) else 0
    om, nm = set(old_months or {}), set(new_months or {})
    return {
        "months_added": sorted(nm - om),
        "months_removed": sorted(om - nm),
        "rows_added": int(len(new.index.difference(old.index))),
        "rows_removed": int(len(old.index.difference(new.index))),
        "rows_changed": changed,
    }
