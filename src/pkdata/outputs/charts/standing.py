"""Any country among the others: against its peers (the P5, or its region's largest contributors), and its
rank among all contributors, month by month.

>>> bool(rank_over_time("IND").axes[0].yaxis_inverted())
True
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from pkdata.core import countries
from pkdata.outputs.charts.axes import date_axis, month_span
from pkdata.outputs.charts.credits import source_line
from pkdata.outputs.charts.style import (
    CHINA,
    GREY,
    LINE_LEGENDS,
    P5_COLOURS,
    PALETTE,
    capitalised,
    finish,
    new_figure,
    possessive,
    thousands,
)
from pkdata.tables import monthly, ranks


def _peer_colours(iso3: str, group: list[str]) -> dict[str, str]:
    if set(group) == set(countries.P5):
        return {c: (CHINA if c == iso3 else P5_COLOURS[c] if P5_COLOURS[c] != CHINA else GREY) for c in group}
    others = iter(c for c in PALETTE if c != "#F0E442")  # yellow is too light for a thin line
    return {c: CHINA if c == iso3 else next(others) for c in group}


def draw_peers(ax: Any, iso3: str, df: pd.DataFrame) -> str:
    """A line per peer, ``iso3``'s bold in vermillion; return the group's name."""
    name, group = ranks.peer_group(iso3, df)
    wide = monthly.totals_wide(df).reindex(columns=group, fill_value=0.0)
    colours = _peer_colours(iso3, group)
    for c in group:
        ax.plot(
            wide.index,
            wide[c],
            color=colours[c],
            linewidth=2.2 if c == iso3 else 1.1,
            label=countries.display_name(c),
            zorder=3 if c == iso3 else 2,
        )
    ax.set_ylabel("Uniformed personnel (people)")
    ax.yaxis.set_major_formatter(thousands)
    ax.set_ylim(bottom=0)
    date_axis(ax, every=5)
    return name


def peers(iso3: str = "CHN", data: pd.DataFrame | None = None) -> Figure:
    """A country against its peers (the P5, or its region's largest contributors), month by month.

    >>> fig = peers("NPL")
    >>> "Nepal" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    True
    """
    iso3 = str(iso3).upper()
    df = monthly.contributions_or(data)
    monthly.country_rows(iso3, df)
    name, _ = ranks.peer_group(iso3, df)
    fig, ax = new_figure(
        f"{capitalised(possessive(iso3))} uniformed personnel against its peers",
        f"People deployed at each month's end; peers: the {name}"
        + ("" if iso3 in countries.P5 else " (the largest by the mean of the last 12 reports)"),
        source_line("contributions", month_span(pd.DatetimeIndex(df["date"].unique()))),
    )
    draw_peers(ax, iso3, df)
    return finish(
        fig,
        ax,
        LINE_LEGENDS,
    )


def draw_rank(ax: Any, iso3: str, df: pd.DataFrame) -> str:
    """Draw the rank line (rank 1 at the top); return the latest rank as text ('#26 of 117, Jul 2025')."""
    r = ranks.contributor_rank(iso3, df)
    ax.plot(r.index, r["rank"].astype("float64"), color=CHINA, linewidth=1.6, label=countries.display_name(iso3))
    worst = int(r["rank"].max()) if r["rank"].notna().any() else 1
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if worst / s <= 8)
    # 1, then every step (1, 5, 10, 15; 1, 10, 20): a step's first tick is dropped only when it is 1 itself
    ticks = [1, *(t for t in range(step, worst + 1, step) if t > 1)]
    ax.set_yticks(ticks if step > 1 else list(range(1, worst + 1)))
    ax.set_ylim(worst + max(1, worst * 0.05), 0.5)  # inverted: rank 1 at the top
    ax.set_ylabel("Rank among contributors (1 = largest)")
    date_axis(ax, every=5)
    last = r.dropna(subset=["rank"]).tail(1)
    if not len(last):
        return ""
    return f"{ranks.rank_label(last.iloc[0])}, {last.index[0]:%b %Y}"


def rank_over_time(iso3: str = "CHN", data: pd.DataFrame | None = None) -> Figure:
    """A country's rank among the contributors of uniformed personnel, month by month.

    >>> bool(rank_over_time("IND").axes[0].yaxis_inverted())
    True
    """
    iso3 = str(iso3).upper()
    df = monthly.contributions_or(data)
    r = ranks.contributor_rank(iso3, df).dropna(subset=["rank"])
    latest = f"; latest: {ranks.rank_label(r.iloc[-1])} in {r.index[-1]:%b %Y}" if len(r) else ""
    fig, ax = new_figure(
        f"{capitalised(possessive(iso3))} rank among contributors of uniformed personnel",
        "Rank by people deployed at each month's end (1 = largest); no line in months with no report or no "
        f"personnel{latest}",
        source_line("contributions", month_span(pd.DatetimeIndex(df["date"].unique()))),
    )
    draw_rank(ax, iso3, df)
    return finish(fig, ax)
