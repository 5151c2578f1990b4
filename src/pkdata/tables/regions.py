"""The UN region and subregion of each country, as Natural Earth gives them (``data/world_110m.json``).

The file ships with the package (``data/SOURCES.md`` names its repository, path, licence and sha256); the
map in :mod:`pkdata.outputs.maps` draws its outlines, and :func:`pkdata.tables.ranks.peer_group` picks a
country's peers from its region.

>>> region("IND")
('Asia', 'Southern Asia')
"""

from __future__ import annotations

import json
from functools import lru_cache

from pkdata.core import paths

WORLD_FILE = paths.PACKAGE_DIR / "data" / "world_110m.json"

#: pkdata's ISO3 codes that Natural Earth's ADM0_A3 spells otherwise.
NE_CODES = {"SSD": "SDS", "XKX": "KOS", "PSE": "PSX"}


@lru_cache(maxsize=1)
def _regions() -> dict[str, tuple[str, str]]:
    doc = json.loads(WORLD_FILE.read_text())
    return {iso: (r[0], r[1]) for iso, r in doc["regions"].items()}


def region(iso3: str) -> tuple[str, str] | None:
    """A country's UN region and subregion as Natural Earth gives them, or None if it is not on the map.

    >>> region("NPL"), region("SSD"), region("TUV")
    (('Asia', 'Southern Asia'), ('Africa', 'Eastern Africa'), None)
    """
    return _regions().get(NE_CODES.get(iso3, iso3))
