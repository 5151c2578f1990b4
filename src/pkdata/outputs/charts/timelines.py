"""A claim of the report over time: its value at each date, coloured by the verdict the data gives then.

>>> fig = claims_timeline("second_largest_funder")
>>> fig.axes[0].get_ylabel()
"China's share of funding (%)"
"""

from __future__ import annotations

import re
from typing import Any

import matplotlib.ticker
import pandas as pd
from matplotlib.figure import Figure

from pkdata.analysis import claims
from pkdata.outputs.charts.credits import source_line
from pkdata.outputs.charts.style import CHINA, REPORT_DATE, capitalised, finish, new_figure, thousands

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


def _texts(claim_id: str, t: pd.DataFrame, blank: pd.Series, bounded: pd.Series) -> tuple[str, str, str]:
    """Title, subtitle and source line of a claim's timeline."""
    runs = t.attrs.get("runs", [])
    supported = [r for r in runs if r["verdict"] == "supported"]
    since = f"; supported since {supported[-1]['first']}" if supported and runs[-1]["verdict"] == "supported" else ""
    period = f"{t['period'].iloc[0]} - {t['period'].iloc[-1]}" if len(t) else ""
    if len(t):
        fmt = "%Y" if t.attrs.get("frequency") == "year" else "%b %Y"
        period = f"{t['date'].iloc[0]:{fmt}} - {t['date'].iloc[-1]:{fmt}}"
    subtitle = (
        f"{capitalised(t.attrs.get('metric', claim_id))}; colour: the verdict the data gave at each date{since}"
        + ("; shaded: too little data for a verdict" if blank.any() else "")
        + ("; triangles on the axis: a verdict whose value is known only within bounds" if bounded.any() else "")
    )
    source = (
        source_line(_UNIT_TABLES.get(t.attrs.get("unit", ""), "contributions"), period).removesuffix(" Chart: pkdata.")
        + f" Claim: {claims.REPORT_SHORT}. Verdicts: pkdata.analysis.claims.timeline('{claim_id}'). Chart: pkdata."
    )
    return f"Claim: {t.attrs.get('statement', claim_id)}", subtitle, source


def claims_timeline(claim_id: str = "second_largest_funder", timeline: pd.DataFrame | None = None) -> Figure:
    """A claim's value over time, each point coloured by the verdict the data gives then.

    >>> fig = claims_timeline("second_largest_funder")
    >>> "second" in fig.texts[0].get_text().lower()
    True
    """
    t = claims.timeline(claim_id) if timeline is None else timeline
    unit = t.attrs.get("unit", "")
    yearly = t.attrs.get("frequency") == "year"
    blank = (t["verdict"] == "insufficient_data") & t["value"].isna()
    bounded = (t["verdict"] != "insufficient_data") & t["value"].isna()  # a verdict, the value only within bounds
    fig, ax = new_figure(*_texts(claim_id, t, blank, bounded))
    x = t["date"].dt.year if yearly else t["date"]
    _draw_verdicts(ax, t, x, blank, bounded, yearly)
    _draw_band(ax, t)
    if t["date"].min() <= REPORT_DATE <= t["date"].max():
        report_x = REPORT_DATE.year + 8.5 / 12 if yearly else REPORT_DATE
        ax.axvline(report_x, color="#333333", linewidth=0.9, linestyle="--")
        # y in axes fraction: at the top whichever way the axis runs (ranks run downwards)
        ax.text(
            report_x,
            0.99,
            f" report ({claims.REPORT_AUTHOR.split()[-1]}), {REPORT_DATE:%b %Y}",
            fontsize=8.5,
            va="top",
            transform=ax.get_xaxis_transform(),
        )
    ax.set_ylabel(_CLAIM_LABELS.get(claim_id) or _UNIT_LABELS.get(unit, unit or "value"))
    _value_axis(ax, unit)
    ax.set_xlabel("Calendar year" if yearly else "Month")
    if yearly:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlim(float(x.min()) - 0.6, float(x.max()) + 0.6)  # every year checked, valued or not
    # "best" counts the points, the report line and the shaded bands: the legend goes where none are.
    return finish(fig, ax, [{"loc": "best", "fontsize": 9}])


def _draw_verdicts(ax: Any, t: pd.DataFrame, x: pd.Series, blank: pd.Series, bounded: pd.Series, yearly: bool) -> None:
    """The value line, a point per verdict, shaded bands where there is no value, triangles for bounded values."""
    ax.plot(x, t["value"], color="#BBBBBB", linewidth=1, zorder=1)
    # Periods with no value at all: a light band, so that the legend entry has something to point at.
    half = 0.5 if yearly else pd.Timedelta(days=15)
    for i, (_, run) in enumerate(t[blank].groupby((~blank).cumsum()[blank])):
        label = "insufficient data, no value" if i == 0 else "_nolegend_"
        ax.axvspan(x[run.index[0]] - half, x[run.index[-1]] + half, color="#DDDDDD", linewidth=0, zorder=0, label=label)
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


#: A comparison "2,500 ± 10% (2,250..2,750)": a value tested against a band.
_BAND = re.compile(r"[\d,.]+ ± [\d.]+% \(([\d,.]+)\.\.([\d,.]+)\)")


def _draw_band(ax: Any, t: pd.DataFrame) -> None:
    """The band a claim's value is tested against, when its comparison names one."""
    found = {m.groups() for c in t["comparison"].dropna().astype(str) if (m := _BAND.fullmatch(c))}
    if len(found) == 1:
        low, high = (float(v.replace(",", "")) for v in found.pop())
        ax.axhspan(
            low, high, color="#009E73", alpha=0.12, linewidth=0, zorder=0, label=f"tested band {low:,.0f}-{high:,.0f}"
        )


def _value_axis(ax: Any, unit: str) -> None:
    """Headroom at the top for the report label, above the highest point (for ranks: the smallest number)."""
    lo, hi = ax.get_ylim()
    pad = (hi - lo) * 0.08
    if unit == "rank":
        ax.set_ylim(hi, max(0.0, lo - pad))  # inverted: rank 1 at the top
    else:
        ax.set_ylim(lo, hi + pad)
    if unit in ("rank", "missions", "deaths"):  # counts: whole-number ticks
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    if unit == "personnel":
        ax.yaxis.set_major_formatter(thousands)
