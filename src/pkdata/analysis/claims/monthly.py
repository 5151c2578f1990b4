"""Uniformed personnel by month as arrays: what the monthly claims slice.

Built once per :class:`~pkdata.analysis.claims.data.Data` from the contributions table, so that a
timeline's months are rows found by bisection, not filters of the table. Nothing here names a claim's
country or missions: :meth:`Personnel.of` is asked for them.

>>> from pkdata.tables import personnel
>>> p = Personnel.build(personnel.contributions_table())
>>> int(p.values[p.row[pd.Timestamp("2018-09-30")], p.column["CHN"]])
2506
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def sum_by(rows: np.ndarray, a: np.ndarray, na: int, b: np.ndarray, nb: int, weights: np.ndarray) -> np.ndarray:
    """``weights`` of ``rows`` summed by (code ``a``, code ``b``): an ``na`` x ``nb`` array, 0 where none.

    >>> sum_by(np.array([True, True, False]), np.array([0, 1, 1]), 2, np.array([0, 0, 0]), 1, np.array([1.0, 2, 4]))
    array([[1.],
           [2.]])
    """
    flat = np.bincount(a[rows] * nb + b[rows], weights=weights[rows], minlength=na * nb)
    return flat.reshape(na, nb)


def codes_by(rows: np.ndarray, codes: np.ndarray, n: int, values: np.ndarray) -> list[frozenset[int]]:
    """For each code 0..n-1, the set of (non-negative) ``values`` of the ``rows`` with that code.

    >>> codes_by(np.array([True, True, True]), np.array([0, 0, 1]), 2, np.array([3, 1, -1]))
    [frozenset({1, 3}), frozenset()]
    """
    keep = rows & (values >= 0)
    k = max(int(values.max()) + 1, 1) if len(values) else 1
    seen = np.zeros(n * k, dtype=bool)
    seen[codes[keep].astype("int64") * k + values[keep]] = True
    pairs = np.flatnonzero(seen)  # the distinct (code, value) pairs, sorted by code, then value
    at = np.searchsorted(pairs // k, np.arange(n + 1)).tolist()
    found = (pairs % k).tolist()
    return [frozenset(found[at[i] : at[i + 1]]) for i in range(n)]


@dataclass(frozen=True)
class _Codes:
    """The contributions rows as codes, kept to sum one contributor's personnel by mission on demand."""

    date: np.ndarray  # position in the sorted dates (-1: no date)
    mission: np.ndarray  # position in ``missions`` (-1: country totals only)
    contributor: np.ndarray  # position in ``isos`` (-1: none)
    isos: dict[str, int]
    detail: np.ndarray  # rows with a date and a mission
    detail_at: np.ndarray  # positions (in the sorted dates) of the months with mission detail
    total: np.ndarray
    n_dates: int


@dataclass(frozen=True)
class Personnel:
    """Uniformed personnel by month, as arrays (see the module docstring)."""

    #: Report months (sorted) and month x contributor uniformed personnel (0 where a report does not list
    #: a contributor); ``column`` maps ISO3 to a column (sorted ISO3), ``row`` a month to a row.
    months: list[pd.Timestamp]
    values: np.ndarray
    contributors: list[str]
    column: dict[str, int]
    row: dict[pd.Timestamp, int]
    #: Each report month's source files (codes: positions in ``source_names``).
    sources: dict[pd.Timestamp, frozenset[int]]
    source_names: list[str]
    #: Months whose report has mission detail (sorted); all contributors' personnel by detail month x mission
    #: (``mission`` maps an acronym to a column) and each detail month's source files of the rows with a mission.
    detail_months: list[pd.Timestamp]
    mission_totals: np.ndarray
    mission: dict[str, int]
    mission_sources: list[frozenset[int]]
    codes: _Codes

    def value(self, row: int, iso3: str) -> float:
        """The personnel of ``iso3`` in month ``row`` (0 where the data never lists it).

        >>> from pkdata.tables import personnel
        >>> Personnel.build(personnel.contributions_table()).value(0, "ATA")
        0.0
        """
        return float(self.values[row, self.column[iso3]]) if iso3 in self.column else 0.0

    def series(self, rows: np.ndarray, iso3: str) -> np.ndarray:
        """The column of ``iso3`` in ``rows`` (a slice of :attr:`values`; zeros where the data never lists it).

        >>> from pkdata.tables import personnel
        >>> p = Personnel.build(personnel.contributions_table())
        >>> p.series(p.values[-2:], "ATA").tolist()
        [0.0, 0.0]
        """
        return rows[:, self.column[iso3]] if iso3 in self.column else np.zeros(len(rows))

    def of(self, iso3: str, missions: tuple[str, ...]) -> np.ndarray:
        """``iso3``'s personnel by month with mission detail (rows as :attr:`detail_months`) x ``missions``.

        >>> from pkdata.tables import personnel
        >>> p = Personnel.build(personnel.contributions_table())
        >>> int(p.of("CHN", ("MINUSMA",))[p.detail_months.index(pd.Timestamp("2017-12-31")), 0])
        395
        """
        c = self.codes
        n = len(c.detail_at)
        if iso3 not in c.isos:
            return np.zeros((n, len(missions)))
        mine = _sum_by_mission(c, c.detail & (c.contributor == c.isos[iso3]), len(self.mission))
        return np.column_stack(
            [mine[:, self.mission[m]] if m in self.mission else np.zeros(n) for m in missions]
        ).reshape(n, len(missions))

    @classmethod
    def build(cls, df: pd.DataFrame) -> Personnel:
        """The arrays of the contributions table ``df`` (columns date, contributor_iso3, mission, total, source).

        >>> from pkdata.tables import personnel
        >>> p = Personnel.build(personnel.contributions_table())
        >>> p.contributors[:2], len(p.months) == len(p.values)
        (['AGO', 'ALB'], True)
        """
        total = df["total"].astype("float64").to_numpy()
        total = np.where(np.isnan(total), 0.0, total)  # a missing count adds nothing (as in a groupby sum)
        dcode, dates = pd.factorize(df["date"], sort=True)  # NaT: -1
        nd = len(dates)
        dated = dcode >= 0
        # month x contributor
        ccode, isos = pd.factorize(df["contributor_iso3"])
        names = [str(x) for x in isos]
        order = sorted(range(len(names)), key=names.__getitem__)
        rank = np.empty(len(names), dtype="int64")
        rank[order] = np.arange(len(names))
        listed = dated & (ccode >= 0)
        contributors = [names[i] for i in order]
        column_of = np.append(rank, 0)[ccode]  # a row without a contributor (-1) gets a dummy 0; not `listed`
        grid = sum_by(listed, dcode, nd, column_of, len(names), total)
        reported = np.bincount(dcode[listed], minlength=nd) > 0
        months = list(dates[reported])
        scode, source_names = pd.factorize(df["source"])
        sources = codes_by(dated, dcode, nd, scode)
        # detail month x mission
        mcode, acronyms = pd.factorize(df["mission"])
        detail = dated & (mcode >= 0)
        at = np.flatnonzero(np.bincount(dcode[detail], minlength=nd) > 0)
        codes = _Codes(dcode, mcode, ccode, {n: i for i, n in enumerate(names)}, detail, at, total, nd)
        mission_sources = codes_by(detail, dcode, nd, scode)
        return cls(
            months=months,
            values=grid[reported],
            contributors=contributors,
            column={c: i for i, c in enumerate(contributors)},
            row={m: i for i, m in enumerate(months)},
            sources={m: sources[i] for i, m in enumerate(dates)},
            source_names=[str(x) for x in source_names],
            detail_months=list(dates[at]),
            mission_totals=_sum_by_mission(codes, detail, len(acronyms)),
            mission={str(a): i for i, a in enumerate(acronyms)},
            mission_sources=[mission_sources[i] for i in at],
            codes=codes,
        )


def _sum_by_mission(c: _Codes, rows: np.ndarray, n_missions: int) -> np.ndarray:
    """Personnel of ``rows`` by month with mission detail x mission."""
    return sum_by(rows, c.date, c.n_dates, c.mission, n_missions, c.total)[c.detail_at]
