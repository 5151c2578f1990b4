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
    "contributions": "pkdata.personnel",
    "snapshot": "pkdata.personnel",
    "series": "pkdata.personnel",
    "p5": "pkdata.personnel",
    "manifest": "pkdata.personnel",
    "missions": "pkdata.operations",
    "fatalities": "pkdata.operations",
    "risk": "pkdata.operations",
    "assessments": "pkdata.finance",
    "funding_rank": "pkdata.finance",
    "budgets": "pkdata.finance",
    "burden": "pkdata.finance",
    "claims": "pkdata.claims",  # submodules under their own names: pkdata.claims is the module
    "charts": "pkdata.charts",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pkdata' has no attribute {name!r}")
    value = import_module(module)
    if module != f"pkdata.{name}":
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
