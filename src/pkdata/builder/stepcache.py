"""The build's step cache: a step whose inputs, code and upstream tables are unchanged is not run again.

A step's key is the sha256 of: the package's code (every ``.py`` and data file of ``pkdata``), the
step's name, what it asked the :class:`~pkdata.builder.context.BuildContext` for (each
``find``/``curated``/``raw_path`` call, the path it resolved to and that path's content: a file's
sha256, a folder's listing with every file's sha256) and the keys of the steps that produced the
tables it read from ``ctx.tables`` (their *lineage*). An entry is a folder
``<cache>/steps/<step>/<key>/`` with the step's tables (parquet) and its sources and extra (JSON),
written to a temporary folder and renamed into place, so a killed build leaves no half entry; an
entry that cannot be read is a miss. Only steps named as ``"module:function"`` are cached (a
function passed directly, as tests do, always runs).

>>> digest_path(Path("/nonexistent/pkdata"))
'missing'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.builder.context import BuildContext, StepResult
from pkdata.core import paths
from pkdata.core.hashes import sha256_file

#: Entries kept per step (the newest by use); older ones are removed.
KEEP = 4

_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}
_CODE: str | None = None


def code_digest() -> str:
    """sha256 of every source and data file of the installed ``pkdata`` package.

    >>> len(code_digest())
    64
    """
    global _CODE
    if _CODE is None:
        h = hashlib.sha256()
        for f in sorted(paths.PACKAGE_DIR.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts and "_data" not in f.relative_to(paths.PACKAGE_DIR).parts:
                h.update(str(f.relative_to(paths.PACKAGE_DIR)).encode())
                h.update(_file_digest(f).encode())
        _CODE = h.hexdigest()
    return _CODE


def _file_digest(path: Path) -> str:
    st = path.stat()
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo not in _FILE_DIGESTS:
        _FILE_DIGESTS[memo] = sha256_file(path)
    return _FILE_DIGESTS[memo]


def digest_path(path: Path) -> str:
    """Content digest of a file (its sha256) or a folder (names and sha256 of every file below it)."""
    if path.is_file():
        return _file_digest(path)
    if not path.is_dir():
        return "missing"
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(path)).encode() + b"\0" + _file_digest(f).encode() + b"\n")
    return h.hexdigest()


@dataclass
class Entry:
    """A cached step result on disk."""

    step: str
    key: str
    folder: Path
    reads: list[str]
    tables: list[str]
    extras: list[str]


def _step_dir(cache: Path, step: str) -> Path:
    return cache / "steps" / re.sub(r"[^A-Za-z0-9_.-]", "_", step)


def _key(
    step: str,
    inputs: Iterable[tuple[str, tuple[str, ...], str]],
    lineage: dict[str, tuple[str, ...]],
    reads: Iterable[str],
) -> str:
    h = hashlib.sha256()
    h.update(code_digest().encode())
    h.update(step.encode())
    for method, args, resolved in inputs:
        h.update(json.dumps([method, list(args), resolved, digest_path(Path(resolved))]).encode())
    for name in sorted(reads):
        h.update(json.dumps([name, list(lineage.get(name, ()))]).encode())
    return h.hexdigest()


def lookup(ctx: BuildContext, step: str, lineage: dict[str, tuple[str, ...]]) -> Entry | None:
    """The cached entry of ``step`` whose recorded inputs resolve and hash as they did, or None."""
    folder = _step_dir(ctx.cache, step)
    if not folder.is_dir():
        return None
    for meta_path in sorted(folder.glob("*/entry.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        try:
            meta = json.loads(meta_path.read_text())
            inputs = [(m, tuple(a), r) for m, a, r in meta["inputs"]]
            if any(str(ctx.resolve(m, a)) != r for m, a, r in inputs):
                continue
            if _key(step, inputs, lineage, meta["reads"]) != meta["key"]:
                continue
        except (OSError, ValueError, KeyError, TypeError):  # unreadable entry: a miss
            continue
        os.utime(meta_path)
        return Entry(step, meta["key"], meta_path.parent, meta["reads"], meta["tables"], sorted(meta["extra"]))
    return None


def load(entry: Entry) -> StepResult:
    """The step result stored in an entry."""
    import pyarrow.parquet as pq

    meta = json.loads((entry.folder / "entry.json").read_text())
    tables = {name: pq.read_table(entry.folder / f"{name}.parquet").to_pandas() for name in entry.tables}
    return StepResult(tables, meta["sources"], meta["extra"], replaces=tuple(meta.get("replaces", ())))


def store(
    ctx: BuildContext,
    step: str,
    result: StepResult,
    lineage: dict[str, tuple[str, ...]],
    reads: Iterable[str],
    inputs: list[tuple[str, tuple[str, ...], str]] | None = None,
) -> str | None:
    """Write ``result`` as the entry of ``step`` for the inputs it recorded; return its key (None if not storable)."""
    reads = sorted(set(reads))
    inputs = ctx.inputs if inputs is None else inputs
    key = _key(step, inputs, lineage, reads)
    folder = _step_dir(ctx.cache, step)
    target = folder / key[:32]
    if (target / "entry.json").is_file():
        return key
    meta = {
        "step": step,
        "key": key,
        "inputs": [[m, list(a), r] for m, a, r in inputs],
        "reads": reads,
        "tables": sorted(result.tables),
        "sources": result.sources,
        "extra": result.extra,
        "replaces": list(result.replaces),
    }
    try:
        text = json.dumps(meta, sort_keys=True, ensure_ascii=False)
    except TypeError:  # a result that JSON cannot hold is simply not cached
        return None
    folder.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
    try:
        for name, df in result.tables.items():
            _write(df, tmp / f"{name}.parquet")
        (tmp / "entry.json").write_text(text)
        os.replace(tmp, target)
    except OSError:
        return key
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(folder)
    return key


def memoized(ctx: BuildContext, name: str, compute: Callable[[], StepResult]) -> StepResult:
    """``compute()``, or its stored result when the inputs it asked ``ctx`` for are unchanged.

    For the costly part of a step that is also called outside a build (the history step's reading of
    the IPI and UN CSV files: tests and notebooks call ``step_history`` directly, where no step cache
    applies). Within a build the step cache serves the whole step first. The inputs it recorded stay
    recorded for the enclosing step.
    """
    entry = lookup(ctx, f"memo:{name}", {})
    if entry is not None:
        meta = json.loads((entry.folder / "entry.json").read_text())
        ctx.inputs.extend((m, tuple(a), r) for m, a, r in meta["inputs"])
        return load(entry)
    mark = len(ctx.inputs)
    result = compute()
    store(ctx, f"memo:{name}", result, {}, (), inputs=ctx.inputs[mark:])
    return result


def _write(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)


def _prune(folder: Path) -> None:
    entries = sorted(
        (p for p in folder.iterdir() if (p / "entry.json").is_file()),
        key=lambda p: (p / "entry.json").stat().st_mtime_ns,
        reverse=True,
    )
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in folder.glob(".tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True) if _stale(tmp) else None


def _stale(path: Path, age: float = 3600.0) -> bool:
    import time

    try:
        return time.time() - path.stat().st_mtime > age
    except OSError:
        return False


class ReadTracker(dict):
    """``ctx.tables`` / ``ctx.extra`` that remember what a step read (for its lineage); a step that looks at
    all of them (iterates) has read all of them."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        self.read.add(str(name))
        return super().__contains__(name)

    def _all(self) -> None:
        self.read.update(super().keys())

    def __iter__(self) -> Any:
        self._all()
        return super().__iter__()

    def keys(self) -> Any:
        self._all()
        return super().keys()

    def values(self) -> Any:
        self._all()
        return super().values()

    def items(self) -> Any:
        self._all()
        return super().items()
