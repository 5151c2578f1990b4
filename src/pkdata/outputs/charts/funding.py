"""Who pays: shares of the assessed peacekeeping budget by year, funding against personnel for every member
in one year, and one country's two shares over the years.

>>> pays_vs_serves(2019).axes[0].get_xscale()
'log'
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib.ticker
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pkdata.core import countries
from pkdata.outputs.charts.axes import month_span
from pkdata.outputs.charts.credits import credit, source_line
from pkdata.outputs.charts.labels import place_labels
from pkdata.outputs.charts.style import CHINA, GREY, country_name, finish, new_figure
from pkdata.tables import finance, monthly, ranks

FUNDERS = ("USA", "CHN", "JPN", "DEU", "GBR", "FRA")
#: funding_shares: scale bounds wider than this many percentage points are left as gaps.
LOOSE_BOUNDS = 1.0
_FUNDER_COLOURS = {
    "USA": "#E69F00",
    "CHN": CHINA,
    "JPN": "#0072B2",
    "DEU": "#000000",
    "GBR": "#009E73",
    "FRA": "#CC79A7",
}


def _both_measures() -> pd.DataFrame:
    return pd.concat(
        [finance.assessments("peacekeeping", measure="scale"), finance.assessments("peacekeeping", measure="billed")],
        ignore_index=True,
    )


def _scale_and_billed(a: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scale rows from the first year a printed or exact figure exists (bounds alone say little), and the
    billed rows."""
    scale = a[a["measure"] == "scale"]
    billed = a[a["measure"] == "billed"]
    printed = scale[scale["basis"] != "scale_rate_derived"]
    if len(printed) and len(billed):  # the years with a printed, exact or billed figure
        scale = scale[
            scale["year"].between(int(billed["year"].min()), max(int(billed["year"].max()), int(printed["year"].max())))
        ]
    return scale, billed


def funding_shares(
    assessments: pd.DataFrame | None = None, members: tuple[str, ...] = FUNDERS, highlight: str = "CHN"
) -> Figure:
    """Shares of assessed peacekeeping funding by year, both measures: lines the scale (the rate set for the
    period), diamonds the amounts billed in the calendar year; each measure has its legend entry.

    ``assessments``: rows of :func:`pkdata.tables.finance.assessments` with a ``measure`` column (default: both
    measures). On the scale line, a year known only within bounds is a vertical bar (named in the subtitle
    only when one is drawn); hollow dots are rounded secondary rates (with their legend entry). ``highlight``
    (added to ``members`` if missing) is drawn bold in vermillion.

    >>> fig = funding_shares()
    >>> len(fig.axes[0].get_lines()) >= 6
    True
    """
    assessments = _both_measures() if assessments is None else assessments
    highlight = str(highlight).upper()
    members = tuple(members) if highlight in members else (*members, highlight)
    a = assessments[assessments["member_iso3"].isin(members)].sort_values("year")
    scale, billed = _scale_and_billed(a)
    years = a.loc[a.index.isin(scale.index) | a.index.isin(billed.index), "year"].astype(int)
    files = set(scale["source"].astype(str)) | set(billed["source"].astype(str))
    fig, ax = new_figure(
        "Who pays for UN peacekeeping: shares of the assessed budget",
        "Per cent of all members' peacekeeping assessments, two measures. Lines: the scale, the rate each member "
        "was assessed for the year"
        + (
            f" (bars: bounds from the regular-budget scale; gaps where they span more than {LOOSE_BOUNDS:g} "
            "percentage point)"
            if _has_bars(scale)
            else ""
        )
        + ". Diamonds: amounts billed in the calendar year, which in a scale period's first year still include "
        "the old rates",
        source_line("assessments", f"{years.min()} - {years.max()}", files=files),
    )
    all_years = range(int(years.min()), int(years.max()) + 1)
    for iso in members:
        m = scale[scale["member_iso3"] == iso]
        b = billed[billed["member_iso3"] == iso]
        if m.empty and b.empty:
            continue
        colour = CHINA if iso == highlight else _FUNDER_COLOURS.get(iso, GREY)
        if iso != highlight and colour == CHINA:
            colour = GREY  # vermillion is the highlighted member's
        _draw_member(ax, iso, m, b, all_years, colour, iso == highlight)
    ax.scatter([], [], color="#555555", marker="D", s=18, label="billed in the year")
    if (scale["basis"] == "scale_rate_rounded").any():
        ax.scatter(
            [], [], facecolor="white", edgecolor="#555555", s=26, linewidth=1.2, label="scale, rounded (secondary)"
        )
    ax.set_ylabel("Share of assessed peacekeeping funding (%)")
    ax.set_xlabel("Calendar year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    top = float(pd.concat([scale["share_percent"], billed["share_percent"]]).max())
    ax.set_ylim(0, top * 1.3)
    return finish(
        fig,
        ax,
        [
            {"loc": "upper left", "ncols": 4, "fontsize": 9},
            {"loc": "upper right", "ncols": 4, "fontsize": 9},
            {"loc": "upper center", "ncols": 7, "fontsize": 9},
        ],
    )


def _has_bars(scale: pd.DataFrame) -> bool:
    """Whether :func:`_draw_member` draws any bounds bar: bounds wider than a line point, narrower than the gap."""
    width = scale["share_high"] - scale["share_low"]
    return bool(((width >= 0.05) & (width <= LOOSE_BOUNDS)).any())


def _draw_member(
    ax: Any, iso: str, m: pd.DataFrame, b: pd.DataFrame, all_years: range, colour: str, bold: bool
) -> None:
    """One member's scale line (bounds as bars, rounded rates hollow) and billed markers."""
    width = 2.4 if bold else 1.3
    mid = m["share_percent"].where(m["share_percent"].notna(), (m["share_low"] + m["share_high"]) / 2)
    narrow = (m["share_high"] - m["share_low"]) < 0.05
    line = pd.Series(mid.where(narrow).to_numpy(), index=m["year"].to_numpy()).reindex(all_years)
    ax.plot(
        line.index,
        line.to_numpy(),
        color=colour,
        linewidth=width,
        label=countries.display_name(iso),
        zorder=3 if bold else 2,
    )
    wide = m[~narrow & ((m["share_high"] - m["share_low"]) <= LOOSE_BOUNDS)]  # looser bounds: not drawn
    ax.vlines(wide["year"], wide["share_low"], wide["share_high"], color=colour, linewidth=width, alpha=0.6, zorder=2)
    rounded = m["basis"] == "scale_rate_rounded"
    ax.scatter(
        m.loc[rounded, "year"],
        m.loc[rounded, "share_percent"],
        facecolor="white",
        edgecolor=colour,
        s=26,
        zorder=4,
        linewidth=1.2,
    )
    ax.scatter(b["year"], b["share_percent"], color=colour, marker="D", s=18, zorder=5)


def pays_vs_serves(
    year: int = 2019, burden: pd.DataFrame | None = None, highlight: str = "CHN", measure: str | None = None
) -> Figure:
    """Who pays and who serves: share of funding against share of personnel in one year (log scales).

    ``measure``: the funding measure (``"billed"``, ``"scale"`` or ``None``, the preferred one: see
    :func:`pkdata.tables.finance.burden`); the axis and the source line name the one drawn.

    Labels the permanent members, the ten largest personnel contributors, the ten largest funders and
    ``highlight`` (in vermillion).

    >>> fig = pays_vs_serves(2019)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    burden = finance.burden(year, measure=measure) if burden is None else burden  # type: ignore[arg-type]
    b = burden.dropna(subset=["funding_share", "personnel_share"])
    b = b[(b["funding_share"] > 0) & (b["personnel_share"] > 0)]
    fig, ax = new_figure(
        f"Who pays and who serves, {year}",
        "Each member's share of assessed peacekeeping funding against its share of uniformed personnel (per cent, "
        "log scales)",
        _pays_source(burden.attrs),
        size=(10, 7),
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.scatter(b["personnel_share"], b["funding_share"], s=14, color="#BBBBBB", zorder=2)
    highlight = str(highlight).upper()
    label = (
        set(countries.P5)
        | set(b.nlargest(10, "personnel_share")["member_iso3"])
        | set(b.nlargest(10, "funding_share")["member_iso3"])
        | {highlight}
    )
    lab = b[b["member_iso3"].isin(label)]
    ax.scatter(
        lab["personnel_share"],
        lab["funding_share"],
        s=28,
        color=[CHINA if i == highlight else "#0072B2" for i in lab["member_iso3"]],
        zorder=3,
    )
    _equal_shares_frame(ax, b, year, burden.attrs.get("funding_measure", ""))
    finish(fig, ax)
    place_labels(
        ax,
        [
            (
                r.personnel_share,
                r.funding_share,
                countries.display_name(r.member_iso3),
                CHINA if r.member_iso3 == highlight else "#222222",
            )
            for r in lab.sort_values("funding_share", ascending=False).itertuples()
        ],
        obstacles=list(zip(b["personnel_share"], b["funding_share"], strict=True)),
    )
    return fig


def _percent(v: float, _: Any = None) -> str:
    """A log axis's tick in plain per cent, never in exponent notation.

    >>> _percent(0.00001), _percent(0.1), _percent(10.0)
    ('0.00001%', '0.1%', '10%')
    """
    if v <= 0:
        return ""
    decimals = max(0, -math.floor(math.log10(v) + 1e-9))
    return f"{v:.{decimals}f}%"


def _equal_shares_frame(ax: Any, b: pd.DataFrame, year: int, measure: str = "") -> None:
    """The diagonal of equal shares, per-cent ticks, equal limits on both axes, axis labels."""
    lo = min(b["personnel_share"].min(), b["funding_share"].min()) / 1.5
    hi = max(b["personnel_share"].max(), b["funding_share"].max()) * 1.5
    ax.plot([lo, hi], [lo, hi], color="#999999", linewidth=0.8, linestyle="--", zorder=1)
    ax.text(hi / 1.6, hi / 1.3, "pays and serves equally", fontsize=8, color="#777777", ha="right", rotation=0)
    pct = FuncFormatter(_percent)
    ax.xaxis.set_major_formatter(pct)
    ax.yaxis.set_major_formatter(pct)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(f"Share of uniformed personnel, {year} (% of all, mean of the year's monthly reports)")
    named = {"billed": ", billed in the year", "scale": ", on the scale"}.get(
        measure, f", {measure}" if measure else ""
    )
    ax.set_ylabel(f"Share of assessed peacekeeping funding{named}, {year} (%)")


def _pays_source(attrs: dict[str, Any]) -> str:
    files = ", ".join(attrs.get("funding_sources", [])) or "pkdata assessments table"
    months = attrs.get("months", [])
    span = f"{months[0]} .. {months[-1]}" if months else ""
    return (
        f"Source: funding: {files} (measure {attrs.get('funding_measure', '?')}, basis "
        f"{attrs.get('funding_basis', '?')}); personnel: {credit('un_dpo_monthly_pdfs')} ({span}). Chart: pkdata."
    )


#: draw_shares: the funding measures, each its own line (never joined), and how each is drawn.
_SHARE_MEASURES = {
    "scale": ("Funding share: scale", "-", "o"),
    "billed": ("Funding share: billed in the year", "--", "D"),
}


def _measure_lines(iso3: str, assessments: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The member's scale and billed rows by year (scale: printed, exact or narrow bounds only)."""
    a = _both_measures() if assessments is None or "measure" not in assessments else assessments
    a = a[a["member_iso3"] == iso3].sort_values("year")
    scale, billed = a[a["measure"] == "scale"], a[a["measure"] == "billed"]
    mid = scale["share_percent"].where(scale["share_percent"].notna(), (scale["share_low"] + scale["share_high"]) / 2)
    scale = scale.assign(share_percent=mid)[(scale["share_high"] - scale["share_low"]).fillna(0) < 0.05]
    return {"scale": scale, "billed": billed}


def _end_label(ax: Any, x: float, v: float, colour: str, floor: float) -> None:
    """The latest value at a line's end, lifted clear of the x axis when the value is near zero."""
    text = f"{v:.1f}%" if v >= 1 else f"{v:.2f}%" if v >= 0.1 else f"{v:.1g}%"
    ax.annotate(
        text,
        (x, v),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=7.5,
        color=colour,
        va="bottom" if v < floor else "center",
    )


def draw_shares(ax: Any, iso3: str, df: pd.DataFrame, assessments: pd.DataFrame | None = None) -> pd.DataFrame:
    """A country's shares of funding and of personnel by year, each line with its latest value at its end.

    The two funding measures are two lines, named in the legend: the scale (solid; hollow dots where the
    rate is a rounded secondary figure) and the amounts billed in the calendar year (dashed).
    """
    h = ranks.share_history(iso3, df, assessments)
    h = h[h.index >= (h["funding_share"].first_valid_index() or h.index.min()) - 3]
    ax.plot(
        h.index,
        h["personnel_share"],
        color="#0072B2",
        linewidth=1.6,
        marker="o",
        markersize=2.5,
        label="Personnel share",
    )
    lines = {
        k: v[v["year"].between(h.index.min(), h.index.max())] for k, v in _measure_lines(iso3, assessments).items()
    }
    tops = [float(h["personnel_share"].max())] + [float(v["share_percent"].max()) for v in lines.values() if len(v)]
    top = max([t for t in tops if pd.notna(t)] or [0.0])
    floor = top * 0.06
    for measure, rows in lines.items():
        if rows.empty:
            continue
        label, style, marker = _SHARE_MEASURES[measure]
        series = rows.set_index("year")["share_percent"].reindex(
            range(int(rows["year"].min()), int(rows["year"].max()) + 1)
        )
        ax.plot(
            series.index,
            series.to_numpy(),
            color=CHINA,
            linewidth=1.6,
            linestyle=style,
            marker=marker,
            markersize=3 if marker == "D" else 3.5,
            label=label,
        )
        rounded = rows[rows["basis"] == "scale_rate_rounded"]
        ax.scatter(rounded["year"], rounded["share_percent"], facecolor="white", edgecolor=CHINA, s=16, zorder=3)
        last = rows.iloc[-1]
        later = [float(v["year"].max()) for k, v in lines.items() if k != measure and len(v)]
        if not later or float(last["year"]) > max(later) or (measure == "scale" and float(last["year"]) == max(later)):
            _end_label(ax, float(last["year"]), float(last["share_percent"]), CHINA, floor)  # the latest value only
    last = h["personnel_share"].dropna().tail(1)
    if len(last):
        _end_label(ax, float(last.index[0]), float(last.iloc[0]), "#0072B2", floor)
    if any(len(v[v["basis"] == "scale_rate_rounded"]) for v in lines.values()):
        ax.scatter([], [], facecolor="white", edgecolor=CHINA, s=16, label="scale, rounded (secondary)")
    ax.set_xlim(h.index.min() - 0.5, h.index.max() + 1.8)  # room for the end labels
    ax.set_ylabel("Share (%)")
    ax.set_xlabel("Calendar year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylim(0, top * 1.45 if top > 0 else 1)
    return h


def pays_and_serves(
    iso3: str = "CHN", data: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None
) -> Figure:
    """A country's share of the peacekeeping assessments against its share of uniformed personnel, by year.

    >>> sorted(line.get_label() for line in pays_and_serves("FRA").axes[0].get_lines())
    ['Funding share: billed in the year', 'Funding share: scale', 'Personnel share']
    """
    iso3 = str(iso3).upper()
    df = monthly.contributions_or(data)
    monthly.country_rows(iso3, df)
    fig, ax = new_figure(
        f"What {country_name(iso3)} pays and how many it sends",
        "Share of assessed peacekeeping funding on two measures (the scale; the amounts billed in the year) and "
        "of all uniformed personnel (mean of the year's monthly reports); per cent, calendar years",
        f"Source: funding: {credit('un_open')}; personnel: "
        + source_line("contributions", month_span(pd.DatetimeIndex(df["date"].unique()))).removeprefix("Source: "),
    )
    draw_shares(ax, iso3, df, assessments)
    return finish(fig, ax, [{"loc": "upper left", "fontsize": 9}, {"loc": "upper right", "fontsize": 9}])
