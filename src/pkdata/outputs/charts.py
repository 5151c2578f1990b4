"""Charts: one function per chart, each returning a matplotlib Figure drawn from the embedded data.

Every chart shares one style (:func:`new_figure`): a title and a subtitle saying what is
measured and in which unit, axis labels with units, a source line naming the publisher and the
data's months or years (from the manifest), China in vermillion and everyone else in the
Okabe-Ito palette, which colour-blind readers can tell apart.

Each function takes its data as optional arguments (defaulting to the embedded tables), so
it can be drawn from a small or doctored dataset too.

>>> from pkdata import charts
>>> fig = charts.top_contributors("2018-09", n=10)
>>> fig.axes[0].get_xlabel()
'Uniformed personnel (people)'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

# No backend is forced here: in Jupyter the inline backend shows the figures, on a machine
# without a display matplotlib falls back to Agg, and `pkdata figures` selects Agg itself.
import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pkdata.core import countries, schema, store
from pkdata.core.errors import DataNotFoundError

#: Okabe-Ito colours. China is always vermillion.
CHINA = "#D55E00"
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"]
GREY = "#8C8C8C"
TYPE_COLOURS = dict(zip(schema.PERSONNEL_TYPES, ["#0072B2", "#56B4E9", "#009E73", "#E69F00", "#CC79A7"], strict=True))
TYPE_NAMES = {
    "troops": "Troops",
    "staff_officers": "Staff officers",
    "experts_on_mission": "Experts on mission",
    "individual_police": "Individual police",
    "formed_police_units": "Formed police units",
}
P5_COLOURS = {"CHN": CHINA, "FRA": "#0072B2", "GBR": "#009E73", "RUS": "#CC79A7", "USA": "#E69F00"}
REPORT_DATE = pd.Timestamp("2018-09-30")

_STYLE = {
    "font.size": 10,
    "axes.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "svg.hashsalt": "pkdata",
    "svg.fonttype": "path",
}

_thousands = FuncFormatter(lambda v, _: f"{v:,.0f}")


def _publishers(table: str, files: set[str] | None = None) -> str:
    """Publishers of the sources that produced a table (only those of ``files`` if given), from the manifest."""
    try:
        sources = store.manifest()["sources"]
    except DataNotFoundError:  # a small or doctored dataset may have no manifest
        return ""
    names = []
    for s in sources:
        if s.get("table") != table or s.get("duplicate_of") or (files is not None and s.get("name") not in files):
            continue
        pub = s.get("publisher", "")
        short = (
            "UN DPO monthly contribution reports"
            if "Peace Operations" in pub and table == "contributions"
            else "Heritage Foundation (secondary)"
            if "Heritage" in pub
            else "IPI Peacekeeping Database"
            if "IPI" in pub or "International Peace Institute" in pub
            else "UN Peace and Security Data Hub"
            if "Data Hub" in pub
            else "UN (CEB/open.un.org, Committee on Contributions, GA)"
            if table == "assessments" and "UN" in pub
            else "curated public documents"
            if "curated" in pub.lower() or "compiled" in pub.lower()
            else pub.split(",")[0]
        )
        if short and short not in names:
            names.append(short)
    return "; ".join(names)


def source_line(table: str, period: str, files: set[str] | None = None) -> str:
    """The line under a chart: publishers of the table's sources and the data's period.

    ``files``: the source files of the rows drawn (the table's ``source`` column), when a chart shows only
    some of the table: then only their publishers are named.

    >>> source_line("contributions", "Nov 1990 - Jul 2025")
    'Source: IPI Peacekeeping Database; UN DPO monthly contribution reports (Nov 1990 - Jul 2025). Chart: pkdata.'
    >>> source_line("contributions", "Sep 2018", files={"UN_country_contributions_2018_09.pdf"})
    'Source: UN DPO monthly contribution reports (Sep 2018). Chart: pkdata.'
    """
    pubs = _publishers(table, files)
    return f"Source: {pubs or 'pkdata processed data'} ({period}). Chart: pkdata."


def _wrap(text: str, width_in: float, fontsize: float) -> str:
    """Wrap text to the figure width (about 0.55 em per character)."""
    import textwrap

    chars = max(20, int(width_in * 72 / (fontsize * 0.55)))
    return "\n".join(textwrap.wrap(text, chars)) if len(text) > chars else text


def new_figure(title: str, subtitle: str, source: str, *, size: tuple[float, float] = (10, 5.6)) -> tuple[Figure, Any]:
    """A figure in the shared style: title and subtitle top left, source line bottom left.

    Long texts wrap to the figure's width; :func:`finish` then fits the axes between them.

    >>> fig, ax = new_figure("Title", "Subtitle", "Source: x")
    >>> fig.texts[0].get_text()
    'Title'
    """
    w, h = size
    title, subtitle, source = _wrap(title, w - 0.3, 14), _wrap(subtitle, w - 0.3, 10), _wrap(source, w - 0.3, 7.5)
    with plt.rc_context(_STYLE):
        # Not a pyplot figure: returned, it is shown once in a notebook (not again by the inline
        # backend at the cell's end), and nothing accumulates in pyplot's figure manager.
        fig = Figure(figsize=size, dpi=100)
        FigureCanvasAgg(fig)
    top_in = 0.12 + 0.27 * (title.count("\n") + 1) + 0.06 + 0.19 * (subtitle.count("\n") + 1) + 0.3
    bottom_in = 0.1 + 0.13 * (source.count("\n") + 1) + 0.6
    fig.text(0.1 / w, 1 - 0.12 / h, title, fontsize=14, fontweight="bold", va="top", ha="left")
    fig.text(
        0.1 / w,
        1 - (0.12 + 0.27 * (title.count("\n") + 1) + 0.06) / h,
        subtitle,
        fontsize=10,
        color="#444444",
        va="top",
        ha="left",
    )
    fig.text(0.1 / w, 0.1 / h, source, fontsize=7.5, color="#666666", va="bottom", ha="left")
    ax = fig.add_axes((0.9 / w, bottom_in / h, 1 - 1.2 / w, 1 - (top_in + bottom_in) / h))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(True, color=_STYLE["grid.color"], linewidth=_STYLE["grid.linewidth"])
    ax.set_axisbelow(True)
    return fig, ax


def finish(fig: Figure, ax: Any, legends: Sequence[dict[str, Any]] = ()) -> Figure:
    """Fit the axes so that tick labels and axis labels stay inside the figure; return the figure.

    ``legends``: legend placements (``ax.legend`` keyword arguments), best first. The first one that
    covers no data and no note is used; if none is clear, the last one is used and the y axis is
    extended upwards until it is (see :func:`legend_overlaps`).

    >>> fig, ax = new_figure("T", "S", "Source: x")
    >>> _ = ax.set_ylabel("A long label (people)")
    >>> finish(fig, ax) is fig
    True
    """
    _fit(fig, ax)
    if legends:
        for kw in legends:
            ax.legend(**kw)
            if legend_overlaps(ax) == 0:
                return fig
        for _ in range(12):
            lo, hi = ax.get_ylim()
            ax.set_ylim(lo, hi + (hi - lo) * 0.15)  # "up" whichever way the axis runs
            if legend_overlaps(ax) == 0:
                break
        _fit(fig, ax)  # the new limits may have wider tick labels
    return fig


def legend_overlaps(ax: Any) -> int:
    """How many data points (line vertices, scatter points, area outlines) and notes lie under the legend.

    >>> fig, ax = new_figure("T", "S", "Source: x")
    >>> _ = ax.plot(range(20), [9] * 19 + [0], label="high, then low")
    >>> _ = ax.legend(loc="upper left")
    >>> legend_overlaps(ax) > 0
    True
    >>> _ = ax.legend(loc="lower left")
    >>> legend_overlaps(ax)
    0
    """
    from matplotlib.collections import PathCollection

    legend = ax.get_legend()
    if legend is None:
        return 0
    ax.get_xlim(), ax.get_ylim()  # apply pending autoscaling, so that the data transform is current
    renderer = ax.figure.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    # every line's vertices: markers, and the ends of vertical lines such as the report date's
    pts = [line.get_transform().transform(np.asarray(line.get_xydata(), float)) for line in ax.get_lines()]
    for c in ax.collections:
        if isinstance(c, PathCollection) and len(c.get_offsets()):
            pts.append(c.get_offset_transform().transform(c.get_offsets()))
        elif isinstance(c, PolyCollection):  # fill_between areas: their outlines
            pts += [
                c.get_transform().transform(v[np.isfinite(v).all(axis=1)])
                for v in (p.vertices for p in c.get_paths())
                if np.isfinite(v).any()
            ]
    xy = np.concatenate(pts) if pts else np.empty((0, 2))
    under = int(((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)).sum())
    return under + sum(t.get_window_extent(renderer).overlaps(box) for t in ax.texts if t.get_text())


def _fit(fig: Figure, ax: Any) -> None:
    # the extents of the tick and axis labels need a renderer, not a drawn figure (drawing costs a third of a chart)
    renderer = fig.canvas.get_renderer()
    inv = fig.transFigure.inverted()
    tight = ax.get_tightbbox(renderer).transformed(inv)
    frame = ax.get_position()
    w, h = fig.get_size_inches()
    x0 = frame.x0 + max(0.0, 0.1 / w - tight.x0)
    x1 = frame.x1 - max(0.0, tight.x1 - (1 - 0.15 / w))
    ax.set_position((x0, frame.y0, x1 - x0, frame.height))


def _month_span(index: pd.DatetimeIndex) -> str:
    return f"{index.min():%b %Y} - {index.max():%b %Y}"


def _monthly_by(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Monthly totals by ``column`` with every month in range; months with no report are NaN."""
    wide = df.pivot_table(index="date", columns=column, values="total", aggfunc="sum", observed=True, fill_value=0)
    months = pd.date_range(df["date"].min(), df["date"].max(), freq="ME")
    return wide.reindex(months).astype("float64")


def _monthly_by_type(df: pd.DataFrame) -> pd.DataFrame:
    """Monthly totals by personnel type, in the canonical order of the types."""
    wide = _monthly_by(df, "personnel_type")
    return wide.reindex(columns=[t for t in schema.PERSONNEL_TYPES if t in wide.columns])


def _steps(index: pd.DatetimeIndex, *columns: pd.Series) -> tuple[Any, ...]:
    """Each month as a flat step from the previous month's end to its own: x and the columns' y.

    A month with no report is NaN at both ends, so it is a gap; a month with reports on neither
    side is still a full-width step (``step="mid"`` would draw it with no width at all).
    """
    right = index.to_numpy()
    left = (index - pd.offsets.MonthEnd(1)).to_numpy()
    x = np.column_stack([left, right]).ravel()
    return (x, *(np.repeat(c.to_numpy(dtype="float64"), 2) for c in columns))


def _stack(ax, wide: pd.DataFrame, colours: dict[str, str], labels: dict[str, str]) -> None:
    """Stacked areas that leave a gap (not a zero) where a month has no report."""
    base = pd.Series(0.0, index=wide.index)
    for col in wide.columns:
        top = base + wide[col]
        x, lo, hi = _steps(wide.index, base, top)
        ax.fill_between(x, lo, hi, color=colours.get(col, GREY), label=labels.get(col, col), linewidth=0)
        base = top


def _date_axis(ax: Any, every: int) -> None:
    """Ticks every ``every`` years on a long time axis; on a short one (a few reports), months."""
    lo, hi = ax.get_xlim()
    if hi - lo >= 2 * every * 365.25:  # date axes count days
        ax.xaxis.set_major_locator(mdates.YearLocator(every))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        locator = mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _fill_covered(wide: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """Months that have a report but no rows for these columns are zero; months with no report stay NaN."""
    covered = wide.index.isin(pd.DatetimeIndex(df["date"].unique()))
    values = wide.to_numpy(dtype="float64", copy=True)
    fill = covered[:, None] & np.isnan(values)
    if not fill.any():
        return wide
    values[fill] = 0.0
    return pd.DataFrame(values, index=wide.index, columns=wide.columns)


def _gap_note(wide: pd.DataFrame) -> str:
    missing = wide.index[wide.isna().all(axis=1)]
    return f"; gaps: {len(missing)} months with no report" if len(missing) else ""


def _personnel(data: pd.DataFrame | None) -> pd.DataFrame:
    return store.table("contributions") if data is None else data


def possessive(iso3: str) -> str:
    """A country's display name as a possessive: "China's", "the United States'".

    >>> possessive("CHN"), possessive("USA")
    ("China's", "the United States'")
    """
    name = country_name(iso3)
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def country_name(iso3: str) -> str:
    """A country's display name as it reads in a sentence: "China", "the United States".

    >>> country_name("USA"), country_name("NPL")
    ('the United States', 'Nepal')
    """
    name = countries.display_name(iso3)
    return f"the {name}" if name.startswith(("United ", "Netherlands", "Philippines")) else name


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _country_rows(df: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """The contributions rows of one contributor, or a clear error naming the code."""
    from pkdata.core.errors import PkdataError

    iso3 = str(iso3).upper()
    rows = df[df["contributor_iso3"] == iso3]
    if rows.empty:
        raise PkdataError(
            f"no contributions for {iso3!r} in the contributions table; pass the ISO 3166 alpha-3 "
            "code of a contributor, such as 'CHN', 'IND' or 'FRA'"
        )
    return rows


def _type_wide(df: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """One contributor's monthly totals by type over the whole table's months (0 where a report omits it)."""
    wide = _monthly_by_type(_country_rows(df, iso3))
    return _fill_covered(wide.reindex(pd.date_range(df["date"].min(), df["date"].max(), freq="ME")), df)


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
    df = _personnel(data)
    # Months where any report exists but the country has none are zero, not gaps.
    wide = _type_wide(df, iso3)
    fig, ax = new_figure(
        f"{_capitalised(possessive(iso3))} uniformed personnel in UN peacekeeping, by type",
        "People deployed at each month's end; before Nov 2009 police are not split by type (shown as individual "
        f"police){_gap_note(wide)}",
        source_line("contributions", _month_span(wide.index)),
    )
    _stack(ax, wide, TYPE_COLOURS, TYPE_NAMES)
    ax.set_ylabel("Uniformed personnel (people)")
    ax.yaxis.set_major_formatter(_thousands)
    # A little room at the left too: the first month's leader line stays clear of the axis spine.
    ax.set_xlim(wide.index.min() - pd.Timedelta(days=150), wide.index.max() + pd.Timedelta(days=200))
    total = wide.sum(axis=1, min_count=1)
    top = float(total.max())
    first = total[total > 0].index.min()
    span = wide.index.max() - wide.index.min()
    # The first month's note sits just above the data near it, with room above it for the notes at the top.
    if pd.notna(first):
        near = total[(total.index >= first - span * 0.2) & (total.index <= first + span * 0.2)]
        y_text = float(near.max()) + top * 0.12
    ymax = max(top * 1.25, y_text + top * 0.45) if pd.notna(first) else top * 1.25
    ax.set_ylim(0, ymax)
    if pd.notna(first):
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
    if iso3 == "CHN" and wide.index.min() <= REPORT_DATE <= wide.index.max():
        ax.axvline(REPORT_DATE, color="#333333", linewidth=0.9, linestyle="--")
        ax.text(REPORT_DATE + pd.Timedelta(days=60), ymax * 0.96, "Report published\nSep 2018", fontsize=8.5, va="top")
    deaths = _china_killed(fatalities, 2016) if iso3 == "CHN" else pd.DataFrame()
    if not deaths.empty:
        y = ymax * 0.9
        for when in deaths["date"].drop_duplicates():
            ax.plot([when], [y], marker="v", color=CHINA, markersize=7, zorder=5)
        where = ", ".join(f"{m} ({n})" for m, n in deaths.groupby("mission").size().items())
        # Left of the markers, or right of them when the data start shortly before 2016.
        room_left = deaths["date"].min() - wide.index.min() > span * 0.4
        ax.text(
            deaths["date"].min() - pd.Timedelta(days=90) if room_left else deaths["date"].max() + pd.Timedelta(days=90),
            y,
            f"{len(deaths)} killed in 2016: {where}",
            fontsize=8.5,
            color=CHINA,
            ha="right" if room_left else "left",
            va="center",
        )
    _date_axis(ax, every=5)
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


def china_by_type(data: pd.DataFrame | None = None, fatalities: pd.DataFrame | None = None) -> Figure:
    """China's uniformed personnel by type: :func:`by_type` for ``"CHN"`` (the name the notebooks use).

    >>> china_by_type().texts[0].get_text()
    "China's uniformed personnel in UN peacekeeping, by type"
    """
    return by_type("CHN", data, fatalities)


def _china_killed(fatalities: pd.DataFrame | None, year: int) -> pd.DataFrame:
    try:
        f = store.table("fatalities") if fatalities is None else fatalities
    except DataNotFoundError:  # no fatalities table in this processed folder: no annotation
        return pd.DataFrame(columns=["date", "mission"])
    f = f[(f["nationality_iso3"] == "CHN") & (f["date"].dt.year == year)]
    return f[f["incident_type"].astype(str).str.contains("malicious", case=False, na=False)]


def p5_over_time(data: pd.DataFrame | None = None, highlight: str = "CHN") -> Figure:
    """The five permanent members' uniformed personnel, month by month; ``highlight``'s line drawn bold.

    >>> len(p5_over_time().axes[0].get_lines())
    5
    """
    highlight = str(highlight).upper()
    df = _personnel(data)
    p5 = df[df["contributor_iso3"].isin(countries.P5)]
    wide = _fill_covered(_monthly_by(p5, "contributor_iso3"), df)
    fig, ax = new_figure(
        "The five permanent members' uniformed personnel in UN peacekeeping",
        f"People deployed at each month's end{_gap_note(wide)}",
        source_line("contributions", _month_span(wide.index)),
    )
    order = sorted(wide.columns, key=lambda c: -float(wide[c].iloc[-12:].mean()))
    for iso in order:
        ax.plot(
            wide.index,
            wide[iso],
            color=P5_COLOURS[iso],
            linewidth=2.4 if iso == highlight else 1.3,
            label=countries.display_name(iso),
            zorder=3 if iso == highlight else 2,
        )
        # a month with no report on either side is no line at all: a dot shows it
        alone = wide[iso].notna() & wide[iso].shift(1).isna() & wide[iso].shift(-1).isna()
        if alone.any():
            ax.plot(
                wide.index[alone],
                wide.loc[alone, iso],
                linestyle="none",
                marker="o",
                markersize=3.5 if iso == highlight else 2.5,
                color=P5_COLOURS[iso],
                zorder=3 if iso == highlight else 2,
            )
    ax.set_ylabel("Uniformed personnel (people)")
    ax.yaxis.set_major_formatter(_thousands)
    ax.set_ylim(bottom=0)
    _date_axis(ax, every=5)
    # Upper right first: in the full data the peaks are at the left (France, United Kingdom, 1993-95).
    return finish(
        fig,
        ax,
        [
            {"loc": "upper right", "fontsize": 9},
            {"loc": "upper left", "fontsize": 9},
            {"loc": "upper center", "ncols": 5, "fontsize": 9},
        ],
    )


def by_mission(iso3: str = "CHN", data: pd.DataFrame | None = None, top: int = 7) -> Figure:
    """A contributor's uniformed personnel by mission (stacked), for the months the sources give missions.

    Months whose source gives country totals only are drawn as a hatched grey band, not as zero.

    >>> by_mission("FRA").texts[0].get_text()
    "France's uniformed personnel in UN peacekeeping, by mission"
    """
    iso3 = str(iso3).upper()
    df = _personnel(data)
    parts = _mission_parts(df, iso3, top)
    fig, ax = new_figure(
        f"{_capitalised(possessive(iso3))} uniformed personnel in UN peacekeeping, by mission",
        f"People deployed at each month's end, largest {len(parts['keep'])} missions; hatched: reports with country "
        f"totals only{_gap_note(parts['wide'])}",
        source_line("contributions", _month_span(parts["wide"].index)),
    )
    _draw_missions(ax, parts)
    return finish(
        fig,
        ax,
        [
            {"loc": "upper left", "ncols": 3, "fontsize": 8.5},
            {"loc": "upper right", "ncols": 3, "fontsize": 8.5},
            {"loc": "upper center", "ncols": 5, "fontsize": 8.5},
        ],
    )


def _mission_parts(df: pd.DataFrame, iso3: str, top: int) -> dict[str, Any]:
    """One contributor's monthly totals by mission from the first month with mission detail: the ``top``
    largest missions, the rest summed, months with country totals only apart."""
    chn = _country_rows(df, iso3).copy()
    with_detail = df.loc[df["mission"].notna(), "date"]
    start = with_detail.min()
    chn = chn[chn["date"] >= start]
    chn["mission"] = chn["mission"].astype("string").fillna("(no mission detail)")
    wide = (
        _monthly_by(chn, "mission")
        if len(chn)
        else pd.DataFrame(index=pd.date_range(start, df["date"].max(), freq="ME"))
    )
    wide = _fill_covered(wide.reindex(pd.date_range(start, df["date"].max(), freq="ME")), df)
    no_detail = wide.pop("(no mission detail)") if "(no mission detail)" in wide.columns else None
    biggest = wide.sum().sort_values(ascending=False).index.tolist()
    keep, rest = biggest[:top], biggest[top:]
    shown = wide[keep].copy()
    if rest:
        shown["Other missions"] = wide[rest].sum(axis=1, min_count=1)
    colours = dict(zip(keep, PALETTE[: len(keep)], strict=True))
    colours["Other missions"] = "#BBBBBB"
    return {"shown": shown, "colours": colours, "no_detail": no_detail, "wide": wide, "keep": keep}


def _draw_missions(ax: Any, parts: dict[str, Any]) -> None:
    shown, no_detail = parts["shown"], parts["no_detail"]
    _stack(ax, shown, parts["colours"], {})
    if no_detail is not None:
        x, hatched = _steps(no_detail.index, no_detail.where(no_detail > 0))
        ax.fill_between(
            x, 0, hatched, facecolor="none", edgecolor=GREY, hatch="///", linewidth=0, label="No mission detail"
        )
    ax.set_ylabel("Uniformed personnel (people)")
    ax.yaxis.set_major_formatter(_thousands)
    total = shown.sum(axis=1, min_count=1) if shown.shape[1] else pd.Series([0.0])
    top = float(max(total.max() if total.notna().any() else 0, no_detail.max() if no_detail is not None else 0))
    ax.set_ylim(0, (top or 1) * 1.3)
    _date_axis(ax, every=2)


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

    >>> len(top_contributors("2018-09", n=10).axes[0].patches)
    10
    """
    df = _personnel(data)
    when = pd.Timestamp(month) + pd.offsets.MonthEnd(0)
    rows = df[df["date"] == when]
    if rows.empty:
        from pkdata.core.errors import PkdataError

        raise PkdataError(f"no contributions data for {when:%Y-%m}; `pkdata info` lists the months with data")
    totals = rows.groupby(rows["contributor_iso3"].astype("string"))["total"].sum().astype("int64")
    totals = totals.sort_values(ascending=False, kind="mergesort").head(n)[::-1]
    fig, ax = new_figure(
        f"The {n} largest contributors of uniformed personnel, {when:%B %Y}",
        f"People deployed at the month's end; {countries.display_name(highlight.upper())} highlighted",
        source_line("contributions", f"{when:%b %Y}", set(rows["source"].astype(str))),
        size=(10, 0.25 * n + 2.2),
    )
    names = [countries.display_name(i) for i in totals.index]
    colours = [CHINA if i == highlight.upper() else "#0072B2" for i in totals.index]
    bars = ax.barh(names, totals.to_numpy(), color=colours)
    for bar, v in zip(bars, totals.to_numpy(), strict=True):
        ax.text(
            bar.get_width() + totals.max() * 0.01, bar.get_y() + bar.get_height() / 2, f"{v:,}", va="center", fontsize=8
        )
    ax.set_xlabel("Uniformed personnel (people)")
    ax.xaxis.set_major_formatter(_thousands)
    ax.set_xlim(0, totals.max() * 1.12)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize=9)
    return finish(fig, ax)


def global_by_type(data: pd.DataFrame | None = None) -> Figure:
    """All uniformed personnel in UN peacekeeping by type, month by month.

    >>> global_by_type().axes[0].get_ylabel()
    'Uniformed personnel (thousands)'
    """
    df = _personnel(data)
    wide = _monthly_by_type(df) / 1000
    fig, ax = new_figure(
        "Uniformed personnel in UN peacekeeping, by type",
        "All contributors, thousands of people at each month's end; before Nov 2009 police are not split by type"
        f"{_gap_note(wide)}",
        source_line("contributions", _month_span(wide.index)),
    )
    _stack(ax, wide, TYPE_COLOURS, TYPE_NAMES)
    ax.set_ylabel("Uniformed personnel (thousands)")
    ax.set_ylim(0, float(wide.sum(axis=1).max()) * 1.22)
    _date_axis(ax, every=5)
    return finish(
        fig,
        ax,
        [
            {"loc": "upper left", "ncols": 3, "fontsize": 8.5},
            {"loc": "upper right", "ncols": 3, "fontsize": 8.5},
            {"loc": "upper center", "ncols": 5, "fontsize": 8.5},
        ],
    )


FUNDERS = ("USA", "CHN", "JPN", "DEU", "GBR", "FRA")
#: funding_shares: scale bounds wider than this many percentage points are left as gaps.
LOOSE_BOUNDS = 1.0


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
    if assessments is None:
        from pkdata.tables.finance import assessments as _assessments

        assessments = pd.concat(
            [_assessments("peacekeeping", measure="scale"), _assessments("peacekeeping", measure="billed")],
            ignore_index=True,
        )
    highlight = str(highlight).upper()
    members = tuple(members) if highlight in members else (*members, highlight)
    a = assessments[assessments["member_iso3"].isin(members)].sort_values("year")
    scale = a[a["measure"] == "scale"]
    billed = a[a["measure"] == "billed"]
    # the scale from the first year a printed or exact figure exists (bounds alone before that say little)
    printed = scale[scale["basis"] != "scale_rate_derived"]
    if len(printed) and len(billed):  # the years with a printed, exact or billed figure
        scale = scale[
            scale["year"].between(int(billed["year"].min()), max(int(billed["year"].max()), int(printed["year"].max())))
        ]
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
    colours = {"USA": "#E69F00", "CHN": CHINA, "JPN": "#0072B2", "DEU": "#000000", "GBR": "#009E73", "FRA": "#CC79A7"}
    all_years = range(int(years.min()), int(years.max()) + 1)
    for iso in members:
        m = scale[scale["member_iso3"] == iso]
        b = billed[billed["member_iso3"] == iso]
        if m.empty and b.empty:
            continue
        colour = CHINA if iso == highlight else colours.get(iso, GREY)
        if iso != highlight and colour == CHINA:
            colour = GREY  # vermillion is the highlighted member's
        width = 2.4 if iso == highlight else 1.3
        mid = m["share_percent"].where(m["share_percent"].notna(), (m["share_low"] + m["share_high"]) / 2)
        narrow = (m["share_high"] - m["share_low"]) < 0.05
        line = pd.Series(mid.where(narrow).to_numpy(), index=m["year"].to_numpy()).reindex(all_years)
        ax.plot(
            line.index,
            line.to_numpy(),
            color=colour,
            linewidth=width,
            label=countries.display_name(iso),
            zorder=3 if iso == highlight else 2,
        )
        wide = m[~narrow & ((m["share_high"] - m["share_low"]) <= LOOSE_BOUNDS)]  # looser bounds: not drawn
        ax.vlines(
            wide["year"], wide["share_low"], wide["share_high"], color=colour, linewidth=width, alpha=0.6, zorder=2
        )
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


def pays_vs_serves(year: int = 2019, burden: pd.DataFrame | None = None, highlight: str = "CHN") -> Figure:
    """Who pays and who serves: share of funding against share of personnel in one year (log scales).

    Labels the permanent members, the ten largest personnel contributors, the ten largest funders and
    ``highlight`` (in vermillion).

    >>> fig = pays_vs_serves(2019)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    if burden is None:
        from pkdata.tables.finance import burden as _burden

        burden = _burden(year)
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


def place_labels(
    ax: Any,
    points: list[tuple[float, float, str, str]],
    fontsize: float = 8,
    obstacles: list[tuple[float, float]] | None = None,
) -> None:
    """Label points without overlaps: each label takes the first free spot around its point.

    Tries offsets right, left, above and below at growing distances, in display coordinates,
    avoiding every label already placed and every labelled point.

    >>> fig, ax = new_figure("T", "S", "Source: x")
    >>> place_labels(ax, [(1, 1, "a", "black"), (1, 1, "b", "black")])
    >>> len(ax.texts)
    2
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    taken = []
    for x, y in [(p[0], p[1]) for p in points] + list(obstacles or []):
        px, py = ax.transData.transform((x, y))
        taken.append((px - 3, py - 3, px + 3, py + 3))
    offsets = [
        (d * dx, d * dy)
        for d in (1, 2, 3, 4)
        for dx, dy in ((6, 0), (-6, 0), (4, 9), (4, -9), (-4, 9), (-4, -9), (0, 14), (0, -14))
    ]
    for x, y, text, colour in points:
        label = None
        for ox, oy in offsets:
            if label is not None:
                label.remove()
            label = ax.annotate(
                text,
                (x, y),
                xytext=(ox, oy),
                textcoords="offset points",
                fontsize=fontsize,
                color=colour,
                ha="left" if ox >= 0 else "right",
                va="center",
                fontweight="bold" if colour == CHINA else "normal",
                arrowprops={"arrowstyle": "-", "color": "#AAAAAA", "linewidth": 0.5}
                if abs(ox) > 6 or abs(oy) > 9
                else None,
            )
            bb = label.get_window_extent(renderer)
            box = (bb.x0, bb.y0, bb.x1, bb.y1)
            inside = ax.get_window_extent(renderer)
            fits = inside.x0 <= box[0] and box[2] <= inside.x1 and inside.y0 <= box[1] and box[3] <= inside.y1
            if fits and not any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken):
                break
        taken.append(box)


def _pays_source(attrs: dict[str, Any]) -> str:
    files = ", ".join(attrs.get("funding_sources", [])) or "pkdata assessments table"
    months = attrs.get("months", [])
    span = f"{months[0]} .. {months[-1]}" if months else ""
    return (
        f"Source: funding: {files} (basis {attrs.get('funding_basis', '?')}; UN CEB financial statistics via "
        f"open.un.org); personnel: UN DPO monthly contribution reports ({span}). Chart: pkdata."
    )


_UNIT_LABELS = {
    "personnel": "Uniformed personnel (people)",
    "ratio": "Ratio to the next permanent member",
    "missions": "Missions with Chinese personnel (of 2)",
    "percent": "Share (%)",
    "deaths": "Deaths in the previous 3 years",
    "rank": "Rank among contributors (1 = largest)",
}
_VERDICT_COLOURS = {"supported": "#009E73", "refuted": CHINA, "insufficient_data": "#999999"}
#: The table each kind of claim reads (for the source line's publishers).
_UNIT_TABLES = {
    "personnel": "contributions",
    "ratio": "contributions",
    "missions": "contributions",
    "rank": "contributions",
    "percent": "assessments",
    "deaths": "fatalities",
}
#: Axis labels for percentage claims: what the per cent is of.
_CLAIM_LABELS = {
    "second_largest_funder": "China's share of funding (%)",
    "rising_budget_share": "China's scale rate (%)",
}


def _report_short() -> str:
    from pkdata.analysis.claims import REPORT_SHORT

    return REPORT_SHORT


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def claims_timeline(claim_id: str = "second_largest_funder", timeline: pd.DataFrame | None = None) -> Figure:
    """A claim's value over time, each point coloured by the verdict the data gives then.

    >>> fig = claims_timeline("second_largest_funder")
    >>> "second" in fig.texts[0].get_text().lower()
    True
    """
    if timeline is None:
        from pkdata.analysis.claims import timeline as _timeline

        timeline = _timeline(claim_id)
    t = timeline
    statement = t.attrs.get("statement", claim_id)
    unit = t.attrs.get("unit", "")
    runs = t.attrs.get("runs", [])
    supported = [r for r in runs if r["verdict"] == "supported"]
    since = f"; supported since {supported[-1]['first']}" if supported and runs[-1]["verdict"] == "supported" else ""
    period = f"{t['period'].iloc[0]} - {t['period'].iloc[-1]}" if len(t) else ""
    yearly = t.attrs.get("frequency") == "year"
    if len(t):
        period = (
            f"{t['date'].iloc[0]:%Y} - {t['date'].iloc[-1]:%Y}"
            if yearly
            else f"{t['date'].iloc[0]:%b %Y} - {t['date'].iloc[-1]:%b %Y}"
        )
    blank = (t["verdict"] == "insufficient_data") & t["value"].isna()
    bounded = (t["verdict"] != "insufficient_data") & t["value"].isna()  # a verdict, the value only within bounds
    fig, ax = new_figure(
        f"Claim: {statement}",
        f"{_capital(t.attrs.get('metric', claim_id))}; colour: the verdict the data gave at each date{since}"
        + ("; shaded: too little data for a verdict" if blank.any() else "")
        + ("; triangles on the axis: a verdict whose value is known only within bounds" if bounded.any() else ""),
        source_line(_UNIT_TABLES.get(unit, "contributions"), period).removesuffix(" Chart: pkdata.")
        + f" Claim: {_report_short()}. Verdicts: pkdata.analysis.claims.timeline('{claim_id}'). Chart: pkdata.",
    )
    x = t["date"].dt.year if yearly else t["date"]
    report_x = REPORT_DATE.year + 8.5 / 12 if yearly else REPORT_DATE
    ax.plot(x, t["value"], color="#BBBBBB", linewidth=1, zorder=1)
    # Periods with no value at all: a light band, so that the legend entry has something to point at.
    half = 0.5 if yearly else pd.Timedelta(days=15)
    for _, run in t[blank].groupby((~blank).cumsum()[blank]):
        ax.axvspan(x[run.index[0]] - half, x[run.index[-1]] + half, color="#DDDDDD", linewidth=0, zorder=0)
    for verdict, colour in _VERDICT_COLOURS.items():
        sel = t["verdict"] == verdict
        if sel.any() and t.loc[sel, "value"].notna().any():
            ax.scatter(
                x[sel],
                t.loc[sel, "value"],
                color=colour,
                s=14 if len(t) > 60 else 30,
                zorder=2,
                label=verdict.replace("_", " "),
            )
    for verdict, colour in _VERDICT_COLOURS.items():
        sel = bounded & (t["verdict"] == verdict)
        if sel.any():
            ax.scatter(
                x[sel],
                [0.03] * int(sel.sum()),
                transform=ax.get_xaxis_transform(),
                marker="^",
                s=34,
                color=colour,
                zorder=3,
                clip_on=False,
            )
    if blank.any():
        ax.fill_between([], [], color="#DDDDDD", linewidth=0, label="insufficient data, no value")
    if t["date"].min() <= REPORT_DATE <= t["date"].max():
        ax.axvline(report_x, color="#333333", linewidth=0.9, linestyle="--")
        # y in axes fraction: at the top whichever way the axis runs (ranks run downwards)
        ax.text(
            report_x, 0.99, " report (Lanteigne), Sep 2018", fontsize=8.5, va="top", transform=ax.get_xaxis_transform()
        )
    ax.set_ylabel(_CLAIM_LABELS.get(claim_id) or _UNIT_LABELS.get(unit, unit or "value"))
    # Headroom at the top for the report label, above the highest point (for ranks: the smallest number).
    lo, hi = ax.get_ylim()
    pad = (hi - lo) * 0.08
    if unit == "rank":
        ax.set_ylim(hi, max(0.0, lo - pad))  # inverted: rank 1 at the top
    else:
        ax.set_ylim(lo, hi + pad)
    if unit in ("rank", "missions", "deaths"):  # counts: whole-number ticks
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    if unit == "personnel":
        ax.yaxis.set_major_formatter(_thousands)
    ax.set_xlabel("Calendar year" if yearly else "Month")
    if yearly:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlim(float(x.min()) - 0.6, float(x.max()) + 0.6)  # every year checked, valued or not
    # "best" counts the points, the report line and the shaded bands: the legend goes where none are.
    return finish(fig, ax, [{"loc": "best", "fontsize": 9}])


# --------------------------------------------------------------------------- any country: the brief's charts


_TOTALS: list[tuple[pd.DataFrame, pd.DataFrame]] = []  # the last table and its totals (a brief asks 7 times)
_RANKS: list[tuple[pd.DataFrame, pd.DataFrame]] = []  # the last totals and their ranks


def _totals_wide(df: pd.DataFrame) -> pd.DataFrame:
    """Month x contributor uniformed personnel over the table's months; 0 where a report omits a contributor."""
    if _TOTALS and _TOTALS[0][0] is df:
        return _TOTALS[0][1]
    wide = _totals_of(df)
    _TOTALS[:] = [(df, wide)]
    return wide


def _totals_of(df: pd.DataFrame) -> pd.DataFrame:
    wide = df.groupby(["date", df["contributor_iso3"].astype("string")], observed=True)["total"].sum()
    wide = wide.unstack(fill_value=0).astype("float64")
    months = pd.date_range(df["date"].min(), df["date"].max(), freq="ME")
    return _fill_covered(wide.reindex(months), df)


def peer_group(iso3: str, data: pd.DataFrame | None = None, n: int = 5) -> tuple[str, list[str]]:
    """The peers a country is compared with: the P5 for a permanent member, else its region's largest.

    Region: the country's UN subregion (Natural Earth's ``SUBREGION``) if at least three of its countries
    contributed in the last 12 months, else its UN region; the ``n`` largest by mean personnel over the last
    12 months, the country always among them. Returns (the group's name, ISO3 codes, largest first).

    >>> peer_group("FRA")[0], peer_group("NPL")[0]
    ('permanent members of the Security Council', 'largest contributors of Southern Asia')
    """
    from pkdata.outputs import maps

    iso3 = str(iso3).upper()
    df = _personnel(data)
    if iso3 in countries.P5:
        return "permanent members of the Security Council", list(countries.P5)
    wide = _totals_wide(df)
    recent = wide.iloc[-12:].mean().sort_values(ascending=False, kind="mergesort")
    recent = recent[recent > 0]
    where = maps.region(iso3)
    if where is None:
        group, name = list(recent.index[: n - 1]), "largest contributors"
    else:
        sub = [c for c in recent.index if maps.region(c) and maps.region(c)[1] == where[1]]
        if len(sub) >= 3:
            group, name = sub[:n], f"largest contributors of {where[1]}"
        else:
            group = [c for c in recent.index if maps.region(c) and maps.region(c)[0] == where[0]][:n]
            name = f"largest contributors of {where[0]}"
    if iso3 not in group:
        group = [*group[: n - 1], iso3]
    return name, group


def _peer_colours(iso3: str, group: list[str]) -> dict[str, str]:
    if set(group) == set(countries.P5):
        return {c: (CHINA if c == iso3 else P5_COLOURS[c] if P5_COLOURS[c] != CHINA else GREY) for c in group}
    others = iter(c for c in PALETTE if c != "#F0E442")  # yellow is too light for a thin line
    return {c: CHINA if c == iso3 else next(others) for c in group}


def _draw_peers(ax: Any, iso3: str, df: pd.DataFrame, fontsize: float = 9) -> str:
    name, group = peer_group(iso3, df)
    wide = _totals_wide(df).reindex(columns=group, fill_value=0.0)
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
    ax.yaxis.set_major_formatter(_thousands)
    ax.set_ylim(bottom=0)
    _date_axis(ax, every=5)
    return name


def peers(iso3: str = "CHN", data: pd.DataFrame | None = None) -> Figure:
    """A country against its peers (the P5, or its region's largest contributors), month by month.

    >>> fig = peers("NPL")
    >>> "Nepal" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    True
    """
    iso3 = str(iso3).upper()
    df = _personnel(data)
    _country_rows(df, iso3)
    name, _ = peer_group(iso3, df)
    fig, ax = new_figure(
        f"{_capitalised(possessive(iso3))} uniformed personnel against its peers",
        f"People deployed at each month's end; peers: the {name}"
        + ("" if iso3 in countries.P5 else " (the largest by the mean of the last 12 reports)"),
        source_line("contributions", _month_span(pd.DatetimeIndex(df["date"].unique()))),
    )
    _draw_peers(ax, iso3, df)
    return finish(
        fig,
        ax,
        [
            {"loc": "upper right", "fontsize": 9},
            {"loc": "upper left", "fontsize": 9},
            {"loc": "upper center", "ncols": 5, "fontsize": 9},
        ],
    )


def contributor_rank(iso3: str, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """A country's rank among all contributors of uniformed personnel, month by month.

    Columns: rank (1 = largest; ties share the better rank; missing in months with no report or no
    personnel of the country), contributors (how many had personnel that month), total.

    >>> r = contributor_rank("CHN")
    >>> int(r.loc["2018-09-30", "rank"]), int(r.loc["2018-09-30", "contributors"])
    (11, 124)
    """
    iso3 = str(iso3).upper()
    df = _personnel(data)
    _country_rows(df, iso3)
    wide = _totals_wide(df)
    if _RANKS and _RANKS[0][0] is wide:
        ranks = _RANKS[0][1]
    else:
        ranks = wide.where(wide > 0).rank(axis=1, method="min", ascending=False)
        _RANKS[:] = [(wide, ranks)]
    out = pd.DataFrame(
        {
            "rank": ranks[iso3],
            "contributors": (wide > 0).sum(axis=1).where(wide.notna().any(axis=1)),
            "total": wide[iso3],
        }
    )
    out["rank"] = out["rank"].astype("Int64")
    out["contributors"] = out["contributors"].astype("Int64")
    return out


def _draw_rank(ax: Any, iso3: str, df: pd.DataFrame) -> str:
    """Draw the rank line (rank 1 at the top); return the latest rank as text ('#26 of 117, Jul 2025')."""
    r = contributor_rank(iso3, df)
    ax.plot(r.index, r["rank"].astype("float64"), color=CHINA, linewidth=1.6, label=countries.display_name(iso3))
    worst = int(r["rank"].max()) if r["rank"].notna().any() else 1
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if worst / s <= 8)
    ticks = [1, *(t for t in range(step, worst + 1, step) if t - 1 >= step * 0.9)]  # no tick crowding rank 1
    ax.set_yticks(ticks if step > 1 else list(range(1, worst + 1)))
    ax.set_ylim(worst + max(1, worst * 0.05), 0.5)  # inverted: rank 1 at the top
    ax.set_ylabel("Rank among contributors (1 = largest)")
    _date_axis(ax, every=5)
    last = r.dropna(subset=["rank"]).tail(1)
    if not len(last):
        return ""
    return f"#{int(last.iloc[0]['rank'])} of {int(last.iloc[0]['contributors'])}, {last.index[0]:%b %Y}"


def rank_over_time(iso3: str = "CHN", data: pd.DataFrame | None = None) -> Figure:
    """A country's rank among the contributors of uniformed personnel, month by month.

    >>> bool(rank_over_time("IND").axes[0].yaxis_inverted())
    True
    """
    iso3 = str(iso3).upper()
    df = _personnel(data)
    _country_rows(df, iso3)
    r = contributor_rank(iso3, df).dropna(subset=["rank"])
    latest = (
        f"; latest: #{int(r['rank'].iloc[-1])} of {int(r['contributors'].iloc[-1])} in {r.index[-1]:%b %Y}"
        if len(r)
        else ""
    )
    fig, ax = new_figure(
        f"{_capitalised(possessive(iso3))} rank among contributors of uniformed personnel",
        "Rank by people deployed at each month's end (1 = largest); no line in months with no report or no "
        f"personnel{latest}",
        source_line("contributions", _month_span(pd.DatetimeIndex(df["date"].unique()))),
    )
    _draw_rank(ax, iso3, df)
    return finish(fig, ax)


def share_history(iso3: str, data: pd.DataFrame | None = None, assessments: pd.DataFrame | None = None) -> pd.DataFrame:
    """By calendar year: the country's share of the peacekeeping assessments and of uniformed personnel.

    ``funding_share``: share of assessed peacekeeping funding (the best basis the year has, ``basis``);
    ``personnel_share``: the mean over the year's monthly reports of the country's share of all uniformed
    personnel (years with at least one report). Per cent.

    >>> from pkdata.tables.finance import burden
    >>> h, b = share_history("CHN"), burden(2019).set_index("member_iso3").loc["CHN"]
    >>> same = bool(abs(h.loc[2019, "personnel_share"] - b["personnel_share"]) < 1e-9)
    >>> same, round(float(h.loc[2018, "funding_share"]), 3)
    (True, 10.244)
    """
    iso3 = str(iso3).upper()
    df = _personnel(data)
    if assessments is None:
        from pkdata.tables.finance import assessments as _assessments

        assessments = _assessments("peacekeeping")
    wide = _totals_wide(df).dropna(how="all")
    share = wide.div(wide.sum(axis=1), axis=0) * 100
    mine = share[iso3] if iso3 in share.columns else pd.Series(0.0, index=share.index)
    personnel = mine.groupby(mine.index.year).mean()
    a = assessments[assessments["member_iso3"] == iso3].set_index("year")
    years = sorted(set(personnel.index) | set(a.index.astype(int)))
    out = pd.DataFrame(index=pd.Index(years, name="year"))
    out["funding_share"] = a["share_percent"].astype("float64").reindex(years)
    out["basis"] = a["basis"].astype("string").reindex(years)
    out["personnel_share"] = personnel.reindex(years)
    return out


def _draw_shares(ax: Any, iso3: str, df: pd.DataFrame, assessments: pd.DataFrame | None = None) -> pd.DataFrame:
    h = share_history(iso3, df, assessments)
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
    df = _personnel(data)
    _country_rows(df, iso3)
    fig, ax = new_figure(
        f"What {country_name(iso3)} pays and how many it sends",
        "Share of all members' assessed peacekeeping funding (filled: exact, hollow: rounded) and share of all "
        "uniformed personnel (mean of the year's monthly reports), per cent, calendar years",
        "Source: funding: UN (CEB/open.un.org, Committee on Contributions, GA); personnel: "
        + source_line("contributions", _month_span(pd.DatetimeIndex(df["date"].unique()))).removeprefix("Source: "),
    )
    _draw_shares(ax, iso3, df, assessments)
    return finish(fig, ax, [{"loc": "upper left", "fontsize": 9}, {"loc": "upper right", "fontsize": 9}])


#: Fatality causes, in stacking order, with colours and names.
CAUSES = {
    "malicious_act": ("#D55E00", "Malicious act"),
    "accident": ("#0072B2", "Accident"),
    "illness": ("#009E73", "Illness"),
    "other": ("#999999", "Other or undetermined"),
}


def fatalities_by_year(iso3: str, fatalities: pd.DataFrame | None = None) -> pd.DataFrame:
    """A country's uniformed peacekeepers who died in UN service, by year (rows) and cause (columns).

    Uniformed: military, experts on mission and police. ``other`` adds self-inflicted, to be determined
    and unknown. Years from the country's first death to the data's last.

    >>> int(fatalities_by_year("CHN").loc[2016, "malicious_act"])
    3
    """
    f = store.table("fatalities") if fatalities is None else fatalities
    iso3 = str(iso3).upper()
    mine = f[(f["nationality_iso3"] == iso3) & f["personnel_type"].isin(schema.UNIFORMED_FATALITY_TYPES)]
    cause = mine["incident_type"].astype("string")
    cause = cause.where(cause.isin(list(CAUSES)), "other")
    table = mine.groupby([mine["date"].dt.year.rename("year"), cause.rename("cause")]).size().unstack(fill_value=0)
    table = table.reindex(columns=list(CAUSES), fill_value=0)
    if len(table):
        table = table.reindex(range(int(table.index.min()), int(f["date"].dt.year.max()) + 1), fill_value=0)
    table.index.name = "year"
    return table.astype("int64")


def _draw_fatalities(ax: Any, iso3: str, fatalities: pd.DataFrame | None) -> pd.DataFrame:
    t = fatalities_by_year(iso3, fatalities)
    base = pd.Series(0, index=t.index)
    for cause, (colour, name) in CAUSES.items():
        if t[cause].sum():
            ax.bar(t.index, t[cause], bottom=base, color=colour, label=name, width=0.8, linewidth=0)
            base = base + t[cause]
    ax.set_ylabel("Deaths (people)")
    ax.set_xlabel("Calendar year of the incident")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.grid(axis="x", visible=False)
    if t.empty or not t.to_numpy().sum():
        ax.text(0.5, 0.5, "No deaths recorded", transform=ax.transAxes, ha="center", va="center", color="#666666")
    else:
        ax.set_ylim(0, float(base.max()) * 1.35)
    return t


def _fatality_source(f: pd.DataFrame | None) -> str:
    f = store.table("fatalities") if f is None else f
    return source_line("fatalities", f"{f['date'].min():%Y} - {f['date'].max():%b %Y}")


def fatalities_chart(iso3: str = "CHN", fatalities: pd.DataFrame | None = None) -> Figure:
    """A country's uniformed peacekeepers who died in UN service, by year and cause (stacked bars).

    >>> fatalities_chart("NPL").texts[0].get_text()
    "Deaths of Nepal's uniformed peacekeepers, by year and cause"
    """
    iso3 = str(iso3).upper()
    fig, ax = new_figure(
        f"Deaths of {possessive(iso3)} uniformed peacekeepers, by year and cause",
        "Military, military experts on mission and police who died in UN service; people, by the year of the incident",
        _fatality_source(fatalities),
    )
    _draw_fatalities(ax, iso3, fatalities)
    return finish(
        fig, ax, [{"loc": "upper left", "ncols": 4, "fontsize": 9}, {"loc": "upper right", "ncols": 4, "fontsize": 9}]
    )


# --------------------------------------------------------------------------- women in peacekeeping

#: women_share for one country: months in which a category has fewer people are not drawn.
MIN_PEOPLE = 20
_CATEGORY_COLOURS = {
    "troops": "#0072B2",
    "staff_officers_and_experts": "#E69F00",
    "individual_police": "#009E73",
    "formed_police_units": "#CC79A7",
    "all": "#000000",
}


def women_share(iso3: str | None = None, data_dir: str | None = None) -> Figure:
    """Share of women by personnel category, month by month from Nov 2009, against the UN's targets.

    ``iso3=None``: all contributors. Targets (diamonds at their year) come from ``gender_targets``, each
    with its document named in the source line. Months flagged bad for the gender split
    (:func:`pkdata.tables.gender.excluded_months`) and months with no split are gaps.

    >>> fig = women_share()
    >>> "Uniformed Gender Parity Strategy" in fig.texts[2].get_text()
    True
    """
    from pkdata.tables import gender

    # one country: a category of fewer than MIN_PEOPLE people is not drawn (one person moves it too much)
    share = gender.women_share(iso3, min_people=0 if iso3 is None else MIN_PEOPLE, data_dir=data_dir)
    targets = gender.targets(data_dir)
    who = "all contributors" if iso3 is None else country_name(str(iso3).upper())
    docs = sorted({f"{r.document_title} ({r.document_year})" for r in targets.itertuples()})
    excluded = share.attrs.get("excluded", [])
    gaps = sorted(set(excluded) | set(share.attrs.get("no_split", [])))
    shown = share.dropna(how="all")
    fig, ax = new_figure(
        f"Share of women in UN peacekeeping, by personnel category: {who}",
        "Per cent of each category's people who are women, at each month's end; diamonds: the UN's targets for "
        "that year"
        + (f"; gaps: months with no usable gender split ({', '.join(gaps)})" if gaps else "")
        + ("" if iso3 is None else f"; months with fewer than {MIN_PEOPLE} people in a category not drawn"),
        source_line(
            "contributions",
            _month_span(shown.index) if len(shown) else "no data",
            set(share.attrs.get("sources", [])) or None,
        ).removesuffix(" Chart: pkdata.")
        + " Targets: "
        + "; ".join(docs)
        + " (data/raw/curated/gender_targets.csv). Chart: pkdata.",
        size=(10, 6),
    )
    for cat in [*gender.CATEGORIES, "all"]:
        if cat not in share.columns or share[cat].isna().all():
            continue
        ax.plot(
            share.index,
            share[cat],
            color=_CATEGORY_COLOURS[cat],
            linewidth=2.0 if cat == "all" else 1.3,
            linestyle="--" if cat == "all" else "-",
            label=gender.CATEGORY_NAMES[cat],
        )
    right = share.index.max()
    for r in targets.itertuples():
        when = pd.Timestamp(f"{r.year}-12-31")
        ax.plot(
            [when],
            [r.target_percent],
            marker="D",
            markersize=6,
            color=_CATEGORY_COLOURS[r.category],
            markeredgecolor="white",
            linestyle="none",
            zorder=4,
        )
        ax.annotate(
            f"{r.target_percent:g}%",
            (when, r.target_percent),
            xytext=(6, 0),
            textcoords="offset points",
            fontsize=7.5,
            va="center",
            color=_CATEGORY_COLOURS[r.category],
        )
        right = max(right, when)
    ax.plot([], [], marker="D", color="#666666", linestyle="none", label="UN target (year's end)")
    ax.set_xlim(share.index.min() - pd.Timedelta(days=60), right + pd.Timedelta(days=400))
    ax.set_ylim(0, max(float(share.max().max()), float(targets["target_percent"].max())) * 1.3)
    ax.set_ylabel("Women (% of the category's personnel)")
    _date_axis(ax, every=2)
    return finish(
        fig,
        ax,
        [{"loc": "upper left", "ncols": 3, "fontsize": 8.5}, {"loc": "upper center", "ncols": 3, "fontsize": 8.5}],
    )


# --------------------------------------------------------------------------- danger


def mission_danger(as_of: str = "2018-09") -> Figure:
    """Deaths from malicious acts per 1,000 personnel-years in every active operation (the claim
    ``active_combat_zones``), with the pooled rate of all of them.

    >>> fig = mission_danger("2018-09")
    >>> fig.axes[0].get_yticklabels()[-1].get_text().startswith("MINUSMA")
    True
    """
    from pkdata.analysis.claims import COMBAT_ZONES, combat_rates

    r = combat_rates(as_of)
    a = r.attrs
    rows = r.iloc[::-1]
    fig, ax = new_figure(
        f"How dangerous are the active UN peacekeeping operations? ({a['as_of']})",
        f"Uniformed peacekeepers killed by malicious acts per 1,000 personnel-years, {a['window']}; vermillion: the "
        "missions the report calls active combat zones; dashed: all these operations together",
        _fatality_source(None).removesuffix(" Chart: pkdata.")
        + f" Personnel-years: UN DPO monthly contribution reports ({len(a['months'])} reports with mission detail). "
        "Rates: pkdata.analysis.claims.combat_rates. Chart: pkdata.",
        size=(10, 0.32 * len(r) + 2.6),
    )
    labels = [f"{m} ({h})" if h else m for m, h in zip(rows["mission"], rows["host"], strict=True)]
    colours = [CHINA if m in COMBAT_ZONES else "#0072B2" for m in rows["mission"]]
    bars = ax.barh(labels, rows["rate"], color=colours)
    top = float(r["rate"].max()) or 1.0
    for bar, row in zip(bars, rows.itertuples(), strict=True):
        ax.text(
            bar.get_width() + top * 0.01,
            bar.get_y() + bar.get_height() / 2,
            f"{row.rate:.2f}  (#{row.rank}: {row.deaths} deaths, {row.personnel_years:,.0f} personnel-years)",
            va="center",
            fontsize=7.5,
            zorder=4,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.9},
        )
    ax.axvline(a["pooled"], color="#333333", linestyle="--", linewidth=0.9, zorder=1)
    ax.text(a["pooled"], 1.0, f" all: {a['pooled']:.2f}", transform=ax.get_xaxis_transform(), fontsize=8, va="bottom")
    ax.set_xlim(0, top * 1.75)
    ax.set_xlabel("Killed by malicious acts per 1,000 personnel-years")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize=8.5)
    return finish(fig, ax)


# --------------------------------------------------------------------------- map


def _map_month(df: pd.DataFrame, iso3: str, month: str | None) -> pd.Timestamp:
    """The month drawn: the latest with mission detail on or before ``month`` (default: the data's last)."""
    from pkdata.core.errors import PkdataError

    detail = pd.DatetimeIndex(sorted(df.loc[df["mission"].notna(), "date"].unique()))
    when = detail.max() if month is None else pd.Timestamp(month) + pd.offsets.MonthEnd(0)
    upto = detail[detail <= when]
    if len(upto) == 0:
        raise PkdataError(f"no report with mission detail on or before {when:%Y-%m}; the first is {detail.min():%Y-%m}")
    return upto[-1]


def _label_bubbles(
    ax: Any, labels: list[tuple[float, float, str, str]], bubbles: list[tuple[float, float, float]], fontsize: float = 8
) -> None:
    """Label each bubble beside it, clear of every other bubble and label, with a leader line when moved out.

    ``bubbles``: (x, y, radius in points). Candidate spots: 8 directions at growing distances from the
    bubble's edge; the first that overlaps nothing is taken (else the last tried).
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    centres = [(*ax.transData.transform((x, y)), r * scale) for x, y, r in bubbles]
    taken: list[tuple[float, float, float, float]] = []
    frame = ax.get_window_extent(renderer)

    def clear(box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        if x0 < frame.x0 or x1 > frame.x1 or y0 < frame.y0 or y1 > frame.y1:
            return False
        if any(x0 < t[2] and t[0] < x1 and y0 < t[3] and t[1] < y1 for t in taken):
            return False
        for cx, cy, r in centres:  # distance from the circle's centre to the box
            dx, dy = max(x0 - cx, 0, cx - x1), max(y0 - cy, 0, cy - y1)
            if dx * dx + dy * dy < (r + 1) ** 2:
                return False
        return True

    order = sorted(range(len(labels)), key=lambda i: -bubbles[i][2])  # biggest first
    directions = [(1, 0), (-1, 0), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7), (0, 1), (0, -1)]
    for i in order:
        x, y, text, colour = labels[i]
        r = bubbles[i][2]
        label = None
        for gap in (3, 12, 24, 40, 60):
            for dx, dy in directions:
                if label is not None:
                    label.remove()
                ox, oy = dx * (r + gap), dy * (r + gap)
                label = ax.annotate(
                    text,
                    (x, y),
                    xytext=(ox, oy),
                    textcoords="offset points",
                    fontsize=fontsize,
                    color=colour,
                    ha="left" if dx > 0 else "right" if dx < 0 else "center",
                    va="bottom" if dy > 0 else "top" if dy < 0 else "center",
                    zorder=5,
                    arrowprops={"arrowstyle": "-", "color": "#999999", "linewidth": 0.5, "shrinkA": 0, "shrinkB": r}
                    if gap > 3
                    else None,
                )
                label.update_positions(renderer)
                bb = matplotlib.text.Text.get_window_extent(label, renderer)  # the text, not its leader line
                box = (bb.x0, bb.y0, bb.x1, bb.y1)
                if clear(box):
                    break
            else:
                continue
            break
        taken.append(box)


def deployment_map(iso3: str = "CHN", month: str | None = None, data: pd.DataFrame | None = None) -> Figure:
    """Where a country's uniformed personnel serve in one month: a bubble per mission at its headquarters.

    ``month``: the latest report with mission detail on or before it is drawn (default: the latest). Bubble
    area is proportional to the people deployed; missions without headquarters coordinates in the mission
    table are listed under the map. World outline: Natural Earth 1:110m (public domain), shipped with pkdata.

    >>> fig = deployment_map("CHN", "2018-02")
    >>> "February 2018" in fig.texts[0].get_text()
    True
    """
    from pkdata.outputs import maps

    iso3 = str(iso3).upper()
    df = _personnel(data)
    rows = _country_rows(df, iso3)
    when = _map_month(df, iso3, month)
    here = rows[(rows["date"] == when) & rows["mission"].notna()]
    per = here.groupby(here["mission"].astype("string"))["total"].sum().astype("int64")
    per = per[per > 0].sort_values(ascending=False, kind="mergesort")
    m = store.table("missions").set_index("acronym")
    fig, ax = new_figure(
        f"Where {possessive(iso3)} uniformed personnel serve, {when:%B %Y}",
        f"People deployed at the month's end by mission, at the mission's headquarters; total {int(per.sum()):,} in "
        f"{len(per)} missions; bubble area in proportion to people"
        + (f" (largest: {per.index[0]}, {int(per.iloc[0]):,})" if len(per) else ""),
        source_line("contributions", f"{when:%b %Y}", set(here["source"].astype(str))).removesuffix(" Chart: pkdata.")
        + " Headquarters: UN Peace and Security Data Hub mission list. Outline: Natural Earth 1:110m (public "
        "domain). Chart: pkdata.",
        size=(10, 5.0),
    )
    # the countries as one collection: one artist to draw, not one patch (and one limits update) per ring
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
    placed, unplaced, bubbles = [], [], []
    biggest = float(per.max()) if len(per) else 1.0
    for mission, n in per.items():
        lon = m["hq_lon"].get(mission) if mission in m.index else None
        lat = m["hq_lat"].get(mission) if mission in m.index else None
        if lon is None or lat is None or pd.isna(lon) or pd.isna(lat):
            unplaced.append(f"{mission} {n:,}")
            continue
        x, y = maps.project(lon, lat)
        size = 900 * n / biggest + 12
        # small bubbles on top of large ones (UNDOF, UNTSO and UNIFIL nearly share a place)
        ax.scatter(
            [x], [y], s=size, color=CHINA, alpha=0.55, edgecolor=CHINA, linewidth=0.8, zorder=3 + 1 - n / biggest
        )
        placed.append((x, y, f"{mission} {n:,}", "#222222"))
        bubbles.append((x, y, math.sqrt(size) / 2))  # radius in points
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
    _label_bubbles(ax, placed, bubbles)
    return fig
