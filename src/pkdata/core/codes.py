"""The country code table shipped in the package (ISO3, ISO numeric, UN M49, COW and Gleditsch-Ward codes)
and the check that every ISO3 code of the processed tables has a row in it.

``src/pkdata/data/country_codes.csv`` is derived by :mod:`pkdata.builder.steps.codes`; its sources are in
``country_codes_SOURCES.md`` (cite them with ``pkdata cite country_codes``).

>>> int(country_codes().set_index("iso3").loc["CHN", "cown"])
710
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from pkdata.core import paths, schema, store

CODES_CSV = paths.PACKAGE_DIR / "data" / "country_codes.csv"
#: Tables and columns holding ISO3 codes of countries (what :func:`unresolved_codes` checks).
CODE_FIELDS: dict[str, tuple[str, ...]] = {
    "contributions": ("contributor_iso3",),
    "fatalities": ("nationality_iso3",),
    "assessments": ("member_iso3",),
    "missions": ("host_iso3",),
}


@lru_cache(maxsize=2)
def _codes(path: str, mtime: float) -> pd.DataFrame:
    dtypes = {
        "iso_numeric": "Int64",
        "m49": "Int64",
        "cown": "Int64",
        "gwno": "Int64",
        "microstate": "boolean",
        "historical": "boolean",
    }
    df = pd.read_csv(
        path,
        dtype={**dtypes, **{c: "string" for c in ("iso3", "name", "cowc", "cow_name", "gwc", "gw_name", "note")}},
        keep_default_na=False,
        na_values=[""],
    )
    return df


def country_codes() -> pd.DataFrame:
    """ISO3, ISO numeric, UN M49, COW (number, letters, dates) and Gleditsch-Ward codes, one row per ISO3.

    Historical entities (Yugoslavia ``YUG``, Serbia and Montenegro ``SCG``, ...) are rows of their own;
    ``note`` gives the reason wherever a code is not the obvious one.

    >>> c = country_codes().set_index("iso3")
    >>> c.loc[["SCG", "DEU", "SSD"], ["cown", "gwno"]].astype(int).values.tolist()
    [[345, 345], [255, 260], [626, 626]]
    """
    return _codes(str(CODES_CSV), CODES_CSV.stat().st_mtime).copy()


def unresolved_codes(tables: dict[str, pd.DataFrame] | None = None) -> dict[str, list[str]]:
    """``"table.column"`` -> codes with no row in :func:`country_codes` (empty when all resolve).

    ``tables`` defaults to the processed tables; missing codes (a fatality of undetermined
    nationality) are not codes and are skipped; ``hosts_iso3`` lists are split.

    >>> unresolved_codes()
    {}
    >>> unresolved_codes({"contributions": pd.DataFrame({"contributor_iso3": ["CHN", "ATL"]})})
    {'contributions.contributor_iso3': ['ATL']}
    """
    if tables is None:
        tables = {name: store.table(name) for name in CODE_FIELDS}
    known = set(country_codes()["iso3"])
    out: dict[str, list[str]] = {}
    for name, cols in CODE_FIELDS.items():
        df = tables.get(name)
        if df is None:
            continue
        fields = list(cols) + (["hosts_iso3"] if "hosts_iso3" in df.columns else [])
        for col in fields:
            if col not in df.columns:
                continue
            values = schema.present_values(df[col])
            if col == "hosts_iso3":
                values = {v for s in values for v in s.split(";") if v}
            bad = sorted(values - known)
            if bad:
                out[f"{name}.{col}"] = bad
    return out
