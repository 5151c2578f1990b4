"""What tests/test_chart_layout.py checks on a drawn chart: no text on text, no label on the x axis or across a
data line, every legend entry drawn and every drawn mark in the legend.

The boxes are matplotlib's own (``get_window_extent`` after ``canvas.draw()``), in display pixels. The one
``pkdata figures`` run of a test run (fixture ``drawn_figures``) measures each chart with :func:`layout_problems`
as it draws it, so that the charts are computed once for both tests.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox


def _visible(t: Text) -> bool:
    return t.get_visible() and bool(t.get_text().strip())


def _tick_labels(ax) -> list[Text]:
    out = []
    for axis in (ax.xaxis, ax.yaxis):
        for tick in axis._update_ticks():  # the ticks inside the view, the ones drawn
            out += [lab for lab in (tick.label1, tick.label2) if _visible(lab)]
    return out


def texts(fig) -> list[tuple[str, Text]]:
    """Every drawn text of the figure with a name for the message: frame, axes notes, ticks, axis labels, legends."""
    found = [("figure", t) for t in fig.texts if _visible(t)]
    for ax in fig.axes:
        found += [("note", t) for t in ax.texts if _visible(t)]
        found += [("tick", t) for t in _tick_labels(ax)]
        found += [("label", t) for t in (ax.xaxis.label, ax.yaxis.label, ax.title) if _visible(t)]
        legend = ax.get_legend()
        if legend is not None:
            found += [("legend", t) for t in legend.get_texts() if _visible(t)]
            if _visible(legend.get_title()):
                found.append(("legend", legend.get_title()))
    return found


def _box(t: Text, renderer) -> Bbox:
    b = Text.get_window_extent(t, renderer)  # an annotation's text, without its leader line
    return Bbox.from_extents(b.x0 + 0.5, b.y0 + 0.5, b.x1 - 0.5, b.y1 - 0.5)  # touching is not overlapping


def overlaps(fig) -> list[str]:
    """Pairs of text boxes that overlap."""
    renderer = fig.canvas.get_renderer()
    found = texts(fig)
    boxes = [_box(t, renderer) for _, t in found]
    bad = []
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            if boxes[i].overlaps(boxes[j]):
                bad.append(f"{found[i][0]} {found[i][1].get_text()!r} / {found[j][0]} {found[j][1].get_text()!r}")
    return bad


def _notes(ax) -> list[Text]:
    return [t for t in ax.texts if _visible(t)]


def on_x_axis(fig) -> list[str]:
    """Notes and data labels whose box crosses the x axis line (the bottom spine, where it is drawn)."""
    renderer = fig.canvas.get_renderer()
    bad = []
    for ax in fig.axes:
        if not ax.spines["bottom"].get_visible():
            continue
        frame = ax.get_window_extent(renderer)
        for t in _notes(ax):
            b = _box(t, renderer)
            if b.y0 < frame.y0 < b.y1 and b.x1 > frame.x0 and b.x0 < frame.x1:
                bad.append(repr(t.get_text()))
    return bad


def _samples(line: Line2D) -> np.ndarray:
    """Display points every pixel or so along a drawn line's segments."""
    xy = line.get_transform().transform(np.asarray(line.get_xydata(), float))
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < 2:
        return np.empty((0, 2))
    pts = []
    for a, b in zip(xy[:-1], xy[1:], strict=True):
        n = int(min(2000, max(2, np.hypot(*(b - a)))))
        pts.append(a + np.linspace(0, 1, n)[:, None] * (b - a))
    return np.concatenate(pts)


def across_lines(fig) -> list[str]:
    """Notes and data labels a drawn line (data, average or date line) runs through."""
    renderer = fig.canvas.get_renderer()
    bad = []
    for ax in fig.axes:
        lines = [ln for ln in ax.get_lines() if ln.get_visible() and ln.get_linestyle() not in ("None", "none", "")]
        pts = [_samples(ln) for ln in lines]
        for t in _notes(ax):
            if isinstance(t, Annotation):
                continue  # an annotation points at its line by design; its text is checked against the others
            b = _box(t, renderer)
            for ln, p in zip(lines, pts, strict=True):
                inside = (p[:, 0] > b.x0) & (p[:, 0] < b.x1) & (p[:, 1] > b.y0) & (p[:, 1] < b.y1)
                if inside.any():
                    bad.append(f"{t.get_text()!r} crossed by {ln.get_label()!r}")
    return bad


def _has_data(artist) -> bool:
    if isinstance(artist, Line2D):
        xy = np.asarray(artist.get_xydata(), float)
        return bool(np.isfinite(xy).all(axis=1).any())
    if isinstance(artist, PathCollection):
        return len(artist.get_offsets()) > 0
    if hasattr(artist, "get_paths"):
        return any(np.isfinite(p.vertices).all(axis=1).any() for p in artist.get_paths())
    return True


def _hollow(c: PathCollection) -> bool:
    fc = np.asarray(c.get_facecolor())
    return bool(len(fc)) and bool(np.allclose(fc[:, :3], 1.0))


def _marker_key_drawn(ax, proxy) -> bool:
    """An empty scatter that keys a marker style (a diamond, a hollow circle) is drawn where the axes hold a
    non-empty scatter of the same shape and fill (the marks it names, in each member's colour)."""
    if not isinstance(proxy, PathCollection) or not proxy.get_paths():
        return False
    shape = proxy.get_paths()[0].vertices.round(3).tobytes()
    return any(
        isinstance(c, PathCollection)
        and c is not proxy
        and len(c.get_offsets())
        and c.get_paths()
        and c.get_paths()[0].vertices.round(3).tobytes() == shape
        and _hollow(c) == _hollow(proxy)
        for c in ax.collections
    )


def legend_problems(fig) -> list[str]:
    """Legend entries with nothing drawn, and marker-only lines or scatters whose colour no legend entry has."""
    bad = []
    for ax in fig.axes:
        legend: Legend | None = ax.get_legend()
        if legend is None:
            continue
        handles, labels = ax.get_legend_handles_labels()
        drawn = dict(zip(labels, handles, strict=True))
        for text in legend.get_texts():
            artist = drawn.get(text.get_text())
            if artist is not None and not _has_data(artist) and not _marker_key_drawn(ax, artist):
                bad.append(f"legend entry {text.get_text()!r} draws nothing")
        shown = {matplotlib.colors.to_hex(c) for h in legend.legend_handles for c in _colours(h)}
        for ln in ax.get_lines():
            marker_only = ln.get_linestyle() in ("None", "none", "") and ln.get_marker() not in (None, "None", "")
            if marker_only and ln.get_label().startswith("_") and _has_data(ln):
                if not set(map(matplotlib.colors.to_hex, _colours(ln))) & shown:
                    bad.append(f"marks {ln.get_marker()!r} in {_colours(ln)} have no legend entry")
    return bad


def _colours(artist) -> list:
    if isinstance(artist, Line2D):
        return [c for c in (artist.get_color(), artist.get_markerfacecolor(), artist.get_markeredgecolor()) if c]
    try:
        return [tuple(c) for c in artist.get_facecolor()] + [tuple(c) for c in artist.get_edgecolor()]
    except (AttributeError, TypeError):
        return []


def layout_problems(fig) -> dict[str, list[str]]:
    """Every check on a figure just drawn (``fig.canvas.draw()``): check name -> what it found (empty: none)."""
    return {
        "overlaps": overlaps(fig),
        "on_x_axis": on_x_axis(fig),
        "across_lines": across_lines(fig),
        "legend_problems": legend_problems(fig),
    }
