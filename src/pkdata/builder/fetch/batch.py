"""One fetch of many files: each through the same path (download, mirror copy or offline look), one manifest write."""

from __future__ import annotations

import errno
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pkdata.builder.fetch.download import make_session
from pkdata.builder.fetch.install import _from_mirror, _offline
from pkdata.builder.fetch.manifest import PREVIOUS, _save_manifest, load_manifest
from pkdata.builder.fetch.previous import prune_previous
from pkdata.builder.fetch.remote import FetchConfig, FetchError, FetchResult, RemoteFile
from pkdata.builder.fetch.routes import fetch_by_routes
from pkdata.core import atomic, paths

if TYPE_CHECKING:  # requests is imported only when a download starts
    import requests


def fetch(
    files: Iterable[RemoteFile],
    raw: str | Path | None = None,
    *,
    offline: bool = False,
    mirror: str | Path | None = None,
    config: FetchConfig | None = None,
    session: requests.Session | None = None,
    processed: str | Path | None = None,
) -> list[FetchResult]:
    """Fetch each file (see the module docstring); one :class:`FetchResult` per file, failures included.

    The manifest is rewritten (atomically) only when an entry changed (never for a failed file). Before fetching,
    old versions whose replacement a successful build already used are removed (:func:`prune_previous`).

    >>> fetch([], "/tmp/pkdata-doctest-raw", offline=True)
    []
    """
    raw = Path(raw) if raw else paths.raw_dir()
    config = config or FetchConfig()
    files = list(files)
    if not offline:
        _prepare(raw, files)
        prune_previous(raw, processed)
    manifest = load_manifest(raw)
    before = json.dumps(manifest, sort_keys=True)
    results: list[FetchResult] = []
    if not offline and mirror is None and session is None and any(spec.url or spec.routes for spec in files):
        session = make_session(config)
    down: dict[str, FetchResult] = {}  # host -> the failure that showed it cannot be reached
    for spec in files:
        host = urlsplit(spec.url).netloc if spec.url and not offline and mirror is None else ""
        if host in down:
            results.append(FetchResult(spec.dest, "failed", down[host].message, extra={"unreachable": host}))
            continue
        try:
            if offline:
                results.append(_offline(spec, raw, manifest))
            elif mirror is not None:
                results.append(_from_mirror(spec, Path(mirror), raw, manifest))
            elif not spec.url and not spec.routes:
                result = _offline(spec, raw, manifest)
                result.message = (
                    f"{result.message}; no download address recorded for source {spec.source!r} "
                    "(pkdata/data/sources.toml): use `pkdata fetch --from DIR` with a local copy"
                )
                results.append(result)
            else:
                results.append(fetch_by_routes(session, spec, raw, manifest, config))
        except FetchError as exc:
            results.append(FetchResult(spec.dest, "failed", str(exc)))
            if exc.unreachable:
                down[exc.unreachable] = results[-1]
                results[-1].extra["unreachable"] = exc.unreachable
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            problem = f"the disk is full ({exc.strerror}) writing {exc.filename}" if full else str(exc)
            results.append(FetchResult(spec.dest, "failed", f"{spec.dest}: {problem}. Nothing on disk changed."))
    if json.dumps(manifest, sort_keys=True) != before:
        _save_manifest(raw, manifest)
    return results


def _prepare(raw: Path, files: list[RemoteFile]) -> None:
    """Before fetching: every folder the files go to can be written (else one :class:`FetchError` naming it, not
    one failure per file), and the ``.part`` files of a killed fetch are removed."""
    folders = sorted({(raw / spec.dest).parent for spec in files} | {raw})
    for kept in {(raw / PREVIOUS / spec.dest).parent for spec in files}:  # old versions kept by a killed fetch
        atomic.clean_leftovers(kept)
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = atomic.part_name(folder / ".pkdata-write-test")
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            problem = "not a folder" if folder.exists() and not folder.is_dir() else exc.strerror or str(exc)
            blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
            if blocker is not None:
                problem = f"{blocker} is a file, not a folder"
            raise FetchError(
                f"cannot write into {folder} ({problem}); nothing was fetched. Pass --raw a folder you can write "
                "(or fix that folder's permissions)"
            ) from None
        atomic.clean_leftovers(folder)
