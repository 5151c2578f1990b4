"""The codebook: every column of every table and panel with its type, unit, definition, source and caveats.

The definitions are data (``src/pkdata/data/codebook.toml``); the types come from the frames themselves.
:func:`write` renders them as ``docs/codebook.md`` and as a Frictionless Data Package descriptor,
``data/processed/datapackage.json`` (deterministic: no timestamps; table hashes from the manifest).
``pkdata codebook`` writes both; ``pkdata codebook --check`` says whether they are up to date.

>>> entry("contributions", "total")["unit"]
'persons'
>>> entry("panel:country-year", "troops_dec")["definition"]
'December value of: Contingent troops serving in the month'
"""

from __future__ import annotations

import argparse
import json
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.core import atomic, paths, store
from pkdata.core.errors import PkdataError

CODEBOOK_TOML = paths.PACKAGE_DIR / "data" / "codebook.toml"
#: Processed tables the codebook and the data package describe (parquet files of data/processed).
TABLES: tuple[str, ...] = (
    "contributions",
    "missions",
    "fatalities",
    "assessments",
    "budgets",
    "quality",
    "listed_contributors",
    "gender_targets",
)
#: The package data table of country codes (documented, not part of the data package).
EXTRA_TABLES: tuple[str, ...] = ("country_codes",)
#: Where ``pkdata codebook`` writes the Markdown: the checkout's docs/, else the current folder.
CODEBOOK_MD = paths.REPO_DIR / "docs" / "codebook.md" if paths.IN_CHECKOUT else Path("codebook.md")
DATAPACKAGE = "datapackage.json"


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    """The codebook data (``codebook.toml``) as a dict.

    >>> sorted(load())[:3]
    ['columns', 'panels', 'suffixes']
    """
    with open(CODEBOOK_TOML, "rb") as fh:
        return tomllib.load(fh)


def _table_block(name: str) -> dict[str, Any]:
    book = load()
    if name.startswith("panel:"):
        return book.get("panels", {}).get(name.split(":", 1)[1], {})
    return book.get("tables", {}).get(name, {})


def entry(table: str, column: str) -> dict[str, str]:
    """The documentation of ``column`` in ``table`` (``"panel:<unit>"`` for a panel).

    Raises :class:`pkdata.core.errors.PkdataError` naming the column when the codebook has no entry.

    >>> entry("panel:mission-month", "host_cown")["source"]
    'country_codes'
    """
    book = load()
    found = _table_block(table).get("columns", {}).get(column) or book.get("columns", {}).get(column)
    if found is None:
        for suffix, rule in book.get("suffixes", {}).items():
            if column.endswith(suffix) and column != suffix:
                try:
                    base = entry(table, column[: -len(suffix)])
                except PkdataError:
                    continue
                caveats = " ".join(c for c in (base.get("caveats", ""), rule.get("caveats", "")) if c)
                found = {
                    "unit": rule.get("unit", "{unit}").format(**base),
                    "definition": rule["definition"].format(**base),
                    "source": base["source"],
                    "caveats": caveats,
                }
                break
    if found is None:
        raise PkdataError(
            f"{CODEBOOK_TOML}: no entry for column {column!r} of {table} (add "
            f"[tables.{table}.columns.{column}] or [columns.{column}])"
        )
    out = {"unit": "", "definition": "", "source": "", "caveats": ""} | dict(found)
    return {k: str(out[k]) for k in ("unit", "definition", "source", "caveats")}


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


def frames(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Every frame the codebook documents: the processed tables, the country codes, the four panels."""
    from pkdata.tables.panels import UNITS, country_codes, panel

    out: dict[str, pd.DataFrame] = {name: store.table(name, data_dir) for name in TABLES}
    out["country_codes"] = country_codes()
    for unit in UNITS:
        out[f"panel:{unit}"] = panel(unit, data_dir=data_dir)  # type: ignore[arg-type]
    return out


def missing_entries(frames_: dict[str, pd.DataFrame]) -> list[str]:
    """``"table.column"`` for every column of ``frames_`` the codebook does not document.

    >>> missing_entries({"contributions": pd.DataFrame(columns=["total", "brand_new"])})
    ['contributions.brand_new']
    """
    out = []
    for name, df in frames_.items():
        for col in df.columns:
            try:
                entry(name, str(col))
            except PkdataError:
                out.append(f"{name}.{col}")
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(frames_: dict[str, pd.DataFrame]) -> str:
    """The codebook as Markdown: one section per table and panel, one row per column."""
    missing = missing_entries(frames_)
    if missing:
        raise PkdataError(f"{CODEBOOK_TOML}: no entry for {', '.join(missing)}")
    lines = [
        "# pkdata codebook",
        "",
        "Generated by `pkdata codebook` from `src/pkdata/data/codebook.toml` and the data; do not edit by hand.",
        "Sources are ids of `pkdata cite SOURCE`. Types are Frictionless field types.",
        "",
    ]
    for name, df in frames_.items():
        block = _table_block(name)
        title = block.get("title", name)
        lines += [
            f"## {title} (`{name}`)",
            "",
            block.get("description", ""),
            "",
            "| column | type | unit | definition | source | caveats |",
            "|---|---|---|---|---|---|",
        ]
        for col in df.columns:
            e = entry(name, str(col))
            lines.append(
                f"| `{col}` | {field_type(df[col])} | {_md_cell(e['unit'])} | {_md_cell(e['definition'])} "
                f"| {e['source']} | {_md_cell(e['caveats'])} |"
            )
        lines.append("")
    return "\n".join(lines)


def datapackage(frames_: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    """The Frictionless Data Package descriptor of the processed tables (resource per parquet file)."""
    from pkdata import __version__

    resources = []
    for name in (t for t in TABLES if t in frames_):
        df = frames_[name]
        meta = manifest["tables"][name]
        block = _table_block(name)
        fields = []
        for col in df.columns:
            e = entry(name, str(col))
            field = {"name": str(col), "type": field_type(df[col]), "description": e["definition"]}
            if e["unit"]:
                field["unit"] = e["unit"]
            if e["caveats"]:
                field["caveats"] = e["caveats"]
            field["source"] = e["source"]
            fields.append(field)
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
                "schema": {"fields": fields},
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

    >>> json.loads(datapackage_json())["resources"][0]["name"]
    'contributions'
    """
    import pyarrow.parquet as pq

    folder = Path(data_dir) if data_dir else paths.processed_dir()
    manifest = store.manifest(folder)
    # the descriptor needs each column's dtype, not the rows: an empty frame from each file's schema
    tables = {
        name: pq.read_schema(folder / manifest["tables"][name]["file"]).empty_table().to_pandas()
        for name in TABLES
        if name in manifest["tables"]
    }
    dp = datapackage(tables, manifest)
    return json.dumps(dp, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def render(data_dir: str | Path | None = None) -> tuple[str, str]:
    """The codebook Markdown and the datapackage.json text, as :func:`write` would write them."""
    return markdown(frames(data_dir)) + "\n", datapackage_json(data_dir)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, text)


def write(md_path: Path = CODEBOOK_MD, data_dir: str | Path | None = None) -> list[Path]:
    """Write ``docs/codebook.md`` and ``<processed>/datapackage.json``; return their paths."""
    md, dp = render(data_dir)
    dp_path = (Path(data_dir) if data_dir else paths.processed_dir()) / DATAPACKAGE
    _atomic_write(Path(md_path), md)
    _atomic_write(dp_path, dp)
    return [Path(md_path), dp_path]


def cli_args(p: argparse.ArgumentParser) -> None:
    """Options of ``pkdata codebook``."""
    p.add_argument("--data", help="processed folder (default data/processed or PKDATA_DATA)")
    p.add_argument("--out", default=str(CODEBOOK_MD), help="Markdown codebook to write (default docs/codebook.md)")
    p.add_argument("--check", action="store_true", help="only say whether the written files are up to date")


def cli_codebook(args: argparse.Namespace) -> int:
    """``pkdata codebook``: write (or ``--check``) the codebook and datapackage.json."""
    if args.check:
        md, dp = render(args.data)
        dp_path = (Path(args.data) if args.data else paths.processed_dir()) / DATAPACKAGE
        stale = [
            str(p)
            for p, text in ((Path(args.out), md), (dp_path, dp))
            if not p.exists() or p.read_text(encoding="utf-8") != text
        ]
        if stale:
            print("out of date (run `pkdata codebook`): " + ", ".join(stale))
            return 1
        print("codebook and datapackage.json are up to date")
        return 0
    for p in write(Path(args.out), args.data):
        print(p)
    return 0
