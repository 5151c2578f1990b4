"""The funding charts: each measure its own line and legend entry, labels clear of the axes (issues 21 and 22)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from pkdata.outputs.charts import funding  # noqa: E402
from pkdata.tables import finance  # noqa: E402


def test_pays_and_serves_draws_each_measure_and_keeps_end_labels_off_the_axis():
    fig = funding.pays_and_serves("USA")
    ax = fig.axes[0]
    labels = {line.get_label() for line in ax.get_lines()}
    assert {"Funding share: scale", "Funding share: billed in the year", "Personnel share"} <= labels
    assert "exact" not in " ".join(t.get_text() for t in fig.texts)
    r = fig.canvas.get_renderer()
    axis_top = ax.transData.transform((0, 0))[1]  # display y of the x axis (ylim starts at 0)
    ends = [t for t in ax.texts if t.get_text().endswith("%")]
    assert ends and all(t.get_window_extent(r).y0 >= axis_top - 0.5 for t in ends), [t.get_text() for t in ends]
    # The billed line stops where the billed amounts stop; the scale runs on (2025 is a new scale period).
    lines = {line.get_label(): line for line in ax.get_lines()}
    billed_years = lines["Funding share: billed in the year"].get_xdata()
    assert max(billed_years) == finance.assessments("peacekeeping", measure="billed")["year"].max()


def test_funding_shares_legend_and_subtitle_match_what_is_drawn():
    fig = funding.funding_shares()
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "billed in the year" in legend and "scale, rounded (secondary)" in legend
    bars = [c for c in ax.collections if c.__class__.__name__ == "LineCollection" and len(c.get_segments())]
    subtitle = " ".join(t.get_text() for t in fig.texts)
    assert ("bars" in subtitle) == bool(bars)
    # 2024 is in the 2022-2024 scale period: the US, China, UK and France scale lines reach it.
    for name in ("United States", "China", "United Kingdom", "France"):
        line = next(line for line in ax.get_lines() if line.get_label() == name)
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        assert np.isfinite(y[x == 2024]).all() and (x == 2024).any(), name


def test_pays_vs_serves_names_its_measure_and_ticks_in_plain_per_cent():
    fig = funding.pays_vs_serves(2019)
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    assert ticks and not any("e-" in t or "e+" in t for t in ticks)
    assert "billed" in ax.get_ylabel()
    assert "scale" in funding.pays_vs_serves(2019, measure="scale").axes[0].get_ylabel()
