"""Every chart ``make figures`` draws, measured after a draw: no text on text, no label on the x axis or across
a data line, every legend entry drawn and every drawn mark in the legend.

The boxes are matplotlib's own (``get_window_extent`` after ``canvas.draw()``), in display pixels.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from pkdata.outputs import charts
from pkdata.outputs.figures import FIGURES

from .chart_checks import across_lines, legend_problems, on_x_axis, overlaps

#: Charts that fail this test for a known reason, with the reason (an xfail that must keep failing).
KNOWN: dict[str, str] = {}


def _marks(names: list[str]) -> list:
    return [pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN[n], strict=True)) if n in KNOWN else n for n in names]


@pytest.mark.parametrize("name", _marks(list(FIGURES)))
def test_no_text_box_overlaps_another(drawn_layouts, name):
    found = drawn_layouts[name]  # measured by the test run's one `pkdata figures` run, after a draw at the figure's dpi
    assert found["overlaps"] == []
    assert found["on_x_axis"] == []
    assert found["across_lines"] == []
    assert found["legend_problems"] == []


def test_the_measures_find_what_they_look_for():
    """The checks fail on a figure that has each defect (they can fail)."""
    fig, ax = charts.new_figure("T", "S", "Source: x")
    ax.plot([0, 10], [5, 5], label="line")
    ax.plot([3], [2], marker="o", linestyle="none", color="#123456")
    ax.text(4, 5, "on the line")
    ax.text(4, 5.05, "on the other text")
    ax.set_ylim(0, 10)
    ax.text(8, 0, "on the axis", va="center")
    ax.legend(loc="upper left")
    fig.canvas.draw()
    assert any("on the line" in p and "on the other text" in p for p in overlaps(fig))
    assert on_x_axis(fig) == ["'on the axis'"]
    assert any("'on the line' crossed by 'line'" == p for p in across_lines(fig))
    assert any("no legend entry" in p for p in legend_problems(fig))
