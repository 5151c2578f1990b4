"""What a build step gets (:class:`BuildContext`) and returns (:class:`StepResult`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pkdata.core import paths
from pkdata.core.errors import PkdataError


@dataclass
class BuildContext:
    """Where a build reads and caches."""

    raw: Path
    reference: Path
    cache: Path
    workers: int = 2
    #: ``build(inputs=...)``: "only": a raw folder with files replaces the reference folder; "add": its files
    #: are added to the reference files (a raw file replacing the reference file for the same month). See
    #: :meth:`find_all`.
    input_mode: Literal["add", "only"] = "only"
    #: Tables produced by the steps that ran before (name -> frame), for cross-checks.
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Manifest keys the steps that ran before produced (e.g. ``contributions_crosschecks``).
    extra: dict[str, Any] = field(default_factory=dict)
    #: What the running step asked for (method, arguments, resolved path): the step cache's key
    #: (:mod:`pkdata.builder.stepcache`). Steps read their inputs only through the methods below.
    inputs: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)

    def _note(self, method: str, args: tuple[str, ...], path: Path) -> Path:
        self.inputs.append((method, args, str(path)))
        return path

    def find(self, raw_sub: str, reference_sub: str) -> Path:
        """``raw/raw_sub`` if it exists and is not empty, else ``reference/reference_sub``."""
        candidate = self.raw / raw_sub
        if candidate.exists() and (candidate.is_file() or any(candidate.iterdir())):
            return self._note("find", (raw_sub, reference_sub), candidate)
        return self._note("find", (raw_sub, reference_sub), self.reference / reference_sub)

    def find_all(self, raw_sub: str, reference_sub: str, suffix: str) -> tuple[list[Path], list[Path]]:
        """The files ending in ``suffix`` (any case) of ``raw/raw_sub`` and of the reference folder, sorted.

        With ``inputs="only"`` the reference list is empty when the raw folder has files.
        """

        def listing(folder: Path) -> list[Path]:
            if not folder.is_dir():
                return []
            return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(suffix.lower()))

        raw_files = listing(self.input_folder(raw_sub, "raw", self.input_mode))
        if self.input_mode == "only" and raw_files:
            return raw_files, []
        return raw_files, listing(self.input_folder(reference_sub, "reference", self.input_mode))

    def input_folder(self, sub: str, which: Literal["raw", "reference"], mode: str) -> Path:
        """``raw/sub`` or ``reference/sub`` as :meth:`find_all` reads it in ``mode`` (recorded with the mode:
        a step cached under one mode is no hit under the other)."""
        if mode != self.input_mode:
            return Path(f"<inputs={mode!r}, not {self.input_mode!r}>")
        return self._note("input_folder", (sub, which, mode), (self.raw if which == "raw" else self.reference) / sub)

    def curated(self, name: str) -> Path:
        """A curated fact table: ``raw/curated/<name>`` if the raw folder has it, else :func:`paths.curated_dir`'s."""
        for folder in (self.raw / "curated", paths.curated_dir()):
            if (folder / name).is_file():
                return self._note("curated", (name,), folder / name)
        raise PkdataError(f"curated table {name} not found in {self.raw / 'curated'} or {paths.curated_dir()}")

    def raw_path(self, sub: str) -> Path:
        """``raw/sub`` whether or not it exists (inputs only a user supplies, never the reference)."""
        return self._note("raw_path", (sub,), self.raw / sub)

    def resolve(self, method: str, args: tuple[str, ...]) -> Path:
        """Ask again what a step asked (``method`` of :attr:`inputs`), without recording it."""
        mark = len(self.inputs)
        try:
            return getattr(self, method)(*args)
        finally:
            del self.inputs[mark:]


@dataclass
class StepResult:
    """What one build step produced: tables (name -> frame) and manifest entries."""

    tables: dict[str, pd.DataFrame]
    sources: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    #: Tables of earlier steps this step hands back changed (e.g. the quality step's exclusions).
    replaces: tuple[str, ...] = ()


def code_version(*modules: str) -> str:
    """A short hash of the given package sub-folders (their ``.py`` files), modules or data files (cache key part).

    >>> len(code_version("builder/readers/un_pdf"))
    12
    """
    h = hashlib.sha256()
    for mod in modules:
        target = paths.PACKAGE_DIR / mod
        if target.is_dir():
            files = sorted(target.rglob("*.py"))
        else:
            files = [target if target.suffix else target.with_suffix(".py")]
        for f in files:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]
