"""The table registry: each processed table's columns (in order), types, keys, sources and column docs.

Declared once, in ``pkdata/data/codebook.toml`` (shipped with the package); the schema checks, the
builder's column lists, the loaders, ``data/processed/datapackage.json`` and ``docs/codebook.md`` read
them from here. Standard library only (``tomllib``), so the builder and the library can both use it.

>>> columns("quality")
('month', 'scope', 'field', 'issue', 'action', 'detected_by', 'reason', 'evidence', 'source')
>>> keys("missions"), types("missions")["hq_lon"]
(('acronym',), 'number')
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from pkdata.core.errors import PkdataError

#: Where the registry lives, for messages.
CODEBOOK_TOML = "pkdata/data/codebook.toml"
#: Frictionless field types a column may declare.
FIELD_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean", "date")


def _check_table(name: str, block: dict[str, Any]) -> None:
    fields = block.get("fields")
    if not isinstance(fields, list) or not fields:
        raise PkdataError(f"{CODEBOOK_TOML}: [tables.{name}] needs fields = [{{ name = ..., type = ... }}, ...]")
    names = [f.get("name") for f in fields]
    bad = [f for f in fields if f.get("type") not in FIELD_TYPES]
    if bad:
        raise PkdataError(f"{CODEBOOK_TOML}: [tables.{name}] field {bad[0]} has no type in {list(FIELD_TYPES)}")
    if len(set(names)) != len(names):
        raise PkdataError(f"{CODEBOOK_TOML}: [tables.{name}] names a column twice: {names}")
    strays = [k for k in block.get("keys", []) if k not in names]
    if not block.get("keys") or strays:
        raise PkdataError(f"{CODEBOOK_TOML}: [tables.{name}] keys must be columns of the table (not {strays})")
    if not isinstance(block.get("sources"), list):
        raise PkdataError(f"{CODEBOOK_TOML}: [tables.{name}] needs sources = [source ids]")


@lru_cache(maxsize=1)
def _book() -> dict[str, Any]:
    text = resources.files("pkdata").joinpath("data/codebook.toml").read_text(encoding="utf-8")
    book = tomllib.loads(text)
    for name in book.get("processed", []):
        if name not in book.get("tables", {}):
            raise PkdataError(f"{CODEBOOK_TOML}: processed table {name!r} has no [tables.{name}]")
        _check_table(name, book["tables"][name])
    return book


def load() -> dict[str, Any]:
    """The whole registry and codebook as a dict (a fresh copy each call).

    >>> sorted(load())
    ['columns', 'panels', 'processed', 'suffixes', 'tables']
    """
    import copy

    return copy.deepcopy(_book())


def tables() -> tuple[str, ...]:
    """The processed tables, in the order the data package lists them.

    >>> tables()[:3]
    ('contributions', 'missions', 'fatalities')
    """
    return tuple(_book()["processed"])


def _table(name: str) -> dict[str, Any]:
    if name not in _book()["processed"]:
        raise PkdataError(f"unknown table {name!r}; processed tables: {', '.join(_book()['processed'])}")
    return _book()["tables"][name]


def columns(name: str) -> tuple[str, ...]:
    """A processed table's columns, in order; an unknown table is a :class:`PkdataError` naming the known ones.

    >>> columns("listed_contributors")
    ('date', 'contributor_iso3', 'contributor', 'total', 'source')
    >>> columns("nope")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: unknown table 'nope'; processed tables: contributions, missions, ...
    """
    return tuple(f["name"] for f in _table(name)["fields"])


def types(name: str) -> dict[str, str]:
    """Column -> Frictionless type (string, integer, number, boolean, date) of a processed table.

    >>> types("contributions")["total"], types("contributions")["date"]
    ('integer', 'date')
    """
    return {f["name"]: f["type"] for f in _table(name)["fields"]}


def keys(name: str) -> tuple[str, ...]:
    """The columns that are unique together in a processed table.

    >>> keys("contributions")
    ('date', 'contributor_iso3', 'mission', 'personnel_type')
    """
    return tuple(_table(name)["keys"])


def sources(name: str) -> tuple[str, ...]:
    """The source-registry ids a processed table is built from (``pkdata cite ID``).

    >>> sources("fatalities")
    ('un_psdata_fatalities',)
    """
    return tuple(_table(name)["sources"])


def block(name: str) -> dict[str, Any]:
    """The codebook block of a table (``"panel:<unit>"`` for a panel): title, description, fields, columns.

    >>> block("panel:country-year")["title"], block("budgets")["title"]
    ('Country-year panel', 'Budgets')
    """
    book = _book()
    if name.startswith("panel:"):
        return book.get("panels", {}).get(name.split(":", 1)[1], {})
    return book.get("tables", {}).get(name, {})


def entry(table: str, column: str) -> dict[str, str]:
    """The documentation of ``column`` in ``table`` (``"panel:<unit>"`` for a panel): unit, definition, source, caveats.

    A table's own entry wins over a shared ``[columns.<column>]`` one, then a ``[suffixes]`` rule applies to
    the column without its suffix. Raises :class:`PkdataError` naming the column when there is no entry.

    >>> entry("panel:mission-month", "host_cown")["source"]
    'country_codes'
    >>> entry("panel:country-year", "troops_dec")["definition"]
    'December value of: Contingent troops serving in the month'
    """
    book = _book()
    found = block(table).get("columns", {}).get(column) or book.get("columns", {}).get(column)
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
