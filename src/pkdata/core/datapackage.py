"""The Frictionless Data Package descriptor of a processed folder (``datapackage.json``), from the table registry.

Deterministic (no timestamps; table hashes and rows from the manifest). Each table's columns and types
must be those :mod:`pkdata.core.registry` declares: a table that differs is an error, not a silently
different descriptor. The build writes the descriptor beside the tables; ``pkdata codebook`` checks it.

>>> dp = json.loads(datapackage_json())
>>> [f["name"] for f in dp["resources"][0]["schema"]["fields"]][:3]
['date', 'contributor_iso3', 'contributor']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.core import paths, registry, store
from pkdata.core.errors import PkdataError

#: The descriptor's file name in the processed folder.
DATAPACKAGE = "datapackage.json"


def field_type(series: pd.Series) -> str:
    """The Frictionless field type of a column, from its dtype.

    >>> field_type(pd.Series([1, 2])), field_type(pd.Series(["a"])), field_type(pd.Series([True]))
    ('integer', 'string', 'boolean')
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    return "string"


def check_frame(name: str, df: pd.DataFrame) -> None:
    """Raise :class:`PkdataError` when ``df``'s columns or their types are not those the registry declares.

    >>> check_frame("quality", pd.DataFrame({c: pd.Series([], dtype="string") for c in registry.columns("quality")}))
    >>> check_frame("quality", pd.DataFrame({"month": [1]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: table quality has columns ['month'], the registry declares ['month', ...
    """
    declared = registry.columns(name)
    if [str(c) for c in df.columns] != list(declared):
        raise PkdataError(
            f"table {name} has columns {[str(c) for c in df.columns]}, the registry declares {list(declared)} "
            f"({registry.CODEBOOK_TOML}, [tables.{name}] fields)"
        )
    wanted = registry.types(name)
    wrong = {c: field_type(df[c]) for c in declared if field_type(df[c]) != wanted[c]}
    if wrong:
        raise PkdataError(
            f"table {name}: column types {wrong} differ from the registry's "
            f"{ {c: wanted[c] for c in wrong} } ({registry.CODEBOOK_TOML})"
        )


def _fields(name: str, df: pd.DataFrame) -> list[dict[str, str]]:
    check_frame(name, df)
    fields = []
    for col, kind in registry.types(name).items():
        e = registry.entry(name, col)
        field = {"name": col, "type": kind, "description": e["definition"]}
        if e["unit"]:
            field["unit"] = e["unit"]
        if e["caveats"]:
            field["caveats"] = e["caveats"]
        field["source"] = e["source"]
        fields.append(field)
    return fields


def datapackage(frames: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    """The descriptor of the processed tables in ``frames`` (a resource per parquet file, in registry order).

    >>> frames = {"quality": pd.DataFrame({c: pd.Series([], dtype="string") for c in registry.columns("quality")})}
    >>> meta = {"tables": {"quality": {"file": "quality.parquet", "sha256": "ab", "rows": 0}}}
    >>> datapackage(frames, meta)["resources"][0]["hash"]
    'sha256:ab'
    """
    from pkdata import __version__

    resources = []
    for name in (t for t in registry.tables() if t in frames):
        meta = manifest["tables"][name]
        block = registry.block(name)
        resources.append(
            {
                "name": name,
                "path": meta["file"],
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "title": block.get("title", name),
                "description": block.get("description", ""),
                "hash": f"sha256:{meta['sha256']}",
                "rows": meta["rows"],
                "schema": {"fields": _fields(name, frames[name])},
            }
        )
    months = manifest.get("contributions", {})
    return {
        "name": "pkdata",
        "title": "pkdata: UN peacekeeping data as checked tables",
        "version": __version__,
        "description": (
            f"Contributions {months.get('first_month')} to {months.get('last_month')}; months without a "
            f"report: {', '.join(months.get('missing_months', [])) or 'none'}. Codebook: docs/codebook.md."
        ),
        "licenses": [{"name": "MIT", "title": "pkdata code; the data keep their publishers' terms (pkdata cite)"}],
        "resources": resources,
    }


def datapackage_json(data_dir: str | Path | None = None) -> str:
    """The text of ``datapackage.json`` for a processed folder (the build writes it beside the tables).

    Only the tables the folder's manifest lists are described.

    >>> json.loads(datapackage_json())["resources"][-1]["name"]
    'gender_targets'
    """
    import pyarrow.parquet as pq

    folder = Path(data_dir) if data_dir else paths.processed_dir()
    manifest = store.manifest(folder)
    # the descriptor needs each column's dtype, not the rows: an empty frame from each file's schema
    tables = {
        name: pq.read_schema(folder / manifest["tables"][name]["file"]).empty_table().to_pandas()
        for name in registry.tables()
        if name in manifest["tables"]
    }
    dp = datapackage(tables, manifest)
    return json.dumps(dp, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
