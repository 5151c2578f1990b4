"""The source registry: who publishes each upstream file, where pkdata gets it, how to cite it.

One table per upstream source in ``pkdata/data/sources.toml`` (shipped with the package): title,
publisher, publisher_url, url (where ``pkdata fetch`` downloads from; ``mirror = true`` when that
is a copy kept by someone other than the publisher), licence, citation, the ``data/raw`` folder
the build reads (``raw_sub``), the reference-folder copy (``reference_sub``) and the files, each
with the sha256 of the reference copy where the file is fixed, and a content check. ``[cited.<id>]``
tables hold what is cited but not fetched (pkdata itself, the country code lists); :func:`citable` is
every id ``pkdata cite`` knows, one per source.

Library code reads publisher strings and citations from here instead of repeating literals.
Standard library only (``tomllib``), so importing it costs nothing.

>>> publisher("un_psdata_fatalities")
'United Nations Peace and Security Data Hub (DPPA/DPO)'
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from pkdata.core.errors import PkdataError

#: Value of ``url`` / ``publisher_url`` / ``licence`` when SOURCES.md records none.
NOT_RECORDED = "not recorded"
NOT_STATED = "not stated"

_REQUIRED = (
    "id",
    "title",
    "publisher",
    "publisher_url",
    "url",
    "mirror",
    "licence",
    "citation",
    "raw_sub",
    "reference_sub",
    "files",
)
#: ``field``'s default: no default given.
_MISSING = object()
_REQUIRED_CITED = ("id", "title", "publisher", "publisher_url", "url", "licence", "citation")


@lru_cache(maxsize=1)
def _registry() -> dict[str, Any]:
    text = resources.files("pkdata").joinpath("data/sources.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    sources = data.get("sources", {})
    for key, entry in sources.items():
        missing = [f for f in _REQUIRED if f not in entry]
        if missing:
            raise PkdataError(f"pkdata/data/sources.toml: source {key!r} lacks {missing}")
        if entry["id"] != key:
            raise PkdataError(f"pkdata/data/sources.toml: source table {key!r} has id {entry['id']!r}")
    for key, entry in data.get("cited", {}).items():
        missing = [f for f in _REQUIRED_CITED if f not in entry]
        if missing or entry.get("id") != key or key in sources:
            raise PkdataError(
                f"pkdata/data/sources.toml: [cited.{key}] needs id = {key!r}, a key no source has, and {missing}"
            )
    return data


def _copy(value: Any) -> Any:
    """A deep copy of parsed TOML, so that no caller can change the registry: TOML holds only tables, arrays and
    immutable scalars, so this is what ``copy.deepcopy`` gives, without its bookkeeping (a third of the time).

    >>> entry = _registry()["sources"]["un_open"]
    >>> copied = _copy(entry)
    >>> copied == entry, copied["files"] is entry["files"], copied["files"][0] is entry["files"][0]
    (True, False, False)
    """
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def load() -> dict[str, Any]:
    """The whole registry: ``{"format_version": 1, "sources": {id: entry}}`` (a fresh copy each call).

    >>> reg = load()
    >>> reg["format_version"], "un_open" in reg["sources"]
    (1, True)
    >>> load()["sources"]["un_open"]["raw_sub"]
    'budget/un_open'
    """
    return _copy(_registry())


def section(name: str) -> dict[str, Any]:
    """One top-level table of the registry besides the sources (a copy), e.g. ``curated`` or ``user_inputs``.

    >>> section("curated")["tables"]["url_pattern"]
    'data/raw/curated/{name}'
    >>> section("nope")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: pkdata/data/sources.toml has no table [nope]
    """
    reg = _registry()
    if not isinstance(reg.get(name), dict):
        raise PkdataError(f"pkdata/data/sources.toml has no table [{name}]")
    return _copy(reg[name])


def ids() -> list[str]:
    """Source ids in registry order.

    >>> ids()[:2]
    ['un_dpo_monthly_pdfs', 'un_contributions_csv']
    """
    return list(_registry()["sources"])


def source(id: str) -> dict[str, Any]:
    """One source's entry (a copy); raises :class:`PkdataError` naming the known ids for an unknown one.

    >>> s = source("un_psdata_pko")
    >>> s["url"], s["mirror"], s["raw_sub"]
    ('https://api.psdata.un.org/public/data/DPPADPOSS-PKO/CSV', False, 'missions')
    >>> source("nope")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: unknown source 'nope'; known: un_dpo_monthly_pdfs, ...
    """
    sources = _registry()["sources"]
    if id not in sources:
        raise PkdataError(f"unknown source {id!r}; known: {', '.join(sources)}")
    return _copy(sources[id])


def field(id: str, name: str, default: Any = _MISSING) -> Any:
    """One field of a source's entry (a copy), without copying the rest (a file list can be long); ``default``
    when the entry lacks it, else :class:`PkdataError`.

    >>> field("un_open", "raw_sub"), field("un_open", "nope", None)
    ('budget/un_open', None)
    >>> field("un_open", "nope")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: source 'un_open' has no field 'nope'
    """
    entry = _registry()["sources"].get(id) or source(id)
    if name in entry:
        return _copy(entry[name])
    if default is _MISSING:
        raise PkdataError(f"source {id!r} has no field {name!r}")
    return default


def publisher(id: str, part: str | None = None) -> str:
    """The publisher string of a source, or of one ``part`` of it (e.g. ``un_open``'s ``donors`` files).

    >>> publisher("un_dpo_monthly_pdfs")
    'UN Department of Peace Operations (DPO), monthly troop and police contributors reports'
    >>> publisher("un_official_scales", "resolution")
    'UN General Assembly, resolution 79/249'
    >>> publisher("un_open", "nope")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: source 'un_open' has no part 'nope'; parts: donors, ...
    """
    entry = _registry()["sources"].get(id) or source(id)
    if part is None:
        return entry["publisher"]
    parts = entry.get("parts", {})
    if part not in parts:
        raise PkdataError(f"source {id!r} has no part {part!r}; parts: {', '.join(parts) or 'none'}")
    return parts[part]


def citation(id: str) -> str:
    """How to cite a source (plain text).

    >>> citation("un_psdata_pko")
    "United Nations Peace and Security Data Hub, 'Peacekeeping Operations' (DPPADPOSS-PKO), https://psdata.un.org/dataset/DPPADPOSS-PKO."
    """
    entry = _registry()["sources"].get(id) or source(id)
    return entry["citation"]


def citable() -> list[dict[str, Any]]:
    """Every entry ``pkdata cite`` lists, one per id (copies): pkdata first, the sources, then the other cited.

    >>> [e["id"] for e in citable()][:3]
    ['pkdata', 'un_dpo_monthly_pdfs', 'un_contributions_csv']
    >>> [e["id"] for e in citable()][-1]
    'country_codes'
    """
    reg = _registry()
    cited = reg.get("cited", {})
    first = [cited["pkdata"]] if "pkdata" in cited else []
    rest = [e for k, e in cited.items() if k != "pkdata"]
    return _copy([*first, *reg["sources"].values(), *rest])
