"""Build step for the ``missions`` and ``fatalities`` tables (see :mod:`pkdata.tables.operations`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.builder.context import BuildContext, StepResult
from pkdata.builder.readers import un_fatalities, un_missions
from pkdata.core import countries, schema
from pkdata.core import sources as source_registry
from pkdata.core.errors import DataNotFoundError, ParseError, PkdataError
from pkdata.core.hashes import sha256_file
from pkdata.core.schema import MISSION_COLUMNS, NOT_OPERATIONS

PKO_FILE = "DPPADPOSS-PKO.csv"
CROSSWALK_FILE = "unpko_country_crosswalk.csv"
FATALITIES_FILE = "DPPADPOSS-FATALITIES.csv"

UN_HUB = source_registry.publisher(un_missions.SOURCE)
PKO_URL = source_registry.source(un_missions.SOURCE)["url_pattern"]
FATALITIES_URL = source_registry.source(un_fatalities.SOURCE)["url_pattern"]
CROSSWALK = source_registry.source(un_missions.CROSSWALK_SOURCE)

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
    rows: dict[str, dict[str, Any]] = {}
    for r in pko.itertuples(index=False):
        rows[r.acronym] = {
            "acronym": r.acronym,
            "name": r.name,
            "kind": "pko",
            "hosts": list(crosswalk.get(r.acronym, [])),
            "start": r.start,
            "end": r.end,
            "status": r.status,
            "hq_location": r.hq_location,
            "hq_lon": r.hq_lon,
            "hq_lat": r.hq_lat,
            "covers": [],
            "corrections": [],
            "source": files["pko"],
        }
    for r in added.itertuples(index=False):
        if r.acronym in rows:
            raise ParseError(
                files["added"],
                f"{r.acronym} is already in {files['pko']}; correct it through "
                "mission_overrides.csv instead of adding it",
                row=r.row,
            )
        rows[r.acronym] = {
            "acronym": r.acronym,
            "name": r.name,
            "kind": r.kind,
            "hosts": list(r.hosts_iso3),
            "start": r.start,
            "end": r.end,
            "status": "active" if pd.isna(r.end) else "closed",
            "hq_location": r.hq_location,
            "hq_lon": float("nan"),
            "hq_lat": float("nan"),
            "covers": [],
            "corrections": [],
            "source": files["added"],
        }
    fname = files["overrides"]
    for o in overrides.itertuples(index=False):
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
    _validate(rows, regions, files)
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


# --------------------------------------------------------------------------- build step


def _input(ctx: BuildContext, sub: str) -> Path:
    path = ctx.find(sub, sub)
    if not path.is_file():
        raise DataNotFoundError(f"{sub} not found in {ctx.raw} or {ctx.reference}; put the UN Data Hub export there")
    return path


def _source(path: Path, table: str, rows: int, publisher: str, url: str, **more: Any) -> dict[str, Any]:
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
    """Build step: the ``missions`` and ``fatalities`` tables (and check the contributions' missions).

    >>> import tempfile
    >>> from pkdata.builder import build
    >>> m = build(out=tempfile.mkdtemp(), reference=FIXTURES, steps=["pkdata.builder.steps.missions:step_missions"])
    >>> sorted(m["tables"])
    ['fatalities', 'missions']
    """
    pko_path = _input(ctx, f"missions/{PKO_FILE}")
    cw_path = _input(ctx, f"missions/{CROSSWALK_FILE}")
    ov_path, add_path, reg_path, ex_path = (
        ctx.curated(n)
        for n in ("mission_overrides.csv", "missions_added.csv", "m49_regions.csv", "fatality_exclusions.csv")
    )
    pko = un_missions.read_pko(pko_path)
    overrides = un_missions.read_overrides(ov_path)
    added = un_missions.read_added(add_path)
    table = mission_table(
        pko,
        un_missions.read_crosswalk(cw_path),
        overrides,
        added,
        un_missions.read_regions(reg_path),
        files={"pko": pko_path.name, "overrides": ov_path.name, "added": add_path.name},
    )
    contributions = ctx.tables.get("contributions")
    if contributions is not None:
        check_contributions(table, contributions)

    fat_path = _input(ctx, f"fatalities/{FATALITIES_FILE}")
    fat = un_fatalities.read_fatalities(fat_path)
    fatalities, excluded = un_fatalities.apply_exclusions(fat, un_fatalities.read_exclusions(ex_path))
    not_listed = fatalities.loc[~fatalities["mission"].isin(set(table["acronym"])), "mission"].value_counts()

    curated = "pkdata curated table (data/raw/curated), every row with its source"
    sources = [
        _source(
            pko_path,
            "missions",
            (table["source"] == pko_path.name).sum(),
            UN_HUB,
            PKO_URL,
            last_update=", ".join(sorted(set(pko["last_update"]) - {""})),
        ),
        _source(
            cw_path,
            "missions",
            0,
            CROSSWALK["publisher"],
            CROSSWALK["url_pattern"],
            role="host countries (hosts_iso3) of the UN list's missions",
        ),
        _source(
            ov_path,
            "missions",
            0,
            curated,
            "data/raw/curated/mission_overrides.csv",
            role="corrections to the UN mission list",
            overrides=len(overrides),
        ),
        _source(
            add_path,
            "missions",
            (table["source"] == add_path.name).sum(),
            curated,
            "data/raw/curated/missions_added.csv",
            role="missions the UN list lacks",
        ),
        _source(
            reg_path,
            "missions",
            0,
            curated,
            "data/raw/curated/m49_regions.csv",
            role="UN M49 region of each host country",
        ),
        _source(
            fat_path,
            "fatalities",
            len(fatalities),
            UN_HUB,
            FATALITIES_URL,
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
            curated,
            "data/raw/curated/fatality_exclusions.csv",
            role="rows of the UN file dropped on purpose",
            rows_meaning=f"rows excluded from {fat_path.name}",
            rows_excluded=excluded["rows"],
        ),
    ]
    extra = {"fatalities_exclusions": {"duplicate_casualty_id": excluded}} if excluded["rows"] else {}
    return StepResult({"missions": table, "fatalities": fatalities}, sources, extra)
