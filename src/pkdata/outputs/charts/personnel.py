"""Uniformed personnel month by month: a contributor by type or by mission, the P5, the largest
contributors of a month, and all contributors by type.

>>> by_type("IND").texts[0].get_text()
"India's uniformed personnel in UN peacekeeping, by type"
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from pkdata.core import countries
from pkdata.core.errors import DataNotFoundError, PkdataError
from pkdata.outputs.charts.axes import date_axis, gap_note, month_span, stack, steps
from pkdata.outputs.charts.credits import source_line
from pkdata.outputs.charts.style import (
    CHINA,
    GREY,
    LINE_LEGENDS,
    P5_COLOURS,
    REPORT_DATE,
    TYPE_COLOURS,
    TYPE_NAMES,
    capitalised,
    finish,
    mission_colours,
    new_figure,
    possessive,
    thousands,
)
from pkdata.tables import casualties, monthly

#: Legend placements of the stacked-area charts, best first.
_AREA_LEGENDS = [
    {"loc": "upper left", "ncols": 3, "fontsize": 8.5},
    {"loc": "upper right", "ncols": 3, "fontsize": 8.5},
    {"loc": "upper center", "ncols": 5, "fontsize": 8.5},
]


def by_type(iso3: str = "CHN", data: pd.DataFrame | None = None, fatalities: pd.DataFrame | None = None) -> Figure:
    """A contributor's uniformed personnel by type, first month to the latest, with key dates marked.

    Marks the first month in the data with the country's personnel; for China (the report's subject) also
    the report's date (September 2018) and the Chinese peacekeepers killed by malicious acts in 2016.

    >>> by_type("IND").texts[0].get_text()
    "India's uniformed personnel in UN peacekeeping, by type"
    >>> by_type("XXX")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: no contributions for 'XXX' in the contributions table; ...
    """
    iso3 = str(iso3).upper()
    # Months where any report exists but the country has none are zero, not gaps.
    wide = monthly.country_by_type(iso3, data)
    fig, ax = new_figure(
        f"{capitalised(possessive(iso3))} uniformed personnel in UN peacekeeping, by type",
        "People deployed at each month's end; before Nov 2009 police are not split by type (shown as individual "
        f"police){gap_note(wide)}",
        source_line("contributions", month_span(wide.index)),
    )
    stack(ax, wide, TYPE_COLOURS, TYPE_NAMES)
    ax.set_ylabel("Uniformed personnel (people)")
    ax.yaxis.set_major_formatter(thousands)
    # A little room at the left too: the first month's leader line stays clear of the axis spine.
    ax.set_xlim(wide.index.min() - pd.Timedelta(days=150), wide.index.max() + pd.Timedelta(days=200))
    ymax = _first_month_note(ax, wide)
    if iso3 == "CHN":
        _china_notes(ax, wide, ymax, fatalities)
    date_axis(ax, every=5)
    # In the full data the years before 2004 are low: the legend sits there, below the notes at the top.
    legend = {"ncols": 2, "fontsize": 8.5}
    return finish(
        fig,
        ax,
        [
            {"loc": "upper left", "bbox_to_anchor": (0.0, 0.78), **legend},
            {"loc": "upper right", "bbox_to_anchor": (1.0, 0.78), **legend},
            {"loc": "upper left", **legend},
        ],
    )


def _first_month_note(ax: Any, wide: pd.DataFrame) -> float:
    """Set the y limits and mark the first month with personnel just above the data near it; return the top."""
    total = wide.sum(axis=1, min_count=1)
    top = float(total.max())
    first = total[total > 0].index.min()
    if pd.isna(first):
        ax.set_ylim(0, top * 1.25)
        return top * 1.25
    span = wide.index.max() - wide.index.min()
    # The note sits just above the data near it, with room above it for the notes at the top.
    near = total[(total.index >= first - span * 0.2) & (total.index <= first + span * 0.2)]
    y_text = float(near.max()) + top * 0.12
    ymax = max(top * 1.25, y_text + top * 0.45)
    ax.set_ylim(0, ymax)
    # The data start in Nov 1990 (IPI), when China already had personnel deployed: the label says
    # "first in the data", which is what the data can show.
    label = "First deployment" if first > total.index.min() else "First month in the data"
    # A vertical leader from the text's corner down to the point: it never crosses the bars.
    left = first <= wide.index.min() + span * 0.6
    ax.annotate(
        f"{label}\n{first:%b %Y}: {int(total[first]):,}",
        xy=(first, total[first]),
        xycoords="data",
        xytext=(first, y_text),
        textcoords="data",
        fontsize=8.5,
        ha="left" if left else "right",
        va="bottom",
        arrowprops={
            "arrowstyle": "-",
            "color": "#555555",
            "linewidth": 0.8,
            "relpos": (0.0, 0.0) if left else (1.0, 0.0),
            "shrinkA": 0,
            "shrinkB": 1,
        },
    )
    return ymax


def _china_notes(ax: Any, wide: pd.DataFrame, ymax: float, fatalities: pd.DataFrame | None) -> None:
    """The report's date and the Chinese peacekeepers killed by malicious acts in 2016."""
    if wide.index.min() <= REPORT_DATE <= wide.index.max():
        ax.axvline(REPORT_DATE, color="#333333", linewidth=0.9, linestyle="--")
        ax.text(REPORT_DATE + pd.Timedelta(days=60), ymax * 0.96, "Report published\nSep 2018", fontsize=8.5, va="top")
    try:
        deaths = casualties.killed_by_malicious_acts("CHN", 2016, fatalities)
    except DataNotFoundError:  # no fatalities table in this processed folder: no annotation
        return
    if deaths.empty:
        return
    y = ymax * 0.9
    for when in deaths["date"].drop_duplicates():
        ax.plot([when], [y], marker="v", color=CHINA, markersize=7, zorder=5)
    where = ", ".join(f"{m} ({n})" for m, n in deaths.groupby("mission").size().items())
    # Left of the markers, or right of them when the data start shortly before 2016.
    room_left = deaths["date"].min() - wide.index.min() > (wide.index.max() - wide.index.min()) * 0.4
    ax.text(
        deaths["date"].min() - pd.Timedelta(days=90) if room_left else deaths["date"].max() + pd.Timedelta(days=90),
        y,
        f"{len(deaths)} killed in 2016: {where}",
        fontsize=8.5,
        color=CHINA,
        ha="right" if room_left else "left",
        va="center",
    )


def china_by_type(data: pd.DataFrame | None = None, fatalities: pd.DataFrame | None = None) -> Figure:
    """China's uniformed personnel by type: :func:`by_type` for ``"CHN"`` (the name the notebooks use).

    >>> china_by_type().texts[0].get_text()
    "China's uniformed personnel in UN peacekeeping, by type"
    """
    return by_type("CHN", data, fatalities)


def p5_over_time(data: pd.DataFrame | None = None, highlight: str = "CHN") -> Figure:
    """The five permanent members' uniformed personnel, month by month; ``highlight``'s line drawn bold.

    >>> len(p5_over_time().axes[0].get_lines())
    5
    >>> p5_over_time(highlight="XYZ")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: highlight='XYZ' is not a permanent member; pass CHN, FRA, GBR, RUS or USA
    """
    highlight = str(highlight).upper()
    if highlight not in countries.P5:
        raise PkdataError(
            f"highlight={highlight!r} is not a permanent member; "
            f"pass {', '.join(countries.P5[:-1])} or {countries.P5[-1]}"
        )
    wide = monthly.members_by_month(countries.P5, data)
    fig, ax = new_figure(
        "The five permanent members' uniformed personnel in UN peacekeeping",
        f"People deployed at each month's end{gap_note(wide)}",
        source_line("contributions", month_span(wide.index)),
    )
    order = sorted(wide.columns, key=lambda c: -float(wide[c].iloc[-12:].mean()))
    for iso in order:
        bold = iso == highlight
        ax.plot(
            wide.index,
            wide[iso],
            color=P5_COLOURS[iso],
            linewidth=2.4 if bold else 1.3,
            label=countries.display_name(iso),
            zorder=3 if bold else 2,
        )
        # a month with no report on either side is no line at all: a dot shows it
        alone = wide[iso].notna() & wide[iso].shift(1).isna() & wide[iso].shift(-1).isna()
        if alone.any():
            ax.plot(
                wide.index[alone],
                wide.loc[alone, iso],
                linestyle="none",
                marker="o",
                markersize=3.5 if bold else 2.5,
                color=P5_COLOURS[iso],
                zorder=3 if bold else 2,
            )
    ax.set_ylabel("Uniformed personnel (people)")
    ax.yaxis.set_major_formatter(thousands)
    ax.set_ylim(bottom=0)
    date_axis(ax, every=5)
    # Upper right first: in the full data the peaks are at the left (France, United Kingdom, 1993-95).
    return finish(
        fig,
        ax,
        LINE_LEGENDS,
    )


def by_mission(iso3: str = "CHN", data: pd.DataFrame | None = None, top: int = 7) -> Figure:
    """A contributor's uniformed personnel by mission (stacked), for the months the sources give missions.

    Months whose source gives country totals only are drawn as a hatched grey band, not as zero.

    >>> by_mission("FRA").texts[0].get_text()
    "France's uniformed personnel in UN peacekeeping, by mission"
    """
    iso3 = str(iso3).upper()
    parts = monthly.country_by_mission(iso3, data, top)
    fig, ax = new_figure(
        f"{capitalised(possessive(iso3))} uniformed personnel in UN peacekeeping, by mission",
        f"People deployed at each month's end; named: the largest missions over the years and the largest of the last "
        f"12 months; hatched: reports with country "
        f"totals only{gap_note(parts.wide)}",
        source_line("contributions", month_span(parts.wide.index)),
    )
    draw_missions(ax, parts)
    return finish(fig, ax, _AREA_LEGENDS)


def draw_missions(ax: Any, parts: monthly.MissionSeries) -> None:
    """Stacked areas by mission (the largest in the palette's colours, the rest grey), no-detail months hatched."""
    shown, no_detail = parts.shown, parts.no_detail
    colours = mission_colours(parts.keep)
    colours["Other missions"] = "#BBBBBB"
    stack(ax, shown, colours, {})
    if no_detail is not None:
        x, hatched = steps(no_detail.index, no_detail.where(no_detail > 0))
        ax.fill_between(
            x, 0, hatched, facecolor="none", edgecolor=GREY, hatch="///", linewidth=0, label="No mission detail"
        )
    ax.set_ylabel("Uniformed personnel (people)")
    ax.yaxis.set_major_formatter(thousands)
    total = shown.sum(axis=1, min_count=1) if shown.shape[1] else pd.Series([0.0])
    top = float(max(total.max() if total.notna().any() else 0, no_detail.max() if no_detail is not None else 0))
    ax.set_ylim(0, (top or 1) * 1.3)
    date_axis(ax, every=2)


def china_by_mission(data: pd.DataFrame | None = None, top: int = 7) -> Figure:
    """China's uniformed personnel by mission: :func:`by_mission` for ``"CHN"`` (the name the notebooks use).

    >>> "mission" in china_by_mission().texts[0].get_text()
    True
    """
    return by_mission("CHN", data, top)


def top_contributors(
    month: str = "2018-09", n: int = 20, data: pd.DataFrame | None = None, highlight: str = "CHN"
) -> Figure:
    """The ``n`` largest contributors of uniformed personnel in one month, ``highlight`` in vermillion.

    ``month`` is checked as :func:`pkdata.snapshot` checks it.

    >>> len(top_contributors("2018-09", n=10).axes[0].patches)
    10
    >>> top_contributors("2018")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: '2018' is a year, not a month; pass 'YYYY-MM' (e.g. '2018-12')
    >>> top_contributors("2018-09", n=0)
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: n=0: pass the number of contributors to show, a whole number of 1 or more
    >>> top_contributors("2018-09", highlight="XYZ")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.PkdataError: highlight='XYZ' is not a contributor in 2018-09; pass one of its 124 (e.g. 'ETH')
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise PkdataError(f"n={n!r}: pass the number of contributors to show, a whole number of 1 or more")
    all_totals = monthly.month_totals(month, data)
    when = all_totals.attrs["date"]
    highlight = str(highlight).upper()
    if highlight not in all_totals.index:
        raise PkdataError(
            f"highlight={highlight!r} is not a contributor in {when:%Y-%m}; pass one of its {len(all_totals)} "
            f"(e.g. {all_totals.index[0]!r})"
        )
    totals = all_totals.head(n)[::-1]
    fig, ax = new_figure(
        f"The {n} largest contributors of uniformed personnel, {when:%B %Y}",
        f"People deployed at the month's end; {countries.display_name(highlight)} highlighted",
        source_line("contributions", f"{when:%b %Y}", set(all_totals.attrs["sources"])),
        size=(10, 0.25 * n + 2.2),
    )
    names = [countries.display_name(i) for i in totals.index]
    colours = [CHINA if i == highlight else "#0072B2" for i in totals.index]
    bars = ax.barh(names, totals.to_numpy(), color=colours)
    for bar, v in zip(bars, totals.to_numpy(), strict=True):
        ax.text(
            bar.get_width() + totals.max() * 0.01, bar.get_y() + bar.get_height() / 2, f"{v:,}", va="center", fontsize=8
        )
    ax.set_xlabel("Uniformed personnel (people)")
    ax.xaxis.set_major_formatter(thousands)
    ax.set_xlim(0, totals.max() * 1.12)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize=9)
    return finish(fig, ax)


def global_by_type(data: pd.DataFrame | None = None) -> Figure:
    """All uniformed personnel in UN peacekeeping by type, month by month.

    >>> global_by_type().axes[0].get_ylabel()
    'Uniformed personnel (thousands)'
    """
    wide = monthly.by_type(monthly.contributions_or(data)) / 1000
    fig, ax = new_figure(
        "Uniformed personnel in UN peacekeeping, by type",
        "All contributors, thousands of people at each month's end; before Nov 2009 police are not split by type"
        f"{gap_note(wide)}",
        source_line("contributions", month_span(wide.index)),
    )
    stack(ax, wide, TYPE_COLOURS, TYPE_NAMES)
    ax.set_ylabel("Uniformed personnel (thousands)")
    ax.set_ylim(0, float(wide.sum(axis=1).max()) * 1.22)
    date_axis(ax, every=5)
    return finish(fig, ax, _AREA_LEGENDS)
