"""The report's claims as hand-written rules: one function per claim, ``(Data, as_of month end) -> Result``.

Each rule reads only :class:`~pkdata.analysis.claims.data.Data` and returns a
:class:`~pkdata.analysis.claims.model.Result`; the claims' thresholds and rivals are the constants of
its module. :mod:`pkdata.analysis.claims.registry` lists them in the report's order.

>>> import pandas as pd
>>> from pkdata.analysis.claims.data import Data
>>> personnel_about_2500(Data(), pd.Timestamp("2018-09-30")).verdict
'supported'
"""

from __future__ import annotations

from pkdata.analysis.claims.rules.fatalities import COMBAT_ZONES, UNDETERMINED, active_combat_zones, recent_fatalities
from pkdata.analysis.claims.rules.funding import (
    BASIS_TEXT,
    BUDGET_BASES,
    FUNDING_BASES,
    FUNDING_MEASURE,
    MEASURE_TEXT,
    OTHER_MEASURE,
    rising_budget_share,
    second_largest_funder,
)
from pkdata.analysis.claims.rules.personnel import (
    ABOUT,
    ABOUT_TOLERANCE,
    CHN,
    FAR_MORE,
    MISSIONS,
    TOP_N,
    in_mali_and_south_sudan,
    more_than_other_p5,
    personnel_about_2500,
    top_contributor_rank,
)

__all__ = [
    "ABOUT",
    "ABOUT_TOLERANCE",
    "BASIS_TEXT",
    "BUDGET_BASES",
    "CHN",
    "COMBAT_ZONES",
    "FAR_MORE",
    "FUNDING_BASES",
    "FUNDING_MEASURE",
    "MEASURE_TEXT",
    "MISSIONS",
    "OTHER_MEASURE",
    "TOP_N",
    "UNDETERMINED",
    "active_combat_zones",
    "in_mali_and_south_sudan",
    "more_than_other_p5",
    "personnel_about_2500",
    "recent_fatalities",
    "rising_budget_share",
    "second_largest_funder",
    "top_contributor_rank",
]
