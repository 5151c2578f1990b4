"""The world outline that the deployment map is drawn on, shipped with the package (no network).

``data/world_110m.json``: the admin-0 countries of the source registry's ``natural_earth`` entry
(``pkdata cite``), outer rings only, coordinates rounded to 0.1 degree, keyed by their ``ADM0_A3`` code (the
ISO 3166 alpha-3 code for nearly every country). ``data/SOURCES.md`` names the repository, path and sha256.

Projection: equirectangular with latitude squeezed by ``cos(20°)`` (a plain plate carrée looks too
tall at these scales); :func:`project` maps longitude/latitude to the drawing's x/y.

>>> rings = outline()
>>> len(rings) > 150 and "IND" in rings
True
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

from pkdata.tables.regions import WORLD_FILE, region

__all__ = ["WORLD_FILE", "land_polygons", "outline", "project", "region"]

_SQUEEZE = math.cos(math.radians(20))


@lru_cache(maxsize=1)
def outline() -> dict[str, list[list[tuple[float, float]]]]:
    """Country code -> the country's outer rings, each a list of (lon, lat) points.

    >>> max(lat for ring in outline()["NPL"] for _, lat in ring) < 31
    True
    """
    doc = json.loads(WORLD_FILE.read_text())
    return {iso: [[(float(x), float(y)) for x, y in ring] for ring in rings] for iso, rings in doc["countries"].items()}


@lru_cache(maxsize=1)
def land_polygons() -> tuple[Any, ...]:
    """Every country's outer rings but Antarctica's (no mission, half the map's height), projected: one
    ``(n, 2)`` array of x/y per ring, in the outline's order (the map draws them as one collection).

    >>> polygons = land_polygons()
    >>> len(polygons) > 150 and polygons[0].shape[1]
    2
    """
    import numpy as np

    squeeze = np.array([1.0, _SQUEEZE])
    return tuple(
        np.asarray(ring, dtype="float64") * squeeze
        for code, rings in outline().items()
        if code != "ATA"
        for ring in rings
    )


def project(lon: float, lat: float) -> tuple[float, float]:
    """Longitude and latitude (degrees) to map x and y.

    >>> project(0, 0), project(180, 90)[0]
    ((0.0, 0.0), 180.0)
    """
    return float(lon), float(lat) * _SQUEEZE
