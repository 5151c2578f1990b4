"""Deaths of uniformed peacekeepers counted by year and cause, from the ``fatalities`` table.

Uniformed: military, experts on mission and police (:data:`pkdata.core.schema.UNIFORMED_FATALITY_TYPES`).
Each query takes ``fatalities``: rows of the fatalities table (a small or doctored table) instead of the
embedded one.

>>> int(by_year("CHN").loc[2016].sum())
3
"""

from __future__ import annotations

import pandas as pd

from pkdata.core import schema
from pkdata.tables import operations

#: Causes, in the order the charts stack them; ``other`` adds self-inflicted, to be determined and unknown.
CAUSES: tuple[str, ...] = ("malicious_act", "accident", "illness", "other")


def fatalities_or(fatalities: pd.DataFrame | None = None) -> pd.DataFrame:
    """``fatalities`` when given, else the embedded fatalities table.

    >>> f = fatalities_or()
    >>> fatalities_or(f) is f, int((f["nationality_iso3"] == "CHN").sum()) > 10
    (True, True)
    """
    return operations.fatalities() if fatalities is None else fatalities


def by_year(iso3: str, fatalities: pd.DataFrame | None = None) -> pd.DataFrame:
    """A country's uniformed peacekeepers who died in UN service, by year (rows) and cause (columns).

    Years from the country's first death to the data's last. The code is checked as
    :func:`pkdata.tables.operations.fatalities` checks it.

    >>> int(by_year("CHN").loc[2016, "malicious_act"])
    3
    >>> by_year("XYZ")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: iso3='XYZ': not an ISO 3166 alpha-3 code pkdata knows; ...
    """
    iso3 = str(iso3).upper()
    if fatalities is None:
        operations.fatalities(iso3)  # the loader's check of the code
    f = fatalities_or(fatalities)
    mine = f[(f["nationality_iso3"] == iso3) & f["personnel_type"].isin(schema.UNIFORMED_FATALITY_TYPES)]
    cause = mine["incident_type"].astype("string")
    cause = cause.where(cause.isin(list(CAUSES)), "other")
    table = mine.groupby([mine["date"].dt.year.rename("year"), cause.rename("cause")]).size().unstack(fill_value=0)
    table = table.reindex(columns=list(CAUSES), fill_value=0)
    if len(table):
        table = table.reindex(range(int(table.index.min()), int(f["date"].dt.year.max()) + 1), fill_value=0)
    table.index.name = "year"
    return table.astype("int64")


def killed_by_malicious_acts(iso3: str, year: int, fatalities: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of a country's peacekeepers killed by malicious acts in ``year`` (every personnel type).

    >>> k = killed_by_malicious_acts("CHN", 2016)
    >>> sorted(k["mission"].astype(str))
    ['MINUSMA', 'UNMISS', 'UNMISS']
    """
    f = fatalities_or(fatalities)
    f = f[(f["nationality_iso3"] == str(iso3).upper()) & (f["date"].dt.year == int(year))]
    return f[f["incident_type"].astype(str).str.contains("malicious", case=False, na=False)]
