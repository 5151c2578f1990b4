"""What the claims read: the processed tables of one folder, through the tables layer, as arrays and memos.

A :class:`Data` lives for one :func:`~pkdata.analysis.claims.check`, ``timeline`` or ``combat_rates``
call: each table is read once, and each aggregate (personnel by month and contributor, deaths sorted by
date, assessment rows by year) is built once, so a timeline's months are slices found by bisection, not
filters of a table. Nothing here knows a claim: what to select (a country, a set of missions, a kind of
assessment) is an argument.

>>> d = Data()
>>> p = d.personnel()
>>> int(p.values[p.row[pd.Timestamp("2018-09-30")], p.column["CHN"]])
2506
>>> d.personnel() is p  # built once per Data
True
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from pkdata.analysis.claims.monthly import Personnel
from pkdata.core import countries
from pkdata.core.errors import DataNotFoundError, PkdataError
from pkdata.tables import finance, operations, personnel

_CONTRIBUTION_COLUMNS = ("date", "contributor_iso3", "mission", "total", "source")
_FATALITY_COLUMNS = ("date", "mission", "nationality_iso3", "personnel_type", "incident_type", "source")
#: Columns of the assessment rows (:meth:`Data.assessment_rows`, :meth:`Data.measure_rows`).
ASSESSMENT_COLUMNS = (
    "kind",
    "year",
    "member_iso3",
    "share_percent",
    "share_low",
    "share_high",
    "basis",
    "precision",
    "coverage",
    "chosen",
    "period_start",
    "period_end",
    "assessed_usd",
    "source",
)
MEASURE_COLUMNS = (
    *(c for c in ASSESSMENT_COLUMNS if c not in ("coverage", "chosen")),
    "measure",
    "measure_pick",
    "measure_rank",
    "measure_rank_min",
    "measure_rank_max",
)


T = TypeVar("T")

_READERS = {
    "contributions": personnel.contributions_table,
    "missions": operations.missions_table,
    "fatalities": operations.fatalities_table,
}


class Missing(Exception):
    """A table (or column) a claim needs is not in the processed folder."""


class Data:
    """The processed tables of one folder (``data_dir``; None: ``PKDATA_DATA`` or data/processed)."""

    def __init__(self, data_dir: str | Path | None = None):
        self.dir = personnel.processed_folder(data_dir)
        self._tables: dict[tuple[str, str | None], pd.DataFrame] = {}
        self._memo: dict[Hashable, Any] = {}

    def _table(self, name: str, columns: tuple[str, ...], kind: str | None = None) -> pd.DataFrame:
        """Table ``name`` (assessments: the rows of ``kind``), read once; :class:`Missing` if absent or lacking."""
        if (name, kind) not in self._tables:
            try:
                if name == "assessments":
                    df = finance.assessments(kind, all_rows=True, data_dir=self.dir)  # type: ignore[arg-type]
                else:
                    df = _READERS[name](self.dir)
            except DataNotFoundError:
                raise Missing(
                    f"table {name!r} is not in the processed folder {self.dir} "
                    f"(no {name}.parquet); build it with `pkdata build`"
                ) from None
            self._tables[name, kind] = df
        df = self._tables[name, kind]
        lacking = [c for c in columns if c not in df.columns]
        if lacking:
            raise Missing(f"table {name!r} in {self.dir} lacks the column(s) {lacking}")
        return df

    def _memoised(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, called once per key and :class:`Data`."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    # manifest ---------------------------------------------------------------------------

    def manifest_sources(self) -> dict[str, dict[str, Any]]:
        """The manifest's source files by name (none where the folder has no manifest).

        >>> Data().manifest_sources()["DPPADPOSS-FATALITIES.csv"]["table"]
        'fatalities'
        """

        def read() -> dict[str, dict[str, Any]]:
            try:
                return personnel.source_files(self.dir)
            except DataNotFoundError:
                return {}

        return self._memoised("sources", read)

    def files(self, names: Any) -> list[str]:
        """Source file names, sorted; a name the manifest does not list is marked so.

        >>> Data().files(["nowhere.pdf", None])
        ['nowhere.pdf (not in manifest)']
        """
        known = self.manifest_sources()
        out = sorted({n if isinstance(n, str) else str(n) for n in names if isinstance(n, str) or pd.notna(n)})
        return [n if n in known else f"{n} (not in manifest)" for n in out]

    # personnel --------------------------------------------------------------------------

    def personnel(self) -> Personnel:
        """The contributions table as the arrays the monthly claims slice (built once).

        >>> str(Data().personnel().months[0].date())
        '1990-11-30'
        """
        return self._memoised("personnel", lambda: Personnel.build(self._table("contributions", _CONTRIBUTION_COLUMNS)))

    def contributions(self) -> pd.DataFrame:
        """The contributions table as read (one row per month, contributor, mission and personnel type).

        >>> int(Data().contributions()["total"].sum()) > 0
        True
        """
        return self._table("contributions", (*_CONTRIBUTION_COLUMNS, "personnel_type", "male", "female"))

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()`` once per ``key`` and :class:`Data` (for the metrics' own aggregates).

        >>> d = Data(); d.memo("x", lambda: 1), d.memo("x", lambda: 2)
        (1, 1)
        """
        return self._memoised(("metric", key), build)

    def budgets(self) -> pd.DataFrame:
        """The budgets table (peacekeeping money per fiscal year and mission).

        >>> sorted(set(Data().budgets()["basis"]))[0]
        'approved'
        """
        if ("budgets", None) not in self._tables:
            try:
                self._tables["budgets", None] = finance.budgets(basis="all", data_dir=self.dir)
            except (DataNotFoundError, PkdataError) as exc:
                raise Missing(f"table 'budgets' is not usable in {self.dir}: {exc}") from None
        return self._tables["budgets", None]

    def month_sources(self, months: list[pd.Timestamp]) -> list[str]:
        """The source files of the reports of ``months``.

        >>> len(Data().month_sources([pd.Timestamp("2018-09-30")]))
        1
        """
        p = self.personnel()
        return self.files(p.source_names[c] for c in frozenset().union(*(p.sources.get(m, ()) for m in months)))

    def contributor_missions(self, iso3: str, missions: tuple[str, ...]) -> np.ndarray:
        """``iso3``'s personnel by month with mission detail (rows, as ``detail_months``) x ``missions``.

        >>> d = Data()
        >>> row = d.personnel().detail_months.index(pd.Timestamp("2019-12-31"))
        >>> d.contributor_missions("CHN", ("UNMISS", "NOWHERE"))[row].tolist()
        [1080.0, 0.0]
        """
        return self._memoised(("contributor_missions", iso3, missions), lambda: self.personnel().of(iso3, missions))

    # finance ----------------------------------------------------------------------------

    def assessment_years(self, kind: str) -> list[int]:
        """The calendar years with an assessment row of ``kind``, sorted (none: empty).

        >>> Data().assessment_years("peacekeeping")[0]
        2006
        """
        df = self._assessments(kind, ASSESSMENT_COLUMNS)
        return sorted(set(df["year"].dropna().astype(int)))

    def _assessments(self, kind: str, columns: tuple[str, ...]) -> pd.DataFrame:
        return self._table("assessments", columns, kind)

    def assessment_rows(self, kind: str, bases: tuple[str, ...], member: str) -> dict[int, list[dict[str, Any]]]:
        """``member``'s chosen rows of ``kind`` in one of ``bases``, by year (table order within a year).

        >>> [r["share_percent"] for r in Data().assessment_rows("regular", ("scale_rate",), "CHN")[2019]]
        [12.005]
        """
        df = self._assessments(kind, ASSESSMENT_COLUMNS)

        def build() -> dict[int, list[dict[str, Any]]]:
            pick = df["chosen"] & df["basis"].isin(bases) & (df["member_iso3"] == member)
            return _by_year(df.loc[pick, list(ASSESSMENT_COLUMNS)], ASSESSMENT_COLUMNS)

        return self._memoised(("assessment_rows", kind, bases, member), build)

    def measure_rows(self, measure: str) -> dict[int, list[dict[str, Any]]]:
        """The picked peacekeeping rows of ``measure`` by year, each year's largest share first.

        >>> [r["member_iso3"] for r in Data().measure_rows("scale")[2019][:2]]
        ['USA', 'CHN']
        """
        df = self._assessments("peacekeeping", MEASURE_COLUMNS)

        def build() -> dict[int, list[dict[str, Any]]]:
            rows = df.loc[(df["measure"] == measure) & df["measure_pick"], list(MEASURE_COLUMNS)]
            rows = rows.sort_values(
                ["share_high", "share_percent", "member_iso3"], ascending=[False, False, True], kind="mergesort"
            )
            return _by_year(rows, MEASURE_COLUMNS)

        return self._memoised(("measure_rows", measure), build)

    # missions and fatalities --------------------------------------------------------------

    def fatalities(self) -> pd.DataFrame:
        """The fatalities table (one row per person).

        >>> int((Data().fatalities()["nationality_iso3"] == "CHN").sum()) > 10
        True
        """
        return self._table("fatalities", _FATALITY_COLUMNS)

    def fatality_coverage(self) -> tuple[pd.Timestamp, pd.Timestamp, str]:
        """First and last day the fatalities data covers, and where the last day comes from.

        >>> Data().fatality_coverage()[2]
        "the file's last_update in the manifest"
        """
        return self._memoised("coverage", lambda: _coverage(self.fatalities(), self.manifest_sources()))

    def deaths(
        self, personnel_types: tuple[str, ...], *, nationality: str | None = None, incident: str | None = None
    ) -> Deaths:
        """The fatalities of ``personnel_types`` (and of ``nationality``, ``incident`` if given) as :class:`Deaths`.

        >>> dead = Data().deaths(("military",), nationality="CHN", incident="malicious_act")
        >>> len(dead.span(pd.Timestamp("2016-01-01"), pd.Timestamp("2016-12-31")))
        3
        """

        def build() -> Deaths:
            df = self.fatalities()
            keep = df["personnel_type"].isin(personnel_types).to_numpy()
            if nationality is not None:
                keep = keep & (df["nationality_iso3"] == nationality).to_numpy(dtype=bool, na_value=False)
            if incident is not None:
                keep = keep & (df["incident_type"] == incident).to_numpy(dtype=bool, na_value=False)
            return Deaths.of(df[keep])

        return self._memoised(("deaths", personnel_types, nationality, incident), build)

    def mission_hosts(self) -> dict[str, str]:
        """Mission acronym -> its host country's name (none where the missions table is missing).

        >>> Data().mission_hosts()["MINUSMA"]
        'Mali'
        """

        def build() -> dict[str, str]:
            try:
                missions = self._table("missions", ("acronym", "host_iso3"))
            except Missing:
                return {}
            pairs = missions[["acronym", "host_iso3"]].itertuples(index=False)
            return {str(a): countries.display_name(str(h)) for a, h in pairs if pd.notna(h)}

        return self._memoised("hosts", build)

    def operations(self, kind: str) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
        """Acronym, start and end (NaT: still open) of each mission of ``kind`` (e.g. ``pko``).

        >>> [str(start.date()) for a, start, end in Data().operations("pko") if a == "UNMISS"]
        ['2011-07-08']
        """
        missions = self._table("missions", ("acronym", "kind", "start", "end"))

        def build() -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
            rows = missions[missions["kind"] == kind]
            return list(zip(rows["acronym"].astype(str), rows["start"], rows["end"], strict=True))

        return self._memoised(("operations", kind), build)


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts of ``columns`` (missing values stay ``pd.NA``/NaN, as in a row of ``loc``)."""
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*(frame[c].tolist() for c in columns), strict=True)
    ]


def _by_year(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[int, list[dict[str, Any]]]:
    """The rows of ``frame`` (in its order) by year, rows without a year left out."""
    out: dict[int, list[dict[str, Any]]] = {}
    for r in _records(frame, columns):
        if pd.notna(r["year"]):
            out.setdefault(int(r["year"]), []).append(r)
    return dict(sorted(out.items()))


def _coverage(table: pd.DataFrame, sources: dict[str, dict[str, Any]]) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    first = table["date"].min().normalize()
    updates = []
    for name in set(table["source"].dropna().astype(str)):
        for part in str(sources.get(name, {}).get("last_update", "")).split(","):
            try:
                day = pd.Timestamp(part.strip())
            except ValueError:
                continue
            if not pd.isna(day):  # an empty or broken last_update is no date (pd.Timestamp("") is NaT)
                updates.append(day)
    if updates:
        return first, max(updates).normalize(), "the file's last_update in the manifest"
    return first, table["date"].max().normalize(), "the latest incident date in the table"


@dataclass(frozen=True)
class Deaths:
    """Fatality rows as sorted dates and plain values, so a window is a slice (bisection), not a filter."""

    dates: list[pd.Timestamp]  # sorted; rows without a date are left out (no window holds them)
    mission: list[str | None]
    incident: list[str | None]
    day: list[str]  # 'YYYY-MM-DD'
    source: list[Any]

    @classmethod
    def of(cls, rows: pd.DataFrame) -> Deaths:
        """The fatality rows ``rows`` (columns date, mission, incident_type, source), sorted by date.

        >>> Deaths.of(Data().fatalities()).day[0]
        '1948-07-06'
        """
        rows = rows[rows["date"].notna()]
        rows = rows.iloc[np.argsort(rows["date"].to_numpy(), kind="stable")]

        def values(col: str) -> list[str | None]:
            return [None if pd.isna(x) else str(x) for x in rows[col]]

        dates = pd.DatetimeIndex(rows["date"])
        return cls(
            list(dates),
            values("mission"),
            values("incident_type"),
            list(dates.strftime("%Y-%m-%d")),
            list(rows["source"]),
        )

    def span(self, start: pd.Timestamp, end: pd.Timestamp) -> range:
        """Positions of the rows dated ``start`` .. ``end`` (both included).

        >>> dead = Deaths.of(Data().fatalities())
        >>> dead.mission[dead.span(pd.Timestamp("1948-07-06"), pd.Timestamp("1948-07-06"))[0]]
        'UNTSO'
        """
        return range(bisect.bisect_left(self.dates, start), bisect.bisect_right(self.dates, end))
