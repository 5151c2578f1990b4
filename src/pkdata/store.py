"""Reading the processed tables (parquet) and the manifest, with an in-memory cache.

Every loader goes through :func:`table`, which reads ``<PKDATA_DATA>/<name>.parquet`` once
per file version (path, size, mtime) and hands out copies.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from pkdata import paths
from pkdata.errors import DataNotFoundError


@lru_cache(maxsize=32)
def _read(path: str, size: int, mtime: float) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas()


def table(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """A processed table by name (a copy, safe to modify).

    >>> table("contributions").shape[1] >= 9
    True
    """
    folder = Path(data_dir) if data_dir else paths.processed_dir()
    path = folder / f"{name}.parquet"
    if not path.exists():
        raise DataNotFoundError(
            f"{path} not found. Run `pkdata build` (or `make data`) to create it, or point PKDATA_DATA "
            "at a folder that has it.")
    st = path.stat()
    # pandas copy-on-write: a shallow copy is safe to modify and costs nothing.
    return _read(str(path), st.st_size, st.st_mtime).copy(deep=False)


def manifest(data_dir: str | Path | None = None) -> dict[str, Any]:
    """The manifest of the processed folder: tables, source files (sha256, publisher, URL, rows), months.

    >>> "sources" in manifest()
    True
    """
    folder = Path(data_dir) if data_dir else paths.processed_dir()
    path = folder / "manifest.json"
    if not path.exists():
        raise DataNotFoundError(f"{path} not found. Run `pkdata build` to create it.")
    return json.loads(path.read_text())
