"""Who pays: shares of the assessed peacekeeping budget by year, funding against personnel for every member
in one year, and one country's two shares over the years.

>>> pays_vs_serves(2019).axes[0].get_xscale()
'log'
"""

from __future__ import annotations

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
    period), markers the amounts billed in the calendar year.

    ``assessments``: rows of :func:`pkdata.tables.finance.assessments` with a ``measure`` column (default: both
    measures). On the scale line, a year known only within bounds is a vertical bar; filled dots on the line
    are printed or exact rates, hollow dots rounded secondary ones. ``highlight`` (added to ``members`` if
    missing) is drawn bold in vermillion.

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
        "Per cent of all members' peacekeeping assessments. Lines: the scale, the rate each member was assessed "
        f"for the period (hollow: rounded secondary figures; bars: bounds from the regular-budget scale, gaps "
        f"where they span more than {LOOSE_BOUNDS:g} percentage point). "
        "Markers: amounts billed in the calendar year, which in a scale period's first year still include the "
        "old rates",
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


def pays_vs_serves(year: int = 2019, burden: pd.DataFrame | None = None, highlight: str = "CHN") -> Figure:
    """Who pays and who serves: share of funding against share of personnel in one year (log scales).

    Labels the permanent members, the ten largest personnel contributors, the ten largest funders and
    ``highlight`` (in vermillion).

    >>> fig = pays_vs_serves(2019)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    burden = finance.burden(year) if burden is None else burden
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
    _equal_shares_frame(ax, b, year)
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


def _equal_shares_frame(ax: Any, b: pd.DataFrame, year: int) -> None:
    """The diagonal of equal shares, per-cent ticks, equal limits on both axes, axis labels."""
    lo = min(b["personnel_share"].min(), b["funding_share"].min()) / 1.5
    hi = max(b["personnel_share"].max(), b["funding_share"].max()) * 1.5
    ax.plot([lo, hi], [lo, hi], color="#999999", linewidth=0.8, linestyle="--", zorder=1)
    ax.text(hi / 1.6, hi / 1.3, "pays and serves equally", fontsize=8, color="#777777", ha="right", rotation=0)
    pct = FuncFormatter(lambda v, _: f"{v:g}%")
    ax.xaxis.set_major_formatter(pct)
    ax.yaxis.set_major_formatter(pct)
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel(f"Share of uniformed personnel, {year} (% of all, mean of the year's monthly reports)")
    ax.set_ylabel(f"Share of assessed peacekeeping funding, {year} (%)")


def _pays_source(attrs: dict[str, Any]) -> str:
    files = ", ".join(attrs.get("funding_sources", [])) or "pkdata assessments table"
    months = attrs.get("months", [])
    span = f"{months[0]} .. {months[-1]}" if months else ""
    return (
        f"Source: funding: {files} (basis {attrs.get('funding_basis', '?')}; UN CEB financial statistics via "
        f"open.un.org); personnel: {credit('un_dpo_monthly_pdfs')} ({span}). Chart: pkdata."
    )


def draw_shares(ax: Any, iso3: str, df: pd.DataFrame, assessments: pd.DataFrame | None = None) -> pd.DataFrame:
    """A country's shares of funding and of personnel by year, each line with its latest value at its end."""
    h = ranks.share_history(iso3, df, assessments)
    h = h[h.index >= (h["funding_share"].first_valid_index() or h.index.min()) - 3]
    ax.plot(
        h.index,
        h["personnel_share"],
        color="#0072B2",
        linewidth=1.6,
        marker="o",
        markersize=2.5,
        label="Share of uniformed personnel",
    )
    if h["funding_share"].notna().any():
        exact = ~h["basis"].fillna("").str.endswith("rounded")
        ax.plot(h.index, h["funding_share"], color=CHINA, linewidth=1.6, label="Share of assessed funding")
        ax.scatter(h.index[exact], h.loc[exact, "funding_share"], color=CHINA, s=10, zorder=3)
        ax.scatter(h.index[~exact], h.loc[~exact, "funding_share"], facecolor="white", edgecolor=CHINA, s=14, zorder=3)
    for col, colour in (("personnel_share", "#0072B2"), ("funding_share", CHINA)):
        last = h[col].dropna().tail(1)
        if len(last):
            v = float(last.iloc[0])
            ax.annotate(
                f"{v:.1f}%" if v >= 1 else f"{v:.2f}%" if v >= 0.1 else f"{v:.1g}%",
                (last.index[0], v),
                xytext=(4, 0),
                textcoords="offset points",
                fontsize=7.5,
                color=colour,
                va="center",
            )
    ax.set_xlim(h.index.min() - 0.5, h.index.max() + 1.8)  # room for the end labels
    ax.set_ylabel("Share (%)")
    ax.set_xlabel("Calendar year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    top = float(h[["funding_share", "personnel_share"]].max().max())
    ax.set_ylim(0, top * 1.3 if top > 0 else 1)
    return h


def pays_and_serves(
    iso3: str = "CHN", data: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None
) -> Figure:
    """A country's share of the peacekeeping assessments against its share of uniformed personnel, by year.

    >>> len(pays_and_serves("FRA").axes[0].get_lines())
    2
    """
    iso3 = str(iso3).upper()
    df = monthly.contributions_or(data)
    monthly.country_rows(iso3, df)
    fig, ax = new_figure(
        f"What {country_name(iso3)} pays and how many it sends",
        "Share of all members' assessed peacekeeping funding (filled: exact, hollow: rounded) and share of all "
        "uniformed personnel (mean of the year's monthly reports), per cent, calendar years",
        f"Source: funding: {credit('un_open')}; personnel: "
        + source_line("contributions", month_span(pd.DatetimeIndex(df["date"].unique()))).removeprefix("Source: "),
    )
    draw_shares(ax, iso3, df, assessments)
    return finish(fig, ax, [{"loc": "upper left", "fontsize": 9}, {"loc": "upper right", "fontsize": 9}])
