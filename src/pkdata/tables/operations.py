"""Missions and fatalities: where the peacekeepers are, and who died.

(The module is ``operations``, not ``missions``, so that importing it cannot shadow the public
function ``pkdata.missions``: importing ``pkdata.missions`` would set that attribute to the module.)

Two tables, built by the build step :func:`pkdata.builder.steps.missions.step_missions`:

``missions`` (one row per acronym)
    acronym, name, kind (see :data:`pkdata.builder.readers.schema.MISSION_KINDS`), host_iso3 (the primary
    host), hosts_iso3 (every host, ``;``-separated, primary first), region and subregion (UN M49,
    of the primary host), start, end (the mandate's end as the UN gives it; personnel can still
    appear in the monthly reports during a withdrawal after it), status (``active``/``closed``),
    hq_location, hq_lon, hq_lat, covers (for aggregate and duplicate rows: the operations they
    stand for), corrections (the fields a curated override changed), source.

    Built from the UN Data Hub list ``DPPADPOSS-PKO.csv``, host countries from the crosswalk
    ``unpko_country_crosswalk.csv``, and three curated tables in ``data/raw/curated/``:
    ``mission_overrides.csv`` (corrections to the UN file, each with a reason and a source),
    ``missions_added.csv`` (missions the UN list lacks: special political missions that the
    monthly reports include, UNTAG, UNTMIH) and ``m49_regions.csv``. Every mission acronym of the
    contributions table must be in it (the build fails otherwise).

``fatalities`` (one row per person)
    date, mission, nationality_iso3, nationality, personnel_type, incident_type, gender,
    casualty_id (the key), record_id (the UN file's id), source. See
    :mod:`pkdata.builder.readers.un_fatalities` for the value sets and the duplicate rows dropped.
"""

from __future__ import annotations

import contextlib
import os

import pandas as pd

from pkdata.core import countries, schema, store
from pkdata.core.errors import DataNotFoundError, PkdataError
from pkdata.tables.personnel import processed_folder

#: Columns of the mission table, in order; kinds left out of :func:`missions` with ``active_on``.
MISSION_COLUMNS: tuple[str, ...] = schema.MISSION_COLUMNS
NOT_OPERATIONS: tuple[str, ...] = schema.NOT_OPERATIONS


# --------------------------------------------------------------------------- queries


def missions(active_on: str | pd.Timestamp | None = None, *, kind: str | list[str] | None = None) -> pd.DataFrame:
    """The mission table; with ``active_on``, the operations whose mandate covers that date.

    ``active_on`` keeps rows with ``start <= date`` and no ``end`` or ``end >= date``, and
    drops aggregate and duplicate rows (which would count an operation twice). ``kind``
    keeps only that kind or kinds (``"pko"``, ``"spm"``, ...).

    >>> sorted(missions("2019-06-30", kind="pko")["acronym"])[:3]
    ['MINUJUSTH', 'MINURSO', 'MINUSCA']

    A bare year is refused, as :func:`pkdata.snapshot` refuses it (which day of the year?):

    >>> missions("2019")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: active_on='2019' is a year, not a date; pass 'YYYY-MM-DD' (e.g. '2019-12-31')
    """
    df = store.table("missions")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        bad = [k for k in kinds if k not in schema.MISSION_KINDS]
        if bad:
            raise PkdataError(f"kind={bad!r}: expected one of {list(schema.MISSION_KINDS)}")
        df = df[df["kind"].isin(kinds)]
    if active_on is not None:
        text = str(active_on).strip()
        if (isinstance(active_on, str | int) and not isinstance(active_on, bool)) and text.isdigit() and len(text) <= 4:
            raise PkdataError(f"active_on={active_on!r} is a year, not a date; pass 'YYYY-MM-DD' (e.g. '{text}-12-31')")
        try:
            day = pd.Timestamp(active_on)
        except (ValueError, TypeError) as exc:
            raise PkdataError(f"active_on={active_on!r} is not a date; use 'YYYY-MM-DD'") from exc
        on = (df["start"] <= day) & (df["end"].isna() | (df["end"] >= day)) & ~df["kind"].isin(NOT_OPERATIONS)
        df = df[on.fillna(False)]
    return df.reset_index(drop=True)


def fatalities(iso3: str | None = None, mission: str | None = None) -> pd.DataFrame:
    """Fatalities (one row per person), optionally of one nationality and/or one mission.

    >>> f = fatalities("CHN")
    >>> int(f.groupby(f["date"].dt.year).size().loc[2016])
    3
    """
    df = store.table("fatalities")
    if iso3 is not None:
        code = iso3.strip().upper() if isinstance(iso3, str) else None
        if code not in countries.DISPLAY and code not in set(df["nationality_iso3"].dropna().astype(str)):
            raise PkdataError(
                f"iso3={iso3!r}: not an ISO 3166 alpha-3 code pkdata knows; pass one such as 'CHN' "
                "(pkdata.core.countries.to_iso3 maps a name to its code)"
            )
        df = df[df["nationality_iso3"] == code]
    if mission is not None:
        if not isinstance(mission, str) or not mission.strip():
            raise PkdataError(f"mission={mission!r}: pass a mission acronym such as 'UNMISS'")
        known = set(df["mission"].dropna().astype(str).str.casefold())
        with contextlib.suppress(DataNotFoundError):
            known |= set(store.table("missions")["acronym"].astype(str).str.casefold())
        if mission.strip().casefold() not in known:
            raise PkdataError(
                f"mission={mission!r}: no such mission in the fatalities or missions tables; pass an "
                "acronym such as 'UNMISS' (pkdata.missions() lists them)"
            )
        df = df[df["mission"].str.casefold() == mission.strip().casefold()]
    return df.reset_index(drop=True)


def risk(iso3: str, year: int) -> pd.DataFrame:
    """Deaths per 1,000 personnel-years of one contributor, by mission, for one year.

    Deaths: the contributor's uniformed personnel (military, military observers, police) in the
    fatalities table with an incident date in ``year``. Exposure: the contributor's mean monthly
    strength in the mission over the months of ``year`` whose report has mission detail, times
    one year (months without a report, or with country totals only, are left out of the mean).

    Columns: mission, deaths, personnel_years, deaths_per_1000 (missing where the contributor had
    no personnel in the mission that year), months (months with mission detail behind the mean).

    >>> int(risk("CHN", 2016).set_index("mission").loc["UNMISS", "deaths"])
    2
    """
    iso3 = iso3.upper()
    year = int(year)
    contrib = store.table("contributions")
    in_year = contrib[contrib["date"].dt.year == year]
    months = sorted(in_year.loc[in_year["mission"].notna(), "date"].unique())
    if not months:
        raise PkdataError(
            f"no contributions by mission for {year}: the reports of that year give country totals only or are "
            "missing (`pkdata info --months` lists each month's granularity)"
        )
    mine = in_year[(in_year["contributor_iso3"] == iso3) & in_year["mission"].notna() & in_year["date"].isin(months)]
    fat = store.table("fatalities")
    dead = fat[
        (fat["nationality_iso3"] == iso3)
        & (fat["date"].dt.year == year)
        & fat["personnel_type"].isin(schema.UNIFORMED_FATALITY_TYPES)
    ]
    known = set(contrib["contributor_iso3"]) | set(fat["nationality_iso3"].dropna())
    if mine.empty and dead.empty and iso3 not in known:
        raise PkdataError(f"no contributions or fatalities for {iso3!r}; pass an ISO3 code such as 'CHN'")
    strength = mine.groupby(mine["mission"].astype("string"))["total"].sum().astype("float64") / len(months)
    deaths = dead.groupby(dead["mission"].astype("string")).size()
    index = sorted(set(strength.index) | set(deaths.index))
    out = pd.DataFrame({"mission": pd.array(index, dtype="string")})
    out["deaths"] = deaths.reindex(index, fill_value=0).to_numpy().astype("int64")
    out["personnel_years"] = strength.reindex(index, fill_value=0.0).to_numpy()
    py = out["personnel_years"].where(out["personnel_years"] > 0)
    out["deaths_per_1000"] = 1000.0 * out["deaths"] / py
    out["months"] = len(months)
    return out


# --------------------------------------------------------------------------- any processed folder
# As :func:`missions` and :func:`fatalities` unfiltered, of the folder given (the analysis layer checks copies).


def missions_table(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The whole mission table of the processed folder ``data_dir`` (None: the default one).

    >>> m = missions_table().set_index("acronym")
    >>> m.loc["UNMISS", "host_iso3"], m.loc["UNMISS", "kind"]
    ('SSD', 'pko')
    """
    return store.table("missions", processed_folder(data_dir))


def fatalities_table(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The whole fatalities table (one row per person) of the processed folder ``data_dir`` (None: the default one).

    >>> f = fatalities_table()
    >>> int(((f["nationality_iso3"] == "CHN") & (f["date"].dt.year == 2016)).sum())
    3
    """
    return store.table("fatalities", processed_folder(data_dir))
