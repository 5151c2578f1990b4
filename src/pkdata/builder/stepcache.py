"""The build's step cache: a step whose declared inputs and code are unchanged is not run again.

A step's key (:func:`step_key`) is the sha256 of what its declaration (:class:`~pkdata.builder.context.Step`)
names, computed before it runs: the package's code (every ``.py`` and data file of ``pkdata``: a step calls
readers and core modules, so all of it), the step's name, the build's input mode, the content of each
declared source as either folder could supply it (``raw/<raw_sub>`` and ``reference/<reference_sub>`` of the
source registry), of each curated file (``raw/curated/<name>`` and the package's), of each raw-only folder,
and the keys of the steps that wrote the tables it reads (one writer per table, and a step's output follows
from its key, so the writer's key stands for the table's content).

An entry is a folder ``<cache>/steps/<step>/<key>/`` with the step's tables (parquet) and its sources and
extra (JSON), written to a temporary folder and renamed into place, so a killed build leaves no half entry.
Its ``entry.json`` carries the full key (the checksum of the step's inputs), the sha256 of each table file and
the sha256 of its own content: an entry that cannot be read, or whose bytes do not match those checksums (a
flipped bit, a hand edit, a cut file), is a miss: the step runs again, one line on stderr says so, and the
entry is replaced. A cache that cannot be written (full disk, read-only folder) is skipped with a warning.

>>> digest_path(Path("/nonexistent/pkdata"))
'missing'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.builder.context import BuildContext, Step, StepResult
from pkdata.core import paths, sources
from pkdata.core.hashes import sha256_file

#: Entries kept per step (the newest by use); older ones are removed.
KEEP = 4

_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}
_CODE: str | None = None


def code_digest() -> str:
    """sha256 of every source and data file of the installed ``pkdata`` package (hex).

    >>> code_digest() == code_digest() != hashlib.sha256().hexdigest()  # stable, and not the digest of no file
    True
    """
    global _CODE
    if _CODE is None:
        h = hashlib.sha256()
        for f in sorted(paths.PACKAGE_DIR.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts and "_data" not in f.relative_to(paths.PACKAGE_DIR).parts:
                h.update(str(f.relative_to(paths.PACKAGE_DIR)).encode())
                h.update(file_digest(f).encode())
        _CODE = h.hexdigest()
    return _CODE


def file_digest(path: Path) -> str:
    """A file's sha256, worked out once per build process for each (path, size, modification time): the step
    keys and the PDF step's parse cache ask for the same files.

    >>> file_digest(Path(__file__)) == sha256_file(__file__)
    True
    """
    st = path.stat()
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo not in _FILE_DIGESTS:
        _FILE_DIGESTS[memo] = sha256_file(path)
    return _FILE_DIGESTS[memo]


def digest_path(path: Path) -> str:
    """Content digest of a file (its sha256) or a folder (names and sha256 of every file below it)."""
    if path.is_file():
        return file_digest(path)
    if not path.is_dir():
        return "missing"
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(path)).encode() + b"\0" + file_digest(f).encode() + b"\n")
    return h.hexdigest()


def declared_inputs(ctx: BuildContext, step: Step) -> list[tuple[str, str, Path]]:
    """(what, where, path) of every file or folder the declaration lets the step read, as this build resolves it.

    >>> ctx = BuildContext(raw=Path("/r"), reference=Path("/ref"), cache=Path("/c"))
    >>> [(w, str(p)) for _, w, p in declared_inputs(ctx, Step("s", "m:f", sources=("un_open",)))]
    [('raw', '/r/budget/un_open'), ('reference', '/ref/budget/un_open')]
    """
    out = []
    for sid in step.sources:
        entry = sources.source(sid)
        out += [(sid, "raw", ctx.raw / entry["raw_sub"]), (sid, "reference", ctx.reference / entry["reference_sub"])]
    for name in step.curated:
        out += [(name, "raw", ctx.raw / "curated" / name), (name, "package", paths.curated_dir() / name)]
    out += [(sub, "raw", ctx.raw / sub) for sub in step.raw]
    return out


def step_key(ctx: BuildContext, step: Step, upstream: dict[str, str]) -> str:
    """The cache key of ``step`` in this build; ``upstream``: name of each table it reads -> its writer's key.

    >>> ctx = BuildContext(raw=Path("/nonexistent"), reference=Path("/nonexistent"), cache=Path("/c"))
    >>> s = Step("s", "m:f", curated=("gender_targets.csv",), reads=("t",))
    >>> step_key(ctx, s, {"t": "a"}) == step_key(ctx, s, {"t": "a"}) != step_key(ctx, s, {"t": "b"})
    True
    """
    h = hashlib.sha256()
    h.update(json.dumps([code_digest(), step.name, step.run, ctx.input_mode]).encode())
    for what, where, path in declared_inputs(ctx, step):
        h.update(json.dumps([what, where, digest_path(path)]).encode())
    for name in sorted(upstream):
        h.update(json.dumps([name, upstream[name]]).encode())
    return h.hexdigest()


def _entry_dir(cache: Path, step: Step, key: str) -> Path:
    return cache / "steps" / step.name / key[:32]


def warn(line: str) -> None:
    """One line on stderr about the cache (a damaged entry recomputed, a cache that cannot be written).

    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     warn("x")
    >>> err.getvalue().splitlines()
    ['pkdata: x']
    """
    print(f"pkdata: {line}", file=sys.stderr, flush=True)


def content_digest(meta: dict[str, Any]) -> str:
    """sha256 of an entry's JSON content without its own ``checksum`` field (canonical JSON).

    >>> content_digest({"a": 1, "checksum": "x"}) == content_digest({"a": 1})
    True
    """
    body = {k: v for k, v in meta.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _check_entry(folder: Path, key: str) -> dict[str, Any]:
    """The entry's meta if its key and checksums hold; raises ValueError naming what does not."""
    meta = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or meta.get("key") != key:
        raise ValueError("it was stored for other inputs")
    if meta.get("checksum") != content_digest(meta):
        raise ValueError("entry.json does not match its checksum")
    digests = meta.get("sha256") or {}
    for name in meta["tables"]:
        if sha256_file(folder / f"{name}.parquet") != digests.get(name):
            raise ValueError(f"{name}.parquet does not match its checksum")
    return meta


def load(ctx: BuildContext, step: Step, key: str) -> StepResult | None:
    """The stored result of ``step`` under ``key``, or None: missing, or unreadable or failing its checksums
    (a miss, said in one line on stderr; the step runs again and replaces the entry).

    >>> load(BuildContext(raw=Path("/r"), reference=Path("/r"), cache=Path("/nonexistent")), Step("s", "m:f"), "0" * 64)
    """
    import pyarrow.parquet as pq

    folder = _entry_dir(ctx.cache, step, key)
    if not (folder / "entry.json").exists():
        return None
    try:
        meta = _check_entry(folder, key)
        tables = {name: pq.read_table(folder / f"{name}.parquet").to_pandas() for name in meta["tables"]}
        result = StepResult(tables, meta["sources"], meta["extra"])
    except Exception as exc:  # noqa: BLE001 - any unreadable entry is a miss (a cut parquet file raises arrow's errors)
        why = str(exc) if isinstance(exc, ValueError) else f"it cannot be read ({type(exc).__name__})"
        warn(f"step cache entry {folder} is damaged: {why}; running step {step.name!r} again")
        return None
    with contextlib.suppress(OSError):
        os.utime(folder / "entry.json")
    return result


def store(ctx: BuildContext, step: Step, key: str, result: StepResult) -> None:
    """Keep ``result`` as the entry of ``step`` under ``key`` (a result JSON cannot hold is not kept; a cache
    that cannot be written is skipped with a warning: the build goes on without it)."""
    import pyarrow as pa

    meta: dict[str, Any] = {"step": step.name, "key": key, "tables": sorted(result.tables), "sources": result.sources}
    try:
        json.dumps({**meta, "extra": result.extra})
    except TypeError:
        return
    target = _entry_dir(ctx.cache, step, key)
    folder = target.parent
    tmp: Path | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder))
        digests = {}
        for name, df in result.tables.items():
            _write(df, tmp / f"{name}.parquet")
            digests[name] = sha256_file(tmp / f"{name}.parquet")
        meta = json.loads(json.dumps({**meta, "extra": result.extra, "sha256": digests}))  # as load() reads it
        meta["checksum"] = content_digest(meta)
        (tmp / "entry.json").write_text(json.dumps(meta, sort_keys=True, ensure_ascii=False), encoding="utf-8")
        if target.exists():  # an entry load() could not read (it is only stored after a miss): replaced
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except (OSError, pa.ArrowException) as exc:
        if not target.is_dir():  # not another build storing it meanwhile: the cache cannot be written
            warn(f"cannot write the step cache under {folder} ({_why(exc)}); the build goes on without it")
        return
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    _prune(folder)


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0][:200] or type(exc).__name__


def _write(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)


def _prune(folder: Path) -> None:
    with contextlib.suppress(OSError):
        _prune_entries(folder)


def _prune_entries(folder: Path) -> None:
    entries = sorted(
        (p for p in folder.iterdir() if (p / "entry.json").is_file()),
        key=lambda p: (p / "entry.json").stat().st_mtime_ns,
        reverse=True,
    )
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    for tmp in folder.glob(".tmp-*"):
        if _stale(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


def _stale(path: Path, age: float = 3600.0) -> bool:
    try:
        return time.time() - path.stat().st_mtime > age
    except OSError:
        return False


def result_names(result: StepResult) -> dict[str, Any]:
    """Every name a result holds (tables and extra), for checking it against the declaration.

    >>> sorted(result_names(StepResult({"t": pd.DataFrame()}, [], {"k": 1})))
    ['k', 't']
    """
    return {**result.extra, **result.tables}
