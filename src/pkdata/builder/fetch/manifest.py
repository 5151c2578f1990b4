"""``data/raw/fetch_manifest.json``: what each fetched file is, where it came from, which old versions are kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pkdata.core import atomic, paths
from pkdata.core.errors import PkdataError

MANIFEST = "fetch_manifest.json"
#: Folder of ``data/raw`` holding the old versions of files that changed upstream.
PREVIOUS = ".previous"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def load_manifest(raw: str | Path | None = None) -> dict[str, Any]:
    """``data/raw/fetch_manifest.json`` (``{"format_version": 1, "files": {dest: entry}}``).

    >>> load_manifest("/nonexistent")["files"]
    {}
    """
    path = Path(raw or paths.raw_dir()) / MANIFEST
    if not path.exists():
        return {"format_version": 1, "files": {}}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise PkdataError(
            f"{path} is not valid JSON ({exc}); restore it from a backup or delete it "
            "(the files it lists stay and are re-hashed on the next fetch)"
        ) from exc
    data.setdefault("files", {})
    return data


def _save_manifest(raw: Path, manifest: dict[str, Any]) -> None:
    raw.mkdir(parents=True, exist_ok=True)
    atomic.write_text(raw / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
