"""pkdata: the UN's own peacekeeping data as checked tables and charts.

>>> import pkdata
>>> pkdata.contributions().columns[0]
'date'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public names -> module that defines them. Loaded on first use so that `import pkdata` stays fast.
_LAZY = {
    "contributions": "pkdata.tables.personnel",
    "snapshot": "pkdata.tables.personnel",
    "series": "pkdata.tables.personnel",
    "p5": "pkdata.tables.personnel",
    "listed_contributors": "pkdata.tables.personnel",
    "manifest": "pkdata.core.store",
    "load": "pkdata.core.store",
    "missions": "pkdata.tables.operations",
    "fatalities": "pkdata.tables.operations",
    "risk": "pkdata.tables.operations",
    "assessments": "pkdata.tables.finance",
    "funding_rank": "pkdata.tables.finance",
    "budgets": "pkdata.tables.finance",
    "burden": "pkdata.tables.finance",
    "panel": "pkdata.tables.panels",
    "country_codes": "pkdata.core.codes",
    "claims": "pkdata.analysis.claims",  # a module (see _MODULES)
    "charts": "pkdata.outputs.charts",
    "export": "pkdata.outputs.export",
    "quality": "pkdata.tables.quality",
    "gender_excluded_months": "pkdata.tables.quality",
    "brief": "pkdata.outputs.brief",  # a module: pkdata.brief.brief("IND") draws the page
    "women_share": "pkdata.tables.gender",
}

#: Public names that are modules (``pk.charts.top_contributors``), not functions of a module.
_MODULES = {"claims", "charts", "export", "brief"}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pkdata' has no attribute {name!r}")
    value = import_module(module)
    if name not in _MODULES:
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
