"""Where a country's uniformed personnel serve in one month: a bubble per mission at its headquarters, on
the world outline of :mod:`pkdata.outputs.maps`.

>>> fig = deployment_map("CHN", "2018-02")
>>> "February 2018" in fig.texts[0].get_text()
True
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pkdata.outputs import maps
from pkdata.outputs.charts.credits import credit, source_line
from pkdata.outputs.charts.labels import label_bubbles
from pkdata.outputs.charts.style import CHINA, finish, new_figure, possessive
from pkdata.tables import monthly, operations


def _world(ax: Any) -> None:
    """The countries as one collection (one artist to draw, not one patch and one limits update per ring)."""
    land = PolyCollection(maps.land_polygons(), facecolors="#E8E8E8", edgecolors="#FFFFFF", linewidths=0.3, zorder=1)
    ax.add_collection(land, autolim=False)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    ax.set_xlim(-170, 190)
    ax.set_ylim(maps.project(0, -56)[1], maps.project(0, 76)[1])


def _bubbles(ax: Any, per: pd.Series) -> tuple[list, list, list[str]]:
    """A bubble per mission with headquarters coordinates; return the labels, the bubbles and the others."""
    m = operations.missions().set_index("acronym")
    placed, bubbles, unplaced = [], [], []
    biggest = float(per.max()) if len(per) else 1.0
    for mission, n in per.items():
        lon = m["hq_lon"].get(mission) if mission in m.index else None
        lat = m["hq_lat"].get(mission) if mission in m.index else None
        if lon is None or lat is None or pd.isna(lon) or pd.isna(lat):
            unplaced.append(f"{mission} {n:,}")
            continue
        x, y = maps.project(lon, lat)
        size = bubble_area(n)
        # small bubbles on top of large ones (UNDOF, UNTSO and UNIFIL nearly share a place)
        ax.scatter(
            [x], [y], s=size, color=CHINA, alpha=0.55, edgecolor=CHINA, linewidth=0.8, zorder=3 + 1 - n / biggest
        )
        placed.append((x, y, f"{mission} {n:,}", "#222222"))
        bubbles.append((x, y, math.sqrt(size) / 2))  # radius in points
    return placed, bubbles, unplaced


#: Bubble area in points² per person, the same on every map (1,000 people: about 800 pt², a bubble 32 pt across).
AREA_PER_PERSON = 0.8
#: The bubbles of the size legend, in people.
LEGEND_PEOPLE = (10, 100, 1000)


def bubble_area(people: float) -> float:
    """A bubble's area in points² (matplotlib's ``s``): in proportion to the people, on one scale for every map.

    >>> bubble_area(1000) / bubble_area(10)
    100.0
    """
    return AREA_PER_PERSON * float(people)


def _size_legend(ax: Any) -> None:
    """The bubble sizes of :data:`LEGEND_PEOPLE`, bottom left (the South Pacific has no mission)."""
    handles = [  # markersize is a diameter in points, scatter's s an area in points²
        Line2D(
            [],
            [],
            marker="o",
            markersize=math.sqrt(bubble_area(n)),
            linestyle="none",
            color=CHINA,
            alpha=0.55,
            markeredgewidth=0.8,
            label=f"{n:,}",
        )
        for n in LEGEND_PEOPLE
    ]
    ax.legend(
        handles=handles,
        loc="lower left",
        title="People (bubble area)",
        title_fontsize=8,
        fontsize=8,
        labelspacing=1.6,
        borderpad=1.0,
        handletextpad=1.2,
        frameon=False,
    )


def deployment_map(iso3: str = "CHN", month: str | None = None, data: pd.DataFrame | None = None) -> Figure:
    """Where a country's uniformed personnel serve in one month: a bubble per mission at its headquarters.

    ``month``: the latest report with mission detail on or before it is drawn (default: the latest); it is
    checked as :func:`pkdata.snapshot` checks a month. Bubble area is proportional to the people deployed;
    missions without headquarters coordinates in the mission table are listed under the map. World outline:
    ``data/world_110m.json``, shipped with pkdata (its source: ``pkdata cite``).

    >>> fig = deployment_map("CHN", "2018-02")
    >>> "February 2018" in fig.texts[0].get_text()
    True
    >>> deployment_map("CHN", "2018")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: '2018' is a year, not a month; pass 'YYYY-MM' (e.g. '2018-12')
    """
    iso3 = str(iso3).upper()
    df = monthly.contributions_or(data)
    monthly.country_rows(iso3, df)
    when = monthly.detail_month(month, df)
    here = monthly.missions_in_month(iso3, when, df)
    per = here.astype("int64")
    per = per[per > 0].sort_values(ascending=False, kind="mergesort")
    fig, ax = new_figure(
        f"Where {possessive(iso3)} uniformed personnel serve, {when:%B %Y}",
        f"People deployed at the month's end by mission, at the mission's headquarters; total {int(per.sum()):,} in "
        f"{len(per)} missions; bubble area in proportion to people, one scale for every map"
        + (f" (largest: {per.index[0]}, {int(per.iloc[0]):,})" if len(per) else ""),
        source_line("contributions", f"{when:%b %Y}", set(here.attrs["sources"])).removesuffix(" Chart: pkdata.")
        + f" Headquarters: {credit('un_psdata_pko')} mission list. Outline: {credit('natural_earth')}. Chart: pkdata.",
        size=(10, 5.0),
    )
    _world(ax)
    placed, bubbles, unplaced = _bubbles(ax, per)
    if unplaced:
        ax.text(
            0.0,
            0.0,
            "No headquarters coordinates in the mission table: " + ", ".join(unplaced),
            transform=ax.transAxes,
            fontsize=8,
            va="top",
            color="#444444",
        )
    finish(fig, ax)
    _size_legend(ax)
    label_bubbles(ax, placed, bubbles)
    return fig
