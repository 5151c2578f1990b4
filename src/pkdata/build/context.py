"""What a build step gets (:class:`BuildContext`) and returns (:class:`StepResult`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pkdata import paths
from pkdata.errors import PkdataError


@dataclass
class BuildContext:
    """Where a build reads and caches."""

    raw: Path
    reference: Path
    cache: Path
    workers: int = 2
    #: "only": a raw folder with files replaces the reference folder; "add": its files are added to the
    #: reference files (a raw file replacing the reference file for the same month). See :meth:`find_all`.
    inputs: Literal["add", "only"] = "only"
    #: Tables produced by the steps that ran before (name -> frame), for cross-checks.
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def find(self, raw_sub: str, reference_sub: str) -> Path:
        """``raw/raw_sub`` if it exists and is not empty, else ``reference/reference_sub``."""
        candidate = self.raw / raw_sub
        if candidate.exists() and (candidate.is_file() or any(candidate.iterdir())):
            return candidate
        return self.reference / reference_sub

    def find_all(self, raw_sub: str, reference_sub: str, suffix: str) -> tuple[list[Path], list[Path]]:
        """The files ending in ``suffix`` (any case) of ``raw/raw_sub`` and of the reference folder, sorted.

        With ``inputs="only"`` the reference list is empty when the raw folder has files.
        """

        def listing(folder: Path) -> list[Path]:
            if not folder.is_dir():
                return []
            return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(suffix.lower()))

        raw_files = listing(self.raw / raw_sub)
        reference = listing(self.reference / reference_sub) if self.inputs == "add" or not raw_files else []
        return raw_files, reference

    def curated(self, name: str) -> Path:
        """A curated fact table: ``raw/curated/<name>`` if the raw folder has it, else :func:`paths.curated_dir`'s."""
        for folder in (self.raw / "curated", paths.curated_dir()):
            if (folder / name).is_file():
                return folder / name
        raise PkdataError(f"curated table {name} not found in {self.raw / 'curated'} or {paths.curated_dir()}")


@dataclass
class StepResult:
    """What one build step produced: tables (name -> frame) and manifest entries."""

    tables: dict[str, pd.DataFrame]
    sources: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def code_version(*modules: str) -> str:
    """A short hash of the source of the given package sub-folders/modules (cache key part).

    >>> len(code_version("readers/un_pdf"))
    12
    """
    h = hashlib.sha256()
    for mod in modules:
        target = paths.PACKAGE_DIR / mod
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


