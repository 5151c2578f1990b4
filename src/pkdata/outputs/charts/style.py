"""The shared style of every chart: colours, the figure frame (title, subtitle, source line), fitting the
axes inside it, placing the legend clear of the data, and how countries are named in titles.

>>> fig, ax = new_figure("Title", "Subtitle", "Source: x")
>>> [t.get_text() for t in fig.texts]
['Title', 'Subtitle', 'Source: x']
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Sequence
from typing import Any

# No backend is forced here: in Jupyter the inline backend shows the figures, on a machine
# without a display matplotlib falls back to Agg, and `pkdata figures` selects Agg itself.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from pkdata.core import countries, schema

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
#: One colour per mission in every chart (Okabe-Ito and Paul Tol's muted colours; vermillion is China's, grey
#: is "Other missions"). The missions a contributor's chart names today have their own colour; any other
#: mission gets one from :data:`MISSION_PALETTE` by a hash of its acronym (stable between runs and charts).
MISSION_COLOURS = {
    "UNMISS": "#0072B2",
    "UNIFIL": "#E69F00",
    "MONUSCO": "#009E73",
    "MINUSMA": "#CC79A7",
    "UNMIL": "#56B4E9",
    "UNAMID": "#882255",
    "UNMIS": "#DDCC77",
    "UNISFA": "#332288",
    "MINUSTAH": "#44AA99",
    "MINUSCA": "#AA4499",
    "UNOCI": "#999933",
    "MINURSO": "#117733",
    "UNFICYP": "#88CCEE",
    "UNSOS": "#CC6677",
    "UNSOM": "#F0E442",
    "UNDOF": "#000000",
}
MISSION_PALETTE = sorted(set(MISSION_COLOURS.values()))
P5_COLOURS = {"CHN": CHINA, "FRA": "#0072B2", "GBR": "#009E73", "RUS": "#CC79A7", "USA": "#E69F00"}
#: Legend placements of the charts with a few country lines (the P5, a country's peers), best first.
LINE_LEGENDS: tuple[dict[str, Any], ...] = (
    {"loc": "upper right", "fontsize": 9},
    {"loc": "upper left", "fontsize": 9},
    {"loc": "upper center", "ncols": 5, "fontsize": 9},
)

#: The date of the report whose claims pkdata checks (marked on China's charts and the claims' timelines).
REPORT_DATE = pd.Timestamp("2018-09-30")

STYLE = {
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

#: Tick labels with thousands separators.
thousands = FuncFormatter(lambda v, _: f"{v:,.0f}")


def wrap(text: str, width_in: float, fontsize: float) -> str:
    """Wrap text to a width in inches (about 0.55 em per character).

    >>> wrap("word " * 30, 2.0, 10).count("\\n")
    5
    """
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
    title, subtitle, source = wrap(title, w - 0.3, 14), wrap(subtitle, w - 0.3, 10), wrap(source, w - 0.3, 7.5)
    with plt.rc_context(STYLE):
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
    ax.grid(True, color=STYLE["grid.color"], linewidth=STYLE["grid.linewidth"])
    ax.set_axisbelow(True)
    return fig, ax


def finish(fig: Figure, ax: Any, legends: Sequence[dict[str, Any]] = ()) -> Figure:
    """Fit the axes so that tick labels and axis labels stay inside the figure; return the figure.

    ``legends``: legend placements (``ax.legend`` keyword arguments), best first. The first one that
    covers no data and no note is used; if none is clear, the last one is used and the y axis is
    extended upwards until it is (see :func:`legend_overlaps`).

    >>> fig, ax = new_figure("T", "S", "Source: x")
    >>> _ = ax.set_ylabel("A long label (people)")
    >>> finish(fig, ax).texts[2].get_text()
    'Source: x'
    >>> _ = ax.plot(range(20), [9] * 19 + [0], label="high, then low")
    >>> fig = finish(fig, ax, [{"loc": "upper left"}, {"loc": "lower left"}])
    >>> legend_overlaps(ax), len(ax.get_legend().get_texts())
    (0, 1)
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


def _points(ax: Any) -> np.ndarray:
    """Display coordinates of every line vertex, scatter point and area outline point of ``ax``."""
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
    return np.concatenate(pts) if pts else np.empty((0, 2))


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
    legend = ax.get_legend()
    if legend is None:
        return 0
    ax.get_xlim(), ax.get_ylim()  # apply pending autoscaling, so that the data transform is current
    renderer = ax.figure.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    xy = _points(ax)
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


def mission_colours(missions: Sequence[str]) -> dict[str, str]:
    """Each mission's colour (:data:`MISSION_COLOURS`, else a stable pick from :data:`MISSION_PALETTE`); a picked
    colour already taken in ``missions`` moves to the next free one, so one chart never shows a colour twice.

    >>> mission_colours(["UNISFA", "UNMISS"]) == {"UNISFA": "#332288", "UNMISS": "#0072B2"}
    True
    >>> len(set(mission_colours(["UNMISS", "UNTSO", "UNMIK", "MONUC"]).values()))
    4
    """
    out = {m: MISSION_COLOURS[m] for m in missions if m in MISSION_COLOURS}
    for m in missions:
        if m in out:
            continue
        start = int(hashlib.sha256(m.encode()).hexdigest(), 16) % len(MISSION_PALETTE)
        free = [MISSION_PALETTE[(start + k) % len(MISSION_PALETTE)] for k in range(len(MISSION_PALETTE))]
        out[m] = next((c for c in free if c not in out.values()), free[0])
    return out


def country_name(iso3: str) -> str:
    """A country's display name as it reads in a sentence: "China", "the United States".

    >>> country_name("USA"), country_name("NPL")
    ('the United States', 'Nepal')
    """
    name = countries.display_name(iso3)
    return f"the {name}" if name.startswith(("United ", "Netherlands", "Philippines")) else name


def possessive(iso3: str) -> str:
    """A country's display name as a possessive: "China's", "the United States'".

    >>> possessive("CHN"), possessive("USA")
    ("China's", "the United States'")
    """
    name = country_name(iso3)
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def capitalised(text: str) -> str:
    """``text`` with its first letter upper case (a title that starts with a country's name).

    >>> capitalised(possessive("USA"))
    "The United States'"
    """
    return text[:1].upper() + text[1:]
