"""Reading the processed tables (parquet) and the manifest: verified, with an in-memory cache.

Every loader goes through :func:`table`, which reads ``<PKDATA_DATA>/<name>.parquet`` once
per file version (path, size, mtime_ns) and hands out copies. A table is only handed out when
its sha256 and columns are those the manifest (written last by the build) names, so a table
from another build, a renamed file or a cut file is an error, never silently wrong data.
Reading holds a shared lock on the folder, so it never sees a build's swap half done.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata.core import atomic, paths, registry
from pkdata.core.errors import DataFolderError, DataNotFoundError, InconsistentDataError, PkdataError

MANIFEST = "manifest.json"
#: The layout of the processed folder this version reads (the manifest's ``format_version``, written by the build).
FORMAT_VERSION = 1
#: Columns a table must have, whatever its manifest says: those the table registry declares.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {name: registry.columns(name) for name in registry.tables()}

_TABLES: dict[tuple[str, int, int], tuple[pd.DataFrame, str]] = {}
_MANIFESTS: dict[tuple[str, int, int], dict[str, Any]] = {}
_CACHE_SIZE = 32


def fix_hint(folder: str | Path) -> str:
    """What to do about an inconsistent processed folder (``git checkout`` only for the checkout's own).

    >>> fix_hint("/tmp/x")
    'run `pkdata verify --repair --data /tmp/x` (finishes an interrupted build) or `pkdata build --out /tmp/x` again'
    """
    folder = Path(folder)
    hint = f"run `pkdata verify --repair --data {folder}` (finishes an interrupted build)"
    if paths.IN_CHECKOUT and folder.resolve().is_relative_to(paths.REPO_DIR):
        return hint + f", `pkdata build` again, or `git checkout {folder.resolve().relative_to(paths.REPO_DIR)}`"
    return hint + f" or `pkdata build --out {folder}` again"


def data_folder(data_dir: str | Path | None = None) -> Path:
    """The processed folder to read (``data_dir``, else :func:`pkdata.core.paths.processed_dir`), which must exist.

    A missing or unreadable folder (a mistyped ``--data`` or ``PKDATA_DATA``) is an error, never "no data":

    >>> data_folder("/no/such/folder")
    Traceback (most recent call last):
    ...
    pkdata.core.errors.DataFolderError: data folder /no/such/folder does not exist; pass --data ......
    """
    folder = Path(data_dir) if data_dir else paths.processed_dir()
    env = os.environ.get("PKDATA_DATA")
    from_env = bool(env) and folder.resolve() == Path(str(env)).expanduser().resolve()
    given = "PKDATA_DATA=" if from_env else "data folder "
    fix = "pass --data (or set PKDATA_DATA to) a processed folder, e.g. one `pkdata build --out DIR` wrote"
    if not folder.exists():
        raise DataFolderError(f"{given}{folder} does not exist; {fix}")
    if not folder.is_dir():
        raise DataFolderError(f"{given}{folder} is a file, not a folder; {fix}")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise DataFolderError(f"{given}{folder} cannot be read (permission denied); {fix}")
    if not (folder / MANIFEST).exists() and not any(folder.glob("*.parquet")):
        raise DataFolderError(f"{given}{folder} holds no pkdata tables (no {MANIFEST}, no .parquet); {fix}")
    return folder


def format_problem(folder: Path, m: dict[str, Any], names: list[str] | None = None) -> str | None:
    """Why the folder's manifest ``m`` is not one this version reads (another format version, or tables without
    the columns the table registry declares), or None.

    >>> print(format_problem(Path("old"), {"format_version": 0, "tables": {}}))
    old was built by another version of pkdata (format_version 0, this version reads 1); rebuild it ...
    """
    fix = "rebuild it with `pkdata build`, or point PKDATA_DATA at a folder this version built"
    if m.get("format_version") != FORMAT_VERSION:
        return (
            f"{folder} was built by another version of pkdata (format_version {m.get('format_version')}, "
            f"this version reads {FORMAT_VERSION}); {fix}"
        )
    for name in names if names is not None else sorted(m["tables"]):
        entry = m["tables"].get(name)
        if not isinstance(entry, dict) or name not in REQUIRED_COLUMNS:
            continue
        missing = [c for c in REQUIRED_COLUMNS[name] if c not in entry.get("columns", [])]
        if missing:
            return (
                f"{folder} was built by another version of pkdata: its {name} table has no column "
                f"{', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''}; {fix}"
            )
    return None


def _remember(cache: dict, key: tuple, value: Any) -> Any:
    if len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def _load_manifest(folder: Path) -> dict[str, Any]:
    """The parsed manifest (cached per file version; do not modify)."""
    path = folder / MANIFEST
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        raise DataNotFoundError(
            f"{path} not found. Run `pkdata build` to create it (or point PKDATA_DATA at a folder that has it)."
        ) from None
    except OSError as exc:
        raise DataNotFoundError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        st = os.fstat(fh.fileno())
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key in _MANIFESTS:
            return _MANIFESTS[key]
        data = fh.read()
    m = _parse_manifest(data, path, folder)
    if not isinstance(m.get("sources", []), list):
        raise InconsistentDataError(f"{path} is not a pkdata manifest (no 'tables'); {fix_hint(folder)}")
    return _remember(_MANIFESTS, key, m)


def _parse_manifest(data: bytes, path: Path, folder: Path) -> dict[str, Any]:
    """The manifest's JSON, which must be an object with a ``tables`` object (else an error saying what to do)."""
    try:
        m = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InconsistentDataError(f"{path} is not a valid manifest ({exc}); {fix_hint(folder)}") from None
    if not isinstance(m, dict) or not isinstance(m.get("tables"), dict):
        raise InconsistentDataError(f"{path} is not a pkdata manifest (no 'tables'); {fix_hint(folder)}")
    return m


def _read(path: Path) -> tuple[pd.DataFrame, str]:
    """The table in ``path`` and the sha256 of the bytes it was read from (cached per file version)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key in _TABLES:
            return _TABLES[key]
        data = fh.read()
    digest = hashlib.sha256(data).hexdigest()
    try:
        frame = pq.read_table(pa.BufferReader(data)).to_pandas()
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InconsistentDataError(f"{path} is not a readable parquet file ({exc}); {fix_hint(path.parent)}") from None
    return _remember(_TABLES, key, (frame, digest))


def _verified(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    with atomic.locked(folder, shared=True):
        m = _load_manifest(folder)
        old = format_problem(folder, m, [name])
        if old:
            raise InconsistentDataError(old)
        if not path.exists():
            raise DataNotFoundError(
                f"{path} not found. Run `pkdata build` (or `make data`) to create it, or point PKDATA_DATA "
                "at a folder that has it."
            )
        entry = m["tables"].get(name)
        if not isinstance(entry, dict):
            raise InconsistentDataError(
                f"{folder / MANIFEST} does not list the table {name!r} (it lists "
                f"{sorted(m['tables'])}); {fix_hint(folder)}"
            )
        frame, digest = _read(path)
    if entry.get("sha256") != digest:
        raise InconsistentDataError(
            f"{folder} is inconsistent: {path.name} (sha256 {digest[:12]}…) is not the file its manifest names "
            f"(sha256 {str(entry.get('sha256'))[:12]}…), e.g. a build was interrupted or a file was replaced; "
            f"{fix_hint(folder)}"
        )
    columns = [str(c) for c in frame.columns]
    expected = list(entry.get("columns", columns))
    missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in columns]
    if columns != expected or missing:
        raise InconsistentDataError(
            f"{path} has columns {columns}, expected {expected if not missing else list(REQUIRED_COLUMNS[name])}: "
            f"it is not a {name} table; {fix_hint(folder)}"
        )
    return frame


def table(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """A processed table by name (a copy, safe to modify), checked against the manifest.

    >>> t = table("contributions")
    >>> list(t.columns) == list(registry.columns("contributions")), int(t.loc[t["date"] == "2019-06-30", "total"].sum())
    (True, 87324)
    """
    folder = data_folder(data_dir)
    for attempt in range(4):
        try:
            frame = _verified(folder, name)
            break
        except InconsistentDataError:
            # without folder locks (non-POSIX) a build may be mid-swap: look again before refusing
            if attempt == 3 or not any(folder.glob(f"{atomic.SWAP_PREFIX}*/{atomic.READY}")):
                raise
            time.sleep(0.1 * (attempt + 1))
    # pandas copy-on-write: a shallow copy is safe to modify and costs nothing.
    return frame.copy(deep=False)


def manifest(data_dir: str | Path | None = None) -> dict[str, Any]:
    """The manifest of the processed folder: tables, source files (sha256, publisher, URL, rows), months.

    The public ``pkdata.manifest()``.

    >>> m = manifest()
    >>> m["format_version"], m["contributions"]["first_month"], m["tables"]["missions"]["file"]
    (1, '1990-11', 'missions.parquet')
    """
    folder = data_folder(data_dir)
    with atomic.locked(folder, shared=True):
        path = folder / MANIFEST
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            raise DataNotFoundError(f"{path} not found. Run `pkdata build` to create it.") from None
    return _parse_manifest(text, path, folder)


def load(names: list[str] | tuple[str, ...], data_dir: str | Path | None = None) -> dict[str, Any]:
    """Several processed tables (and ``"manifest"``) from one build: read under one shared lock on the folder,
    so a build finishing meanwhile cannot pair one build's manifest with another's table.

    The public ``pkdata.load()``; each table as :func:`table` gives it (``pkdata.contributions()`` is
    ``load(["contributions"])["contributions"]``).

    >>> d = load(["manifest", "contributions"])
    >>> d["manifest"]["tables"]["contributions"]["rows"] == len(d["contributions"])
    True
    """
    if isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise PkdataError(f"names={names!r}: pass a list of table names, e.g. ['manifest', 'contributions']")
    known = ["manifest", *registry.tables()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise PkdataError(f"unknown table {unknown[0]!r}; known: {', '.join(known)}")
    folder = data_folder(data_dir)
    with atomic.locked(folder, shared=True):
        return {n: manifest(folder) if n == "manifest" else table(n, folder) for n in names}


def verify(data_dir: str | Path | None = None) -> list[str]:
    """Check the folder against its manifest: the format this version reads, every table it lists (present,
    sha256, columns, rows), the months it lists against the contributions table, and ``datapackage.json``;
    return the problems (empty: all good).

    >>> verify()
    []
    """
    folder = data_folder(data_dir)
    try:
        m = manifest(folder)
    except (DataNotFoundError, InconsistentDataError) as exc:
        return [str(exc)]
    problems: list[str] = []
    pending = sorted(p.parent.name for p in folder.glob(f"{atomic.SWAP_PREFIX}*/{atomic.READY}"))
    if pending:
        problems.append(
            f"{folder}: an interrupted build left {', '.join(pending)}; `pkdata verify --repair` finishes it"
        )
    old = format_problem(folder, m)
    if old:
        return [*problems, old]
    for name, entry in sorted(m["tables"].items()):
        problems += _table_problems(folder, name, entry)
    problems += _month_problems(folder, m)
    if not (folder / "datapackage.json").is_file():
        problems.append(f"{folder / 'datapackage.json'}: missing; `pkdata build` writes it again")
    return problems


def _table_problems(folder: Path, name: str, entry: Any) -> list[str]:
    """What is wrong with one table against its manifest entry (present, sha256, columns, rows)."""
    import pyarrow.parquet as pq

    from pkdata.core.hashes import sha256_file

    if not isinstance(entry, dict):
        return [f"{folder / MANIFEST}: the entry of table {name!r} is not an object"]
    path = folder / str(entry.get("file", f"{name}.parquet"))
    if not path.is_file():
        return [f"{path}: missing (the manifest lists it)"]
    digest = sha256_file(path)
    if digest != entry.get("sha256"):
        return [f"{path}: sha256 {digest[:12]}… differs from the manifest's {str(entry.get('sha256'))[:12]}…"]
    try:
        meta = pq.read_metadata(path)
        columns = meta.schema.to_arrow_schema().names
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a problem to report
        return [f"{path}: not a readable parquet file ({exc})"]
    if columns != list(entry.get("columns", columns)):
        return [f"{path}: columns {columns} differ from the manifest's {entry.get('columns')}"]
    if entry.get("rows") != meta.num_rows:
        return [f"{folder / MANIFEST}: says {name} has {entry.get('rows')} rows; {path.name} has {meta.num_rows}"]
    return []


def _month_problems(folder: Path, m: dict[str, Any]) -> list[str]:
    """The manifest's contributions months (listed, first, last, missing) against the table's dates."""
    entry = m["tables"].get("contributions")
    listed = m.get("contributions")
    if not isinstance(entry, dict) or listed is None:
        return []
    try:
        dates = table("contributions", folder)["date"]
    except PkdataError:
        return []  # reported by the table checks
    have = sorted(set(pd.to_datetime(dates).dt.strftime("%Y-%m")))
    where = f"{folder / MANIFEST}: contributions"
    if not isinstance(listed, dict) or not isinstance(listed.get("months"), dict):
        return [f"{where} has no month list"]
    months = sorted(listed["months"])
    problems = []
    if months != have:
        gone, extra = sorted(set(have) - set(months)), sorted(set(months) - set(have))
        problems.append(
            f"{where} months differ from the table's: not listed {gone[:12]}, not in the table {extra[:12]}"
        )
    if have and (listed.get("first_month"), listed.get("last_month")) != (have[0], have[-1]):
        problems.append(
            f"{where} first/last month {listed.get('first_month')}..{listed.get('last_month')} "
            f"differ from the table's {have[0]}..{have[-1]}"
        )
    if have:
        span = pd.period_range(have[0], have[-1], freq="M").strftime("%Y-%m")
        gaps = [p for p in span if p not in set(have)]
        if listed.get("missing_months") != gaps:
            problems.append(f"{where} missing_months differ from the table's gaps {gaps[:12]}")
    return problems
