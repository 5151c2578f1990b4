"""What a build changed in the contributions table (``pkdata update`` prints it and records the revisions).

A *revised* month is one both tables hold whose cells differ: every differing cell (month, contributor, mission,
personnel type, column, old value, new value) is listed, a row only one table holds within such a month as a
cell from or to nothing. New contributors and missions are those the new table names and the old one did not.
"""

from __future__ import annotations

from pathlib import Path
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
    names = lambda df, level: set(df.index.get_level_values(level).astype(str)) - {""}  # noqa: E731
    return {
        "months_added": sorted(nm - om),
        "months_removed": sorted(om - nm),
        "rows_added": int(len(new.index.difference(old.index))),
        "rows_removed": int(len(old.index.difference(new.index))),
        "rows_changed": changed,
        "revised": revised_cells(old, new, sorted(om & nm)),
        "contributors_added": sorted(names(new, "contributor_iso3") - names(old, "contributor_iso3")),
        "missions_added": sorted(names(new, "mission") - names(old, "mission")),
    }


def revised_cells(old: pd.DataFrame, new: pd.DataFrame, months: list[str]) -> list[dict[str, Any]]:
    """Every cell (male, female, total) that differs between two keyed tables in the months both hold.

    >>> import pandas as pd
    >>> key = ["date", "contributor_iso3", "mission", "personnel_type"]
    >>> a = pd.DataFrame({"date": pd.to_datetime(["2025-06-30"]), "contributor_iso3": ["CHN"], "mission": ["UNMISS"],
    ...                   "personnel_type": ["troops"], "male": [990], "female": [10], "total": [1000]}).set_index(key)
    >>> b = a.assign(male=[991], total=[1001])
    >>> [(c["column"], c["old"], c["new"]) for c in revised_cells(a, b, ["2025-06"])]
    [('male', 990, 991), ('total', 1000, 1001)]
    """
    import pandas as pd

    num = ["male", "female", "total"]

    def in_months(df):
        month = pd.DatetimeIndex(df.index.get_level_values("date")).strftime("%Y-%m")  # an empty table too
        return df[month.isin(months)][num]

    a, b = in_months(old), in_months(new)
    both = a.merge(b, left_index=True, right_index=True, how="outer", suffixes=("_old", "_new"))
    o_all = both[[f"{c}_old" for c in num]].astype("Int64").fillna(-1).to_numpy()
    n_all = both[[f"{c}_new" for c in num]].astype("Int64").fillna(-1).to_numpy()
    both = both[(o_all != n_all).any(axis=1)]  # only the differing rows are walked cell by cell
    out = []
    for key, row in both.iterrows():
        for col in num:
            o, n = row[f"{col}_old"], row[f"{col}_new"]
            o = None if pd.isna(o) else int(o)
            n = None if pd.isna(n) else int(n)
            if o != n:
                date, iso, mission, ptype = key
                out.append(
                    {
                        "month": f"{pd.Timestamp(date):%Y-%m}",
                        "contributor_iso3": iso,
                        "mission": mission or None,
                        "personnel_type": ptype,
                        "column": col,
                        "old": o,
                        "new": n,
                    }
                )
    return out


def record_revisions(raw: str | Path | None, cells: list[dict[str, Any]], build_out: str) -> int:
    """Append revised cells to ``revisions`` in ``data/raw/fetch_manifest.json`` (with the time and the processed
    folder), so a revision a publisher made is on record, never only overwritten. Returns how many were added.

    >>> import tempfile
    >>> raw = tempfile.mkdtemp()
    >>> record_revisions(raw, [{"month": "2025-06", "column": "total", "old": 1, "new": 2}], "out")
    1
    >>> from pkdata.builder.fetch.manifest import load_manifest
    >>> load_manifest(raw)["revisions"][0]["new"]
    2
    """
    from pkdata.builder.fetch.manifest import _now, _save_manifest, load_manifest
    from pkdata.core import paths

    if not cells:
        return 0
    folder = Path(raw) if raw else paths.raw_dir()
    manifest = load_manifest(folder)
    when = _now()
    manifest.setdefault("revisions", []).extend({**c, "detected_at": when, "processed": build_out} for c in cells)
    _save_manifest(folder, manifest)
    return len(cells)


def change_lines(c: dict[str, Any], shown: int = 20) -> list[str]:
    """What ``pkdata update`` prints about a change (:func:`changes`): months, revisions cell by cell (the first
    ``shown``), new contributors and missions.

    >>> for line in change_lines({"months_added": ["2025-08"], "months_removed": [], "rows_added": 3,
    ...         "rows_removed": 0, "rows_changed": 0, "revised": [], "contributors_added": ["FJI"],
    ...         "missions_added": []}):
    ...     print(line)
    months added: 2025-08; months removed: none
    rows added 3, removed 0, changed 0
    revised months: none
    new contributors: FJI
    new missions: none
    """
    lines = [
        f"months added: {', '.join(c['months_added']) or 'none'}; "
        f"months removed: {', '.join(c['months_removed']) or 'none'}",
        f"rows added {c['rows_added']:,}, removed {c['rows_removed']:,}, changed {c['rows_changed']:,}",
    ]
    revised = c.get("revised", [])
    months = sorted({r["month"] for r in revised})
    lines.append(f"revised months: {', '.join(months) or 'none'}" + (f" ({len(revised)} cells)" if revised else ""))
    for r in revised[:shown]:
        where = " ".join(str(x) for x in (r["contributor_iso3"], r["mission"] or "(no mission)", r["personnel_type"]))
        lines.append(f"  revised {r['month']} {where} {r['column']}: {r['old']} -> {r['new']}")
    if len(revised) > shown:
        lines.append(f"  ... and {len(revised) - shown} more cells (all in fetch_manifest.json, key 'revisions')")
    lines.append(f"new contributors: {', '.join(c.get('contributors_added', [])) or 'none'}")
    lines.append(f"new missions: {', '.join(c.get('missions_added', [])) or 'none'}")
    return lines


def table_lines(old_manifest: dict[str, Any], new_manifest: dict[str, Any]) -> list[str]:
    """One line per processed table whose rows changed (fatalities, missions, budgets, ...), from the manifests.

    >>> table_lines({"tables": {"fatalities": {"rows": 4350, "sha256": "a"}}},
    ...             {"tables": {"fatalities": {"rows": 4371, "sha256": "b"}, "budgets": {"rows": 9, "sha256": "c"}}})
    ['table budgets: new, 9 rows', 'table fatalities: 4,350 -> 4,371 rows']
    """
    old, new = old_manifest.get("tables", {}), new_manifest.get("tables", {})
    lines = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a is None:
            lines.append(f"table {name}: new, {b['rows']:,} rows")
        elif b is None:
            lines.append(f"table {name}: gone (had {a['rows']:,} rows)")
        elif a.get("sha256") != b.get("sha256"):
            lines.append(f"table {name}: {a['rows']:,} -> {b['rows']:,} rows")
    return lines
