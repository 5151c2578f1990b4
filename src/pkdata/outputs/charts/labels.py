"""Labels placed without overlaps: points of a scatter, bubbles of the map.

>>> from pkdata.outputs.charts.style import new_figure
>>> fig, ax = new_figure("T", "S", "Source: x")
>>> place_labels(ax, [(1, 1, "a", "black"), (1, 1, "b", "black")])
>>> [t.get_text() for t in ax.texts]
['a', 'b']
"""

from __future__ import annotations

from typing import Any

import matplotlib.text

from pkdata.outputs.charts.style import CHINA

Box = tuple[float, float, float, float]

#: place_labels: offsets (points) right, left, above and below at growing distances.
_OFFSETS = [
    (d * dx, d * dy)
    for d in (1, 2, 3, 4)
    for dx, dy in ((6, 0), (-6, 0), (4, 9), (4, -9), (-4, 9), (-4, -9), (0, 14), (0, -14))
]
#: label_bubbles: directions from a bubble's centre, and gaps (points) from its edge.
_DIRECTIONS = [(1, 0), (-1, 0), (0.7, 0.7), (-0.7, 0.7), (0.7, -0.7), (-0.7, -0.7), (0, 1), (0, -1)]
_GAPS = (3, 12, 24, 40, 60)


def _overlaps(box: Box, taken: list[Box]) -> bool:
    return any(box[0] < t[2] and t[0] < box[2] and box[1] < t[3] and t[1] < box[3] for t in taken)


def place_labels(
    ax: Any,
    points: list[tuple[float, float, str, str]],
    fontsize: float = 8,
    obstacles: list[tuple[float, float]] | None = None,
) -> None:
    """Label points without overlaps: each label takes the first free spot around its point.

    Tries offsets right, left, above and below at growing distances, in display coordinates,
    avoiding every label already placed and every labelled point.

    >>> from pkdata.outputs.charts.style import new_figure
    >>> fig, ax = new_figure("T", "S", "Source: x")
    >>> _ = ax.set_xlim(0, 2), ax.set_ylim(0, 2)
    >>> place_labels(ax, [(1, 1, "a", "black"), (1, 1, "b", "black")])
    >>> [t.get_position() for t in ax.texts]
    [(6, 0), (-6, 0)]
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    taken = []
    for x, y in [(p[0], p[1]) for p in points] + list(obstacles or []):
        px, py = ax.transData.transform((x, y))
        taken.append((px - 3, py - 3, px + 3, py + 3))
    for x, y, text, colour in points:
        label = None
        for ox, oy in _OFFSETS:
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
            if fits and not _overlaps(box, taken):
                break
        taken.append(box)


class _Room:
    """Where a bubble's label may go: inside the frame, clear of placed labels and of every bubble."""

    def __init__(self, ax: Any, renderer: Any, bubbles: list[tuple[float, float, float]]) -> None:
        scale = ax.figure.dpi / 72
        self.centres = [(*ax.transData.transform((x, y)), r * scale) for x, y, r in bubbles]
        self.frame = ax.get_window_extent(renderer)
        self.taken: list[Box] = []

    def clear(self, box: Box, bubbles: bool = True) -> bool:
        x0, y0, x1, y1 = box
        f = self.frame
        if x0 < f.x0 or x1 > f.x1 or y0 < f.y0 or y1 > f.y1 or _overlaps(box, self.taken):
            return False
        for cx, cy, r in self.centres if bubbles else ():  # distance from the circle's centre to the box
            dx, dy = max(x0 - cx, 0, cx - x1), max(y0 - cy, 0, cy - y1)
            if dx * dx + dy * dy < (r + 1) ** 2:
                return False
        return True


def _bubble_label(
    ax: Any, renderer: Any, room: _Room, spot: tuple[float, float, str, str], r: float, size: float
) -> Box:
    """Annotate one bubble at the first clear spot, else the first clear of the other labels (over a bubble),
    else the last tried; return the text's box."""
    x, y, text, colour = spot
    label = None
    for bubbles, gap, (dx, dy) in [(b, g, d) for b in (True, False) for g in _GAPS for d in _DIRECTIONS]:
        if label is not None:
            label.remove()
        label = ax.annotate(
            text,
            (x, y),
            xytext=(dx * (r + gap), dy * (r + gap)),
            textcoords="offset points",
            fontsize=size,
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
        if room.clear(box, bubbles):
            return box
    return box


def label_bubbles(
    ax: Any, labels: list[tuple[float, float, str, str]], bubbles: list[tuple[float, float, float]], fontsize: float = 8
) -> None:
    """Label each bubble beside it, clear of every other bubble and label, with a leader line when moved out.

    ``bubbles``: (x, y, radius in points). Candidate spots: 8 directions at growing distances from the
    bubble's edge; the first that overlaps nothing is taken (else the last tried). Biggest bubbles first.

    >>> from pkdata.outputs.charts.style import new_figure
    >>> fig, ax = new_figure("T", "S", "Source: x")
    >>> _ = ax.set_xlim(0, 10), ax.set_ylim(0, 10)
    >>> label_bubbles(ax, [(5, 5, "big", "black"), (5, 5, "small", "black")], [(5, 5, 20), (5, 5, 4)])
    >>> [(t.get_text(), t.get_position()[0] > 0) for t in ax.texts]
    [('big', True), ('small', False)]
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    room = _Room(ax, renderer, bubbles)
    for i in sorted(range(len(labels)), key=lambda i: -bubbles[i][2]):  # biggest first
        room.taken.append(_bubble_label(ax, renderer, room, labels[i], bubbles[i][2], fontsize))
