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

from pkdata.core import countries, store
from pkdata.outputs import charts

#: A4 portrait, inches.
PAGE = (8.27, 11.69)


def _facts(iso3: str, df: pd.DataFrame) -> str:
    """The brief's headline numbers: latest month, rank, largest missions, women, deaths."""
    from pkdata.tables import gender

    rank = charts.contributor_rank(iso3, df).dropna(subset=["rank"])
    parts = []
    if len(rank):
        when, r = rank.index[-1], rank.iloc[-1]
        parts.append(
            f"{when:%B %Y}: {int(r['total']):,} uniformed personnel, #{int(r['rank'])} of "
            f"{int(r['contributors'])} contributors"
        )
        rows = df[(df["date"] == when) & (df["contributor_iso3"] == iso3) & df["mission"].notna()]
        per = rows.groupby(rows["mission"].astype("string"))["total"].sum().sort_values(ascending=False)
        if len(per):
            parts.append("largest missions " + ", ".join(f"{m} {int(n):,}" for m, n in per.head(3).items()))
        try:
            women = gender.women_share(iso3)["all"].dropna()
            if len(women):
                parts.append(f"women {women.iloc[-1]:.1f}% ({women.index[-1]:%b %Y})")
        except Exception:  # noqa: BLE001 - a headline number, never a reason not to draw the page
            pass
    dead = charts.fatalities_by_year(iso3)
    if dead.to_numpy().sum():
        parts.append(
            f"{int(dead.to_numpy().sum()):,} uniformed peacekeepers died in UN service since "
            f"{int(dead.index.min())}, {int(dead['malicious_act'].sum()):,} of them by malicious acts"
        )
    return "; ".join(parts) + "."


def brief(iso3: str, data: pd.DataFrame | None = None) -> Figure:
    """The one-page brief for ``iso3`` as a matplotlib Figure (A4 portrait).

    >>> len(brief("FRA").axes)
    6
    """
    iso3 = str(iso3).upper()
    df = store.table("contributions") if data is None else data
    charts._country_rows(df, iso3)  # a clear error for an unknown code
    name = charts._capitalised(charts.country_name(iso3))
    w, h = PAGE
    fig = Figure(figsize=PAGE, dpi=100)
    FigureCanvasAgg(fig)
    fig.text(
        0.45 / w, 1 - 0.35 / h, f"{name} in UN peacekeeping: country brief", fontsize=16, fontweight="bold", va="top"
    )
    fig.text(
        0.45 / w, 1 - 0.72 / h, charts._wrap(_facts(iso3, df), w - 0.9, 9.5), fontsize=9.5, color="#333333", va="top"
    )
    sources = (
        charts.source_line("contributions", charts._month_span(pd.DatetimeIndex(df["date"].unique()))).removesuffix(
            " Chart: pkdata."
        )
        + " Fatalities: UN Peace and Security Data Hub. Funding: UN (CEB/open.un.org, Committee on "
        "Contributions, GA). Peers: Natural Earth UN subregions. Brief: pkdata brief " + iso3 + "."
    )
    fig.text(0.45 / w, 0.25 / h, charts._wrap(sources, w - 0.9, 7), fontsize=7, color="#666666", va="bottom")

    def panel(top_in: float, height_in: float, left: bool | None, title: str) -> Any:
        x0, width = (0.95, w - 1.3) if left is None else ((0.95, w / 2 - 1.35) if left else (w / 2 + 0.75, w / 2 - 1.1))
        ax = fig.add_axes((x0 / w, 1 - (top_in + height_in) / h, width / w, height_in / h))
        fig.text((x0 - 0.5) / w, 1 - (top_in - 0.12) / h, title, fontsize=10.5, fontweight="bold", va="bottom")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(True, color="#E5E5E5", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=8)
        return ax

    small = {"fontsize": 7.5}

    def legend(ax: Any, ncols: int = 1, locs: tuple[str, ...] = ("upper left", "upper right")) -> None:
        """The first legend corner that covers no data; else the first, with the y axis raised until clear."""
        for loc in locs:
            ax.legend(loc=loc, ncols=ncols, **small)
            if charts.legend_overlaps(ax) == 0:
                return
        ax.legend(loc="upper left", ncols=ncols, **small)
        for _ in range(8):
            if charts.legend_overlaps(ax) == 0:
                return
            lo, hi = ax.get_ylim()
            ax.set_ylim(lo, hi + (hi - lo) * 0.2)

    ax = panel(1.9, 1.65, None, "Uniformed personnel by type")
    wide = charts._type_wide(df, iso3)
    charts._stack(ax, wide, charts.TYPE_COLOURS, charts.TYPE_NAMES)
    ax.set_ylabel("People", fontsize=8.5)
    ax.yaxis.set_major_formatter(charts._thousands)
    ax.set_ylim(0, float(wide.sum(axis=1).max()) * 1.3 or 1)
    charts._date_axis(ax, every=5)
    legend(ax, 5)
    for c in ax.collections:  # 400 months of stacked steps: pixels in the PDF, small and fast
        c.set_rasterized(True)

    ax = panel(4.3, 1.65, None, "By mission (from Nov 2009, when the sources first name missions)")
    parts = charts._mission_parts(df, iso3, top=6)
    charts._draw_missions(ax, parts)
    ax.set_ylabel("People", fontsize=8.5)
    legend(ax, 4)
    for c in ax.collections:
        c.set_rasterized(True)

    latest = charts.contributor_rank(iso3, df).dropna(subset=["rank"]).tail(1)
    ax = panel(
        6.75,
        1.5,
        True,
        "Rank among all contributors"
        + (f" (#{int(latest['rank'].iloc[0])} in {latest.index[0]:%b %Y})" if len(latest) else ""),
    )
    charts._draw_rank(ax, iso3, df)
    ax.set_ylabel("Rank (1 = largest)", fontsize=8.5)
    group = charts.peer_group(iso3, df)[0]
    ax = panel(
        6.75,
        1.5,
        False,
        "Peers: " + ("the P5" if iso3 in countries.P5 else group.replace("largest contributors of", "largest of")),
    )
    charts._draw_peers(ax, iso3, df)
    ax.set_ylabel("People", fontsize=8.5)
    legend(ax, 2)

    ax = panel(9.0, 1.45, True, "Pays (assessed funding) vs sends (personnel)")
    charts._draw_shares(ax, iso3, df)
    ax.set_ylabel("Share of all (%)", fontsize=8.5)
    ax.set_xlabel("")
    legend(ax, 1, ("upper left", "upper right", "lower right"))
    ax = panel(9.0, 1.45, False, "Uniformed peacekeepers who died, by cause")
    charts._draw_fatalities(ax, iso3, None)
    ax.set_ylabel("Deaths", fontsize=8.5)
    ax.set_xlabel("")
    legend(ax, 2)
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
    files = [out / f"{iso3}_brief.png", out / f"{iso3}_brief.pdf"]
    fig.savefig(files[0], dpi=150, metadata={"Software": None})
    fig.savefig(files[1], dpi=150, metadata={"Creator": None, "Producer": None, "CreationDate": None})
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
