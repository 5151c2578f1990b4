"""Country names to ISO 3166 alpha-3 codes: the one table every reader uses.

Names are matched exactly after :func:`name_key` folds case, apostrophes and spaces;
there is no fuzzy matching. A name that is not in :data:`NAMES` is an error
(:class:`pkdata.core.errors.UnknownNameError`) listing every unknown name, so a new spelling
is added deliberately, with the files that print it in its ``source`` column.

The tables are package data, read once on first use (``import pkdata.core.countries`` reads nothing):

- ``pkdata/data/country_names.csv`` (``name,iso3,source``): every spelling a source prints, the code
  it means, and where it is printed (or ``pkdata: hand-added variant: <why>``). :data:`NAMES`.
- ``pkdata/data/countries.csv`` (``iso3,display_name,source,note``): each code pkdata uses, the
  short name it shows, where the code comes from, and a note for entities that are not current
  ISO 3166-1 countries. :data:`DISPLAY`.

Codes for states that no longer exist (Yugoslavia ``YUG``, Serbia and Montenegro ``SCG``,
Czechoslovakia ``CSK``, USSR ``SUN``, Netherlands Antilles ``ANT``) are the ISO 3166-3
retired codes; Kosovo uses the widely used user-assigned code ``XKX``.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pkdata.core.errors import ParseError, strict_map

#: The five permanent members of the Security Council.
P5: tuple[str, ...] = ("CHN", "FRA", "GBR", "RUS", "USA")

#: The package data files the tables are read from.
DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"
NAMES_FILE: Path = DATA_DIR / "country_names.csv"
COUNTRIES_FILE: Path = DATA_DIR / "countries.csv"

_ISO3_CODE = re.compile(r"[A-Z]{3}")

if TYPE_CHECKING:
    #: Name as printed by a source -> ISO3 (``country_names.csv``; loaded on first use).
    NAMES: dict[str, str]
    #: ISO3 -> the short name pkdata shows (``countries.csv``; loaded on first use).
    DISPLAY: dict[str, str]


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row of a package CSV; the header is line 1."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ParseError(str(path), f"missing column(s) {missing}; expected columns {list(columns)}", row=1)
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise ParseError(
                    str(path),
                    f"expected {len(reader.fieldnames or [])} fields, got a row of another length",
                    row=reader.line_num,
                )
            for c in columns:
                if c != "note" and not row[c].strip():
                    raise ParseError(str(path), f"empty {c!r}; every row needs {list(columns)}", row=reader.line_num)
            yield reader.line_num, row


def _iso3(value: str, path: Path, line: int) -> str:
    if not _ISO3_CODE.fullmatch(value):
        raise ParseError(str(path), f"iso3 {value!r} is not three capital letters (ISO 3166 alpha-3)", row=line)
    return value


def _read_display(path: Path) -> dict[str, str]:
    display: dict[str, str] = {}
    lines: dict[str, int] = {}
    for line, row in _rows(path, ("iso3", "display_name", "source", "note")):
        code = _iso3(row["iso3"], path, line)
        if code in display:
            raise ParseError(
                str(path),
                f"iso3 {code} is listed twice (rows {lines[code]} and {line}); expected one row per code",
                row=line,
            )
        display[code], lines[code] = row["display_name"], line
    return display


def _read_names(path: Path, known: dict[str, str], known_file: Path) -> tuple[dict[str, str], dict[str, str]]:
    names: dict[str, str] = {}
    index: dict[str, str] = {}  # name_key -> iso3
    lines: dict[str, int] = {}  # name -> line
    first: dict[str, tuple[str, int]] = {}  # name_key -> (first name with that key, its line)
    for line, row in _rows(path, ("name", "iso3", "source")):
        name, code = row["name"], _iso3(row["iso3"], path, line)
        if code not in known:
            raise ParseError(str(path), f"{name!r} maps to {code}, which is not a code in {known_file.name}", row=line)
        key = name_key(name)
        if key in index and index[key] != code:
            other, at = first[key]
            same = "" if other == name else ", the same name for lookup"
            raise ParseError(
                str(path),
                f"name {name!r} maps to {code}, but row {at} ({other!r}{same}) maps to {index[key]}; "
                "expected one code per name",
                row=line,
            )
        if name in lines:
            raise ParseError(
                str(path),
                f"name {name!r} is listed twice (rows {lines[name]} and {line}); expected one row per name",
                row=line,
            )
        first.setdefault(key, (name, line))
        names[name], index[key], lines[name] = code, code, line
    return names, index


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(NAMES, DISPLAY, lookup index), read and checked once."""
    display = _read_display(COUNTRIES_FILE)
    names, index = _read_names(NAMES_FILE, display, COUNTRIES_FILE)
    return names, display, index


def __getattr__(attr: str) -> dict[str, str]:
    """``NAMES`` and ``DISPLAY`` are read from the package data on first access."""
    if attr == "NAMES":
        return _tables()[0]
    if attr == "DISPLAY":
        return _tables()[1]
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


@functools.lru_cache(maxsize=8192)  # the readers look up the same few hundred names thousands of times
def name_key(name: str) -> str:
    """Fold a printed country name for lookup: case, curly apostrophes, spaces.

    >>> name_key("  Côte d’Ivoire ")
    "côte d'ivoire"
    """
    text = name.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


def lookup(name: str) -> str | None:
    """ISO3 for a printed name, or ``None`` if the table does not know it.

    >>> lookup("United Republic of Tanzania")
    'TZA'
    >>> lookup("Atlantis") is None
    True
    """
    return _tables()[2].get(name_key(name))


def to_iso3(names: Iterable[str], *, file: str | None = None) -> dict[str, str]:
    """Map every name to ISO3, raising one error that lists all unknown names.

    >>> to_iso3(["China", "France"])
    {'China': 'CHN', 'France': 'FRA'}
    """
    return strict_map(names, lookup, "country", file=file)


def display_name(iso3: str) -> str:
    """The short name pkdata shows for an ISO3 code.

    >>> display_name("CHN")
    'China'
    """
    return _tables()[1].get(iso3, iso3)
