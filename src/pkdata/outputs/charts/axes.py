"""Time axes of the monthly charts: month steps with gaps for months without a report, stacked areas,
date ticks, and the period and gap notes of titles.

>>> month_span(pd.DatetimeIndex(["2015-12-31", "2016-06-30"]))
'Dec 2015 - Jun 2016'
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from pkdata.outputs.charts.style import GREY


def month_span(index: pd.DatetimeIndex) -> str:
    """The first and last month of ``index``, as the source line gives a period."""
    return f"{index.min():%b %Y} - {index.max():%b %Y}"


def gap_note(wide: pd.DataFrame) -> str:
    """The subtitle's note of the months with no report (all NaN), or ''.

    >>> gap_note(pd.DataFrame({"a": [1.0, np.nan, np.nan]}))
    '; gaps: 2 months with no report'
    """
    missing = wide.index[wide.isna().all(axis=1)]
    return f"; gaps: {len(missing)} months with no report" if len(missing) else ""


def steps(index: pd.DatetimeIndex, *columns: pd.Series) -> tuple[Any, ...]:
    """Each month as a flat step from the previous month's end to its own: x and the columns' y.

    A month with no report is NaN at both ends, so it is a gap; a month with reports on neither
    side is still a full-width step (``step="mid"`` would draw it with no width at all).

    >>> x, y = steps(pd.DatetimeIndex(["2016-01-31"]), pd.Series([5.0]))
    >>> [str(v)[:10] for v in x], y.tolist()
    (['2015-12-31', '2016-01-31'], [5.0, 5.0])
    """
    right = index.to_numpy()
    left = (index - pd.offsets.MonthEnd(1)).to_numpy()
    x = np.column_stack([left, right]).ravel()
    return (x, *(np.repeat(c.to_numpy(dtype="float64"), 2) for c in columns))


def stack(ax: Any, wide: pd.DataFrame, colours: dict[str, str], labels: dict[str, str]) -> None:
    """Stacked areas that leave a gap (not a zero) where a month has no report."""
    base = pd.Series(0.0, index=wide.index)
    for col in wide.columns:
        top = base + wide[col]
        x, lo, hi = steps(wide.index, base, top)
        ax.fill_between(x, lo, hi, color=colours.get(col, GREY), label=labels.get(col, col), linewidth=0)
        base = top


def date_axis(ax: Any, every: int) -> None:
    """Ticks every ``every`` years on a long time axis; on a short one (a few reports), months."""
    lo, hi = ax.get_xlim()
    if hi - lo >= 2 * every * 365.25:  # date axes count days
        ax.xaxis.set_major_locator(mdates.YearLocator(every))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        locator = mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
