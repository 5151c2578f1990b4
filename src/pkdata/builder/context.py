"""What a build step gets (:class:`BuildContext`) and returns (:class:`StepResult`)."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from pkdata.core import paths, sources
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
    #: The tables the running step declared it reads (name -> frame); the pipeline fills it.
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The manifest keys and passed values the running step declared it reads (e.g. ``contributions_crosschecks``).
    extra: dict[str, Any] = field(default_factory=dict)
    #: Set when the build stops (another step failed, or a signal): long steps check it and end early.
    stop: threading.Event = field(default_factory=threading.Event)
    #: The running step's declaration (set by the pipeline): the step may read only the sources, curated files and
    #: raw folders it names, so that its cache key (computed from them) covers everything it reads.
    step: Step | None = None

    def _allow(self, kind: str, name: str) -> None:
        if self.step is None:
            return
        if kind == "source":
            subs = [sources.source(sid)["raw_sub"] for sid in self.step.sources]
            ok = any(name == sub or name.startswith(f"{sub}/") for sub in subs)
        else:
            ok = name in (self.step.curated if kind == "curated" else self.step.raw)
        if not ok:
            raise PkdataError(
                f"build step {self.step.name!r} reads {kind} {name!r}, which its declaration does not name "
                "(add it to the step's Step(...))"
            )

    def find(self, raw_sub: str, reference_sub: str) -> Path:
        """``raw/raw_sub`` if it exists and is not empty, else ``reference/reference_sub``."""
        self._allow("source", raw_sub)
        candidate = self.raw / raw_sub
        if candidate.exists() and (candidate.is_file() or any(candidate.iterdir())):
            return candidate
        return self.reference / reference_sub

    def find_all(self, raw_sub: str, reference_sub: str, suffix: str) -> tuple[list[Path], list[Path]]:
        """The files ending in ``suffix`` (any case) of ``raw/raw_sub`` and of the reference folder, sorted.

        With ``inputs="only"`` the reference list is empty when the raw folder has files.
        """
        self._allow("source", raw_sub)

        def listing(folder: Path) -> list[Path]:
            if not folder.is_dir():
                return []
            return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(suffix.lower()))

        raw_files = listing(self.input_folder(raw_sub, "raw", self.input_mode))
        if self.input_mode == "only" and raw_files:
            return raw_files, []
        return raw_files, listing(self.input_folder(reference_sub, "reference", self.input_mode))

    def input_folder(self, sub: str, which: Literal["raw", "reference"], mode: str) -> Path:
        """``raw/sub`` or ``reference/sub`` as :meth:`find_all` reads it in ``mode``."""
        if mode != self.input_mode:
            return Path(f"<inputs={mode!r}, not {self.input_mode!r}>")
        return (self.raw if which == "raw" else self.reference) / sub

    def curated(self, name: str) -> Path:
        """A curated fact table: ``raw/curated/<name>`` if the raw folder has it, else :func:`paths.curated_dir`'s.

        >>> step = Step("demo", "m:f", curated=("gender_targets.csv",))
        >>> ctx = BuildContext(raw=Path("/nonexistent"), reference=Path("/nonexistent"), cache=Path("/c"), step=step)
        >>> ctx.curated("gender_targets.csv").name
        'gender_targets.csv'
        >>> ctx.curated("quality_flags.csv")
        Traceback (most recent call last):
        ...
        pkdata.core.errors.PkdataError: build step 'demo' reads curated 'quality_flags.csv', which its declaration ...
        """
        self._allow("curated", name)
        for folder in (self.raw / "curated", paths.curated_dir()):
            if (folder / name).is_file():
                return folder / name
        raise PkdataError(f"curated table {name} not found in {self.raw / 'curated'} or {paths.curated_dir()}")

    def raw_path(self, sub: str) -> Path:
        """``raw/sub`` whether or not it exists (inputs only a user supplies, never the reference)."""
        self._allow("raw", sub)
        return self.raw / sub

    def source_dir(self, source_id: str) -> Path:
        """The folder of a source of the registry (:mod:`pkdata.core.sources`) as :meth:`find` resolves it.

        >>> ctx = BuildContext(raw=Path("/nonexistent/raw"), reference=Path("/ref"), cache=Path("/c"))
        >>> ctx.source_dir("un_open")
        PosixPath('/ref/budget/un_open')
        """
        entry = sources.source(source_id)
        return self.find(entry["raw_sub"], entry["reference_sub"])

    def check_stop(self) -> None:
        """Raise :class:`BuildStopped` when the build is stopping (:attr:`stop` is set)."""
        if self.stop.is_set():
            raise BuildStopped("the build stopped")


@dataclass
class StepResult:
    """What one build step produced: tables (name -> frame) and manifest entries."""

    tables: dict[str, pd.DataFrame]
    sources: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


class BuildStopped(PkdataError):
    """A step ended early because the build is stopping (another step failed, or the build was interrupted)."""


@dataclass(frozen=True)
class Step:
    """What a build step reads and writes: the pipeline orders, runs and caches steps by these declarations alone.

    ``run`` names the function (``"module:function"``, imported when the step runs). ``sources`` are ids of the
    source registry (``pkdata/data/sources.toml``), ``curated`` file names of curated tables, ``raw`` folders
    under the raw folder only a user supplies. ``reads`` are tables or manifest keys the step needs,
    ``optional`` those it uses when a step of the build writes them. ``writes`` are the published tables,
    ``keys`` the published manifest keys, ``passes`` intermediate tables or values for later steps (never
    published). Each name has one writer. A step listed in ``joins`` brings this step into any build that runs
    it (a merge or a check that belongs to it). ``cache``: keep the result in the step cache (cheap steps are
    recomputed from their cached inputs instead). ``needs``: modules the step imports that an extra installs
    (``pkdata[build]``), checked before any step of the build runs.

    >>> s = Step("demo", "pkdata.builder.steps.targets:step_targets", writes=("gender_targets",))
    >>> s.outputs, s.inputs
    (('gender_targets',), ())
    """

    name: str
    run: str
    about: str = ""
    sources: tuple[str, ...] = ()
    curated: tuple[str, ...] = ()
    raw: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    passes: tuple[str, ...] = ()
    joins: tuple[str, ...] = ()
    cache: bool = True
    needs: tuple[str, ...] = ()

    @property
    def outputs(self) -> tuple[str, ...]:
        """Every name the step may produce (published or passed on)."""
        return self.writes + self.keys + self.passes

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every table or value the step reads, required or optional."""
        return self.reads + self.optional


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
