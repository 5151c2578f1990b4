"""Known defects of source months: the ``quality`` table and what the library does with it.

Each row is one defect: ``month`` ('YYYY-MM'), ``scope`` (``all`` for the whole month, else
``ISO3/MISSION/personnel_type`` for one row of the contributions table), ``field`` (``gender``
or ``total``), ``issue``, ``action`` (``exclude``: the build treats the field as missing there;
``note``: kept, with a warning), ``detected_by`` (``curated`` for a row of
``data/raw/curated/quality_flags.csv``, and/or the automatic detectors that found it),
``reason``, ``evidence`` and ``source``. The build step is :mod:`pkdata.builder.steps.quality_flags`.

Where a gender flag's action is ``exclude``, the processed ``contributions`` table has
``male`` and ``female`` missing for the rows it covers (the totals stay), so every gender
figure, chart and claim built on it treats that split as missing.

>>> import pkdata
>>> "2020-08" in pkdata.quality()["month"].tolist()
True
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pkdata.core import schema, store

#: Columns of the ``quality`` table (declared in the table registry).
COLUMNS: tuple[str, ...] = schema.QUALITY_COLUMNS
#: ``scope`` of a flag that covers a whole month.
MONTH_SCOPE = schema.MONTH_SCOPE


def quality(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Every known defect of a source month (curated and detected), one row per month x scope x field.

    >>> q = quality()
    >>> q.set_index(["month", "scope"]).loc[("2020-08", "all"), ["field", "action"]].tolist()
    ['gender', 'exclude']
    """
    return store.table("quality", data_dir)


def gender_excluded_months(data_dir: str | Path | None = None) -> list[str]:
    """The months ('YYYY-MM', sorted) whose whole male/female split is excluded (treated as missing).

    Row-level exclusions (one contingent in a month, ``scope`` other than ``all``) are not
    listed: those months keep a split for every other row. The processed contributions
    already have ``male``/``female`` missing wherever a flag excludes them.

    >>> gender_excluded_months()[:1]
    ['2020-08']
    """
    q = quality(data_dir)
    hit = q[(q["field"] == "gender") & (q["action"] == "exclude") & (q["scope"] == MONTH_SCOPE)]
    return sorted(set(hit["month"].astype(str)))


def gender_note(months: list[str] | None = None, data_dir: str | Path | None = None) -> str:
    """One sentence for a chart's source line or a claim's evidence naming the excluded gender months.

    >>> gender_note(["2020-08"])
    'male/female split of 2020-08 excluded (misprinted in the source; see pkdata.quality())'
    """
    months = gender_excluded_months(data_dir) if months is None else months
    if not months:
        return ""
    return f"male/female split of {', '.join(months)} excluded (misprinted in the source; see pkdata.quality())"
