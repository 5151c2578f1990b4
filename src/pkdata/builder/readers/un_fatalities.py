"""Reader for the UN Peace and Security Data Hub fatalities file (``DPPADPOSS-FATALITIES.csv``).

The file (source :data:`SOURCE` of the registry ``pkdata/data/sources.toml``, which holds its
publisher, address and citation; data from NOTICAS) has one row per fatality in peacekeeping
operations and special political missions since 1948:
``id, incident_date, casualty_id, mission_acronym, type_of_casualty, gender,
casualty_nationality, casualty_personnel_type, type_of_incident, m49_code, isocode3, last_update``.

The canonical fatalities table (:data:`COLUMNS`) has one row per person:

- ``date``: the incident date; ``mission``: the acronym as the UN prints it (multi-phase
  missions under one aggregate acronym: UNEF, UNAVEM, UNOSOM);
- ``nationality_iso3``: from ``casualty_nationality`` through :func:`pkdata.core.countries.to_iso3`
  (checked against the file's own ``isocode3`` where it has one); missing where the UN file
  says ``ZZ [Undetermined]`` or leaves the nationality empty;
- ``personnel_type``: see :data:`PERSONNEL_TYPES`; ``incident_type``: see :data:`INCIDENT_TYPES`;
- ``casualty_id``: the key (one per person); ``record_id``: the file's ``id``, a running number in
  date order that shifts when a late notification is inserted, so never a key across exports.

The file lists a few people twice under the same ``casualty_id`` (UNMIK local staff once as
"Montenegro" and once as "Serbia and Montenegro"). Which row to drop is data: the curated table
``data/raw/curated/fatality_exclusions.csv`` (casualty_id, nationality, reason, source), applied by
:func:`apply_exclusions`, which counts what it dropped and fails on any duplicate it does not cover.

A bad row (unparseable date, unknown nationality, unknown personnel or incident type) raises
:class:`~pkdata.core.errors.ParseError` naming the file and the row (row 1 is the header).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.builder.readers.un_missions import read_rows
from pkdata.core import countries, registry, schema
from pkdata.core.errors import ParseError, PkdataError

#: The file's entry in the source registry (:mod:`pkdata.core.sources`).
SOURCE = "un_psdata_fatalities"

#: Columns the UN file must have.
FILE_COLUMNS: tuple[str, ...] = (
    "id",
    "incident_date",
    "casualty_id",
    "mission_acronym",
    "type_of_casualty",
    "gender",
    "casualty_nationality",
    "casualty_personnel_type",
    "type_of_incident",
    "isocode3",
)

#: Column order of the canonical fatalities table (declared in the table registry).
COLUMNS: tuple[str, ...] = registry.columns("fatalities")

#: The UN's ``casualty_personnel_type`` -> pkdata's value. Only "Military Observer" is one of the
#: canonical five of the contributions table (``experts_on_mission``); "Military" covers contingent
#: troops *and* staff officers, "Police" individual police *and* formed police units, which the
#: UN file does not separate, so they keep their own values. Civilians are not in the
#: contributions table at all.
PERSONNEL_TYPES: dict[str, str] = {
    "Military": "military",
    "Military Observer": "experts_on_mission",
    "Police": "police",
    "International Civilian": "international_civilian",
    "Local": "local_civilian",
    "Other": "other",
}

#: Personnel types counted in the contributions table (uniformed personnel).
UNIFORMED = schema.UNIFORMED_FATALITY_TYPES

#: The UN's ``type_of_incident`` -> pkdata's value.
INCIDENT_TYPES: dict[str, str] = {
    "Accident": "accident",
    "Illness": "illness",
    "Malicious Act": "malicious_act",
    "Self-Inflicted": "self_inflicted",
    "To Be Determined": "to_be_determined",
    "Unknown": "unknown",
}

#: Nationality values with which the UN file says it does not know the nationality.
UNDETERMINED_NATIONALITY: tuple[str, ...] = ("ZZ [Undetermined]", "")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class FatalitiesFile:
    """A fatalities file read into canonical rows, with what the reader noticed."""

    path: Path
    frame: pd.DataFrame
    #: Rows whose nationality the UN file gives as undetermined or empty (kept, nationality missing).
    nationality_undetermined: int = 0
    #: The file's ``last_update`` values.
    last_update: list[str] = field(default_factory=list)


def read_fatalities(path: str | Path) -> FatalitiesFile:
    """Read a UN fatalities export into canonical rows (duplicates not yet resolved).

    >>> f = read_fatalities(FIXTURES / "fatalities" / "DPPADPOSS-FATALITIES.csv")  # the first 200 rows
    >>> len(f.frame), f.nationality_undetermined
    (200, 2)
    """
    path = Path(path)
    rows = read_rows(path, FILE_COLUMNS)
    if not rows:
        raise ParseError(path.name, "no rows (the file has a header only)")
    _check_nationalities(rows, path.name)
    ids: dict[int, int] = {}
    records = [_record(row, r, path.name, ids) for row, r in rows]
    undetermined = sum(r["casualty_nationality"] in UNDETERMINED_NATIONALITY for _, r in rows)
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    for col in (
        "mission",
        "nationality_iso3",
        "nationality",
        "personnel_type",
        "incident_type",
        "gender",
        "casualty_id",
        "source",
    ):
        frame[col] = frame[col].astype("string")
    frame["record_id"] = frame["record_id"].astype("int64")
    updates = sorted({r.get("last_update", "") for _, r in rows} - {""})
    return FatalitiesFile(path, frame, undetermined, updates)


def _check_nationalities(rows: list[tuple[int, dict[str, str]]], file: str) -> None:
    """Names first, all at once: one error lists every unknown nationality with its first row."""
    names: dict[str, list[int]] = {}
    for row, r in rows:
        name = r["casualty_nationality"]
        if name not in UNDETERMINED_NATIONALITY:
            names.setdefault(name, []).append(row)
    unknown = sorted((rs[0], n) for n, rs in names.items() if countries.lookup(n) is None)
    if unknown:
        listed = "; ".join(f"{n!r} (row {r})" for r, n in unknown)
        raise ParseError(
            file,
            f"unknown nationality: {listed}. Add each spelling to NAMES in "
            "pkdata/core/countries.py (with the file that prints it) and rebuild",
            row=unknown[0][0],
        )


def _record(row: int, r: dict[str, str], file: str, ids: dict[int, int]) -> dict[str, Any]:
    """One file row as a canonical record, every field checked; ``ids`` (id -> row) catches a repeated id."""
    if not r["id"].isdigit():
        raise ParseError(file, f"id {r['id']!r} is not a whole number", row=row)
    rid = int(r["id"])
    if rid in ids:
        raise ParseError(file, f"id {rid} already on row {ids[rid]}; the UN file's id is unique", row=row)
    ids[rid] = row
    date = r["incident_date"]
    if not _DATE.fullmatch(date):
        raise ParseError(file, f"incident_date {date!r} is not a date; expected YYYY-MM-DD", row=row)
    try:
        ts = pd.Timestamp(date)
    except ValueError:
        raise ParseError(file, f"incident_date {date!r} is not a valid date", row=row) from None
    for col in ("casualty_id", "mission_acronym"):
        if not r[col]:
            raise ParseError(file, f"empty {col}", row=row)
    if r["type_of_casualty"] != "Fatality":
        raise ParseError(file, f"type_of_casualty {r['type_of_casualty']!r}: expected 'Fatality'", row=row)
    ptype = PERSONNEL_TYPES.get(r["casualty_personnel_type"])
    if ptype is None:
        raise ParseError(
            file,
            f"casualty_personnel_type {r['casualty_personnel_type']!r}: expected one of {list(PERSONNEL_TYPES)}",
            row=row,
        )
    itype = INCIDENT_TYPES.get(r["type_of_incident"])
    if itype is None:
        raise ParseError(
            file, f"type_of_incident {r['type_of_incident']!r}: expected one of {list(INCIDENT_TYPES)}", row=row
        )
    gender = r["gender"]
    if gender not in ("M", "F", ""):
        raise ParseError(file, f"gender {gender!r}: expected M, F or empty", row=row)
    return {
        "date": ts,
        "mission": r["mission_acronym"],
        "nationality_iso3": _nationality_iso3(row, r, file),
        "nationality": r["casualty_nationality"] or None,
        "personnel_type": ptype,
        "incident_type": itype,
        "gender": gender or None,
        "casualty_id": r["casualty_id"],
        "record_id": rid,
        "source": file,
    }


def _nationality_iso3(row: int, r: dict[str, str], file: str) -> str | None:
    """The row's nationality as ISO3 (None when the file says it is undetermined), checked against ``isocode3``."""
    name = r["casualty_nationality"]
    if name in UNDETERMINED_NATIONALITY:
        return None
    iso3 = countries.lookup(name)
    if r["isocode3"] and r["isocode3"] != iso3:
        raise ParseError(
            file,
            f"casualty_nationality {name!r} is {iso3} in pkdata/core/countries.py but the "
            f"file's isocode3 says {r['isocode3']!r}",
            row=row,
        )
    return iso3


def read_exclusions(path: str | Path) -> pd.DataFrame:
    """The curated rows to drop: casualty_id, nationality (as the UN file prints it), reason, source, row.

    Rows are identified by casualty_id and nationality, not by the UN ``id``: that id is a
    running number which shifts when a late notification is inserted (see the cross-check).

    >>> from pkdata.core import paths
    >>> len(read_exclusions(paths.curated_dir() / "fatality_exclusions.csv"))
    6
    """
    path = Path(path)
    columns = ("casualty_id", "nationality", "reason", "source")
    records = []
    for row, r in read_rows(path, columns):
        empty = [c for c in columns if not r[c]]
        if empty:
            raise ParseError(path.name, f"empty {', '.join(empty)}: every exclusion needs them", row=row)
        records.append({**{c: r[c] for c in columns}, "row": row})
    return pd.DataFrame.from_records(records, columns=[*columns, "row"])


def apply_exclusions(f: FatalitiesFile, exclusions: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Drop the curated exclusions; fail on any ``casualty_id`` still listed twice.

    An exclusion drops the row with its casualty_id and nationality only while another row
    of the same casualty_id remains (so a corrected export loses nobody). Returns the table
    (one row per person, sorted by date and casualty_id) and a summary for the manifest.

    >>> from pkdata.core import paths
    >>> f = read_fatalities(FIXTURES / "fatalities" / "DPPADPOSS-FATALITIES.csv")  # the first 200 rows
    >>> ex = read_exclusions(paths.curated_dir() / "fatality_exclusions.csv")
    >>> table, summary = apply_exclusions(f, ex)  # the six listed duplicates are later rows (2003-2005)
    >>> len(table), summary["rows"]
    (200, 0)
    """
    df = f.frame
    counts = df["casualty_id"].value_counts()
    drop = pd.Series(False, index=df.index)
    used = []
    for ex in exclusions.itertuples(index=False):
        hit = (df["casualty_id"] == ex.casualty_id) & (df["nationality"] == ex.nationality)
        if hit.any() and counts.get(ex.casualty_id, 0) > int(hit.sum()):
            drop |= hit
            used.append(ex)
    out = df[~drop]
    dup = out["casualty_id"].duplicated(keep=False)
    if dup.any():
        pairs = out[dup].sort_values(["casualty_id", "record_id"])
        listed = "; ".join(
            f"{cid}: ids {', '.join(map(str, g['record_id']))} ({', '.join(g['nationality'].fillna(''))})"
            for cid, g in list(pairs.groupby("casualty_id", sort=True))[:5]
        )
        raise PkdataError(
            f"{f.path.name}: {pairs['casualty_id'].nunique()} casualty_id(s) listed more than once ({listed}). "
            "If the UN file is inconsistent, add the row to drop (casualty_id, nationality) to "
            "data/raw/curated/fatality_exclusions.csv with a reason and a source."
        )
    out = out.sort_values(["date", "casualty_id"], kind="mergesort").reset_index(drop=True)
    summary = {
        "rows": int(drop.sum()),
        "record_ids": sorted(int(i) for i in df.loc[drop, "record_id"]),
        "casualty_ids": sorted({e.casualty_id for e in used}),
        "reasons": sorted({e.reason for e in used}),
        "table": "data/raw/curated/fatality_exclusions.csv",
    }
    return out, summary


# --------------------------------------------------------------------------- cross-check of two exports

#: Columns compared between two exports (matched on casualty_id).
COMPARED: tuple[str, ...] = ("date", "mission", "nationality_iso3", "personnel_type", "incident_type", "gender")


def crosscheck(new: FatalitiesFile, old: FatalitiesFile, exclusions: pd.DataFrame) -> dict[str, Any]:
    """Compare two exports of the fatalities file person by person (matched on ``casualty_id``).

    Both are read and de-duplicated the same way first. The UN ``id`` is compared too: it is a
    running number, so a late notification shifts the ids of every later row.

    >>> from pkdata.core import paths
    >>> ref = FIXTURES / "fatalities"  # extracts: the first 200 rows of the new export, 190 of the old
    >>> ex = read_exclusions(paths.curated_dir() / "fatality_exclusions.csv")
    >>> c = crosscheck(read_fatalities(ref / "DPPADPOSS-FATALITIES.csv"),
    ...                read_fatalities(ref / "hdx_fixture_2023-11-28" / "dppadposs-fatalities.csv"), ex)
    >>> c["shared"], c["only_new"], c["only_old"]
    (190, 10, 0)
    """
    a_table, a_ex = apply_exclusions(new, exclusions)
    b_table, b_ex = apply_exclusions(old, exclusions)
    a = a_table.set_index("casualty_id")
    b = b_table.set_index("casualty_id")
    shared = a.index.intersection(b.index).sort_values()
    only_new = a.index.difference(b.index)
    differs, examples, changed = _differences(a, b, shared)
    renumbered = a.loc[shared, "record_id"] != b.loc[shared, "record_id"]
    added = a.loc[only_new]
    chn_a = a[a["nationality_iso3"] == "CHN"].loc[:, list(COMPARED)].sort_index()
    chn_b = b[b["nationality_iso3"] == "CHN"].loc[:, list(COMPARED)].sort_index()
    return {
        "new_file": new.path.name,
        "old_file": old.path.name,
        "new_last_update": ", ".join(new.last_update),
        "old_last_update": ", ".join(old.last_update),
        "new_rows": len(new.frame),
        "old_rows": len(old.frame),
        "new_excluded": a_ex["rows"],
        "old_excluded": b_ex["rows"],
        "shared": len(shared),
        "only_new": len(only_new),
        "only_old": len(b.index.difference(a.index)),
        "differs": differs,
        "rows_changed": int(changed.sum()),
        "incident_transitions": _incident_transitions(a, b, shared),
        "renumbered": int(renumbered.sum()),
        "renumbered_from": (b.loc[shared[renumbered.to_numpy()], "record_id"].min() if renumbered.any() else None),
        "new_rows_by_year": {int(k): int(v) for k, v in added["date"].dt.year.value_counts().sort_index().items()},
        "new_rows_before_old_last_date": int((added["date"] <= b["date"].max()).sum()),
        "old_last_date": b["date"].max().strftime("%Y-%m-%d"),
        "new_last_date": a["date"].max().strftime("%Y-%m-%d"),
        "chn_rows": len(chn_a),
        "chn_identical": bool(chn_a.equals(chn_b)),
        "examples": {k: v for k, v in examples.items() if v and k != "incident_type"},
    }


def _differences(
    a: pd.DataFrame, b: pd.DataFrame, shared: pd.Index
) -> tuple[dict[str, int], dict[str, list[str]], pd.Series]:
    """Per compared column: how many shared people differ, up to five examples; and who differs in any column."""
    differs: dict[str, int] = {}
    examples: dict[str, list[str]] = {}
    changed = pd.Series(False, index=shared)
    for col in COMPARED:
        x, y = a.loc[shared, col], b.loc[shared, col]
        diff = ~((x == y).fillna(False) | (x.isna() & y.isna()))
        differs[col] = int(diff.sum())
        changed |= diff
        fmt = (lambda v: v.strftime("%Y-%m-%d")) if col == "date" else (lambda v: "(none)" if pd.isna(v) else str(v))
        examples[col] = [f"{cid}: {fmt(y[cid])} -> {fmt(x[cid])}" for cid in shared[diff.to_numpy()][:5]]
    return differs, examples, changed


def _incident_transitions(a: pd.DataFrame, b: pd.DataFrame, shared: pd.Index) -> list[tuple[str, str, int]]:
    """(older type, newer type, people) for every incident type reclassified between the exports."""
    x, y = a.loc[shared, "incident_type"], b.loc[shared, "incident_type"]
    moved = ~((x == y).fillna(False) | (x.isna() & y.isna()))
    transitions = (
        pd.DataFrame({"old": y[moved].fillna("(none)"), "new": x[moved].fillna("(none)")})
        .value_counts()
        .sort_index()
        .reset_index(name="rows")
    )
    return [(r.old, r.new, int(r.rows)) for r in transitions.itertuples(index=False)]


def crosscheck_markdown(c: dict[str, Any]) -> str:
    """The cross-check as a short Markdown report (``docs/fatalities_crosscheck.md``).

    >>> c = {"new_file": "a.csv", "old_file": "b.csv", "new_last_update": "2025", "old_last_update": "2023",
    ...      "new_rows": 2, "old_rows": 1, "new_excluded": 0, "old_excluded": 0, "shared": 1, "only_new": 1,
    ...      "only_old": 0, "differs": {"date": 0}, "rows_changed": 0, "incident_transitions": [], "renumbered": 0,
    ...      "renumbered_from": None, "new_rows_by_year": {2024: 1}, "new_rows_before_old_last_date": 0,
    ...      "old_last_date": "2023-11-21", "new_last_date": "2025-02-18", "chn_rows": 0, "chn_identical": True,
    ...      "examples": {}}
    >>> crosscheck_markdown(c).splitlines()[0]
    '# Fatalities: the two UN exports compared'
    """
    lines = [
        "# Fatalities: the two UN exports compared",
        "",
        "Generated by `pkdata.builder.readers.un_fatalities.crosscheck_markdown`; `tests/test_fatalities.py` checks",
        "that this file is current. People are matched on `casualty_id`, after both exports are read and de-duplicated",
        "the same way (nationality to ISO3, pkdata's personnel and incident types, the curated exclusions).",
        "",
        "| | newer export | older export |",
        "|---|---|---|",
        f"| file | `{c['new_file']}` | `{c['old_file']}` |",
        f"| `last_update` | {c['new_last_update']} | {c['old_last_update']} |",
        f"| rows in the file | {c['new_rows']:,} | {c['old_rows']:,} |",
        f"| duplicate rows dropped (curated exclusions) | {c['new_excluded']} | {c['old_excluded']} |",
        f"| last incident | {c['new_last_date']} | {c['old_last_date']} |",
        "",
        f"- **{c['shared']:,} people are in both**; {c['only_old']} only in the older export, "
        f"{c['only_new']} only in the newer one.",
    ]
    lines += _markdown_changes(c)
    lines += [
        "",
        f"- China (`nationality_iso3 == 'CHN'`, {c['chn_rows']} people): identical in both exports: "
        f"**{'yes' if c['chn_identical'] else 'no'}**.",
        "",
        "pkdata builds from the newer export; the older one serves only this check.",
        "",
    ]
    return "\n".join(lines)


def _markdown_changes(c: dict[str, Any]) -> list[str]:
    """The report's lines on what changed: late notifications, renumbered ids, columns that differ, examples."""
    lines: list[str] = []
    if c["only_new"]:
        years = ", ".join(f"{y}: {n}" for y, n in c["new_rows_by_year"].items())
        lines.append(
            f"- The {c['only_new']} people only in the newer export, by incident year: {years}. "
            f"{c['new_rows_before_old_last_date']} of them died on or before the older export's last "
            f"incident ({c['old_last_date']}): notifications that arrived late."
        )
    if c["renumbered"]:
        lines.append(
            f"- The UN record `id` changed for {c['renumbered']} people (from id {c['renumbered_from']} on): "
            "it is a running number in date order, so a late notification shifts every later id. "
            "Match exports on `casualty_id`, never on `id`."
        )
    lines += [
        f"- Of the people in both, {c['rows_changed']} differ in at least one column:",
        "",
        "| column | people whose value differs |",
        "|---|---|",
    ]
    lines += [f"| `{col}` | {n} |" for col, n in c["differs"].items()]
    if c["incident_transitions"]:
        lines += ["", "Incident type reclassified (older -> newer):", "", "| older | newer | people |", "|---|---|---|"]
        lines += [f"| {o} | {n} | {k} |" for o, n, k in c["incident_transitions"]]
    for col, ex in c.get("examples", {}).items():
        lines += ["", f"`{col}` changes (older -> newer){', first 5' if len(ex) == 5 else ''}:", ""]
        lines += [f"- {e}" for e in ex]
    return lines
