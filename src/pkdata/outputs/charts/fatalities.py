"""Who died: a country's uniformed peacekeepers who died in UN service by year and cause, and how dangerous
each active operation is (deaths from malicious acts per 1,000 personnel-years).

>>> fatalities_chart("NPL").texts[0].get_text()
"Deaths of Nepal's uniformed peacekeepers, by year and cause"
"""

from __future__ import annotations

from typing import Any

import matplotlib.ticker
import pandas as pd
from matplotlib.figure import Figure

from pkdata.analysis import claims
from pkdata.outputs.charts.credits import credit, source_line
from pkdata.outputs.charts.style import CHINA, finish, new_figure, possessive
from pkdata.tables import casualties

#: Fatality causes, in stacking order, with colours and names.
CAUSES = dict(
    zip(
        casualties.CAUSES,
        [
            ("#D55E00", "Malicious act"),
            ("#0072B2", "Accident"),
            ("#009E73", "Illness"),
            ("#999999", "Other or undetermined"),
        ],
        strict=True,
    )
)


def draw_fatalities(ax: Any, iso3: str, fatalities: pd.DataFrame | None) -> pd.DataFrame:
    """Deaths by year, stacked by cause; a note where there are none. Returns the counts drawn."""
    t = casualties.by_year(iso3, fatalities)
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


def fatality_source(fatalities: pd.DataFrame | None = None) -> str:
    """The source line of a fatalities chart: the table's publishers, its first year and last month.

    >>> fatality_source()
    'Source: UN Peace and Security Data Hub; curated public documents (1948 - Feb 2025). Chart: pkdata.'
    """
    f = casualties.fatalities_or(fatalities)
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
        fatality_source(fatalities),
    )
    draw_fatalities(ax, iso3, fatalities)
    return finish(
        fig, ax, [{"loc": "upper left", "ncols": 4, "fontsize": 9}, {"loc": "upper right", "ncols": 4, "fontsize": 9}]
    )


def mission_danger(as_of: str = "2018-09") -> Figure:
    """Deaths from malicious acts per 1,000 personnel-years in every active operation (the claim
    ``active_combat_zones``), with the pooled rate of all of them.

    >>> fig = mission_danger("2018-09")
    >>> fig.axes[0].get_yticklabels()[-1].get_text().startswith("MINUSMA")
    True
    """
    r = claims.combat_rates(as_of)
    a = r.attrs
    rows = r.iloc[::-1]
    fig, ax = new_figure(
        f"How dangerous are the active UN peacekeeping operations? ({a['as_of']})",
        f"Uniformed peacekeepers killed by malicious acts per 1,000 personnel-years, {a['window']}; vermillion: the "
        "missions the report calls active combat zones; dark grey: all these operations together",
        fatality_source().removesuffix(" Chart: pkdata.")
        + f" Personnel-years: {credit('un_dpo_monthly_pdfs')} ({len(a['months'])} reports with mission detail). "
        "Rates: pkdata.analysis.claims.combat_rates. Chart: pkdata.",
        size=(10, 0.32 * (len(r) + 1) + 2.6),
    )
    # all these operations together: a bar of its own (a line across the bars would run through their labels)
    labels = [
        "All these operations",
        *(f"{m} ({h})" if h else m for m, h in zip(rows["mission"], rows["host"], strict=True)),
    ]
    colours = ["#555555", *(CHINA if m in claims.COMBAT_ZONES else "#0072B2" for m in rows["mission"])]
    bars = ax.barh(labels, [a["pooled"], *rows["rate"]], color=colours)
    top = max(float(r["rate"].max()), float(a["pooled"])) or 1.0
    texts = [f"{a['pooled']:.2f}  (pooled: all deaths / all personnel-years)"] + [
        f"{row.rate:.2f}  (#{row.rank}: {row.deaths} deaths, {row.personnel_years:,.0f} personnel-years)"
        for row in rows.itertuples()
    ]
    for bar, text in zip(bars, texts, strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2, text, va="center", fontsize=7.5)
    ax.get_yticklabels()[0].set_fontweight("bold")
    ax.set_xlim(0, top * 1.75)
    ax.set_xlabel("Killed by malicious acts per 1,000 personnel-years")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", labelsize=8.5)
    return finish(fig, ax)
