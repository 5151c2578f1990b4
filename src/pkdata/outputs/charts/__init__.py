"""Charts: one function per chart, each returning a matplotlib Figure drawn from the embedded data.

Every chart shares one style (:mod:`.style`): a title and a subtitle saying what is measured and in
which unit, axis labels with units, a source line naming the publishers and the data's months or years
(:mod:`.credits`, from the manifest and the source registry), China in vermillion and everyone else in
the Okabe-Ito palette, which colour-blind readers can tell apart.

Each function takes its data as optional arguments (defaulting to the embedded tables), so it can be
drawn from a small or doctored dataset too. Charts draw; what they draw comes from :mod:`pkdata.tables`.

Modules by topic: :mod:`.personnel` (by type, by mission, the P5, the largest contributors),
:mod:`.standing` (peers and rank), :mod:`.funding` (who pays), :mod:`.fatalities` (who died, how dangerous
each operation is), :mod:`.gender` (women), :mod:`.timelines` (a claim over time) and
:mod:`.deployment` (the map).

>>> from pkdata import charts
>>> fig = charts.top_contributors("2018-09", n=10)
>>> fig.axes[0].get_xlabel()
'Uniformed personnel (people)'
"""

from __future__ import annotations

from pkdata.outputs.charts.credits import source_line
from pkdata.outputs.charts.deployment import deployment_map
from pkdata.outputs.charts.fatalities import CAUSES, fatalities_chart, mission_danger
from pkdata.outputs.charts.funding import FUNDERS, LOOSE_BOUNDS, funding_shares, pays_and_serves, pays_vs_serves
from pkdata.outputs.charts.gender import MIN_PEOPLE, women_share
from pkdata.outputs.charts.labels import place_labels
from pkdata.outputs.charts.personnel import (
    by_mission,
    by_type,
    china_by_mission,
    china_by_type,
    global_by_type,
    p5_over_time,
    top_contributors,
)
from pkdata.outputs.charts.standing import peers, rank_over_time
from pkdata.outputs.charts.style import (
    CHINA,
    GREY,
    P5_COLOURS,
    PALETTE,
    REPORT_DATE,
    TYPE_COLOURS,
    TYPE_NAMES,
    country_name,
    finish,
    legend_overlaps,
    new_figure,
    possessive,
)
from pkdata.outputs.charts.timelines import claims_timeline
from pkdata.tables.casualties import by_year as fatalities_by_year
from pkdata.tables.ranks import contributor_rank, peer_group, share_history

__all__ = [
    "CAUSES",
    "CHINA",
    "FUNDERS",
    "GREY",
    "LOOSE_BOUNDS",
    "MIN_PEOPLE",
    "P5_COLOURS",
    "PALETTE",
    "REPORT_DATE",
    "TYPE_COLOURS",
    "TYPE_NAMES",
    "by_mission",
    "by_type",
    "china_by_mission",
    "china_by_type",
    "claims_timeline",
    "contributor_rank",
    "country_name",
    "deployment_map",
    "fatalities_by_year",
    "fatalities_chart",
    "finish",
    "funding_shares",
    "global_by_type",
    "legend_overlaps",
    "mission_danger",
    "new_figure",
    "p5_over_time",
    "pays_and_serves",
    "pays_vs_serves",
    "peer_group",
    "peers",
    "place_labels",
    "possessive",
    "rank_over_time",
    "share_history",
    "source_line",
    "top_contributors",
    "women_share",
]
