"""Where pkdata reads and writes data: one rule for every folder.

Each folder is, in this order: the environment variable if set; else the folder in the
repository checkout, when pkdata runs from one (a ``pyproject.toml`` and ``data/processed``
two levels above the package); else, for an installed package, a per-user folder for what
pkdata writes (XDG: ``$XDG_DATA_HOME/pkdata``, default ``~/.local/share/pkdata``) and the copy
shipped inside the package (``pkdata/_data/``) for reading. An installed package never writes
into its own folder: :func:`build_dir` is never the shipped copy.

- ``PKDATA_DATA``: the processed tables. Loaders read (:func:`processed_dir`), in this order:
  ``PKDATA_DATA``; the checkout's ``data/processed``; the user's built folder
  (``$XDG_DATA_HOME/pkdata/processed``) if it has a manifest whose tables match their sha256;
  else the package's ``_data/processed``. ``pkdata build`` writes (:func:`build_dir`) to
  ``PKDATA_DATA``, the checkout's ``data/processed``, else the user's folder.
- ``PKDATA_RAW``: the raw folder ``pkdata build`` and ``pkdata fetch`` use (checkout ``data/raw``;
  installed: ``$XDG_DATA_HOME/pkdata/raw``).
- ``PKDATA_REFERENCE``: the shared reference copies (checkout ``../shared/reference``; installed:
  ``$XDG_DATA_HOME/pkdata/reference``).
- ``PKDATA_CACHE``: the build's parse cache (checkout ``.cache``; installed: ``$XDG_CACHE_HOME/pkdata``).

The curated fact tables (``data/raw/curated``) and the notebooks have no variable: the
checkout's copy, else the package's.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

#: The package folder (``src/pkdata`` in a checkout); this module lives in its ``core`` sub-package.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The checkout root when pkdata runs from its repository (see :data:`IN_CHECKOUT`).
REPO_DIR = PACKAGE_DIR.parent.parent
#: True when the package is imported from a repository checkout (``src/pkdata``).
IN_CHECKOUT = (REPO_DIR / "pyproject.toml").is_file() and (REPO_DIR / "data" / "processed").is_dir()
#: Data shipped inside the installed package (the wheel's copy of data/processed, curated, notebooks).
PACKAGE_DATA = PACKAGE_DIR / "_data"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _user_dir(variable: str, fallback: str) -> Path:
    base = os.environ.get(variable) or str(Path.home() / fallback)
    return Path(base).expanduser() / "pkdata"


def user_data_dir() -> Path:
    """The per-user folder an installed pkdata writes into (``$XDG_DATA_HOME/pkdata``).

    >>> user_data_dir().name
    'pkdata'
    """
    return _user_dir("XDG_DATA_HOME", ".local/share")


_VERIFIED: dict[tuple[str, int, int], bool] = {}


def _built_and_whole(folder: Path) -> bool:
    """True when ``folder`` has a manifest and every table it lists has the sha256 it names.

    Cached per manifest version (a build rewrites the manifest last).

    >>> _built_and_whole(REPO_DIR / "no such folder")
    False
    """
    manifest = folder / "manifest.json"
    try:
        st = manifest.stat()
    except OSError:
        return False
    key = (str(manifest), st.st_size, st.st_mtime_ns)
    if key not in _VERIFIED:
        try:
            tables = json.loads(manifest.read_text(encoding="utf-8"))["tables"]
            ok = bool(tables) and all(
                hashlib.sha256((folder / str(e.get("file", f"{n}.parquet"))).read_bytes()).hexdigest()
                == e.get("sha256")
                for n, e in tables.items()
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            ok = False
        _VERIFIED[key] = ok
    return _VERIFIED[key]


def processed_dir() -> Path:
    """Folder of the processed tables every loader reads (the order is in the module docstring).

    >>> processed_dir().name
    'processed'
    """
    if os.environ.get("PKDATA_DATA") or IN_CHECKOUT:
        return _env_path("PKDATA_DATA", REPO_DIR / "data" / "processed")
    built = user_data_dir() / "processed"
    return built if _built_and_whole(built) else PACKAGE_DATA / "processed"


def build_dir() -> Path:
    """Folder ``pkdata build`` writes by default: ``PKDATA_DATA``, the checkout's, else the user's; never the
    package's own copy.

    >>> build_dir() != PACKAGE_DATA / "processed"
    True
    """
    default = REPO_DIR / "data" / "processed" if IN_CHECKOUT else user_data_dir() / "processed"
    return _env_path("PKDATA_DATA", default)


def raw_dir() -> Path:
    """Folder of downloaded source files (``data/raw`` in a checkout, unless ``PKDATA_RAW`` is set).

    >>> raw_dir().name
    'raw'
    """
    default = REPO_DIR / "data" / "raw" if IN_CHECKOUT else user_data_dir() / "raw"
    return _env_path("PKDATA_RAW", default)


def reference_dir() -> Path:
    """Folder of the shared reference copies (``../shared/reference`` beside a checkout).

    The variable wins, made absolute (``~`` expanded); the folder need not exist (a fresh clone has none):

    >>> saved = os.environ.get("PKDATA_REFERENCE")
    >>> os.environ["PKDATA_REFERENCE"] = "/tmp/pk/../reference"
    >>> str(reference_dir())
    '/tmp/reference'
    >>> _ = os.environ.pop("PKDATA_REFERENCE") if saved is None else os.environ.update(PKDATA_REFERENCE=saved)
    """
    default = REPO_DIR.parent / "shared" / "reference" if IN_CHECKOUT else user_data_dir() / "reference"
    return _env_path("PKDATA_REFERENCE", default)


def cache_dir() -> Path:
    """Folder of the build's parse cache (``PKDATA_CACHE``; ``.cache`` in a checkout).

    The variable wins, made absolute (``~`` expanded):

    >>> saved = os.environ.get("PKDATA_CACHE")
    >>> os.environ["PKDATA_CACHE"] = "/tmp/pk/../pkcache"
    >>> str(cache_dir())
    '/tmp/pkcache'
    >>> _ = os.environ.pop("PKDATA_CACHE") if saved is None else os.environ.update(PKDATA_CACHE=saved)
    """
    default = REPO_DIR / ".cache" if IN_CHECKOUT else _user_dir("XDG_CACHE_HOME", ".cache")
    return _env_path("PKDATA_CACHE", default)


def curated_dir() -> Path:
    """Folder of the curated fact tables compiled from documents (``data/raw/curated``).

    >>> (curated_dir() / "report_dates.csv").is_file()
    True
    """
    return REPO_DIR / "data" / "raw" / "curated" if IN_CHECKOUT else PACKAGE_DATA / "curated"


def notebooks_dir() -> Path:
    """Folder of the notebooks (``notebooks/`` in a checkout, else the package's copy).

    >>> any(notebooks_dir().glob("*.ipynb"))
    True
    """
    return REPO_DIR / "notebooks" if IN_CHECKOUT else PACKAGE_DATA / "notebooks"


def un_pdf_dir(raw: Path | None = None) -> Path:
    """Folder holding the UN monthly PDF reports: ``raw/un_monthly_pdfs`` if it has any, else the reference copy.

    >>> un_pdf_dir().name in {'un_monthly_pdfs', 'un_monthly_pdfs_kl371218'}
    True
    """
    base = raw if raw is not None else raw_dir()
    candidate = base / "un_monthly_pdfs"
    if candidate.is_dir() and any(candidate.glob("*.pdf")):
        return candidate
    return reference_dir() / "personnel" / "un_monthly_pdfs_kl371218"
