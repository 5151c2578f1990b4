"""Where pkdata reads and writes data.

Defaults point into the repository checkout (``data/raw``, ``data/processed``); each can be
overridden by an environment variable:

- ``PKDATA_DATA``: the processed folder every loader reads (default ``<repo>/data/processed``).
- ``PKDATA_RAW``: the raw folder ``pkdata build`` and ``pkdata fetch`` use (default ``<repo>/data/raw``).
- ``PKDATA_REFERENCE``: the shared reference copies (default ``<repo>/../shared/reference``).
- ``PKDATA_CACHE``: the per-file parse cache (default ``<repo>/.cache``).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def processed_dir() -> Path:
    """Folder of the processed tables every loader reads.

    >>> processed_dir().name
    'processed'
    """
    return _env_path("PKDATA_DATA", REPO_DIR / "data" / "processed")


def raw_dir() -> Path:
    """Folder of downloaded source files (``data/raw`` unless ``PKDATA_RAW`` is set).

    >>> raw_dir().name
    'raw'
    """
    return _env_path("PKDATA_RAW", REPO_DIR / "data" / "raw")


def reference_dir() -> Path:
    """Folder of the shared reference copies (``../shared/reference`` beside the repo).

    >>> reference_dir().is_absolute()
    True
    """
    return _env_path("PKDATA_REFERENCE", REPO_DIR.parent / "shared" / "reference")


def cache_dir() -> Path:
    """Folder of the per-source-file parse cache (``PKDATA_CACHE``, default ``<repo>/.cache``).

    >>> cache_dir().name
    '.cache'
    """
    return _env_path("PKDATA_CACHE", REPO_DIR / ".cache")


def un_pdf_dir(raw: Path | None = None) -> Path:
    """Folder holding the UN monthly PDF reports.

    Under ``raw/un_monthly_pdfs`` if that exists, else the reference copy.

    >>> un_pdf_dir().name in {'un_monthly_pdfs', 'un_monthly_pdfs_kl371218'}
    True
    """
    base = raw if raw is not None else raw_dir()
    candidate = base / "un_monthly_pdfs"
    if candidate.is_dir() and any(candidate.glob("*.pdf")):
        return candidate
    return reference_dir() / "personnel" / "un_monthly_pdfs_kl371218"
