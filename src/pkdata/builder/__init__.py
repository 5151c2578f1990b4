"""The builder: raw source files -> ``data/processed`` (``pip install "pkdata[build]"``).

One module per topic holds its build step (``personnel``: the UN PDF reports; ``history``: IPI files and
UN CSV exports before and between them; ``operations``: missions and fatalities; ``finance``: assessments
and budgets); :mod:`pkdata.builder.pipeline` runs them and writes the tables and the manifest. The builder
imports the readers (:mod:`pkdata.builder.readers`) and the library; the library never imports the builder.

>>> from pkdata.builder import STEPS
>>> STEPS[0]
'pkdata.builder.steps.un_pdfs:step_un_pdfs'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Loaded on first use, so that ``pkdata.builder.cli`` (the command table) stays light.
_LAZY = {
    "BuildContext": "pkdata.builder.context",
    "StepResult": "pkdata.builder.context",
    "code_version": "pkdata.builder.context",
    "STEPS": "pkdata.builder.pipeline",
    "build": "pkdata.builder.pipeline",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pkdata.builder' has no attribute {name!r}")
    return getattr(import_module(module), name)
