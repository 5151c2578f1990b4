"""Claims about UN peacekeeping, written as data (claim files, :mod:`.claimfile`), checked against the data:
:func:`check_file` for any claim file, :func:`check` for the seed report's (Marc Lanteigne, USIP, September 2018,
shipped as ``data/claims/lanteigne_2018.toml``).

Each claim names a metric (:data:`METRICS`, :mod:`.metrics`) with its parameters; the metric reads the processed tables
(``PKDATA_DATA``, through :mod:`.data`) and returns a value, what it is compared with, a verdict
(``supported``, ``refuted`` or ``insufficient_data``), the date of the data used, the source files
(as named in the manifest) of the rows used, and an evidence string. Nothing about a claim's outcome
is written here: only the claim's definition (its threshold or rival) and how close the data must be
to the date asked for.

Rules shared by the claims:

* **Latest data on or before** ``as_of``; a month or year after it is never used.
* **Personnel** (``personnel_about_2500``, ``more_than_other_p5``, ``top_contributor_rank``,
  ``in_mali_and_south_sudan``): the verdict is decided by the **median of the last 12 monthly
  reports** (:data:`WINDOW`) so that one month's rotation dip (contingents swap in and out) is
  visible but does not decide it; ``latest`` shows the latest month's value. Close enough: the
  latest report is at most :data:`MAX_LAG_MONTHS` months before ``as_of``, the window's reports
  lie within the :data:`SPAN_MONTHS` months ending at the latest one (missing reports shorten the
  window) and there are at least :data:`MIN_REPORTS` of them.
* **Mission detail** (``in_mali_and_south_sudan``): months whose report gives country totals only
  (in the committed data 2018-03 .. 2019-08, 2023-09 and the IPI country files before Nov 2009)
  cannot show a mission; the last 12 reports with mission detail on or before ``as_of`` are used
  and ``data_date`` names them and the months skipped. Close enough: the latest of them is at
  most :data:`MAX_DETAIL_LAG_MONTHS` months before ``as_of`` (a contingent is a multi-year
  deployment) and there are at least :data:`MIN_REPORTS`.
* **Funding and budget share** (calendar years): the year of ``as_of``, or the latest earlier year
  whose scale period (``period_start`` .. ``period_end``, three years) still covers it.
* **Fatalities**: deaths with an incident date in the :data:`FATALITY_YEARS` years up to the end
  of ``as_of``'s month; the data must reach that date (the file's ``last_update``) to refute.

A table missing from the processed folder gives ``insufficient_data`` with the reason in the
evidence, never an invented value.

The modules: :mod:`.data` (what the rules read, through the tables layer; per-call memos) and
:mod:`.monthly` (personnel as arrays), :mod:`.model` (:class:`Claim`, :class:`Result`, the report),
:mod:`.windows` (which data is close enough to a date), :mod:`.metrics` (the metrics), :mod:`.claimfile`
(claim files), :mod:`.compare` and :mod:`.groups` (comparisons, subjects),
:mod:`.combat` (the rates behind ``active_combat_zones``), :mod:`.registry` (:data:`CLAIMS`),
:mod:`.checking` (:func:`check`, :func:`timeline`) and :mod:`.render` (text, CSV, JSON; the command).

>>> c = check("2018-09").set_index("claim_id")
>>> c.loc["personnel_about_2500", "verdict"], float(c.loc["personnel_about_2500", "value"])
('supported', 2518.5)
>>> float(c.loc["personnel_about_2500", "latest"])
2506.0
"""

from __future__ import annotations

from pkdata.analysis.claims.checking import TIMELINE_COLUMNS, check, check_file, timeline
from pkdata.analysis.claims.claimfile import ClaimFile, load, shipped
from pkdata.analysis.claims.combat import KILLED, MIN_DETAIL_MONTHS, UNIFORMED, combat_rates
from pkdata.analysis.claims.metrics import (
    ABOUT,
    ABOUT_TOLERANCE,
    BASIS_TEXT,
    BUDGET_BASES,
    CHN,
    COMBAT_ZONES,
    FAR_MORE,
    FUNDING_BASES,
    FUNDING_MEASURE,
    MEASURE_TEXT,
    METRICS,
    MISSIONS,
    OTHER_MEASURE,
    TOP_N,
    UNDETERMINED,
)
from pkdata.analysis.claims.model import (
    COLUMNS,
    REPORT,
    REPORT_AUTHOR,
    REPORT_DATE_TEXT,
    REPORT_MONTH,
    REPORT_PUBLISHER,
    REPORT_SERIES,
    REPORT_SHORT,
    REPORT_TITLE,
    SEED,
    VERDICTS,
    Claim,
    Result,
)
from pkdata.analysis.claims.registry import CLAIMS
from pkdata.analysis.claims.render import cli_args, cli_check, cli_check_args, cli_claims, render
from pkdata.analysis.claims.windows import (
    FATALITY_YEARS,
    MAX_DETAIL_LAG_MONTHS,
    MAX_LAG_MONTHS,
    MIN_REPORTS,
    SPAN_MONTHS,
    WINDOW,
)
from pkdata.core.errors import PkdataError

__all__ = [
    "ABOUT",
    "ABOUT_TOLERANCE",
    "BASIS_TEXT",
    "BUDGET_BASES",
    "CHN",
    "CLAIMS",
    "COLUMNS",
    "COMBAT_ZONES",
    "FAR_MORE",
    "FATALITY_YEARS",
    "FUNDING_BASES",
    "FUNDING_MEASURE",
    "KILLED",
    "MAX_DETAIL_LAG_MONTHS",
    "MAX_LAG_MONTHS",
    "MEASURE_TEXT",
    "MIN_DETAIL_MONTHS",
    "MIN_REPORTS",
    "METRICS",
    "MISSIONS",
    "OTHER_MEASURE",
    "REPORT",
    "REPORT_AUTHOR",
    "REPORT_DATE_TEXT",
    "REPORT_MONTH",
    "REPORT_PUBLISHER",
    "REPORT_SERIES",
    "REPORT_SHORT",
    "REPORT_TITLE",
    "SEED",
    "SPAN_MONTHS",
    "TIMELINE_COLUMNS",
    "TOP_N",
    "UNDETERMINED",
    "UNIFORMED",
    "VERDICTS",
    "WINDOW",
    "Claim",
    "ClaimFile",
    "PkdataError",
    "Result",
    "check",
    "check_file",
    "cli_args",
    "cli_check",
    "cli_check_args",
    "cli_claims",
    "combat_rates",
    "load",
    "render",
    "shipped",
    "timeline",
]
