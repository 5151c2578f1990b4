"""Women in UN peacekeeping: the share of women by personnel category, month by month, against the UN's
targets.

>>> women_share("NPL").texts[0].get_text()
'Share of women in UN peacekeeping, by personnel category: Nepal'
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pkdata.outputs.charts.axes import date_axis, month_span
from pkdata.outputs.charts.credits import source_line
from pkdata.outputs.charts.style import country_name, finish, new_figure
from pkdata.tables import gender

#: women_share for one country: months in which a category has fewer people are not drawn.
MIN_PEOPLE = 20
#: ... nor a run of fewer than this many drawn months between undrawn ones (a segment with no context; months
#: without a report or a usable split do not break a run).
MIN_RUN = 12
_CATEGORY_COLOURS = {
    "troops": "#0072B2",
    "staff_officers_and_experts": "#E69F00",
    "individual_police": "#009E73",
    "formed_police_units": "#CC79A7",
    "all": "#000000",
}


def _texts(iso3: str | None, share: pd.DataFrame, targets: pd.DataFrame) -> tuple[str, str, str]:
    """Title, subtitle (with the gaps) and source line (with the targets' documents)."""
    who = "all contributors" if iso3 is None else country_name(str(iso3).upper())
    docs = sorted({f"{r.document_title} ({r.document_year})" for r in targets.itertuples()})
    gaps = sorted(set(share.attrs.get("excluded", [])) | set(share.attrs.get("no_split", [])))
    shown = share.dropna(how="all")
    subtitle = (
        "Per cent of each category's people who are women, at each month's end; diamonds: the UN's targets for "
        "that year"
        + (f"; gaps: months with no usable gender split ({', '.join(gaps)})" if gaps else "")
        + (
            ""
            if iso3 is None
            else f"; months with fewer than {MIN_PEOPLE} people in a category, and runs of such months shorter than "
            f"{MIN_RUN} months, not drawn"
        )
    )
    source = (
        source_line(
            "contributions",
            month_span(shown.index) if len(shown) else "no data",
            set(share.attrs.get("sources", [])) or None,
        ).removesuffix(" Chart: pkdata.")
        + " Targets: "
        + "; ".join(docs)
        + " (data/raw/curated/gender_targets.csv). Chart: pkdata."
    )
    return f"Share of women in UN peacekeeping, by personnel category: {who}", subtitle, source


def women_share(iso3: str | None = None, data_dir: str | None = None) -> Figure:
    """Share of women by personnel category, month by month from Nov 2009, against the UN's targets.

    ``iso3=None``: all contributors. Targets (diamonds at their year) come from ``gender_targets``, each
    with its document named in the source line. Months flagged bad for the gender split
    (:func:`pkdata.tables.gender.excluded_months`) and months with no split are gaps.

    >>> fig = women_share()
    >>> "Uniformed Gender Parity Strategy" in fig.texts[2].get_text()
    True
    """
    # one country: a category of fewer than MIN_PEOPLE people is not drawn (one person moves it too much)
    share = gender.women_share(iso3, min_people=0 if iso3 is None else MIN_PEOPLE, data_dir=data_dir)
    if iso3 is not None:
        share = _without_short_runs(share)
    targets = gender.targets(data_dir)
    fig, ax = new_figure(*_texts(iso3, share, targets), size=(10, 6))
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
    right = _draw_targets(ax, targets, share.index.max())
    handles, _ = ax.get_legend_handles_labels()
    diamond = Line2D([], [], marker="D", color="#666666", linestyle="none", label="UN target (year's end)")
    # a category with a target but no line drawn: its colour still needs a name
    undrawn = [
        Line2D(
            [],
            [],
            marker="D",
            color=_CATEGORY_COLOURS[c],
            linestyle="none",
            label=f"{gender.CATEGORY_NAMES[c]} (target only)",
        )
        for c in dict.fromkeys(targets["category"])
        if c not in share.columns or share[c].isna().all()
    ]
    ax.set_xlim(share.index.min() - pd.Timedelta(days=60), right + pd.Timedelta(days=400))
    top = max(float(share.max().max()), float(targets["target_percent"].max())) * 1.3
    ax.set_ylim(-top * 0.03, top)  # a 0% line drawn above the x axis, not along it
    ax.set_ylabel("Women (% of the category's personnel)")
    date_axis(ax, every=2)
    return finish(
        fig,
        ax,
        [
            {"handles": [*handles, *undrawn, diamond], "loc": loc, "ncols": 3, "fontsize": 8.5}
            for loc in ("upper left", "upper center")
        ],
    )


def _without_short_runs(share: pd.DataFrame) -> pd.DataFrame:
    """``share`` without the runs of drawn months shorter than :data:`MIN_RUN` (per category).

    >>> idx = pd.date_range("2020-01-31", periods=20, freq="ME")
    >>> s = pd.DataFrame({"troops": [1.0] * 14 + [None] * 2 + [5.0] * 4, "all": 2.0}, index=idx)
    >>> int(_without_short_runs(s)["troops"].notna().sum()), int(_without_short_runs(s)["all"].notna().sum())
    (14, 20)
    """
    gaps = set(share.attrs.get("excluded", [])) | set(share.attrs.get("no_split", []))
    # a month with no report, or no usable split, is no month for any category: it does not end a run
    anywhere = pd.Series([f"{d:%Y-%m}" in gaps for d in share.index], index=share.index) | share.isna().all(axis=1)
    out = share.copy()
    for cat in out.columns:
        drawn = out[cat].notna()
        bridged = drawn | anywhere
        run = (~bridged).cumsum()
        size = drawn.groupby(run).transform("sum")
        out.loc[drawn & (size < MIN_RUN), cat] = float("nan")
    return out


def _draw_targets(ax: Any, targets: pd.DataFrame, right: pd.Timestamp) -> pd.Timestamp:
    """A diamond and its value at each target's year end; return the latest of ``right`` and those dates."""
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
            # a target of a year inside the data sits among the lines: a white ground keeps its figure readable
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            zorder=5,
        )
        right = max(right, when)
    return right
