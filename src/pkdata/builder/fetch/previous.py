"""Old versions of files that changed upstream, kept in ``data/raw/.previous`` until a build used the new ones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pkdata.builder.fetch.manifest import MANIFEST, PREVIOUS, _save_manifest, load_manifest
from pkdata.core import atomic, paths


def prune_previous(raw: str | Path | None = None, processed: str | Path | None = None) -> list[str]:
    """Delete kept old versions whose replacement a successful build used; return their paths.

    A replacement counts as used when ``<processed>/manifest.json`` lists a source of that file
    name with the new sha256.

    >>> prune_previous("/nonexistent", "/nonexistent")
    []
    """
    raw = Path(raw) if raw else paths.raw_dir()
    processed = Path(processed) if processed else paths.processed_dir()
    mpath = raw / MANIFEST
    built = processed / "manifest.json"
    if not mpath.exists() or not built.exists():
        return []
    manifest = load_manifest(raw)
    try:
        used = {(s.get("name"), s.get("sha256")) for s in json.loads(built.read_text()).get("sources", [])}
    except json.JSONDecodeError:
        return []
    removed = []
    for dest, entry in manifest["files"].items():
        prev = entry.get("previous")
        if not prev:
            continue
        name = Path(dest).name
        if any(n in (name, dest) or (n and dest.endswith("/" + n)) for n, s in used if s == entry["sha256"]):
            for p in prev:
                (raw / p["path"]).unlink(missing_ok=True)
                removed.append(p["path"])
            entry.pop("previous")
    if removed:
        _save_manifest(raw, manifest)
    return removed


def restore_previous(raw: str | Path | None = None) -> list[str]:
    """Put back the kept old versions (newest kept one per file); the replaced new ones go to ``.previous``.

    >>> restore_previous("/nonexistent")
    []
    """
    raw = Path(raw) if raw else paths.raw_dir()
    manifest = load_manifest(raw)
    restored = []
    for dest, entry in manifest["files"].items():
        prev = entry.get("previous")
        if not prev:
            continue
        old = prev[-1]
        src = raw / old["path"]
        if not src.exists():
            continue
        target = raw / dest
        current_sha = entry["sha256"]
        if target.exists():
            aside = raw / PREVIOUS / f"{dest}.{current_sha[:12]}"
            aside.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_with(aside, lambda tmp, t=target: shutil.copy2(t, tmp))
            current = {
                "sha256": current_sha,
                "bytes": entry.get("bytes"),
                "path": str(aside.relative_to(raw)),
                "retrieved_at": entry.get("retrieved_at"),
                "url": entry.get("url"),
            }
        else:
            current = None
        atomic.write_with(target, lambda tmp, s=src: shutil.copyfile(s, tmp))
        src.unlink()
        entry.update(
            {
                "sha256": old["sha256"],
                "bytes": old["bytes"],
                "url": old.get("url"),
                "retrieved_at": old.get("retrieved_at"),
                "etag": None,
                "last_modified": None,
            }
        )
        entry["previous"] = [p for p in prev[:-1]] + ([current] if current else [])
        restored.append(dest)
    if restored:
        _save_manifest(raw, manifest)
    return restored
