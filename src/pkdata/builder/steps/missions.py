"""Build step for the ``missions`` and ``fatalities`` tables (see :mod:`pkdata.tables.operations`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.builder.readers import un_fatalities, un_missions
from pkdata.core import countries, schema, sources
from pkdata.core.errors import DataNotFoundError, ParseError, PkdataError
from pkdata.core.hashes import sha256_file
from pkdata.core.schema import MISSION_COLUMNS, NOT_OPERATIONS

PKO_FILE = "DPPADPOSS-PKO.csv"
CROSSWALK_FILE = "unpko_country_crosswalk.csv"
FATALITIES_FILE = "DPPADPOSS-FATALITIES.csv"

#: The curated tables the step reads: overrides, added missions, M49 regions, fatality exclusions.
CURATED = ("mission_overrides.csv", "missions_added.csv", "m49_regions.csv", "fatality_exclusions.csv")

# --------------------------------------------------------------------------- mission table


def mission_table(
    pko: pd.DataFrame,
    crosswalk: dict[str, list[str]],
    overrides: pd.DataFrame,
    added: pd.DataFrame,
    regions: dict[str, tuple[str, str]],
    *,
    files: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Assemble the mission table from the UN list, the host crosswalk and the curated tables.

    ``files`` names the inputs in error messages (keys ``pko``, ``overrides``, ``added``).

    >>> from pkdata.builder.readers import un_missions as um
    >>> from pkdata.core import paths
    >>> ref, cur = FIXTURES / "missions", paths.curated_dir()
    >>> t = mission_table(um.read_pko(ref / PKO_FILE), um.read_crosswalk(ref / CROSSWALK_FILE),
    ...                   um.read_overrides(cur / "mission_overrides.csv"), um.read_added(cur / "missions_added.csv"),
    ...                   um.read_regions(cur / "m49_regions.csv"))
    >>> minusma = t.set_index("acronym").loc["MINUSMA"]
    >>> minusma["status"], f"{minusma['end']:%Y-%m-%d}", float(minusma["hq_lat"])
    ('closed', '2023-06-30', 12.65)
    """
    files = {"pko": PKO_FILE, "overrides": "mission_overrides.csv", "added": "missions_added.csv", **(files or {})}
    rows = _listed_rows(pko, crosswalk, files)
    _add_rows(rows, added, files)
    for o in overrides.itertuples(index=False):
        _override(rows, o, files)
    _validate(rows, regions, files)
    return _mission_frame(rows, regions)


def _row(r: Any, *, kind: str, hosts: list[str], status: str, lon: float, lat: float, source: str) -> dict[str, Any]:
    return {
        "acronym": r.acronym,
        "name": r.name,
        "kind": kind,
        "hosts": hosts,
        "start": r.start,
        "end": r.end,
        "status": status,
        "hq_location": r.hq_location,
        "hq_lon": lon,
        "hq_lat": lat,
        "covers": [],
        "corrections": [],
        "source": source,
    }


def _listed_rows(pko: pd.DataFrame, crosswalk: dict[str, list[str]], files: dict[str, str]) -> dict[str, dict]:
    """The UN list's missions, hosts from the crosswalk."""
    return {
        r.acronym: _row(
            r,
            kind="pko",
            hosts=list(crosswalk.get(r.acronym, [])),
            status=r.status,
            lon=r.hq_lon,
            lat=r.hq_lat,
            source=files["pko"],
        )
        for r in pko.itertuples(index=False)
    }


def _add_rows(rows: dict[str, dict[str, Any]], added: pd.DataFrame, files: dict[str, str]) -> None:
    """The curated missions the UN list lacks (one already listed is an error: correct it by an override)."""
    for r in added.itertuples(index=False):
        if r.acronym in rows:
            raise ParseError(
                files["added"],
                f"{r.acronym} is already in {files['pko']}; correct it through "
                "mission_overrides.csv instead of adding it",
                row=r.row,
            )
        status = "active" if pd.isna(r.end) else "closed"
        nan = float("nan")
        rows[r.acronym] = _row(
            r, kind=r.kind, hosts=list(r.hosts_iso3), status=status, lon=nan, lat=nan, source=files["added"]
        )


def _override(rows: dict[str, dict[str, Any]], o: Any, files: dict[str, str]) -> None:
    """Apply one row of the curated overrides (field, value) to its mission."""
    fname = files["overrides"]
    if o.acronym not in rows:
        raise ParseError(fname, f"no mission {o.acronym!r} in {files['pko']} or {files['added']}", row=o.row)
    m, value = rows[o.acronym], o.value
    if o.field in ("start", "end"):
        m[o.field] = un_missions.parse_date(value, file=fname, row=o.row, column="value")
    elif o.field in ("hq_lon", "hq_lat"):
        number = un_missions.parse_coordinate(
            value, file=fname, row=o.row, column="value", limit=180 if o.field == "hq_lon" else 90
        )
        m[o.field] = float("nan") if number is None else number
    elif o.field == "status":
        if value not in ("active", "closed"):
            raise ParseError(fname, f"status {value!r}: expected active or closed", row=o.row)
        m["status"] = value
    elif o.field == "kind":
        if value not in un_missions.KINDS:
            raise ParseError(fname, f"kind {value!r}: expected one of {list(un_missions.KINDS)}", row=o.row)
        m["kind"] = value
    elif o.field == "hosts_iso3":
        m["hosts"] = un_missions.parse_hosts(value, file=fname, row=o.row)
    elif o.field == "covers":
        m["covers"] = [a.strip() for a in value.split(";") if a.strip()]
    else:  # name, hq_location
        if o.field == "name" and not value:
            raise ParseError(fname, "a mission name cannot be empty", row=o.row)
        m[o.field] = value
    m["corrections"].append(o.field)


def _mission_frame(rows: dict[str, dict[str, Any]], regions: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """The validated missions as the ``missions`` table (sorted by acronym, typed)."""
    records = []
    for acronym in sorted(rows):
        m = rows[acronym]
        region, subregion = regions[m["hosts"][0]]
        records.append(
            {
                "acronym": acronym,
                "name": m["name"],
                "kind": m["kind"],
                "host_iso3": m["hosts"][0],
                "hosts_iso3": ";".join(m["hosts"]),
                "region": region,
                "subregion": subregion,
                "start": m["start"],
                "end": m["end"],
                "status": m["status"],
                "hq_location": m["hq_location"] or None,
                "hq_lon": m["hq_lon"],
                "hq_lat": m["hq_lat"],
                "covers": ";".join(m["covers"]) or None,
                "corrections": ";".join(sorted(m["corrections"])) or None,
                "source": m["source"],
            }
        )
    df = pd.DataFrame.from_records(records, columns=list(MISSION_COLUMNS))
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    for col in ("hq_lon", "hq_lat"):
        df[col] = df[col].astype("float64")
    for col in MISSION_COLUMNS:
        if df[col].dtype == object:
            df[col] = df[col].astype("string")
    return df


def _validate(rows: dict[str, dict[str, Any]], regions: dict[str, tuple[str, str]], files: dict[str, str]) -> None:
    problems = []
    for a, m in sorted(rows.items()):
        if not m["hosts"]:
            problems.append(f"{a} has no host country (add a hosts_iso3 override)")
        for code in m["hosts"]:
            if code not in countries.DISPLAY:
                problems.append(f"{a}: host {code!r} is not an ISO3 code pkdata knows (countries.DISPLAY)")
            elif code not in regions:
                problems.append(f"{a}: host {code} has no row in m49_regions.csv")
        if m["status"] == "active" and not pd.isna(m["end"]):
            problems.append(f"{a} is marked active but ends {m['end']:%Y-%m-%d}")
        if not pd.isna(m["start"]) and not pd.isna(m["end"]) and m["end"] < m["start"]:
            problems.append(f"{a} ends ({m['end']:%Y-%m-%d}) before it starts ({m['start']:%Y-%m-%d})")
        if m["kind"] in NOT_OPERATIONS and not m["covers"]:
            problems.append(f"{a} is {m['kind']} but lists no operation in covers")
        problems += [f"{a} covers unknown mission {c!r}" for c in m["covers"] if c not in rows]
    # One HQ city, one point: catches swapped coordinates the overrides do not correct yet.
    points: dict[str, dict[tuple[float, float], list[str]]] = {}
    for a, m in rows.items():
        if m["hq_location"] and not (pd.isna(m["hq_lon"]) or pd.isna(m["hq_lat"])):
            key = (round(m["hq_lon"], 4), round(m["hq_lat"], 4))
            points.setdefault(m["hq_location"], {}).setdefault(key, []).append(a)
    for loc, seen in sorted(points.items()):
        if len(seen) > 1:
            listed = "; ".join(f"{sorted(v)} at (lon {k[0]}, lat {k[1]})" for k, v in sorted(seen.items()))
            problems.append(f"HQ {loc!r} has different coordinates: {listed} (swapped longitude and latitude?)")
    if problems:
        raise PkdataError(
            f"mission table ({files['pko']} + curated tables) fails validation: "
            + "; ".join(problems)
            + ". Correct the UN file's values in data/raw/curated/mission_overrides.csv "
            "(with a reason and a source)."
        )


def check_contributions(table: pd.DataFrame, contributions: pd.DataFrame) -> None:
    """Raise if the contributions table uses a mission acronym the mission table lacks.

    >>> check_contributions(pd.DataFrame({"acronym": ["UNMISS"]}),
    ...                     pd.DataFrame({"mission": ["UNMISS", "UNXYZ"], "date": pd.to_datetime(["2016-01-31"] * 2),
    ...                                   "source": ["a.pdf", "a.pdf"]}))
    Traceback (most recent call last):
    pkdata.core.errors.PkdataError: 1 mission acronym(s) in the contributions table are not in the mission table: ...
    """
    if schema.present_values(contributions["mission"]) <= set(table["acronym"]):  # distinct acronyms, not rows
        return
    used = contributions.dropna(subset=["mission"]).astype({"mission": "string", "source": "string"})
    unknown = used[~used["mission"].isin(set(table["acronym"]))]
    if unknown.empty:
        return
    g = unknown.groupby("mission")
    listed = "; ".join(
        f"{m!r} ({g_['date'].min():%Y-%m} .. {g_['date'].max():%Y-%m}, e.g. {g_['source'].iloc[0]})" for m, g_ in g
    )
    raise PkdataError(
        f"{unknown['mission'].nunique()} mission acronym(s) in the contributions table are not in the mission table: "
        f"{listed}. Add each to data/raw/curated/missions_added.csv (name, host, dates and a UN source) or correct "
        "the reader that printed it."
    )


# --------------------------------------------------------------------------- build steps


def _input(ctx: BuildContext, source_id: str, name: str) -> Path:
    entry = sources.source(source_id)
    sub = f"{entry['raw_sub']}/{name}"
    path = ctx.find(sub, f"{entry['reference_sub']}/{name}")
    if not path.is_file():
        raise DataNotFoundError(f"{sub} not found in {ctx.raw} or {ctx.reference}; put the UN Data Hub export there")
    return path


def _source(path: Path, table: str, rows: int, source_id: str, **more: Any) -> dict[str, Any]:
    """A manifest entry; publisher and address from the source registry (``curated:<name>`` for pkdata's own
    curated tables)."""
    if source_id.startswith("curated:"):
        meta = sources.section("curated")["tables"]
        publisher, url = meta["publisher"], meta["url_pattern"].format(name=path.name)
    else:
        entry = sources.source(source_id)
        publisher, url = entry["publisher"], entry["url_pattern"]
    return {
        "name": path.name,
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "publisher": publisher,
        "url_pattern": url,
        "table": table,
        "rows": int(rows),
        **more,
    }


def step_missions(ctx: BuildContext) -> StepResult:
    """Build step: the ``missions`` and ``fatalities`` tables (the contributions' missions are checked by
    :func:`step_missions_check`).

    >>> import tempfile
    >>> from pkdata.builder import build
    >>> m = build(out=tempfile.mkdtemp(), reference=FIXTURES, steps=["pkdata.builder.steps.missions:step_missions"])
    >>> sorted(m["tables"])
    ['fatalities', 'missions']
    """
    pko_path = _input(ctx, "un_psdata_pko", PKO_FILE)
    cw_path = _input(ctx, "missions_crosswalk", CROSSWALK_FILE)
    ov_path, add_path, reg_path, ex_path = (ctx.curated(n) for n in CURATED)
    pko = un_missions.read_pko(pko_path)
    overrides = un_missions.read_overrides(ov_path)
    table = mission_table(
        pko,
        un_missions.read_crosswalk(cw_path),
        overrides,
        un_missions.read_added(add_path),
        un_missions.read_regions(reg_path),
        files={"pko": pko_path.name, "overrides": ov_path.name, "added": add_path.name},
    )
    fat_path = _input(ctx, "un_psdata_fatalities", FATALITIES_FILE)
    fat = un_fatalities.read_fatalities(fat_path)
    fatalities, excluded = un_fatalities.apply_exclusions(fat, un_fatalities.read_exclusions(ex_path))
    not_listed = fatalities.loc[~fatalities["mission"].isin(set(table["acronym"])), "mission"].value_counts()
    count = (table["source"] == pko_path.name).sum()
    updated = ", ".join(sorted(set(pko["last_update"]) - {""}))
    hosts = "host countries (hosts_iso3) of the UN list's missions"
    entries = [
        _source(pko_path, "missions", count, "un_psdata_pko", last_update=updated),
        _source(cw_path, "missions", 0, "missions_crosswalk", role=hosts),
        *_curated_entries(table, (ov_path, add_path, reg_path), len(overrides)),
        _source(
            fat_path,
            "fatalities",
            len(fatalities),
            "un_psdata_fatalities",
            last_update=", ".join(fat.last_update),
            rows_in_file=len(fat.frame),
            excluded=excluded["rows"],
            nationality_undetermined=fat.nationality_undetermined,
            missions_not_in_mission_table={str(k): int(v) for k, v in sorted(not_listed.items())},
        ),
        # An exclusion table produces no row: its ``rows`` are the rows it removes from the UN file.
        _source(
            ex_path,
            "fatalities",
            excluded["rows"],
            "curated:",
            role="rows of the UN file dropped on purpose",
            rows_meaning=f"rows excluded from {fat_path.name}",
            rows_excluded=excluded["rows"],
        ),
    ]
    extra = {"fatalities_exclusions": {"duplicate_casualty_id": excluded}} if excluded["rows"] else {}
    return StepResult({"missions": table, "fatalities": fatalities}, entries, extra)


def _curated_entries(table: pd.DataFrame, paths_: tuple[Path, Path, Path], overrides: int) -> list[dict[str, Any]]:
    """Manifest entries of the overrides, the added missions and the regions."""
    ov_path, add_path, reg_path = paths_
    added = (table["source"] == add_path.name).sum()
    return [
        _source(ov_path, "missions", 0, "curated:", role="corrections to the UN mission list", overrides=overrides),
        _source(add_path, "missions", added, "curated:", role="missions the UN list lacks"),
        _source(reg_path, "missions", 0, "curated:", role="UN M49 region of each host country"),
    ]


def step_missions_check(ctx: BuildContext) -> StepResult:
    """Build step: every mission acronym of the contributions table is in the mission table (writes nothing).

    >>> ctx = BuildContext(raw=Path("."), reference=Path("."), cache=Path("."))
    >>> ctx.tables["missions"] = pd.DataFrame({"acronym": ["UNMISS"]})
    >>> ctx.tables["contributions"] = pd.DataFrame({"mission": ["UNMISS", None]})
    >>> step_missions_check(ctx).tables
    {}
    """
    check_contributions(ctx.tables["missions"], ctx.tables["contributions"])
    return StepResult({})


STEP = Step(
    "missions",
    "pkdata.builder.steps.missions:step_missions",
    "the UN mission list with its curated corrections, and the UN fatalities file",
    sources=("un_psdata_pko", "missions_crosswalk", "un_psdata_fatalities"),
    curated=CURATED,
    writes=("missions", "fatalities"),
    keys=("fatalities_exclusions",),
)

CHECK = Step(
    "missions_check",
    "pkdata.builder.steps.missions:step_missions_check",
    "every mission of the contributions table is in the mission table",
    reads=("missions", "contributions"),
    joins=("missions",),
    cache=False,
)
