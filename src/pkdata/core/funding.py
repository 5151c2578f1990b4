"""The finance vocabulary shared by the build's finance step and the finance queries: kinds, bases, measures,
the two tables' columns (declared in the table registry) and the precision-aware rank bounds.

>>> MEASURES["assessed_usd"], BASES[0]
('billed', 'scale_rate')
>>> ASSESSMENT_COLUMNS[-len(MEASURE_COLUMNS):] == MEASURE_COLUMNS
True
"""

from __future__ import annotations

import math

import numpy as np

from pkdata.core import registry

KINDS: tuple[str, ...] = ("peacekeeping", "regular")
#: Bases, best first: the preferred rows of a kind-year come from the first basis it has.
BASES: tuple[str, ...] = ("scale_rate", "assessed_usd", "scale_rate_rounded")
#: Every basis of the table: the above and the peacekeeping scale's bounds derived from the regular-budget
#: scale (never preferred; see :mod:`pkdata.builder.steps.peacekeeping_scale`).
ALL_BASES: tuple[str, ...] = (*BASES, "scale_rate_derived")
#: The two funding measures and the bases each is made of.
MEASURES: dict[str, str] = {
    "scale_rate": "scale",
    "scale_rate_rounded": "scale",
    "scale_rate_derived": "scale",
    "assessed_usd": "billed",
}
#: Columns naming a row's measure and, for the row picked for it, its rank within that measure.
MEASURE_COLUMNS: tuple[str, ...] = (
    "measure",
    "measure_pick",
    "measure_rank",
    "measure_rank_min",
    "measure_rank_max",
    "measure_rank_note",
)
#: Columns of the ``assessments`` table, in order (the measure columns last).
ASSESSMENT_COLUMNS: tuple[str, ...] = registry.columns("assessments")
#: Columns of the ``budgets`` table, in order.
BUDGET_TABLE_COLUMNS: tuple[str, ...] = registry.columns("budgets")


def rank_bounds(low: np.ndarray, high: np.ndarray, *, partial: bool) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst possible rank of each member given its share interval.

    An exact share has ``low == high``; a rounded one is the half-open interval
    ``[low, high)``. *j* is certainly above *i* if its lowest possible share is at or above
    *i*'s highest (strictly above for an exact *i*: equal exact shares tie); *j* may be above
    *i* if its highest possible share exceeds *i*'s lowest. For a partial table, members it
    does not list share at most ``100 - sum(low)``, so at most that / *i*'s low of them can be
    above *i*; ``rank_max`` adds them.

    >>> rank_bounds(np.array([27.0, 2.0, 1.5]), np.array([27.0, 2.0, 2.5]), partial=False)
    (array([1, 2, 2]), array([1, 3, 3]))
    """
    exact = low == high
    certain = np.where(exact[:, None], low[None, :] > high[:, None], low[None, :] >= high[:, None])
    possible = certain | (high[None, :] > low[:, None])
    np.fill_diagonal(certain, False)
    np.fill_diagonal(possible, False)
    rank_min = 1 + certain.sum(axis=1)
    rank_max = 1 + possible.sum(axis=1)
    if partial:
        rest = max(0.0, 100.0 - float(low.sum()))
        extra = np.array([max(0, math.ceil(rest / lo - 1e-9) - 1) if lo > 0 else 10**6 for lo in low])
        rank_max = rank_max + extra
    return rank_min.astype("int64"), rank_max.astype("int64")
