"""Putting a checked file into ``data/raw``: an atomic move, the old version kept, the manifest entry written.

Also the two ways that do not download: a copy from a local mirror folder, and the offline report of what is on disk.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from pkdata.builder.fetch.checks import check_content
from pkdata.builder.fetch.manifest import PREVIOUS, _now
from pkdata.builder.fetch.remote import FetchError, FetchResult, RemoteFile
from pkdata.core import atomic
from pkdata.core.hashes import sha256_file


def _install(
    tmp: Path,
    spec: RemoteFile,
    raw: Path,
    manifest: dict[str, Any],
    info: dict[str, Any],
    url: str,
    where: str | None = None,
) -> FetchResult:
    """Checked temporary file -> its place (old version kept if it differs). Removes ``tmp`` on failure.

    ``url`` goes into the manifest; ``where`` names the file in error messages (default: ``url``).
    """
    dest = raw / spec.dest
    try:
        check_content(tmp, spec, info.get("content_type", ""), where=where or url)
        sha = info.get("sha256") or sha256_file(tmp)
        size = tmp.stat().st_size
        entry = dict(manifest["files"].get(spec.dest, {}))
        status = "new"
        if dest.exists():
            old_sha = sha256_file(dest)
            if old_sha == sha:
                tmp.unlink()
                status = "unchanged"
            elif spec.keep_existing:
                tmp.unlink()
                return FetchResult(
                    spec.dest,
                    "kept",
                    f"differs from {where or url}; the copy in {raw} is kept "
                    "(this source's tables are edited in the repository: compare them by hand)",
                    old_sha,
                )
            else:
                _keep_previous(dest, raw / PREVIOUS / f"{spec.dest}.{old_sha[:12]}", raw, entry, old_sha)
                status = "updated"
        if status != "unchanged":
            os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _record(entry, spec, url, sha, size, info)
    manifest["files"][spec.dest] = entry
    msg = {
        "new": "copied from a local folder" if url.startswith("file:") else "downloaded",
        "unchanged": "same bytes as before",
        "updated": f"changed upstream; previous version kept in {PREVIOUS}/ until a build succeeds",
    }[status]
    return FetchResult(spec.dest, status, msg, sha)


def _keep_previous(dest: Path, keep: Path, raw: Path, entry: dict[str, Any], old_sha: str) -> None:
    """Copy the version on disk to ``keep`` and list it last in the entry's ``previous`` (once per sha256)."""
    keep.parent.mkdir(parents=True, exist_ok=True)
    if not keep.exists():
        atomic.write_with(keep, lambda tmp: shutil.copy2(dest, tmp))
    prev = [p for p in entry.get("previous", []) if p.get("sha256") != old_sha]
    prev.append(
        {
            "sha256": old_sha,
            "bytes": dest.stat().st_size,
            "path": str(keep.relative_to(raw)),
            "retrieved_at": entry.get("retrieved_at"),
            "url": entry.get("url"),
        }
    )
    entry["previous"] = prev


def _record(entry: dict[str, Any], spec: RemoteFile, url: str, sha: str, size: int, info: dict[str, Any]) -> None:
    """The manifest entry of a file now in place: where it came from, its bytes, when, and the server's tags."""
    entry.update(
        {
            "url": url,
            "sha256": sha,
            "bytes": size,
            "kind": spec.kind,
            "group": spec.group,
            "source": spec.source or spec.group,
            "publisher": spec.publisher,
            "retrieved_at": _now(),
            "etag": info.get("etag"),
            "last_modified": info.get("last_modified"),
        }
    )


def _from_mirror(spec: RemoteFile, mirror: Path, raw: Path, manifest: dict[str, Any]) -> FetchResult:
    for name in spec.mirror_names or (spec.dest,):
        src = mirror / name
        if src.is_file():
            break
    else:
        looked = list(spec.mirror_names or (spec.dest,))
        if spec.optional:
            return FetchResult(
                spec.dest,
                "missing",
                f"not in {mirror} (optional: the reference copy has no such file; looked for {looked})",
            )
        raise FetchError(f"{spec.dest}: not in {mirror} (looked for {looked})")
    dest = raw / spec.dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic.part_name(dest)  # a killed run's is removed by the next (atomic.clean_leftovers)
    try:
        shutil.copyfile(src, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _install(tmp, spec, raw, manifest, {}, src.resolve().as_uri(), where=str(src))


def _offline(spec: RemoteFile, raw: Path, manifest: dict[str, Any]) -> FetchResult:
    dest = raw / spec.dest
    if not dest.exists():
        return FetchResult(spec.dest, "missing", "not on disk (offline: not downloaded)")
    sha = sha256_file(dest)
    known = manifest["files"].get(spec.dest, {}).get("sha256")
    if known and known != sha:
        return FetchResult(
            spec.dest, "present", "on disk, but differs from the manifest's sha256 (edited by hand?)", sha
        )
    return FetchResult(spec.dest, "present", "on disk", sha)
