"""A one-page brief on any member's UN peacekeeping: ``pkdata brief ISO3 --out DIR`` (PNG and PDF).

The page asks of one country what the report asks of China: how many it deploys and of which kind, where,
how it ranks among contributors, how it compares with its peers (the P5, or its region's largest
contributors), what it pays against what it sends, and how many of its peacekeepers died. Every panel is
drawn by the chart code of :mod:`pkdata.outputs.charts` from the embedded tables.

>>> fig = brief("NPL")
>>> fig.texts[0].get_text()
'Nepal in UN peacekeeping: country brief'
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pkdata.core import atomic, countries
from pkdata.outputs.charts import axes, fatalities, funding, personnel, standing, style
from pkdata.outputs.charts.credits import credit, source_line
from pkdata.tables import casualties, gender, monthly, ranks

#: A4 portrait, inches.
PAGE = (8.27, 11.69)
_SMALL = {"fontsize": 7.5}


def _facts(iso3: str, df: pd.DataFrame) -> str:
    """The brief's headline numbers: latest month, rank, largest missions, women, deaths."""
    rank = ranks.contributor_rank(iso3, df).dropna(subset=["rank"])
    parts = []
    if len(rank):
        when, r = rank.index[-1], rank.iloc[-1]
        parts.append(f"{when:%B %Y}: {int(r['total']):,} uniformed personnel, {ranks.rank_label(r)} contributors")
        per = monthly.missions_in_month(iso3, when, df).sort_values(ascending=False)
        if len(per):
            parts.append("largest missions " + ", ".join(f"{m} {int(n):,}" for m, n in per.head(3).items()))
        try:
            women = gender.women_share(iso3)["all"].dropna()
            if len(women):
                parts.append(f"women {women.iloc[-1]:.1f}% ({women.index[-1]:%b %Y})")
        except Exception:  # noqa: BLE001 - a headline number, never a reason not to draw the page
            pass
    dead = casualties.by_year(iso3)
    if dead.to_numpy().sum():
        parts.append(
            f"{int(dead.to_numpy().sum()):,} uniformed peacekeepers died in UN service since "
            f"{int(dead.index.min())}, {int(dead['malicious_act'].sum()):,} of them by malicious acts"
        )
    return "; ".join(parts) + "."


def _page(iso3: str, df: pd.DataFrame) -> Figure:
    """The empty page with its title, headline numbers and sources."""
    w, h = PAGE
    fig = Figure(figsize=PAGE, dpi=100)
    FigureCanvasAgg(fig)
    name = style.capitalised(style.country_name(iso3))
    fig.text(
        0.45 / w, 1 - 0.35 / h, f"{name} in UN peacekeeping: country brief", fontsize=16, fontweight="bold", va="top"
    )
    fig.text(
        0.45 / w, 1 - 0.72 / h, style.wrap(_facts(iso3, df), w - 0.9, 9.5), fontsize=9.5, color="#333333", va="top"
    )
    sources = (
        source_line("contributions", axes.month_span(pd.DatetimeIndex(df["date"].unique()))).removesuffix(
            " Chart: pkdata."
        )
        + f" Fatalities: {credit('un_psdata_fatalities')}. Funding: {credit('un_open')}. "
        + f"Peers: UN subregions of {credit('natural_earth')}. Brief: pkdata brief {iso3}."
    )
    fig.text(0.45 / w, 0.25 / h, style.wrap(sources, w - 0.9, 7), fontsize=7, color="#666666", va="bottom")
    return fig


def _panel(fig: Figure, top_in: float, height_in: float, left: bool | None, title: str) -> Any:
    """Axes on the page: full width (``left=None``) or its left or right half, with a title above."""
    w, h = PAGE
    x0, width = (0.95, w - 1.3) if left is None else ((0.95, w / 2 - 1.35) if left else (w / 2 + 0.75, w / 2 - 1.1))
    ax = fig.add_axes((x0 / w, 1 - (top_in + height_in) / h, width / w, height_in / h))
    fig.text((x0 - 0.5) / w, 1 - (top_in - 0.12) / h, title, fontsize=10.5, fontweight="bold", va="bottom")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8)
    return ax


def _legend(ax: Any, ncols: int = 1, locs: tuple[str, ...] = ("upper left", "upper right")) -> None:
    """The first legend corner that covers no data; else the first, with the y axis raised until clear."""
    for loc in locs:
        ax.legend(loc=loc, ncols=ncols, **_SMALL)
        if style.legend_overlaps(ax) == 0:
            return
    ax.legend(loc="upper left", ncols=ncols, **_SMALL)
    for _ in range(8):
        if style.legend_overlaps(ax) == 0:
            return
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi + (hi - lo) * 0.2)


def _personnel_panels(fig: Figure, iso3: str, df: pd.DataFrame) -> None:
    """By type and by mission, full width."""
    ax = _panel(fig, 1.9, 1.65, None, "Uniformed personnel by type")
    wide = monthly.country_by_type(iso3, df)
    axes.stack(ax, wide, style.TYPE_COLOURS, style.TYPE_NAMES)
    ax.set_ylabel("People", fontsize=8.5)
    ax.yaxis.set_major_formatter(style.thousands)
    ax.set_ylim(0, float(wide.sum(axis=1).max()) * 1.3 or 1)
    axes.date_axis(ax, every=5)
    _legend(ax, 5)
    for c in ax.collections:  # 400 months of stacked steps: pixels in the PDF, small and fast
        c.set_rasterized(True)

    ax = _panel(fig, 4.3, 1.65, None, "By mission (from Nov 2009, when the sources first name missions)")
    personnel.draw_missions(ax, monthly.country_by_mission(iso3, df, top=6))
    ax.set_ylabel("People", fontsize=8.5)
    _legend(ax, 4)
    for c in ax.collections:
        c.set_rasterized(True)


def _standing_panels(fig: Figure, iso3: str, df: pd.DataFrame) -> None:
    """Rank (left) and peers (right)."""
    latest = ranks.contributor_rank(iso3, df).dropna(subset=["rank"]).tail(1)
    ax = _panel(
        fig,
        6.75,
        1.5,
        True,
        "Rank among all contributors"
        + (f" (#{int(latest['rank'].iloc[0])} in {latest.index[0]:%b %Y})" if len(latest) else ""),
    )
    standing.draw_rank(ax, iso3, df)
    ax.set_ylabel("Rank (1 = largest)", fontsize=8.5)
    group = ranks.peer_group(iso3, df)[0]
    ax = _panel(
        fig,
        6.75,
        1.5,
        False,
        "Peers: " + ("the P5" if iso3 in countries.P5 else group.replace("largest contributors of", "largest of")),
    )
    standing.draw_peers(ax, iso3, df)
    ax.set_ylabel("People", fontsize=8.5)
    _legend(ax, 2)


def _pays_and_deaths_panels(fig: Figure, iso3: str, df: pd.DataFrame) -> None:
    """Shares of funding and personnel (left) and deaths by cause (right)."""
    ax = _panel(fig, 9.0, 1.45, True, "Pays (assessed funding) vs sends (personnel)")
    funding.draw_shares(ax, iso3, df)
    ax.set_ylabel("Share of all (%)", fontsize=8.5)
    ax.set_xlabel("")
    _legend(ax, 1, ("upper left", "upper right", "lower right"))
    ax = _panel(fig, 9.0, 1.45, False, "Uniformed peacekeepers who died, by cause")
    fatalities.draw_fatalities(ax, iso3, None)
    ax.set_ylabel("Deaths", fontsize=8.5)
    ax.set_xlabel("")
    _legend(ax, 2)


def brief(iso3: str, data: pd.DataFrame | None = None) -> Figure:
    """The one-page brief for ``iso3`` as a matplotlib Figure (A4 portrait).

    >>> len(brief("FRA").axes)
    6
    """
    iso3 = str(iso3).upper()
    df = monthly.contributions_or(data)
    monthly.country_rows(iso3, df)  # a clear error for an unknown code
    fig = _page(iso3, df)
    _personnel_panels(fig, iso3, df)
    _standing_panels(fig, iso3, df)
    _pays_and_deaths_panels(fig, iso3, df)
    return fig


def write_brief(iso3: str, out_dir: str | Path) -> list[Path]:
    """Write ``<ISO3>_brief.png`` (150 dpi) and ``<ISO3>_brief.pdf`` into ``out_dir``; return the paths.

    >>> import tempfile
    >>> [p.name for p in write_brief("ind", tempfile.mkdtemp())]
    ['IND_brief.png', 'IND_brief.pdf']
    """
    iso3 = str(iso3).upper()
    fig = brief(iso3)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic.clean_leftovers(out)  # .part files of a killed run
    files = [out / f"{iso3}_brief.png", out / f"{iso3}_brief.pdf"]
    # each written whole under a temporary name, then renamed: a kill leaves the previous brief as it was
    atomic.write_with(files[0], lambda tmp: fig.savefig(tmp, format="png", dpi=150, metadata={"Software": None}))
    pdf_meta = {"Creator": None, "Producer": None, "CreationDate": None}
    atomic.write_with(files[1], lambda tmp: fig.savefig(tmp, format="pdf", dpi=150, metadata=pdf_meta))
    return files


def cli_args(p: argparse.ArgumentParser) -> None:
    """Arguments of ``pkdata brief``.

    >>> p = argparse.ArgumentParser()
    >>> cli_args(p)
    >>> p.parse_args(["IND"]).out
    'briefs'
    """
    p.add_argument("iso3", help="ISO 3166 alpha-3 code of a member, e.g. IND, FRA, NPL")
    p.add_argument("--out", default="briefs", help="output folder (default briefs/)")


def cli_brief(args: argparse.Namespace) -> int:
    """Run ``pkdata brief``.

    >>> import tempfile
    >>> cli_brief(argparse.Namespace(iso3="FRA", out=tempfile.mkdtemp()))  # doctest: +ELLIPSIS
    wrote .../FRA_brief.png, .../FRA_brief.pdf (...s)
    0
    """
    t = time.perf_counter()
    files = write_brief(args.iso3, args.out)
    print(f"wrote {', '.join(str(f) for f in files)} ({time.perf_counter() - t:.1f}s)")
    return 0
