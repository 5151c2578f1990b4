"""Reader for the UN Peace and Security Data Hub mission list (``DPPADPOSS-PKO.csv``).

The file (source :data:`SOURCE` of the registry ``pkdata/data/sources.toml``, which holds its
publisher, address and citation) lists past and present peacekeeping operations: ``id,
mission_acronym, mission_name, lead_department, mission_isactive, start_date, end_date,
mission_location, mission_longitude, mission_latitude, last_update``.

What this reader does with the file's known quirks:

- ``mission_isactive`` is "Yes", "No" or "NO": read case-insensitively as ``active``/``closed``.
- coordinates use a decimal comma inside quotes (``"15,9833"``): read as numbers; a value
  outside [-180, 180] (longitude) or [-90, 90] (latitude) is an error.
- empty dates, locations and coordinates are missing values, not errors.

What it does *not* do is correct the file's facts (a mission still marked active after it
closed, swapped coordinates, truncated names, aggregate and duplicate rows): those are
data, in the curated override table ``data/raw/curated/mission_overrides.csv``, applied by
:func:`pkdata.missions.mission_table`. This module also reads that table and the other
curated inputs of the mission table (added missions, host-country crosswalk, M49 regions).

Every bad value raises :class:`~pkdata.core.errors.ParseError` naming the file and the row
(row 1 is the header, so row N is line N of the file).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from pkdata.core import schema
from pkdata.core.errors import ParseError

#: The file's entry in the source registry (:mod:`pkdata.core.sources`).
SOURCE = "un_psdata_pko"
#: The registry entry of the author-made mission-to-host crosswalk this module also reads.
CROSSWALK_SOURCE = "missions_crosswalk"

#: Columns the UN file must have.
PKO_COLUMNS: tuple[str, ...] = (
    "id",
    "mission_acronym",
    "mission_name",
    "lead_department",
    "mission_isactive",
    "start_date",
    "end_date",
    "mission_location",
    "mission_longitude",
    "mission_latitude",
    "last_update",
)

#: Fields a curated override may set, and the mission-table column each one sets.
OVERRIDE_FIELDS: tuple[str, ...] = (
    "name",
    "kind",
    "covers",
    "hosts_iso3",
    "start",
    "end",
    "status",
    "hq_location",
    "hq_lon",
    "hq_lat",
)

#: Kinds of row in the mission table (column ``kind``).
KINDS = schema.MISSION_KINDS

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO3 = re.compile(r"[A-Z]{3}")


def read_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(row number, row with stripped values) for every data row of a CSV, after checking the header.

    Row 1 is the header. Shared by the UN Data Hub readers (missions, fatalities) and the curated tables.

    >>> read_rows(FIXTURES / "missions" / "DPPADPOSS-PKO.csv", PKO_COLUMNS)[0][0]
    2
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(path.name, f"cannot be read: {exc.strerror or exc}") from exc
    text = decode_utf8(data, path.name)
    with io.StringIO(text, newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in required if c not in header]
        if missing:
            raise ParseError(path.name, f"missing column(s) {missing}; expected the columns {list(required)}", row=1)
        out = []
        for row in reader:
            if None in row:
                raise ParseError(
                    path.name,
                    f"{len(header) + len(row[None])} fields, the header has {len(header)}",
                    row=reader.line_num,
                )
            out.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    return out


def decode_utf8(data: bytes, file: str) -> str:
    """UTF-8 text (a byte-order mark allowed), or a ParseError naming the file and the row of the first bad byte.

    >>> decode_utf8(b"a,b\\n1,\\xe9\\n", "f.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    pkdata.core.errors.ParseError: f.csv, row 2: byte 0xe9 at column 3 is not UTF-8; save the file as UTF-8 ...
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        row = data.count(b"\n", 0, exc.start) + 1
        raise ParseError(
            file,
            f"byte 0x{data[exc.start]:02x} at column {exc.start - line_start + 1} is not UTF-8; "
            "save the file as UTF-8 (a Latin-1 or Windows-1252 file has such bytes)",
            row=row,
        ) from None


def parse_date(value: str, *, file: str, row: int, column: str) -> pd.Timestamp | None:
    """A ``YYYY-MM-DD`` date, ``None`` for an empty cell, or a ParseError naming file and row.

    >>> parse_date("2013-04-25", file="f.csv", row=2, column="start_date")
    Timestamp('2013-04-25 00:00:00')
    >>> parse_date("25/04/2013", file="f.csv", row=2, column="start_date")
    Traceback (most recent call last):
    pkdata.core.errors.ParseError: f.csv, row 2: start_date '25/04/2013' is not a date; expected YYYY-MM-DD
    """
    if value == "":
        return None
    if _DATE.fullmatch(value):
        try:
            return pd.Timestamp(value)
        except ValueError:
            pass
    raise ParseError(file, f"{column} {value!r} is not a date; expected YYYY-MM-DD", row=row)


def parse_coordinate(value: str, *, file: str, row: int, column: str, limit: float) -> float | None:
    """A coordinate written with a decimal comma or point; ``None`` when empty.

    >>> parse_coordinate("15,9833", file="f.csv", row=3, column="mission_longitude", limit=180)
    15.9833
    >>> parse_coordinate("95,0", file="f.csv", row=3, column="mission_latitude", limit=90)
    Traceback (most recent call last):
    pkdata.core.errors.ParseError: f.csv, row 3: mission_latitude '95,0' is outside [-90, 90]
    """
    if value == "":
        return None
    text = value.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise ParseError(file, f"{column} {value!r} is not a number (decimal comma or point)", row=row) from None
    if not -limit <= number <= limit:
        raise ParseError(file, f"{column} {value!r} is outside [-{limit:g}, {limit:g}]", row=row)
    return number


def read_pko(path: str | Path) -> pd.DataFrame:
    """Read ``DPPADPOSS-PKO.csv`` as it is (types parsed, facts uncorrected), sorted by acronym.

    Columns: acronym, name, lead_department, status (``active``/``closed``), start, end,
    hq_location, hq_lon, hq_lat, last_update, row (the file's row number).

    >>> pko = read_pko(FIXTURES / "missions" / "DPPADPOSS-PKO.csv")
    >>> len(pko), pko.set_index("acronym").loc["MINUSTAH", "status"]
    (81, 'closed')
    """
    path = Path(path)
    records = []
    seen: dict[str, int] = {}
    for row, r in read_rows(path, PKO_COLUMNS):
        acronym = r["mission_acronym"]
        if not acronym:
            raise ParseError(path.name, "empty mission_acronym", row=row)
        if acronym in seen:
            raise ParseError(path.name, f"mission_acronym {acronym!r} already on row {seen[acronym]}", row=row)
        seen[acronym] = row
        active = r["mission_isactive"].casefold()
        if active not in ("yes", "no"):
            raise ParseError(path.name, f"mission_isactive {r['mission_isactive']!r}: expected Yes or No", row=row)
        records.append(
            {
                "acronym": acronym,
                "name": r["mission_name"],
                "lead_department": r["lead_department"],
                "status": "active" if active == "yes" else "closed",
                "start": parse_date(r["start_date"], file=path.name, row=row, column="start_date"),
                "end": parse_date(r["end_date"], file=path.name, row=row, column="end_date"),
                "hq_location": r["mission_location"],
                "hq_lon": parse_coordinate(
                    r["mission_longitude"], file=path.name, row=row, column="mission_longitude", limit=180
                ),
                "hq_lat": parse_coordinate(
                    r["mission_latitude"], file=path.name, row=row, column="mission_latitude", limit=90
                ),
                "last_update": r["last_update"],
                "row": row,
            }
        )
    if not records:
        raise ParseError(path.name, "no missions (the file has a header only)")
    df = pd.DataFrame.from_records(records)
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    for col in ("hq_lon", "hq_lat"):
        df[col] = df[col].astype("float64")
    return df.sort_values("acronym", kind="mergesort").reset_index(drop=True)


def parse_hosts(value: str, *, file: str, row: int) -> list[str]:
    """``;``-separated ISO3 codes (order kept: the first is the primary host).

    >>> parse_hosts("SYR;ISR;LBN", file="f.csv", row=2)
    ['SYR', 'ISR', 'LBN']
    """
    codes = [c.strip() for c in value.split(";") if c.strip()]
    bad = [c for c in codes if not _ISO3.fullmatch(c)]
    if bad or not codes:
        raise ParseError(file, f"host country codes {value!r}: expected ISO3 codes separated by ';'", row=row)
    return codes


def read_crosswalk(path: str | Path) -> dict[str, list[str]]:
    """Mission acronym -> host ISO3 codes, in file order, from ``unpko_country_crosswalk.csv``.

    Rows with an empty code (the aggregate rows) give an empty list. Codes are taken as printed
    (``YAR``, ``KSV`` included); the curated overrides replace the non-ISO ones.

    >>> read_crosswalk(FIXTURES / "missions" / "unpko_country_crosswalk.csv")["UNDOF"]
    ['ISR', 'SYR', 'LBN']
    """
    path = Path(path)
    out: dict[str, list[str]] = {}
    for row, r in read_rows(path, ("mission_acronym", "iso3c")):
        acronym, code = r["mission_acronym"], r["iso3c"]
        if not acronym:
            raise ParseError(path.name, "empty mission_acronym", row=row)
        hosts = out.setdefault(acronym, [])
        if code:
            if not _ISO3.fullmatch(code):
                raise ParseError(path.name, f"iso3c {code!r} is not a three-letter code", row=row)
            if code not in hosts:
                hosts.append(code)
    return out


def _check_sourced(path: Path, row: int, r: dict[str, str], columns: tuple[str, ...]) -> None:
    empty = [c for c in columns if not r[c]]
    if empty:
        raise ParseError(path.name, f"empty {', '.join(empty)}: every curated row needs them", row=row)


def read_overrides(path: str | Path) -> pd.DataFrame:
    """The curated corrections to the UN mission list: acronym, field, value, reason, source, row.

    ``field`` is one of :data:`OVERRIDE_FIELDS`; an empty ``value`` clears the field. Every row
    must have a reason and a source.

    >>> from pkdata.core import paths
    >>> ov = read_overrides(paths.curated_dir() / "mission_overrides.csv")
    >>> ov.set_index(["acronym", "field"]).loc[("MINUSMA", "status"), "value"]
    'closed'
    """
    path = Path(path)
    records = []
    seen: dict[tuple[str, str], int] = {}
    for row, r in read_rows(path, ("acronym", "field", "value", "reason", "source")):
        _check_sourced(path, row, r, ("acronym", "field", "reason", "source"))
        if r["field"] not in OVERRIDE_FIELDS:
            raise ParseError(path.name, f"field {r['field']!r}: expected one of {list(OVERRIDE_FIELDS)}", row=row)
        key = (r["acronym"], r["field"])
        if key in seen:
            raise ParseError(path.name, f"{key[0]} {key[1]} is already overridden on row {seen[key]}", row=row)
        seen[key] = row
        records.append({**{k: r[k] for k in ("acronym", "field", "value", "reason", "source")}, "row": row})
    return pd.DataFrame.from_records(records, columns=["acronym", "field", "value", "reason", "source", "row"])


def read_added(path: str | Path) -> pd.DataFrame:
    """Curated missions missing from the UN list (special political missions, UNTAG, UNTMIH).

    Columns: acronym, name, kind, hosts_iso3 (list), start, end, hq_location, reason, source, row.

    >>> from pkdata.core import paths
    >>> add = read_added(paths.curated_dir() / "missions_added.csv")
    >>> add.set_index("acronym").loc["UNVMC", "hosts_iso3"]
    ['COL']
    """
    path = Path(path)
    columns = ("acronym", "name", "kind", "hosts_iso3", "start", "end", "hq_location", "reason", "source")
    records = []
    seen: dict[str, int] = {}
    for row, r in read_rows(path, columns):
        _check_sourced(path, row, r, ("acronym", "name", "kind", "hosts_iso3", "reason", "source"))
        if r["acronym"] in seen:
            raise ParseError(path.name, f"acronym {r['acronym']!r} already on row {seen[r['acronym']]}", row=row)
        seen[r["acronym"]] = row
        if r["kind"] not in KINDS:
            raise ParseError(path.name, f"kind {r['kind']!r}: expected one of {list(KINDS)}", row=row)
        records.append(
            {
                "acronym": r["acronym"],
                "name": r["name"],
                "kind": r["kind"],
                "hosts_iso3": parse_hosts(r["hosts_iso3"], file=path.name, row=row),
                "start": parse_date(r["start"], file=path.name, row=row, column="start"),
                "end": parse_date(r["end"], file=path.name, row=row, column="end"),
                "hq_location": r["hq_location"],
                "reason": r["reason"],
                "source": r["source"],
                "row": row,
            }
        )
    df = pd.DataFrame.from_records(records, columns=[*columns, "row"])
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    return df


def read_regions(path: str | Path) -> dict[str, tuple[str, str]]:
    """ISO3 -> (M49 region, M49 sub-region) from the curated ``m49_regions.csv``.

    >>> from pkdata.core import paths
    >>> read_regions(paths.curated_dir() / "m49_regions.csv")["MLI"]
    ('Africa', 'Western Africa')
    """
    path = Path(path)
    out: dict[str, tuple[str, str]] = {}
    for row, r in read_rows(path, ("iso3", "region", "subregion", "source")):
        _check_sourced(path, row, r, ("iso3", "region", "subregion", "source"))
        if not _ISO3.fullmatch(r["iso3"]):
            raise ParseError(path.name, f"iso3 {r['iso3']!r} is not a three-letter code", row=row)
        if r["iso3"] in out:
            raise ParseError(path.name, f"iso3 {r['iso3']!r} listed twice", row=row)
        out[r["iso3"]] = (r["region"], r["subregion"])
    return out
