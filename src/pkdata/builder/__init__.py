"""The builder: raw source files -> ``data/processed`` (``pip install "pkdata[build]"``).

Each module of :mod:`pkdata.builder.steps` holds build steps with their declarations (``un_pdfs``: the UN
PDF reports; ``history``: IPI files and UN CSV exports before and between them, and their merge;
``missions``: missions and fatalities; ``funding``: assessments and budgets; ``quality_flags``: the quality
flags and the published contributions; ``targets``; ``codes``); :mod:`pkdata.builder.graph` orders them and
:mod:`pkdata.builder.pipeline` runs them and writes the tables and the manifest. The builder imports the
readers (:mod:`pkdata.builder.readers`) and the core; the library never imports the builder.

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
    "Step": "pkdata.builder.context",
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
